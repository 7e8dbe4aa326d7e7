package io.pqlscore.events;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The one timestamp form SPEC 7 accepts: {@code YYYY-MM-DDThh:mm[:ss[.fraction]]} then {@code Z}
 * or {@code ±hh:mm} ({@code T} and {@code Z} in either case, as the conformance cases show);
 * digits past milliseconds are truncated.
 *
 * <p>Every record is parsed here and every transition formats three or four instants, so both
 * directions are written by hand instead of with a regular expression and a {@link
 * DateTimeFormatter} (together a tenth of the parser's time in the benchmark's profile);
 * TimestampsTest holds them to the regular expression and to {@code java.time} on random input.
 */
public final class Timestamps {
    private static final DateTimeFormatter UTC_MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final long DAY_MS = 86_400_000L;
    /** Years written with four digits by {@link #format} (others go through {@link #UTC_MILLIS}). */
    private static final long FIRST_FOUR_DIGIT_MS = LocalDate.of(0, 1, 1).toEpochDay() * DAY_MS;
    private static final long AFTER_FOUR_DIGIT_MS = LocalDate.of(10_000, 1, 1).toEpochDay() * DAY_MS;

    /** The latest day {@link #utcDate} named: records of one stream mostly share a day. Immutable, so racing threads are safe. */
    private static volatile DayName lastDay = new DayName(0, "1970-01-01");

    private record DayName(long epochDay, String text) {}

    private Timestamps() {}

    /** Epoch milliseconds, or {@code Long.MIN_VALUE} when the text is not in the accepted form. */
    public static long parseMillis(String t) {
        // shortest accepted form: 2026-03-02T09:00Z
        if (t == null || t.length() > 64 || t.length() < 17) {
            return Long.MIN_VALUE;
        }
        int n = t.length();
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 2);
        int day = digits(t, 8, 2);
        int hour = digits(t, 11, 2);
        int minute = digits(t, 14, 2);
        char sep = t.charAt(10);
        if ((year | month | day | hour | minute) < 0 || t.charAt(4) != '-' || t.charAt(7) != '-'
                || (sep != 'T' && sep != 't') || t.charAt(13) != ':') {
            return Long.MIN_VALUE;
        }
        int i = 16;
        int second = 0;
        int millis = 0;
        if (t.charAt(i) == ':') {
            second = n >= 19 ? digits(t, 17, 2) : -1;
            if (second < 0) {
                return Long.MIN_VALUE;
            }
            i = 19;
            if (i < n && t.charAt(i) == '.') {
                int start = ++i;
                while (i < n && isDigit(t.charAt(i))) {
                    if (i - start < 3) {
                        millis = millis * 10 + (t.charAt(i) - '0');
                    }
                    i++;
                }
                int len = i - start;
                if (len == 0) {
                    return Long.MIN_VALUE;
                }
                millis *= len == 1 ? 100 : len == 2 ? 10 : 1;
            }
        }
        if (hour > 23 || minute > 59 || second > 59 || i >= n) {
            return Long.MIN_VALUE;
        }
        int offsetSeconds;
        char z = t.charAt(i);
        if (z == 'Z' || z == 'z') {
            if (i + 1 != n) {
                return Long.MIN_VALUE;
            }
            offsetSeconds = 0;
        } else if (z == '+' || z == '-') {
            if (i + 6 != n || t.charAt(i + 3) != ':') {
                return Long.MIN_VALUE;
            }
            int oh = digits(t, i + 1, 2);
            int om = digits(t, i + 4, 2);
            if (oh < 0 || om < 0 || oh > 23 || om > 59) {
                return Long.MIN_VALUE;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
        } else {
            return Long.MIN_VALUE;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return Long.MIN_VALUE;
        }
        long seconds = epochDay * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
        return seconds * 1000L + millis;
    }

    /** The number written by {@code count} ASCII digits at {@code from}, or -1. */
    private static int digits(String t, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = t.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** ISO-8601 UTC with milliseconds, e.g. {@code 2026-03-02T09:00:00.000Z}. */
    public static String format(long epochMillis) {
        if (epochMillis < FIRST_FOUR_DIGIT_MS || epochMillis >= AFTER_FOUR_DIGIT_MS) {
            return UTC_MILLIS.format(java.time.Instant.ofEpochMilli(epochMillis));
        }
        long epochDay = Math.floorDiv(epochMillis, DAY_MS);
        int ms = (int) Math.floorMod(epochMillis, DAY_MS);
        LocalDate d = LocalDate.ofEpochDay(epochDay);
        char[] c = new char[24];
        put(c, 0, d.getYear(), 4);
        c[4] = '-';
        put(c, 5, d.getMonthValue(), 2);
        c[7] = '-';
        put(c, 8, d.getDayOfMonth(), 2);
        c[10] = 'T';
        put(c, 11, ms / 3_600_000, 2);
        c[13] = ':';
        put(c, 14, ms / 60_000 % 60, 2);
        c[16] = ':';
        put(c, 17, ms / 1000 % 60, 2);
        c[19] = '.';
        put(c, 20, ms % 1000, 3);
        c[23] = 'Z';
        return new String(c);
    }

    private static void put(char[] c, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /**
     * The epoch day of a date as {@link #utcDate} writes it ({@code YYYY-MM-DD}, years 0000-9999),
     * or {@code Long.MIN_VALUE} for any other text, so that a day stored by its number reads back
     * as the same text.
     */
    public static long epochDayOf(String date) {
        if (date.length() != 10 || date.charAt(4) != '-' || date.charAt(7) != '-') {
            return Long.MIN_VALUE;
        }
        int year = digits(date, 0, 4);
        int month = digits(date, 5, 2);
        int day = digits(date, 8, 2);
        if ((year | month | day) < 0) {
            return Long.MIN_VALUE;
        }
        try {
            return LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return Long.MIN_VALUE;
        }
    }

    /** The UTC calendar date of an instant, e.g. {@code 2026-03-02}. */
    public static String utcDate(long epochMillis) {
        long epochDay = Math.floorDiv(epochMillis, DAY_MS);
        DayName last = lastDay;
        if (last.epochDay() != epochDay) {
            last = new DayName(epochDay, LocalDate.ofEpochDay(epochDay).toString());
            lastDay = last;
        }
        return last.text();
    }
}
