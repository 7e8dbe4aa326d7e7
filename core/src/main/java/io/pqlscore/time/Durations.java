package io.pqlscore.time;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way the project writes a duration: the model file's ({@code max-out-of-orderness: 5m},
 * {@code half-life: 14d}) and every command-line option's ({@code --idle-timeout 30s}). A number,
 * decimals allowed, and one of {@code ms}, {@code s}, {@code m}, {@code h}, {@code d}; at most
 * {@value #MAX_TEXT}.
 *
 * <p>A bare number is refused, not read as milliseconds or seconds: nobody reading {@code 30}
 * knows which was meant. Its own package, below the model and the commands, so that both read
 * durations through this one class without depending on each other.
 */
public final class Durations {
    /** What a duration looks like, for messages. */
    public static final String HINT = "a duration like 14d (a number and one of ms, s, m, h, d)";
    /** Longest accepted duration: 100 years of 365 days (keeps event-time arithmetic far from overflow). */
    public static final long MAX_MS = 36_500L * 86_400_000L;
    static final String MAX_TEXT = "36500d";

    private static final Pattern GRAMMAR = Pattern.compile("(\\d+(?:\\.\\d+)?|\\.\\d+)(ms|s|m|h|d)");
    private static final long[] UNIT_MS = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
    private static final String[] UNIT = {"d", "h", "m", "s"};

    private Durations() {}

    /** Text that is not a duration in this grammar. */
    public static class NotADuration extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        NotADuration(String message) {
            super(message);
        }
    }

    /** A duration in the grammar, but longer than {@link #MAX_MS}. */
    public static final class TooLong extends NotADuration {
        private static final long serialVersionUID = 1L;

        TooLong(String message) {
            super(message);
        }
    }

    /** The length of {@code text} in milliseconds, rounded half up. */
    public static long parseMillis(String text) {
        Matcher m = text == null ? null : GRAMMAR.matcher(text);
        if (m == null || !m.matches()) {
            throw new NotADuration("expected " + HINT + ", got '" + text + "'");
        }
        long unit;
        switch (m.group(2)) {
            case "ms":
                unit = 1L;
                break;
            case "s":
                unit = 1_000L;
                break;
            case "m":
                unit = 60_000L;
                break;
            case "h":
                unit = 3_600_000L;
                break;
            default:
                unit = 86_400_000L;
        }
        // BigDecimal: a number of many digits is compared with the bound, never overflows a long
        BigDecimal ms = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)).setScale(0, RoundingMode.HALF_UP);
        if (ms.compareTo(BigDecimal.valueOf(MAX_MS)) > 0) {
            throw new TooLong("too long: at most " + MAX_TEXT + ", got '" + text + "'");
        }
        return ms.longValueExact();
    }

    public static Duration parse(String text) {
        return Duration.ofMillis(parseMillis(text));
    }

    /** The shortest text in the grammar for {@code d}: the largest unit that divides it ({@code 90d}, {@code 10m}, {@code 1500ms}). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        for (int i = 0; i < UNIT_MS.length; i++) {
            if (ms != 0 && ms % UNIT_MS[i] == 0) {
                return ms / UNIT_MS[i] + UNIT[i];
            }
        }
        return ms + "ms";
    }
}
