package io.pqlscore.model;

import static io.pqlscore.model.ProblemText.describe;
import static io.pqlscore.model.ProblemText.join;

import java.util.List;
import java.util.Map;

/**
 * Usage against a limit (SPEC 2 kind 4): the {@code usage} block (match, metric, used, limit) and the
 * ratio {@code at} that fires it.
 */
final class UsageSignals extends SignalKindReader {
    private static final List<String> KEYS = List.of("id", "category", "scope", "usage", "at", "points", "half-life");
    private static final List<String> USAGE_BLOCK_KEYS = List.of("match", "metric", "used", "limit");

    UsageSignals(TypedChecker check, MatchReader matches) {
        super(SignalKind.USAGE, KEYS, "a usage", check, matches);
    }

    @Override
    Signal.Builder read(Map<String, Object> m, Head head) {
        String sp = head.path();
        String up = join(sp, "usage");
        Map<String, Object> u = check.map(m.get("usage"), up, "{match, metric, used, limit}");
        EventMatch match = null;
        JsonPath metric = null;
        JsonPath used = null;
        JsonPath limit = null;
        if (u != null) {
            check.allowKeys(u, up, USAGE_BLOCK_KEYS, " in usage");
            match = matches.reqMatch(u, up, "match", "usage readings come from matching events");
            metric = u.containsKey("metric") ? check.path(u.get("metric"), join(up, "metric")) : null;
            used = check.reqPath(u, up, "used",
                    "a usage signal needs the path of the amount used, e.g. used: properties.used");
            limit = check.reqPath(u, up, "limit",
                    "a usage signal needs the path of the limit, e.g. limit: properties.limit");
        }
        Double at = check.reqNumber(m, sp, "at", "the used/limit ratio that fires the signal, e.g. at: 0.8");
        if (at != null && at <= 0) {
            check.add(join(sp, "at"), "must be greater than 0 (the used/limit ratio that fires the signal,"
                    + " e.g. 0.8), got " + describe(m.get("at")));
        }
        Double points = points(m, sp, "a usage signal adds points each time it fires");
        long halfLife = halfLife(m, sp);
        if (check.problemCount() > head.problemsBefore()) {
            return null;
        }
        return head.builder().match(match).usage(metric, used, limit, at).points(points).halfLifeMs(halfLife);
    }
}
