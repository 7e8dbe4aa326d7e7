package io.pqlscore.model;

import static io.pqlscore.model.ProblemText.describe;
import static io.pqlscore.model.ProblemText.join;
import static io.pqlscore.model.ProblemText.scopeName;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Distinct counts (SPEC 2 kind 2): what is counted ({@code day}, {@code user} or a dotted path), the
 * {@code window}, the {@code match} and the count {@code tiers}.
 */
final class DistinctSignals extends SignalKindReader {
    private static final List<String> KEYS = List.of("id", "category", "scope", "distinct", "window", "match", "tiers");
    private static final List<String> POINT_TIER_KEYS = List.of("min", "points");

    DistinctSignals(TypedChecker check, MatchReader matches) {
        super(SignalKind.DISTINCT, KEYS, "a distinct", check, matches);
    }

    @Override
    Signal.Builder read(Map<String, Object> m, Head head) {
        String sp = head.path();
        Scope scope = head.scope();
        String dp = join(sp, "distinct");
        Object d = m.get("distinct");
        Signal.DistinctBy by = null;
        JsonPath distinctPath = null;
        if ("day".equals(d)) {
            by = Signal.DistinctBy.DAY;
        } else if ("user".equals(d)) {
            by = Signal.DistinctBy.USER;
            if (scope != null && scope != Scope.ACCOUNT) {
                check.add(dp, "distinct: user counts the identified users of an account, so it needs"
                        + " scope: account; this signal's scope is " + scopeName(scope)
                        + (m.containsKey("scope") ? "" : " (the default)"));
            }
        } else if (d instanceof String) {
            distinctPath = check.path(d, dp);
            by = Signal.DistinctBy.PATH;
        } else {
            check.add(dp, "expected day, user or a dotted property path like properties.feature, got "
                    + describe(d));
        }
        Long window = check.reqDuration(m, sp, "window", "a distinct signal counts within a window, e.g. 7d");
        EventMatch match = matches.reqMatch(m, sp, "match", "a distinct signal counts matching events");
        List<PointTier> tiers = pointTiers(m, sp);
        if (check.problemCount() > head.problemsBefore()) {
            return null;
        }
        return head.builder().match(match).distinct(by, distinctPath, window, tiers);
    }

    private List<PointTier> pointTiers(Map<String, Object> m, String sp) {
        String p = join(sp, "tiers");
        if (!m.containsKey("tiers")) {
            check.missing(p, "a distinct signal maps counts to points, e.g. tiers: [{min: 1, points: 5}]");
            return null;
        }
        List<?> l = check.list(m.get("tiers"), p, "a non-empty list of {min, points}", true);
        if (l == null) {
            return null;
        }
        List<PointTier> out = new ArrayList<>();
        Long previousMin = null;
        int previousIndex = -1;
        for (int i = 0; i < l.size(); i++) {
            String tp = p + "[" + i + "]";
            Map<String, Object> t = check.map(l.get(i), tp, "a tier {min, points}");
            if (t == null) {
                out.add(null);
                continue;
            }
            check.allowKeys(t, tp, POINT_TIER_KEYS, " in a distinct tier");
            Long min = null;
            if (!t.containsKey("min")) {
                check.missing(join(tp, "min"), "the least distinct count that earns the points");
            } else {
                min = check.integer(t.get("min"), join(tp, "min"));
                if (min != null && min < 1) {
                    check.add(join(tp, "min"), "must be at least 1, got " + min);
                    min = null;
                }
            }
            Double points = points(t, tp, "the points this tier earns");
            if (min != null && previousMin != null && min <= previousMin) {
                check.add(join(tp, "min"), "tier mins must be strictly increasing: min " + min + " of tiers[" + i
                        + "] is not greater than min " + previousMin + " of tiers[" + previousIndex + "]");
            }
            if (min != null) {
                previousMin = min;
                previousIndex = i;
            }
            out.add(min == null || points == null ? null : new PointTier(min, points));
        }
        return out.contains(null) ? null : out;
    }
}
