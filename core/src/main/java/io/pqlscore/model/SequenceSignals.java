package io.pqlscore.model;

import static io.pqlscore.model.ProblemText.join;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Sequences (SPEC 2 kind 3): at least two steps, each a match, completed {@code within} a duration. */
final class SequenceSignals extends SignalKindReader {
    private static final List<String> KEYS =
            List.of("id", "category", "scope", "sequence", "within", "points", "half-life");

    SequenceSignals(TypedChecker check, MatchReader matches) {
        super(SignalKind.SEQUENCE, KEYS, "a sequence", check, matches);
    }

    @Override
    Signal.Builder read(Map<String, Object> m, Head head) {
        String sp = head.path();
        String qp = join(sp, "sequence");
        List<?> l = check.list(m.get("sequence"), qp, "a list of steps, each a match", false);
        List<EventMatch> steps = new ArrayList<>();
        if (l != null) {
            if (l.size() < 2) {
                check.add(qp, "a sequence needs at least 2 steps, got " + l.size());
            }
            for (int i = 0; i < l.size(); i++) {
                steps.add(matches.match(l.get(i), qp + "[" + i + "]"));
            }
        }
        Long within = check.reqDuration(m, sp, "within",
                "a sequence's last step must come within this long after the first, e.g. 14d");
        Double points = points(m, sp, "a sequence signal adds points when it completes");
        long halfLife = halfLife(m, sp);
        if (check.problemCount() > head.problemsBefore()) {
            return null;
        }
        return head.builder().sequence(steps, within).points(points).halfLifeMs(halfLife);
    }
}
