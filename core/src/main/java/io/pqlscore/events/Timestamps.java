package io.pqlscore.events;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one timestamp form SPEC 7 accepts: {@code YYYY-MM-DDThh:mm[:ss[.fraction]]} then {@code Z}
 * or {@code ±hh:mm} ({@code T} and {@code Z} in either case, as the conformance cases show);
 * digits past milliseconds are truncated.
 */
public final class Timestamps {
    private static final Pattern FORM = Pattern.compile(
            "(\\d{4})-(\\d{2})-(\\d{2})[Tt](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d+))?)?(?:([Zz])|([+-])(\\d{2}):(\\d{2}))");

    private Timestamps() {}

    /** Epoch milliseconds, or {@code Long.MIN_VALUE} when the text is not in the accepted form. */
    public static long parseMillis(String text) {
        if (text == null || text.length() > 64) {
            return Long.MIN_VALUE;
        }
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            return Long.MIN_VALUE;
        }
        try {
            int year = Integer.parseInt(m.group(1));
            int month = Integer.parseInt(m.group(2));
            int day = Integer.parseInt(m.group(3));
            int hour = Integer.parseInt(m.group(4));
            int minute = Integer.parseInt(m.group(5));
            int second = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
            if (hour > 23 || minute > 59 || second > 59) {
                return Long.MIN_VALUE;
            }
            int millis = 0;
            String fraction = m.group(7);
            if (fraction != null) {
                String ms = (fraction + "00").substring(0, 3);
                millis = Integer.parseInt(ms);
            }
            int offsetSeconds = 0;
            if (m.group(8) == null) {
                int oh = Integer.parseInt(m.group(10));
                int om = Integer.parseInt(m.group(11));
                if (oh > 23 || om > 59) {
                    return Long.MIN_VALUE;
                }
                offsetSeconds = (oh * 3600 + om * 60) * ("-".equals(m.group(9)) ? -1 : 1);
            }
            long epochDay = LocalDate.of(year, month, day).toEpochDay();
            long seconds = epochDay * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
            return seconds * 1000L + millis;
        } catch (DateTimeException | NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    /** ISO-8601 UTC with milliseconds, e.g. {@code 2026-03-02T09:00:00.000Z}. */
    public static String format(long epochMillis) {
        return java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
                .withZone(ZoneOffset.UTC)
                .format(java.time.Instant.ofEpochMilli(epochMillis));
    }

    /** The UTC calendar date of an instant, e.g. {@code 2026-03-02}. */
    public static String utcDate(long epochMillis) {
        return LocalDate.ofEpochDay(Math.floorDiv(epochMillis, 86_400_000L)).toString();
    }
}
