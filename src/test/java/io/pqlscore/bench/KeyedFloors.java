package io.pqlscore.bench;

import io.pqlscore.events.EventTimeBuckets;
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
 *   <li>{@link EventTimeBuffer}: SPEC 3's event-time order: the record is buffered in keyed state
 *       with an event-time timer at its instant and released when the watermark passes it, then
 *       one value read and written. The job does this twice (sequencer and scorer) plus CEP.</li>
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

    /** Buffer by event time, release at the watermark (the sequencer's own code), then one value read and write. */
    static final class EventTimeBuffer extends KeyedProcessFunction<String, UsageEvent, Long> {
        private transient EventTimeBuckets<UsageEvent> pending;
        private transient ValueState<Long> seen;

        @Override
        public void open(OpenContext context) {
            pending = new EventTimeBuckets<>(getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", Types.LONG,
                    Types.LIST(TypeInformation.of(UsageEvent.class)))));
            seen = getRuntimeContext().getState(new ValueStateDescriptor<>("seen", Types.LONG));
        }

        @Override
        public void processElement(UsageEvent e, Context ctx, Collector<Long> out) throws Exception {
            pending.add(e.timestamp, e, ctx.timerService());
        }

        @Override
        public void onTimer(long time, OnTimerContext ctx, Collector<Long> out) throws Exception {
            List<UsageEvent> due = pending.take(time);
            if (due == null) {
                return;
            }
            Long n = seen.value();
            long next = (n == null ? 0 : n) + due.size();
            seen.update(next);
            for (int i = 0; i < due.size(); i++) {
                out.collect(next);
            }
        }
    }
}
