package io.pqlscore.patterns;

import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.Signal;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;

/**
 * The re-arming half of a {@code usage} signal (SPEC 2 kind 4) as a CEP pattern over the readings
 * of one metric of one entity: a reading below {@code at} immediately followed (strict
 * contiguity: the next reading) by one at or above it is an upward crossing.
 *
 * <p>The other half, "or which is the first reading", is decided by the scorer, the only place
 * that knows when an entity starts (it is forgotten at retention, SPEC 3); a CEP operator cannot
 * see the start of its key's stream. A partial match holds at most the one latest reading below
 * {@code at}, so the pattern's state per key stays constant.
 */
public final class UsageApproachPattern {
    static final String BELOW = "below";
    static final String AT_OR_ABOVE = "at-or-above";

    private UsageApproachPattern() {}

    public static Pattern<UsageEvent, UsageEvent> of(Signal signal) {
        return Pattern.<UsageEvent>begin(BELOW)
                .where(new RatioCondition(signal.index(), signal.at(), false))
                .next(AT_OR_ABOVE)
                .where(new RatioCondition(signal.index(), signal.at(), true));
    }

    static final class RatioCondition extends SimpleCondition<UsageEvent> {
        private static final long serialVersionUID = 1L;
        private final int signal;
        private final double at;
        private final boolean atOrAbove;

        RatioCondition(int signal, double at, boolean atOrAbove) {
            this.signal = signal;
            this.at = at;
            this.atOrAbove = atOrAbove;
        }

        @Override
        public boolean filter(UsageEvent e) {
            int h = e.hitIndex(signal);
            return h >= 0 && (e.hitRatios[h] >= at) == atOrAbove;
        }
    }
}
