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
 * see the start of its key's stream; so is a crossing whose reading below is the retention or
 * more before it, because {@link ExpiringCepOperator} forgets a key whose latest reading is that
 * old (an entity that left). A partial match holds at most the one latest reading below
 * {@code at}, so the pattern's state per key stays constant.
 *
 * <p>No {@code within}: CEP would then register a timer for every reading below (each starts a
 * partial match), up to one per nightly reading over the window per key, many times the state
 * of the match itself.
 */
public final class UsageApproachPattern {
    static final String BELOW = "below";
    static final String AT_OR_ABOVE = "at-or-above";

    private UsageApproachPattern() {}

    /**
     * @param layout the running model's {@code signalLayout()}: readings matched by another model
     *     (buffered in CEP across a model change) are neither below nor above.
     */
    public static Pattern<UsageEvent, UsageEvent> of(Signal signal, int layout) {
        return Pattern.<UsageEvent>begin(BELOW)
                .where(new RatioCondition(signal.index(), signal.at(), false, layout))
                .next(AT_OR_ABOVE)
                .where(new RatioCondition(signal.index(), signal.at(), true, layout));
    }

    static final class RatioCondition extends SimpleCondition<UsageEvent> {
        private static final long serialVersionUID = 1L;
        private final int signal;
        private final double at;
        private final boolean atOrAbove;
        private final int layout;

        RatioCondition(int signal, double at, boolean atOrAbove, int layout) {
            this.signal = signal;
            this.at = at;
            this.atOrAbove = atOrAbove;
            this.layout = layout;
        }

        @Override
        public boolean filter(UsageEvent e) {
            if (e.layout != layout) {
                return false;
            }
            int h = e.hitIndex(signal);
            return h >= 0 && (e.hitRatios[h] >= at) == atOrAbove;
        }
    }
}
