package io.pqlscore.events;

import io.pqlscore.metrics.Metrics;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Splits parsed records into valid events, records for identity resolution ({@link #TO_RESOLVE})
 * and dead letters, and rejects records that arrive at
 * or behind the watermark as {@code late} (SPEC 3). Runs chained to the source, where the raw
 * bytes are still at hand, so every dead letter carries its payload and coordinates. Metrics
 * (docs/METRICS.md): {@code pqlscore.events_in}, {@code pqlscore.rejected} with a label {@code
 * reason} (every reason registered at start), and {@code pqlscore.late}, which counts the late records again
 * (as does the sequencer's guard) so that one name answers "how many records came too late".
 */
public class RecordRouter extends ProcessFunction<ParsedRecord, UsageEvent> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("dead-letters") {};
    /** Records for identity resolution (SPEC 8, {@link IdentityInput#needed}); the main output has the others. */
    public static final OutputTag<IdentityInput> TO_RESOLVE = new OutputTag<>("to-resolve", SerializerTypeInfo.IDENTITY_INPUT);

    private transient Map<RejectReason, Counter> rejected;
    private transient Counter accepted;
    private transient Counter late;

    @Override
    public void open(OpenContext openContext) {
        MetricGroup group = Metrics.group(getRuntimeContext().getMetricGroup());
        Metrics.CounterFamily byReason = new Metrics.CounterFamily(group, Metrics.REJECTED);
        rejected = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            rejected.put(r, byReason.get(r.code()));
        }
        accepted = group.counter(Metrics.EVENTS_IN);
        late = group.counter(Metrics.LATE);
    }

    @Override
    public void processElement(ParsedRecord record, Context ctx, Collector<UsageEvent> out) {
        if (!record.isValid()) {
            reject(record.deadLetter, ctx);
            return;
        }
        long watermark = ctx.timerService().currentWatermark();
        if (record.event.timestamp <= watermark) {
            late.inc();
            reject(EventParser.deadLetter(RejectReason.LATE,
                    "event time " + Timestamps.format(record.event.timestamp) + " is at or behind the watermark "
                            + Timestamps.format(watermark), record.raw, record.position), ctx);
            return;
        }
        accepted.inc();
        if (IdentityInput.needed(record.event)) {
            ctx.output(TO_RESOLVE, IdentityInput.of(record));
        } else {
            out.collect(record.event);
        }
    }

    private void reject(DeadLetter letter, Context ctx) {
        rejected.get(RejectReason.valueOf(letter.reason.toUpperCase())).inc();
        ctx.output(DEAD_LETTERS, letter);
    }
}
