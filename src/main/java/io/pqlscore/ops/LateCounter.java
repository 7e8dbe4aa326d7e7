package io.pqlscore.ops;

import io.pqlscore.events.DeadLetter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;

/**
 * Counts the late records the {@code EventSequencer}'s guard finds after the shuffle in
 * {@code pqlscore.late}, the counter the {@code RecordRouter} increments for the late records it
 * rejects, and passes them on to the dead letters unchanged. Chained to the sequencer, stateless;
 * the guard never expects to fire, so this normally sees nothing. (The sequencer also counts them
 * itself, as {@code pqlscore.rejected} with reason {@code late_after_shuffle}.)
 */
public class LateCounter extends RichMapFunction<DeadLetter, DeadLetter> {
    private static final long serialVersionUID = 1L;

    private transient Counter late;

    @Override
    public void open(OpenContext openContext) {
        late = Metrics.group(getRuntimeContext().getMetricGroup()).counter(Metrics.LATE);
    }

    @Override
    public DeadLetter map(DeadLetter letter) {
        late.inc();
        return letter;
    }
}
