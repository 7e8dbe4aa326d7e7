package io.pqlscore.patterns;

import io.pqlscore.events.UsageEvent;
import io.pqlscore.scoring.SignalFiring;
import java.util.List;
import java.util.Map;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.util.Collector;

/** Turns a CEP match into a {@link SignalFiring} at the record that completed it. */
final class FiringEmitter extends PatternProcessFunction<UsageEvent, SignalFiring> {
    private static final long serialVersionUID = 1L;

    private final int signal;
    private final String lastStep;
    private final boolean perUser;

    FiringEmitter(int signal, String lastStep, boolean perUser) {
        this.signal = signal;
        this.lastStep = lastStep;
        this.perUser = perUser;
    }

    @Override
    public void processMatch(Map<String, List<UsageEvent>> match, Context ctx, Collector<SignalFiring> out) {
        List<UsageEvent> last = match.get(lastStep);
        UsageEvent completing = last.get(last.size() - 1);
        out.collect(new SignalFiring(signal, completing.accountId, perUser ? completing.userId : null,
                completing.messageId, completing.timestamp));
    }
}
