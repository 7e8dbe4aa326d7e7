package io.pqlscore.patterns;

import io.pqlscore.model.Signal;
import java.time.Duration;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;

/**
 * A {@code sequence} signal (SPEC 2 kind 3) as a CEP pattern: each step follows the previous one
 * with relaxed contiguity (other records may come between; each record completes at most one step
 * of a partial match), and the last step is at most {@code within} after the first.
 *
 * <p>The pattern's events are the records' step masks for this signal (the parser matched every
 * step once, {@code UsageEvent.hitSteps}), so a condition is a bit test and a partial match keeps
 * a long per record. Every record matching the first step starts a partial match, and each partial
 * match takes the earliest record for each next step, so the first match is completed by the
 * earliest completing record, whichever start is usable ("the latest usable start counts"). CEP's
 * {@code within} is exclusive ({@code last - first < window}) where SPEC's is inclusive, hence one
 * millisecond more. A milestone fires once: after a match every partial match is dropped, and an
 * entity whose milestone has fired runs the pattern no more.
 */
public final class SequencePattern {
    private SequencePattern() {}

    public static Pattern<Long, Long> of(Signal signal) {
        int steps = signal.steps().size();
        Pattern<Long, Long> p = Pattern.<Long>begin(stepName(0), AfterMatchSkipStrategy.skipPastLastEvent())
                .where(new StepCondition(0));
        for (int i = 1; i < steps; i++) {
            p = p.followedBy(stepName(i)).where(new StepCondition(i));
        }
        return p.within(Duration.ofMillis(signal.withinMs() + 1));
    }

    static String stepName(int i) {
        return "step-" + i;
    }

    /** A record matches step {@code step} when the parser marked it so. */
    static final class StepCondition extends SimpleCondition<Long> {
        private static final long serialVersionUID = 1L;
        private final long bit;

        StepCondition(int step) {
            this.bit = 1L << step;
        }

        @Override
        public boolean filter(Long steps) {
            return (steps & bit) != 0;
        }
    }
}
