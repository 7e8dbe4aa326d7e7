package io.pqlscore.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** SPEC 7: the one accepted timestamp form, and the UTC renderings used by outputs and distinct days. */
class TimestampsTest {

    /** 2026-03-02T09:00:00Z. */
    private static final long T0 = 1_772_442_000_000L;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2026-03-02T09:00:00Z          | 1772442000000",
        "2026-03-02t09:00:00z          | 1772442000000",
        "2026-03-02T09:00Z             | 1772442000000",
        "2026-03-02T09:00:00.000Z      | 1772442000000",
        "2026-03-02T09:00:00.001Z      | 1772442000001",
        "2026-03-02T09:00:00.1Z        | 1772442000100",
        "2026-03-02T09:00:00.12Z       | 1772442000120",
        "2026-03-02T09:00:00.123Z      | 1772442000123",
        "2026-03-02T09:00:00.123999Z   | 1772442000123",
        "2026-03-02T09:00:00.9999999Z  | 1772442000999",
        "2026-03-02T11:00:00+02:00     | 1772442000000",
        "2026-03-02T11:00+02:00        | 1772442000000",
        "2026-03-02T04:00:00-05:00     | 1772442000000",
        "2026-03-02T14:30:00+05:30     | 1772442000000",
        "2026-03-01T23:00:00-10:00     | 1772442000000",
        "2026-03-02T09:00:00+00:00     | 1772442000000",
        "2026-03-02T09:00:00-00:00     | 1772442000000",
        "2026-03-02T23:59:59.999+23:59 | 1772409659999",
        "1970-01-01T00:00:00Z          | 0",
        "1969-12-31T23:59:59.999Z      | -1",
        "1970-01-01T01:00:00+01:00     | 0",
        "2024-02-29T00:00:00Z          | 1709164800000",
        "2000-01-01T00:00:00Z          | 946684800000",
    })
    void accepted(String text, long expected) {
        assertThat(Timestamps.parseMillis(text)).isEqualTo(expected);
    }

    @Test
    void agreesWithJavaTimeForOrdinaryInstants() {
        for (String s : new String[] {"2026-03-02T09:00:00.123Z", "2031-12-31T23:59:59Z", "1999-06-15T12:34:56.789Z"}) {
            assertThat(Timestamps.parseMillis(s)).isEqualTo(Instant.parse(s).toEpochMilli());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        " ",
        "yesterday",
        "now",
        "1772442000000",
        "1772442000",
        "2026-03-02",
        "2026-03-02T09:00:00",
        "2026-03-02T09:00:00.123",
        "2026-03-02T09Z",
        "2026-03-02T9:00:00Z",
        "2026-3-02T09:00:00Z",
        "26-03-02T09:00:00Z",
        "+2026-03-02T09:00:00Z",
        "2026-03-02 09:00:00Z",
        "2026-03-02_09:00:00Z",
        "2026-03-02T09:00:00+0200",
        "2026-03-02T09:00:00+02",
        "2026-03-02T09:00:00+2:00",
        "2026-03-02T09:00:00+02:00:00",
        "2026-03-02T09:00:00 +02:00",
        "2026-03-02T09:00:00+24:00",
        "2026-03-02T09:00:00+02:60",
        "2026-03-02T09:00:00.Z",
        "2026-03-02T09:00:00,123Z",
        "2026-03-02T09:00.5Z",
        "2026-03-02T09:00:00UTC",
        "2026-03-02T09:00:00GMT",
        "2026-03-02T09:00:00Z[UTC]",
        "2026-03-02T09:00:00+02:00[Europe/Paris]",
        "2026-03-02T09:00:00ZZ",
        " 2026-03-02T09:00:00Z",
        "2026-03-02T09:00:00Z ",
        "2026-03-02T09:00:00Z\n",
        "2026-13-02T09:00:00Z",
        "2026-00-02T09:00:00Z",
        "2026-03-00T09:00:00Z",
        "2026-03-32T09:00:00Z",
        "2026-02-29T09:00:00Z",
        "2026-04-31T09:00:00Z",
        "2026-03-02T24:00:00Z",
        "2026-03-02T09:60:00Z",
        "2026-03-02T09:00:60Z",
        "2026-03-02T23:59:60Z",
        "Mon, 02 Mar 2026 09:00:00 GMT",
        "２０２６-03-02T09:00:00Z",
    })
    void refused(String text) {
        assertThat(Timestamps.parseMillis(text)).as("'%s'", text).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void refusesNullAndOverlongText() {
        assertThat(Timestamps.parseMillis(null)).isEqualTo(Long.MIN_VALUE);
        assertThat(Timestamps.parseMillis("2026-03-02T09:00:00." + "1".repeat(100) + "Z")).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void formatIsUtcWithMilliseconds() {
        assertThat(Timestamps.format(T0)).isEqualTo("2026-03-02T09:00:00.000Z");
        assertThat(Timestamps.format(T0 + 123)).isEqualTo("2026-03-02T09:00:00.123Z");
        assertThat(Timestamps.format(T0 + 7)).isEqualTo("2026-03-02T09:00:00.007Z");
        assertThat(Timestamps.format(0)).isEqualTo("1970-01-01T00:00:00.000Z");
        assertThat(Timestamps.format(-1)).isEqualTo("1969-12-31T23:59:59.999Z");
    }

    @Test
    void formatRoundTripsThroughParse() {
        for (long t : new long[] {0, 1, T0, T0 + 999, 4_102_444_799_999L}) {
            assertThat(Timestamps.parseMillis(Timestamps.format(t))).isEqualTo(t);
        }
    }

    @Test
    void utcDateAcrossOffsets() {
        assertThat(Timestamps.utcDate(T0)).isEqualTo("2026-03-02");
        // 23:30 at -02:00 is 01:30 the next UTC day
        assertThat(Timestamps.utcDate(Timestamps.parseMillis("2026-03-02T23:30:00-02:00"))).isEqualTo("2026-03-03");
        // 00:30 at +02:00 is 22:30 the previous UTC day
        assertThat(Timestamps.utcDate(Timestamps.parseMillis("2026-03-02T00:30:00+02:00"))).isEqualTo("2026-03-01");
        // the day's bounds
        assertThat(Timestamps.utcDate(Timestamps.parseMillis("2026-03-02T00:00:00Z"))).isEqualTo("2026-03-02");
        assertThat(Timestamps.utcDate(Timestamps.parseMillis("2026-03-02T23:59:59.999Z"))).isEqualTo("2026-03-02");
        assertThat(Timestamps.utcDate(Timestamps.parseMillis("2026-03-03T00:00:00Z"))).isEqualTo("2026-03-03");
        // before the epoch: floor, not truncation
        assertThat(Timestamps.utcDate(-1)).isEqualTo("1969-12-31");
        assertThat(Timestamps.utcDate(0)).isEqualTo("1970-01-01");
        // leap day
        assertThat(Timestamps.utcDate(Timestamps.parseMillis("2024-02-29T12:00:00Z"))).isEqualTo("2024-02-29");
    }

    // ---------------------------------------------------------------- the hand-written code against the reference

    /** SPEC 7's form as the regular expression the parser used before it was written by hand. */
    private static final Pattern FORM = Pattern.compile(
            "(\\d{4})-(\\d{2})-(\\d{2})[Tt](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d+))?)?(?:([Zz])|([+-])(\\d{2}):(\\d{2}))");

    private static long reference(String text) {
        if (text == null || text.length() > 64) {
            return Long.MIN_VALUE;
        }
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            return Long.MIN_VALUE;
        }
        try {
            int second = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
            int hour = Integer.parseInt(m.group(4));
            int minute = Integer.parseInt(m.group(5));
            if (hour > 23 || minute > 59 || second > 59) {
                return Long.MIN_VALUE;
            }
            int millis = m.group(7) == null ? 0 : Integer.parseInt((m.group(7) + "00").substring(0, 3));
            int offset = 0;
            if (m.group(8) == null) {
                int oh = Integer.parseInt(m.group(10));
                int om = Integer.parseInt(m.group(11));
                if (oh > 23 || om > 59) {
                    return Long.MIN_VALUE;
                }
                offset = (oh * 3600 + om * 60) * ("-".equals(m.group(9)) ? -1 : 1);
            }
            long day = LocalDate.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3))).toEpochDay();
            return (day * 86_400L + hour * 3600L + minute * 60L + second - offset) * 1000L + millis;
        } catch (DateTimeException | NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    @Test
    void agreesWithTheRegularExpressionOnRandomNearMisses() {
        Random r = new Random(7);
        String alphabet = "0123456789-:.+TtZz x";
        int accepted = 0;
        for (int n = 0; n < 300_000; n++) {
            StringBuilder b = new StringBuilder(String.format("%04d-%02d-%02d%c%02d:%02d", r.nextInt(10_000),
                    r.nextInt(14), r.nextInt(33), r.nextBoolean() ? 'T' : 't', r.nextInt(26), r.nextInt(62)));
            if (r.nextInt(4) > 0) {
                b.append(String.format(":%02d", r.nextInt(62)));
                if (r.nextBoolean()) {
                    b.append('.').append(Long.toString(Math.abs(r.nextLong())).substring(0, r.nextInt(12)));
                }
            }
            switch (r.nextInt(4)) {
                case 0 -> b.append(r.nextBoolean() ? 'Z' : 'z');
                case 1 -> b.append(String.format("%c%02d:%02d", r.nextBoolean() ? '+' : '-', r.nextInt(26), r.nextInt(62)));
                case 2 -> { }
                default -> b.append('Z');
            }
            // then up to three random edits: replace, insert or delete a character
            for (int e = r.nextInt(4); e > 0 && b.length() > 0; e--) {
                int at = r.nextInt(b.length());
                char c = alphabet.charAt(r.nextInt(alphabet.length()));
                switch (r.nextInt(3)) {
                    case 0 -> b.setCharAt(at, c);
                    case 1 -> b.insert(at, c);
                    default -> b.deleteCharAt(at);
                }
            }
            String text = b.toString();
            long expected = reference(text);
            assertThat(Timestamps.parseMillis(text)).as("'%s'", text).isEqualTo(expected);
            accepted += expected != Long.MIN_VALUE ? 1 : 0;
        }
        assertThat(accepted).as("the random texts include accepted ones").isGreaterThan(10_000);
    }

    @Test
    void formatAgreesWithJavaTimeOnRandomInstants() {
        DateTimeFormatter f = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
        Random r = new Random(11);
        for (int n = 0; n < 200_000; n++) {
            long t = n % 2 == 0 ? r.nextLong() % 400_000_000_000_000L : r.nextLong() % 5_000_000_000_000L;
            assertThat(Timestamps.format(t)).isEqualTo(f.format(Instant.ofEpochMilli(t)));
            assertThat(Timestamps.utcDate(t)).isEqualTo(LocalDate.ofEpochDay(Math.floorDiv(t, 86_400_000L)).toString());
        }
    }

    /** The day a distinct-day key names, as the state stores it: only what utcDate writes. */
    @Test
    void epochDayOfReadsWhatUtcDateWrites() {
        assertThat(Timestamps.epochDayOf("2024-02-29")).isEqualTo(LocalDate.of(2024, 2, 29).toEpochDay());
        assertThat(Timestamps.epochDayOf("2023-02-29")).isEqualTo(Long.MIN_VALUE);
        assertThat(Timestamps.epochDayOf("2023-13-01")).isEqualTo(Long.MIN_VALUE);
        assertThat(Timestamps.epochDayOf("2023-00-01")).isEqualTo(Long.MIN_VALUE);
        assertThat(Timestamps.epochDayOf("２０２３-01-01")).isEqualTo(Long.MIN_VALUE);
        for (long day = LocalDate.of(0, 1, 1).toEpochDay(); day <= LocalDate.of(9999, 12, 31).toEpochDay(); day += 997) {
            assertThat(Timestamps.epochDayOf(Timestamps.utcDate(day * 86_400_000L))).isEqualTo(day);
        }
    }
}
