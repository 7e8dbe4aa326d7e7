package io.pqlscore.identity;

import io.pqlscore.events.IdentityInput;
import io.pqlscore.events.UsageEvent;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * Runs {@link IdentityResolution} and keeps its output always <em>active</em>, for the reason the
 * {@code SequencerOperator} does: the account stage behind it must always wait for every identity
 * subtask's watermark, since each releases the records it held before forwarding the watermark
 * that released them. Passing on source idleness would let the account stage move on without an
 * identity subtask when the sources resume, and its resolved records would arrive late there.
 */
public final class IdentityOperator extends KeyedProcessOperator<String, IdentityInput, UsageEvent> {
    private static final long serialVersionUID = 1L;

    public IdentityOperator(IdentityResolution resolution) {
        super(resolution);
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) {
        // absorbed: see the class comment
    }
}
