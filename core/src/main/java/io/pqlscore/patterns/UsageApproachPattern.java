package io.pqlscore.patterns;

import io.pqlscore.model.Signal;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;

/**
 * The re-arming half of a {@code usage} signal (SPEC 2 kind 4) as a CEP pattern over the readings
 * of one metric of one entity: a reading below {@code at} immediately followed (strict
 * contiguity: the next reading) by one at or above it is an upward crossing. The pattern's events
 * are {@link #AT_OR_ABOVE_READING} or {@link #BELOW_READING}.
 *
 * <p>The other half, "or which is the first reading", is decided by the score engine, the place
 * that knows when an entity starts (it is forgotten at retention, SPEC 3). A partial match holds at
 * most the one latest reading below {@code at}, so the pattern's state per metric stays constant.
 */
public final class UsageApproachPattern {
    static final String BELOW = "below";
    static final String AT_OR_ABOVE = "at-or-above";
    public static final long BELOW_READING = 0L;
    public static final long AT_OR_ABOVE_READING = 1L;

    private UsageApproachPattern() {}

    public static Pattern<Long, Long> of(Signal signal) {
        return Pattern.<Long>begin(BELOW)
                .where(new ReadingCondition(BELOW_READING))
                .next(AT_OR_ABOVE)
                .where(new ReadingCondition(AT_OR_ABOVE_READING));
    }

    static final class ReadingCondition extends SimpleCondition<Long> {
        private static final long serialVersionUID = 1L;
        private final long reading;

        ReadingCondition(long reading) {
            this.reading = reading;
        }

        @Override
        public boolean filter(Long r) {
            return r == reading;
        }
    }
}
