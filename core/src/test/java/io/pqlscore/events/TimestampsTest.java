package io.pqlscore.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
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
}
