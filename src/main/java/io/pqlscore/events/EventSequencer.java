package io.pqlscore.events;

import io.pqlscore.ops.Metrics;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Puts each account's records in SPEC 3 order and drops duplicates (SPEC 4). Records wait in
 * keyed state until the watermark passes their event time; then all records of that instant are
 * released in {@code messageId} order (by Unicode code point), each checked against the
 * {@code messageId}s kept within the dedupe window. Downstream operators (the scorer, the
 * pattern detectors) therefore see a deduplicated stream in exactly the contract's order.
 *
 * <p>State per account: the records not yet released (at most the out-of-orderness bound's
 * worth), the kept {@code messageId}s of the last dedupe window, and a purge index that
 * forgets each id once its window has passed.
 */
public class EventSequencer extends KeyedProcessFunction<String, UsageEvent, UsageEvent> {
    private static final long serialVersionUID = 1L;

    /** Records found at or behind the watermark after the shuffle; never expected (see README). */
    public static final OutputTag<DeadLetter> LATE = new OutputTag<>("late-after-shuffle") {};

    /** SPEC 7: ties compare by Unicode code point, not UTF-16 unit. */
    public static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    private final long dedupeWindowMs;
    private final long purgeGranularityMs;

    private transient EventTimeBuckets<UsageEvent> pending;
    private transient MapState<String, Long> kept;
    private transient EventTimeBuckets<String> purgeAt;
    private transient Counter duplicates;
    private transient Counter lateAfterShuffle;

    /**
     * @param purgeGranularityMs kept ids are forgotten on the first multiple of this after their
     *     window ends: coarser means fewer timers, finer means less state.
     */
    public EventSequencer(long dedupeWindowMs, long purgeGranularityMs) {
        this.dedupeWindowMs = dedupeWindowMs;
        this.purgeGranularityMs = purgeGranularityMs;
    }

    @Override
    public void open(OpenContext openContext) {
        pending = new EventTimeBuckets<>(getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", Types.LONG,
                Types.LIST(TypeInformation.of(UsageEvent.class)))));
        kept = getRuntimeContext().getMapState(new MapStateDescriptor<>("kept-message-ids", Types.STRING, Types.LONG));
        purgeAt = new EventTimeBuckets<>(getRuntimeContext().getMapState(new MapStateDescriptor<>("kept-id-purge", Types.LONG,
                Types.LIST(Types.STRING))));
        MetricGroup metrics = Metrics.group(getRuntimeContext().getMetricGroup());
        duplicates = metrics.counter(Metrics.DUPLICATES);
        lateAfterShuffle = new Metrics.CounterFamily(metrics, Metrics.REJECTED).get(Metrics.LATE_AFTER_SHUFFLE);
    }

    @Override
    public void processElement(UsageEvent e, Context ctx, Collector<UsageEvent> out) throws Exception {
        if (e.timestamp <= ctx.timerService().currentWatermark()) {
            // The router already rejects late records with their payload; this only guards the
            // contract that nothing is dropped silently should a watermark ever overtake one.
            lateAfterShuffle.inc();
            DeadLetter d = new DeadLetter(RejectReason.LATE, "late after the shuffle: messageId " + e.messageId,
                    null, null, new SourcePosition("account:" + e.accountId, -1, e.timestamp));
            ctx.output(LATE, d);
            return;
        }
        pending.add(e.timestamp, e, ctx.timerService());
    }

    @Override
    public void onTimer(long time, OnTimerContext ctx, Collector<UsageEvent> out) throws Exception {
        List<UsageEvent> at = pending.take(time);
        if (at != null) {
            at.sort((a, b) -> CODE_POINT_ORDER.compare(a.messageId, b.messageId));
            for (UsageEvent e : at) {
                Long keptAt = kept.get(e.messageId);
                if (keptAt != null && e.timestamp - keptAt <= dedupeWindowMs) {
                    duplicates.inc();
                    continue;
                }
                kept.put(e.messageId, e.timestamp);
                purgeAt.add(ceil(e.timestamp + dedupeWindowMs, purgeGranularityMs), e.messageId, ctx.timerService());
                out.collect(e);
            }
        }
        // Purge entries sit at multiples of the granularity, so a record's own instant (most timers)
        // that is not one needs no look-up. A timer without records is always looked up: entries
        // restored from a run with another --dedupe-purge-granularity are still found then (only
        // one that falls exactly on a record's instant would be skipped, and that id just stays
        // kept; deduplication compares its time against the window either way).
        List<String> expired = at == null || time % purgeGranularityMs == 0 ? purgeAt.take(time) : null;
        if (expired != null) {
            for (String id : expired) {
                Long keptAt = kept.get(id);
                // a later copy kept after this window has its own purge entry
                if (keptAt != null && keptAt + dedupeWindowMs <= time) {
                    kept.remove(id);
                }
            }
        }
    }

    private static long ceil(long t, long granularity) {
        return Math.floorDiv(t + granularity - 1, granularity) * granularity;
    }
}
