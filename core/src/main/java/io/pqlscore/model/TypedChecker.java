package io.pqlscore.model;

import static io.pqlscore.model.ModelLoader.MAX_DURATION_MS;
import static io.pqlscore.model.ProblemText.describe;
import static io.pqlscore.model.ProblemText.didYouMean;
import static io.pqlscore.model.ProblemText.join;
import static io.pqlscore.model.ProblemText.quoteHint;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The typed checker under the model's readers: takes a value of the YAML document as the type a
 * key needs (a mapping, a list, a string, a number, a duration, a dotted path, a scalar to compare
 * with) or records a problem naming the key's full path and returns null. The readers go on after
 * a problem, so one pass reports every problem of a document.
 */
final class TypedChecker {
    private static final String DURATION_HINT = io.pqlscore.time.Durations.HINT;

    private final String source;
    private final List<String> problems = new ArrayList<>();

    TypedChecker(String source) {
        this.source = source;
    }

    void add(String path, String problem) {
        problems.add(source + ": " + (path.isEmpty() ? "" : path + ": ") + problem);
    }

    void missing(String path, String context) {
        add(path, "missing required key" + (context == null ? "" : " (" + context + ")"));
    }

    /** Problems so far: a reader compares counts to learn whether a part of its own failed. */
    int problemCount() {
        return problems.size();
    }

    List<String> problems() {
        return problems;
    }

    /** A mapping with string keys, or null (reported). */
    Map<String, Object> map(Object v, String path, String what) {
        if (!(v instanceof Map)) {
            add(path, "expected a mapping (" + what + "), got " + describe(v));
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
            if (e.getKey() instanceof String) {
                out.put((String) e.getKey(), e.getValue());
            } else {
                add(path, "keys must be strings, got " + describe(e.getKey()) + " as a key" + quoteHint(e.getKey()));
            }
        }
        return out;
    }

    List<?> list(Object v, String path, String what, boolean nonEmpty) {
        if (!(v instanceof List)) {
            add(path, "expected " + what + ", got " + describe(v));
            return null;
        }
        List<?> l = (List<?>) v;
        if (nonEmpty && l.isEmpty()) {
            add(path, "expected " + what + ", got an empty list");
            return null;
        }
        return l;
    }

    void allowKeys(Map<String, Object> m, String path, List<String> allowed, String where) {
        for (String key : m.keySet()) {
            if (!allowed.contains(key)) {
                add(join(path, key), "unknown key" + where + "; allowed keys: " + String.join(", ", allowed)
                        + didYouMean(key, allowed));
            }
        }
    }

    String string(Object v, String path) {
        if (!(v instanceof String)) {
            add(path, "expected a string, got " + describe(v) + quoteHint(v));
            return null;
        }
        String s = (String) v;
        if (s.isBlank()) {
            add(path, "must not be empty");
            return null;
        }
        return s;
    }

    String reqString(Map<String, Object> m, String path, String key, String context) {
        if (!m.containsKey(key)) {
            missing(join(path, key), context);
            return null;
        }
        return string(m.get(key), join(path, key));
    }

    /** A finite number, or null (reported). */
    Double number(Object v, String path) {
        if (!(v instanceof Number)) {
            add(path, "expected a number, got " + describe(v));
            return null;
        }
        double d = ((Number) v).doubleValue();
        if (!Double.isFinite(d)) {
            add(path, "expected a finite number, got " + describe(v));
            return null;
        }
        return d;
    }

    Double reqNumber(Map<String, Object> m, String path, String key, String context) {
        if (!m.containsKey(key)) {
            missing(join(path, key), context);
            return null;
        }
        return number(m.get(key), join(path, key));
    }

    Double nonNegative(Object v, String path, String what) {
        Double d = number(v, path);
        if (d != null && d < 0) {
            add(path, what + " must be >= 0, got " + describe(v));
            return null;
        }
        return d;
    }

    /** A whole number, or null (reported). */
    Long integer(Object v, String path) {
        if (v instanceof Integer || v instanceof Long) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigInteger) {
            if (((BigInteger) v).bitLength() < 63) {
                return ((BigInteger) v).longValue();
            }
            add(path, "the number " + v + " is too large");
            return null;
        }
        if (v instanceof Double) {
            double d = (Double) v;
            if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9.0e15) {
                return (long) d;
            }
        }
        add(path, "expected a whole number, got " + describe(v));
        return null;
    }

    Boolean bool(Object v, String path) {
        if (!(v instanceof Boolean)) {
            add(path, "expected true or false, got " + describe(v));
            return null;
        }
        return (Boolean) v;
    }

    JsonPath path(Object v, String path) {
        if (!(v instanceof String)) {
            add(path, "expected a dotted path like properties.plan, got " + describe(v) + quoteHint(v));
            return null;
        }
        try {
            return JsonPath.of((String) v);
        } catch (IllegalArgumentException e) {
            add(path, "expected a dotted path like properties.plan (names separated by single dots), got "
                    + describe(v));
            return null;
        }
    }

    JsonPath reqPath(Map<String, Object> m, String path, String key, String context) {
        if (!m.containsKey(key)) {
            missing(join(path, key), context);
            return null;
        }
        return path(m.get(key), join(path, key));
    }

    /** A duration in ms, or null (reported). */
    Long duration(Object v, String path, boolean allowZero) {
        if (v instanceof Number) {
            add(path, "needs a unit: expected " + DURATION_HINT + ", got the bare number " + v);
            return null;
        }
        if (!(v instanceof String)) {
            add(path, "expected " + DURATION_HINT + ", got " + describe(v));
            return null;
        }
        // the grammar of every duration, the command lines' too
        long result;
        try {
            result = io.pqlscore.time.Durations.parseMillis((String) v);
        } catch (io.pqlscore.time.Durations.TooLong e) {
            add(path, "too long: at most 36500d, got " + describe(v));
            return null;
        } catch (io.pqlscore.time.Durations.NotADuration e) {
            add(path, "expected " + DURATION_HINT + ", got " + describe(v));
            return null;
        }
        if (result == 0 && !allowZero) {
            add(path, "must be longer than 0 ms, got " + describe(v));
            return null;
        }
        return result;
    }

    Long reqDuration(Map<String, Object> m, String path, String key, String context) {
        if (!m.containsKey(key)) {
            missing(join(path, key), context);
            return null;
        }
        return duration(m.get(key), join(path, key), false);
    }

    /** A YAML scalar as a canonical JSON value for equality tests, or null (reported). */
    Object scalar(Object v, String path) {
        if (v == null) {
            add(path, "null never matches (a path holding null counts as missing); give a value");
            return null;
        }
        if (v instanceof List) {
            add(path, "a list is not a value to compare with: for one of several values write {in: [a, b]}");
            return null;
        }
        if (v instanceof Map) {
            add(path, "a mapping is not a value to compare with");
            return null;
        }
        if (v instanceof Number && !Double.isFinite(((Number) v).doubleValue())) {
            add(path, "expected a finite number, got " + describe(v));
            return null;
        }
        if (!(v instanceof String || v instanceof Boolean || v instanceof Number)) {
            add(path, "expected a string, number or boolean, got " + describe(v));
            return null;
        }
        return JsonValues.fromYaml(v);
    }

    BigDecimal decimal(Object v, String path) {
        Double d = number(v, path);
        return d == null ? null : (BigDecimal) JsonValues.fromYaml(v);
    }
}
