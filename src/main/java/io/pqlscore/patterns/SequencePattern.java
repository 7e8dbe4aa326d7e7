package io.pqlscore.patterns;

import io.pqlscore.events.UsageEvent;
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
 * <p>Every record matching the first step starts a partial match, and each partial match takes
 * the earliest record for each next step, so the first match CEP emits is completed by the
 * earliest completing record, whichever start is usable ("the latest usable start counts").
 * CEP's {@code within} is exclusive ({@code last - first < window}) where SPEC's is inclusive,
 * hence one millisecond more. A milestone fires once: after a match every partial match is
 * dropped (the scorer also ignores any later firing for the entity).
 */
public final class SequencePattern {
    private SequencePattern() {}

    /**
     * @param layout the running model's {@code signalLayout()}: records matched by another model
     *     (buffered in CEP across a model change) match no step.
     */
    public static Pattern<UsageEvent, UsageEvent> of(Signal signal, int layout) {
        int steps = signal.steps().size();
        Pattern<UsageEvent, UsageEvent> p = Pattern.<UsageEvent>begin(stepName(0), AfterMatchSkipStrategy.skipPastLastEvent())
                .where(new StepCondition(signal.index(), 0, layout));
        for (int i = 1; i < steps; i++) {
            p = p.followedBy(stepName(i)).where(new StepCondition(signal.index(), i, layout));
        }
        return p.within(Duration.ofMillis(signal.withinMs() + 1));
    }

    static String stepName(int i) {
        return "step-" + i;
    }

    /** A record matches step {@code step} when the parser marked it so. */
    static final class StepCondition extends SimpleCondition<UsageEvent> {
        private static final long serialVersionUID = 1L;
        private final int signal;
        private final long bit;
        private final int layout;

        StepCondition(int signal, int step, int layout) {
            this.signal = signal;
            this.bit = 1L << step;
            this.layout = layout;
        }

        @Override
        public boolean filter(UsageEvent e) {
            if (e.layout != layout) {
                return false;
            }
            int h = e.hitIndex(signal);
            return h >= 0 && (e.hitSteps[h] & bit) != 0;
        }
    }
}
