package io.pqlscore.backtest;

import io.pqlscore.events.DeadLetter;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RichMapFunction;

/** Counts the job's dead letters by reason (accumulators {@code backtest.rejected.<reason>}) for the report. */
public class DeadLetterCounter extends RichMapFunction<DeadLetter, DeadLetter> {
    private static final long serialVersionUID = 1L;

    public static final String PREFIX = "backtest.rejected.";

    private transient Map<String, LongCounter> counters;

    @Override
    public DeadLetter map(DeadLetter d) {
        if (counters == null) {
            counters = new HashMap<>();
        }
        String reason = d.reason == null ? "unknown" : d.reason;
        LongCounter c = counters.get(reason);
        if (c == null) {
            c = new LongCounter();
            getRuntimeContext().addAccumulator(PREFIX + reason, c);
            counters.put(reason, c);
        }
        c.add(1L);
        return d;
    }
}
