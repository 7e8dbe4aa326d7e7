package io.pqlscore.model;

import static io.pqlscore.model.ProblemText.describe;
import static io.pqlscore.model.ProblemText.didYouMean;
import static io.pqlscore.model.ProblemText.join;
import static io.pqlscore.model.ProblemText.quoteHint;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the tests of a model: an event {@code match} (types, event or page/screen names, where
 * tests on dotted paths; SPEC 1) and a trait test ({@code of}, {@code path} and one of eq, in,
 * prefix, gte/lte; SPEC 2 kind 5 and the routing override).
 */
final class MatchReader {
    static final List<String> ACTIVITY_TYPES = List.of("track", "page", "screen");
    private static final List<String> MATCH_KEYS = List.of("type", "event", "name", "where");
    private static final List<String> WHERE_TEST_KEYS = List.of("in", "prefix", "gte", "lte");
    private static final List<String> TRAIT_KEYS = List.of("of", "path", "eq", "in", "prefix", "gte", "lte");

    private final TypedChecker check;

    MatchReader(TypedChecker check) {
        this.check = check;
    }

    EventMatch reqMatch(Map<String, Object> m, String path, String key, String context) {
        if (!m.containsKey(key)) {
            check.missing(join(path, key), context);
            return null;
        }
        return match(m.get(key), join(path, key));
    }

    EventMatch match(Object raw, String path) {
        int before = check.problemCount();
        Map<String, Object> m = check.map(raw, path, "a match: type, event, name, where");
        if (m == null) {
            return null;
        }
        check.allowKeys(m, path, MATCH_KEYS, " in a match");
        Set<String> types = m.containsKey("type") ? types(m.get("type"), join(path, "type")) : null;
        Set<String> events = m.containsKey("event") ? names(m.get("event"), join(path, "event"), "event") : null;
        Set<String> names = m.containsKey("name") ? names(m.get("name"), join(path, "name"), "name") : null;
        if (m.containsKey("event") && m.containsKey("name")) {
            check.add(path, "give either event (track calls) or name (page and screen calls), not both");
        }
        if (!m.containsKey("type")) {
            if (m.containsKey("event")) {
                types = Set.of("track");
            } else if (m.containsKey("name")) {
                types = new LinkedHashSet<>(List.of("page", "screen"));
            } else {
                types = new LinkedHashSet<>(ACTIVITY_TYPES);
            }
        } else if (types != null) {
            if (m.containsKey("event") && !types.contains("track")) {
                check.add(join(path, "event"), "event names only match track calls, but type is " + types
                        + ": add track to type, or use name for page and screen calls");
            }
            if (m.containsKey("name") && !types.contains("page") && !types.contains("screen")) {
                check.add(join(path, "name"), "names only match page and screen calls, but type is " + types
                        + ": add page or screen to type, or use event for track calls");
            }
        }
        List<PathTest> where = new ArrayList<>();
        if (m.containsKey("where")) {
            String wp = join(path, "where");
            Map<String, Object> w = check.map(m.get("where"), wp, "dotted paths to tests");
            if (w != null) {
                for (Map.Entry<String, Object> e : w.entrySet()) {
                    String tp = join(wp, e.getKey());
                    JsonPath jp = check.path(e.getKey(), tp);
                    ValueTest test = whereTest(e.getValue(), tp);
                    if (jp != null && test != null) {
                        where.add(new PathTest(jp, test));
                    }
                }
            }
        }
        if (check.problemCount() > before) {
            return null;
        }
        return new EventMatch(types, events, names, where);
    }

    private Set<String> types(Object v, String path) {
        List<?> items;
        boolean single = !(v instanceof List);
        if (single) {
            items = Collections.singletonList(v);
        } else {
            items = check.list(v, path, "an activity type or a non-empty list of them (track, page, screen)", true);
            if (items == null) {
                return null;
            }
        }
        Set<String> out = new LinkedHashSet<>();
        boolean ok = true;
        for (int i = 0; i < items.size(); i++) {
            String ip = single ? path : path + "[" + i + "]";
            Object t = items.get(i);
            if (ACTIVITY_TYPES.contains(t)) {
                out.add((String) t);
            } else if ("identify".equals(t) || "group".equals(t)) {
                check.add(ip, "'" + t + "' is not an activity type: a match only selects activity events (track, page,"
                        + " screen); identify and group calls only update traits (use a trait signal)");
                ok = false;
            } else {
                check.add(ip, "expected an activity type (track, page or screen), got " + describe(t));
                ok = false;
            }
        }
        return ok ? out : null;
    }

    private Set<String> names(Object v, String path, String what) {
        if (v instanceof List) {
            List<?> l = check.list(v, path, "a " + what + " name or a non-empty list of them", true);
            if (l == null) {
                return null;
            }
            Set<String> out = new LinkedHashSet<>();
            for (int i = 0; i < l.size(); i++) {
                out.add(check.string(l.get(i), path + "[" + i + "]"));
            }
            return out.contains(null) ? null : out;
        }
        String s = check.string(v, path);
        return s == null ? null : Set.of(s);
    }

    private ValueTest whereTest(Object v, String path) {
        if (!(v instanceof Map)) {
            Object value = check.scalar(v, path);
            return value == null ? null : ValueTest.eq(value);
        }
        Map<String, Object> t = check.map(v, path, "a test");
        if (t == null) {
            return null;
        }
        int before = check.problemCount();
        for (String key : t.keySet()) {
            if (!WHERE_TEST_KEYS.contains(key)) {
                check.add(join(path, key), "unknown test key; a where test is a value (equality) or a mapping with"
                        + " one of in, prefix, gte/lte" + ("eq".equals(key)
                                ? " (for equality write the value directly, e.g. {properties.plan: pro})"
                                : didYouMean(key, WHERE_TEST_KEYS)));
            }
        }
        if (check.problemCount() > before) {
            return null;
        }
        if (t.isEmpty()) {
            check.add(path, "an empty test: give a value (equality) or one of in, prefix, gte/lte");
            return null;
        }
        return test(t, path);
    }

    /** The test keys of a where test or trait (already checked for unknown keys). */
    private ValueTest test(Map<String, Object> t, String path) {
        List<String> given = new ArrayList<>();
        for (String k : List.of("eq", "in", "prefix")) {
            if (t.containsKey(k)) {
                given.add(k);
            }
        }
        boolean range = t.containsKey("gte") || t.containsKey("lte");
        if (range) {
            given.add(t.containsKey("gte") && t.containsKey("lte") ? "gte/lte" : t.containsKey("gte") ? "gte" : "lte");
        }
        if (given.size() > 1) {
            check.add(path, "at most one test (eq, in, prefix, or a gte/lte range), found " + String.join(" and ", given));
            return null;
        }
        if (given.isEmpty()) {
            return ValueTest.present();
        }
        if (t.containsKey("eq")) {
            Object value = check.scalar(t.get("eq"), join(path, "eq"));
            return value == null ? null : ValueTest.eq(value);
        }
        if (t.containsKey("in")) {
            String ip = join(path, "in");
            List<?> l = check.list(t.get("in"), ip, "a non-empty list of values, e.g. in: [pro, business]", true);
            if (l == null) {
                return null;
            }
            List<Object> values = new ArrayList<>();
            boolean ok = true;
            for (int i = 0; i < l.size(); i++) {
                Object value = check.scalar(l.get(i), ip + "[" + i + "]");
                ok &= value != null;
                values.add(value);
            }
            return ok ? ValueTest.in(values) : null;
        }
        if (t.containsKey("prefix")) {
            Object p = t.get("prefix");
            if (!(p instanceof String)) {
                check.add(join(path, "prefix"), "expected a string, got " + describe(p) + quoteHint(p));
                return null;
            }
            return ValueTest.prefix((String) p);
        }
        BigDecimal gte = t.containsKey("gte") ? check.decimal(t.get("gte"), join(path, "gte")) : null;
        BigDecimal lte = t.containsKey("lte") ? check.decimal(t.get("lte"), join(path, "lte")) : null;
        if ((t.containsKey("gte") && gte == null) || (t.containsKey("lte") && lte == null)) {
            return null;
        }
        if (gte != null && lte != null && gte.compareTo(lte) > 0) {
            check.add(path, "an empty range: gte " + gte.toPlainString() + " is greater than lte " + lte.toPlainString());
            return null;
        }
        return ValueTest.range(gte, lte);
    }

    TraitTest trait(Object raw, String path) {
        int before = check.problemCount();
        Map<String, Object> m = check.map(raw, path, "a trait test: of, path and one of eq, in, prefix, gte/lte");
        if (m == null) {
            return null;
        }
        check.allowKeys(m, path, TRAIT_KEYS, " in a trait test");
        TraitTest.Of of = null;
        if (!m.containsKey("of")) {
            check.missing(join(path, "of"), "whose traits: of: account or of: user");
        } else if ("account".equals(m.get("of"))) {
            of = TraitTest.Of.ACCOUNT;
        } else if ("user".equals(m.get("of"))) {
            of = TraitTest.Of.USER;
        } else {
            check.add(join(path, "of"), "expected account or user, got " + describe(m.get("of")));
        }
        JsonPath traitPath = check.reqPath(m, path, "path", "a dotted path into the traits, e.g. path: employees");
        Map<String, Object> tests = new LinkedHashMap<>(m);
        tests.keySet().retainAll(TRAIT_KEYS);
        ValueTest test = test(tests, path);
        if (check.problemCount() > before) {
            return null;
        }
        return new TraitTest(of, traitPath, test);
    }
}
