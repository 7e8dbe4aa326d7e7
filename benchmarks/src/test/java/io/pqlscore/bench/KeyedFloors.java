package io.pqlscore.bench;

import io.pqlscore.buffer.OrderedKeyedOperator;
import io.pqlscore.events.MessageIdOrder;
import io.pqlscore.events.UsageEventSerializer;
import java.util.ArrayList;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import io.pqlscore.events.UsageEvent;
import java.util.List;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The least keyed work the contract asks of every record, to show where the job's limit lies
 * (issue #6): the baseline's source, parser and keyBy followed by one of these on the job's state
 * backend (RocksDB), each measured in the same run as the baseline and the full job.
 *
 * <ul>
 *   <li>{@link StateTouch}: one keyed value read and written per record: the floor of any scorer
 *       that keeps a per-account state in RocksDB (the job keeps account, user and agenda).</li>
 *   <li>{@link EventTimeBuffer}: SPEC 3's event-time order as the earlier topology bought it: the
 *       record is buffered in keyed state with an event-time timer at its instant and released when
 *       the watermark passes it, then one value read and written. That job did this twice
 *       (sequencer and scorer) plus CEP.</li>
 *   <li>{@link HeapBuffer}: the same order the way the job buys it now: the record waits once in
 *       the {@link OrderedKeyedOperator}'s heap queue (raw keyed state only in snapshots), then one
 *       value read and written.</li>
 * </ul>
 * Benchmark code only; the job never runs these.
 */
final class KeyedFloors {
    private KeyedFloors() {}

    /** One RocksDB read and write of a per-account value per record. */
    static final class StateTouch extends KeyedProcessFunction<String, UsageEvent, Long> {
        private transient ValueState<Long> seen;

        @Override
        public void open(OpenContext context) {
            seen = getRuntimeContext().getState(new ValueStateDescriptor<>("seen", Types.LONG));
        }

        @Override
        public void processElement(UsageEvent e, Context ctx, Collector<Long> out) throws Exception {
            Long n = seen.value();
            long next = n == null ? 1 : n + 1;
            seen.update(next);
            out.collect(next);
        }
    }

    /**
     * Buffer by event time in keyed state with a timer per instant, release at the watermark (the
     * earlier sequencer's and scorer's buffer, as it was), then one value read and write.
     */
    static final class EventTimeBuffer extends KeyedProcessFunction<String, UsageEvent, Long> {
        private transient MapState<Long, List<UsageEvent>> pending;
        private transient ValueState<Long> seen;

        @Override
        public void open(OpenContext context) {
            pending = getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", Types.LONG,
                    Types.LIST(TypeInformation.of(UsageEvent.class))));
            seen = getRuntimeContext().getState(new ValueStateDescriptor<>("seen", Types.LONG));
        }

        @Override
        public void processElement(UsageEvent e, Context ctx, Collector<Long> out) throws Exception {
            List<UsageEvent> at = pending.get(e.timestamp);
            if (at == null) {
                at = new ArrayList<>(1);
                ctx.timerService().registerEventTimeTimer(e.timestamp);
            }
            at.add(e);
            pending.put(e.timestamp, at);
        }

        @Override
        public void onTimer(long time, OnTimerContext ctx, Collector<Long> out) throws Exception {
            List<UsageEvent> due = pending.get(time);
            if (due == null) {
                return;
            }
            pending.remove(time);
            Long n = seen.value();
            long next = (n == null ? 0 : n) + due.size();
            seen.update(next);
            for (int i = 0; i < due.size(); i++) {
                out.collect(next);
            }
        }
    }

    /** The job's own buffer (one heap queue, released at the watermark), then one value read and write. */
    static final class HeapBuffer extends OrderedKeyedOperator<UsageEvent, Long> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<Long> seen;

        HeapBuffer(int heapBudget) {
            super(UsageEventSerializer.INSTANCE, heapBudget);
        }

        @Override
        protected String keyOf(UsageEvent e) {
            return e.accountId;
        }

        @Override
        protected long timeOf(UsageEvent e) {
            return e.timestamp;
        }

        @Override
        protected int compareTies(UsageEvent a, UsageEvent b) {
            return MessageIdOrder.CODE_POINTS.compare(a.messageId, b.messageId);
        }

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            seen = context.getKeyedStateStore().getState(new ValueStateDescriptor<>("seen", Types.LONG));
        }

        @Override
        protected void onRecord(UsageEvent e) throws Exception {
            Long n = seen.value();
            long next = n == null ? 1 : n + 1;
            seen.update(next);
            output.collect(new StreamRecord<>(next));
        }

        @Override
        protected void onWake(String key, long time) {}

        @Override
        protected void onLate(UsageEvent e, long watermark) {}
    }
}
