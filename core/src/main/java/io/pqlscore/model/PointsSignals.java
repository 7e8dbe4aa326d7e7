package io.pqlscore.model;

import static io.pqlscore.model.ProblemText.join;

import java.util.List;
import java.util.Map;

/** Event points (SPEC 2 kind 1): {@code match}, {@code points}, optional {@code half-life} and {@code once}. */
final class PointsSignals extends SignalKindReader {
    private static final List<String> KEYS = List.of("id", "category", "scope", "match", "points", "half-life", "once");

    PointsSignals(TypedChecker check, MatchReader matches) {
        super(SignalKind.POINTS, KEYS, "an event-points", check, matches);
    }

    @Override
    Signal.Builder read(Map<String, Object> m, Head head) {
        String sp = head.path();
        EventMatch match = matches.reqMatch(m, sp, "match", "an event-points signal selects events with match");
        Double points = points(m, sp, "an event-points signal adds points per matching event");
        long halfLife = halfLife(m, sp);
        Boolean once = m.containsKey("once") ? check.bool(m.get("once"), join(sp, "once")) : Boolean.FALSE;
        if (check.problemCount() > head.problemsBefore()) {
            return null;
        }
        return head.builder().match(match).points(points).halfLifeMs(halfLife).once(once);
    }
}
