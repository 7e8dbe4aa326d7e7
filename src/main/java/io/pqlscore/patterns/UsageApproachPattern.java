package io.pqlscore.patterns;

import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.Signal;
import java.time.Duration;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;

/**
 * The re-arming half of a {@code usage} signal (SPEC 2 kind 4) as a CEP pattern over the readings
 * of one metric of one entity: a reading below {@code at} immediately followed (strict
 * contiguity: the next reading) by one at or above it is an upward crossing.
 *
 * <p>The other half, "or which is the first reading", is decided by the scorer, the only place
 * that knows when an entity starts (it is forgotten at retention, SPEC 3); a CEP operator cannot
 * see the start of its key's stream; so is a crossing whose reading below is older than the
 * retention (see {@link #of}). A partial match holds at most the one latest reading below
 * {@code at}, so the pattern's state per key stays constant, and it expires after the retention.
 */
public final class UsageApproachPattern {
    static final String BELOW = "below";
    static final String AT_OR_ABOVE = "at-or-above";

    private UsageApproachPattern() {}

    /**
     * @param layout the running model's {@code signalLayout()}: readings matched by another model
     *     (buffered in CEP across a model change) are neither below nor above.
     * @param withinMs {@link io.pqlscore.model.TimeSettings#usageWithinMs()}: a crossing counts
     *     here when the reading below is less than this before the one at or above (CEP's
     *     {@code within} is exclusive); older ones are the scorer's, and the partial match goes, so
     *     that {@link ExpiringCepOperator} can forget the key of an entity that left.
     */
    public static Pattern<UsageEvent, UsageEvent> of(Signal signal, int layout, long withinMs) {
        return Pattern.<UsageEvent>begin(BELOW)
                .where(new RatioCondition(signal.index(), signal.at(), false, layout))
                .next(AT_OR_ABOVE)
                .where(new RatioCondition(signal.index(), signal.at(), true, layout))
                .within(Duration.ofMillis(withinMs));
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
