package io.pqlscore.events;

import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * Runs the {@link EventSequencer} and keeps its output always <em>active</em>: source idleness
 * stops at the sequencer.
 *
 * <p>Why: idleness means "this input has no records, do not wait for it". That is true of an idle
 * source split, and the sequencer's input rightly ignores idle readers. It is not true of the
 * sequencer's own output once its input resumes: every sequencer subtask then releases the records
 * it held, and the operators behind it (the CEP detectors, the scorer) must wait for all of them.
 * Were the idle status passed on, those operators would leave the sequencer channels out of their
 * watermark while the sources slept; on resume, the first sequencer subtask to forward the new
 * watermark would move them on alone, and the records and pattern firings of the other subtasks
 * would reach them behind their watermark: dropped by CEP as late, or orphaned at the scorer. With
 * the status absorbed, every channel behind the sequencer always counts, and its watermark is the
 * minimum of all sequencer subtasks, each of which sends its released records before the watermark
 * that released them. While all sources are idle nothing moves event time anyway, so waiting costs
 * nothing.
 */
public final class SequencerOperator extends KeyedProcessOperator<String, UsageEvent, UsageEvent> {
    private static final long serialVersionUID = 1L;

    public SequencerOperator(EventSequencer sequencer) {
        super(sequencer);
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) {
        // absorbed: see the class comment
    }
}
