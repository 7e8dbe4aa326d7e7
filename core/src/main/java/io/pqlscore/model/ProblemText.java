package io.pqlscore.model;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How a problem of a model file is worded: values as a message shows them, hints for what YAML
 * read differently than meant, "did you mean" for a misspelt key. Every model error message is
 * built from these, so they read alike; tests (ModelValidationTest, HostileModelFilesTest) assert
 * them word for word.
 */
final class ProblemText {
    private ProblemText() {}

    static ModelValidationException fail(String source, String problem) {
        return new ModelValidationException(source, List.of(source + ": " + problem));
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** A value as a message shows it. Never prints a collection (it may be huge or recursive). */
    static String describe(Object v) {
        if (v == null) {
            return "nothing (null)";
        }
        if (v instanceof String) {
            return "'" + abbreviate((String) v) + "'";
        }
        if (v instanceof Boolean) {
            return "the boolean " + v;
        }
        if (v instanceof Number) {
            return "the number " + v;
        }
        if (v instanceof Map) {
            return "a mapping";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof Set) {
            return "a set (!!set)";
        }
        if (v instanceof java.util.Date) {
            return "a timestamp (!!timestamp)";
        }
        if (v instanceof byte[]) {
            return "binary data (!!binary)";
        }
        return "an unsupported YAML value (" + v.getClass().getSimpleName() + ")";
    }

    private static String abbreviate(String s) {
        String t = s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
        return t.length() > 80 ? t.substring(0, 77) + "..." : t;
    }

    /** A hint for a scalar YAML did not read as a string. */
    static String quoteHint(Object v) {
        if (v instanceof Boolean) {
            return " (YAML 1.1 reads unquoted yes/no/on/off/true/false as booleans: quote the value)";
        }
        if (v instanceof Number) {
            return " (quote it to make it a string: \"" + v + "\")";
        }
        return "";
    }

    /** A number for messages: 40.0 as 40, 0.8 as 0.8. */
    static String num(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    static String scopeName(Scope s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    static String didYouMean(String key, List<String> allowed) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String a : allowed) {
            int d = distance(key.toLowerCase(Locale.ROOT).replace('_', '-'), a);
            if (d < bestDistance) {
                bestDistance = d;
                best = a;
            }
        }
        int tolerated = key.length() < 3 ? 0 : key.length() <= 4 ? 1 : 2;
        return best != null && bestDistance <= tolerated ? " (did you mean '" + best + "'?)" : "";
    }

    private static int distance(String a, String b) {
        if (a.length() > 64) {
            return Integer.MAX_VALUE;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
