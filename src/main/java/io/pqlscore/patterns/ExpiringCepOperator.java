package io.pqlscore.patterns;

import io.pqlscore.ops.Metrics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.cep.EventComparator;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.cep.nfa.ComputationState;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.NFAStateSerializer;
import org.apache.flink.cep.nfa.compiler.NFACompiler;
import org.apache.flink.cep.operator.CepOperator;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.WithinType;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.event.WatermarkEvent;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.LatencyMarker;
import org.apache.flink.streaming.runtime.streamrecord.RecordAttributes;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.util.OutputTag;
import org.apache.flink.util.clock.Clock;

/**
 * Flink's own {@link CepOperator} (same state names, same timer service, so a savepoint of the
 * plain operator restores into it) for patterns without {@code within}, that matches each record
 * when it arrives instead of buffering it until the watermark, and that forgets a key whose
 * partial matches have not seen a record for {@code expiryMs}, even if no record of that key ever
 * comes again.
 *
 * <p><b>Matching on arrival.</b> Its input comes from the {@code EventSequencer}, which releases
 * each account's records in SPEC order (event time, ties by {@code messageId}) once the watermark
 * has passed them, over one channel per key: they arrive here already in the order CEP's event-time
 * mode would sort them into. That mode buffers every record once more (a map entry under its
 * timestamp, a timer, and on the timer an iteration over the key's buffer and a delete): in the
 * whole job on RocksDB about 3 ms of busy time per reading, the job's largest cost (likely the
 * deletes' tombstones, which RocksDB's seeks skip; docs/BENCHMARKS.md). So the operator runs CEP's
 * "processing-time" path, which matches a record at once, with a clock that reads the record's
 * own event time: the NFA sees the same records, in the same order, with the same timestamps.
 * Only patterns without {@code within} may run this way: with a window, CEP would time partial
 * matches out with processing-time timers on the wall clock.
 *
 * <p>Records an earlier version buffered (a savepoint taken with event-time CEP) are matched first,
 * in CEP's order, when their key's next record or timer comes; until then they wait as before.
 *
 * <p><b>Expiry.</b> A usage pattern keeps, per (entity, metric), the latest reading below
 * {@code at} as a partial match, and without a {@code within} CEP keeps it for good: an account
 * that leaves with its last reading below {@code at} leaves its CEP state behind, so the operator's
 * state grows with the (entity, metric) pairs ever seen (the soak test showed it). A {@code within}
 * would prune it, but CEP registers a timer for every new partial match, i.e. for every reading
 * below, up to a window's worth of nightly readings per key: far more state than the one match.
 * Here each record registers one coarse timer instead, at the first multiple of
 * {@code granularityMs} at or after {@code record + expiryMs} (so a key's records share a few
 * timers); when one fires, a key whose NFA holds only partial matches whose latest record is
 * {@code expiryMs} or more behind the watermark and no completed match loses all its CEP state
 * (NFA, shared buffer). Counted in {@code pqlscore.patternKeysExpired}.
 *
 * <p>Matches are CEP's own up to the expiry. For the usage signal the expiry is the retention,
 * and a crossing whose reading below is that old is fired by the scorer instead
 * ({@code ScoreEngine.usageReading}); until the timer fires both may detect it, which is harmless
 * because a record fires a signal at most once per entity.
 */
public final class ExpiringCepOperator<IN, KEY, OUT> extends CepOperator<IN, KEY, OUT> {
    private static final long serialVersionUID = 1L;

    // CepOperator's and SharedBuffer's own names (Flink 2.2): this class looks its states up by them
    static final String TIMER_SERVICE = "watermark-callbacks";
    static final String NFA_STATE = "nfaStateName";
    static final String EVENT_QUEUE = "eventQueuesStateName";
    static final String[] SHARED_BUFFER = {"sharedBuffer-events", "sharedBuffer-entries-with-lockable-edges",
        "sharedBuffer-events-count"};
    /** Expiry timers per key over one expiry span: the granularity is the expiry divided by this. */
    static final int TIMERS_PER_EXPIRY = 4;

    /** No record is being matched: the clock is the task's own. */
    private static final long NO_RECORD = Long.MIN_VALUE;

    private final TypeSerializer<IN> inputSerializer;
    /** The order of records an earlier version buffered under one timestamp (CEP's comparator). */
    private final EventComparator<IN> bufferedOrder;
    private final long expiryMs;
    private final long granularityMs;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient ValueState<NFAState> nfa;
    private transient MapState<Long, List<IN>> queue;
    private transient MapState<?, ?>[] sharedBuffer;
    private transient Counter expired;
    /** Event time of the record being matched, or NO_RECORD. */
    private transient long recordTime;
    private transient EventTimeClock clock;
    /** Keys of this subtask with records an earlier, event-time version of CEP buffered. */
    private transient Set<Object> buffered;

    public ExpiringCepOperator(TypeSerializer<IN> inputSerializer, Pattern<IN, ?> pattern, EventComparator<IN> comparator,
            PatternProcessFunction<IN, OUT> function, long expiryMs, long granularityMs) {
        // "processing time" and no comparator: CEP matches each record on arrival (class comment)
        super(inputSerializer, true, NFACompiler.compileFactory(pattern, false), null, pattern.getAfterMatchSkipStrategy(),
                function, null);
        if (pattern.getWindowSize().isPresent() || pattern.getWindowSize(WithinType.PREVIOUS_AND_CURRENT).isPresent()) {
            throw new IllegalArgumentException("a pattern with within() needs CEP's event-time mode: " + pattern);
        }
        if (expiryMs < 1 || granularityMs < 1) {
            throw new IllegalArgumentException("expiry and granularity must be positive: " + expiryMs + ", " + granularityMs);
        }
        this.inputSerializer = inputSerializer;
        this.bufferedOrder = comparator;
        this.expiryMs = expiryMs;
        this.granularityMs = granularityMs;
    }

    /** A quarter of the expiry (at least 1 ms): at most a few expiry timers per key, forgotten at most a quarter late. */
    static long granularityFor(long expiryMs) {
        return Math.max(1, expiryMs / TIMERS_PER_EXPIRY);
    }

    @Override
    public void open() throws Exception {
        output = new EventTimeStamping(output); // before CepOperator builds its collector on it
        super.open(); // CepOperator has registered its states and its timer service by now
        timers = getInternalTimerService(TIMER_SERVICE, VoidNamespaceSerializer.INSTANCE, this);
        nfa = getPartitionedState(new ValueStateDescriptor<>(NFA_STATE, new NFAStateSerializer()));
        queue = getPartitionedState(new MapStateDescriptor<>(EVENT_QUEUE, LongSerializer.INSTANCE, new ListSerializer<>(inputSerializer)));
        sharedBuffer = new MapState<?, ?>[SHARED_BUFFER.length];
        for (int i = 0; i < SHARED_BUFFER.length; i++) {
            // an existing state is returned by name; these serializers are never used
            sharedBuffer[i] = getPartitionedState(new MapStateDescriptor<>(SHARED_BUFFER[i], LongSerializer.INSTANCE,
                    LongSerializer.INSTANCE));
        }
        expired = Metrics.group(getMetricGroup()).counter(Metrics.PATTERN_KEYS_EXPIRED);
        recordTime = NO_RECORD;
        buffered = new HashSet<>();
        // only a savepoint of event-time CEP has any: this version never writes the queue
        try (Stream<Object> keys = getKeyedStateBackend().getKeys(EVENT_QUEUE, VoidNamespace.INSTANCE)) {
            keys.forEach(buffered::add);
        }
    }

    /** CEP's processing-time path reads the clock from here: while matching a record, its event time. */
    @Override
    public ProcessingTimeService getProcessingTimeService() {
        ProcessingTimeService task = super.getProcessingTimeService();
        if (task == null) {
            return null;
        }
        if (clock == null || clock.task != task) {
            clock = new EventTimeClock(task);
        }
        return clock;
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        matchBufferedFirst();
        long t = element.hasTimestamp() ? element.getTimestamp() : timers.currentWatermark();
        match(element, t);
        timers.registerEventTimeTimer(VoidNamespace.INSTANCE, expiryAt(Math.max(t, timers.currentWatermark()), expiryMs,
                granularityMs));
    }

    private void match(StreamRecord<IN> element, long t) throws Exception {
        recordTime = t;
        try {
            super.processElement(element);
        } finally {
            recordTime = NO_RECORD;
        }
    }

    /** Matches the records an earlier version buffered for the current key, in CEP's event-time order. */
    private void matchBufferedFirst() throws Exception {
        if (buffered.isEmpty() || !buffered.remove(getCurrentKey())) {
            return;
        }
        List<Long> times = new ArrayList<>();
        for (Long t : queue.keys()) {
            times.add(t);
        }
        Collections.sort(times);
        for (long t : times) {
            List<IN> records = new ArrayList<>(queue.get(t));
            if (bufferedOrder != null) {
                records.sort(bufferedOrder);
            }
            for (IN r : records) {
                match(new StreamRecord<>(r, t), t);
            }
        }
        queue.clear();
    }

    @Override
    public void onEventTime(InternalTimer<KEY, VoidNamespace> timer) throws Exception {
        matchBufferedFirst(); // an earlier version's timer, or an expiry timer of a key with such records
        super.onEventTime(timer); // empty queue: advances the NFA's time, drops an NFA state that is only the start state
        if (Math.floorMod(timer.getTimestamp(), granularityMs) == 0) {
            forgetIfExpired(timers.currentWatermark());
        }
    }

    private void forgetIfExpired(long watermark) throws Exception {
        NFAState state = nfa.value();
        // the queue is empty here: this version never buffers, and onEventTime matched an earlier version's records
        if (state == null || !state.getCompletedMatches().isEmpty()) {
            return;
        }
        for (ComputationState c : state.getPartialMatches()) {
            if (c.getPreviousBufferEntry() != null && !expired(c.getPreviousTimestamp(), watermark, expiryMs)) {
                return;
            }
        }
        nfa.clear();
        for (MapState<?, ?> s : sharedBuffer) {
            s.clear();
        }
        expired.inc();
    }

    /** Whether a record at {@code t} is {@code expiry} or more behind the watermark. */
    static boolean expired(long t, long watermark, long expiry) {
        return t <= watermark - expiry && watermark - expiry <= watermark; // the second: no underflow
    }

    /** The first multiple of {@code granularity} at or after {@code t + expiry}, saturating. */
    static long expiryAt(long t, long expiry, long granularity) {
        if (t > Long.MAX_VALUE - expiry) {
            return Long.MAX_VALUE;
        }
        long at = t + expiry;
        long rem = Math.floorMod(at, granularity);
        return rem == 0 || at > Long.MAX_VALUE - granularity ? at : at - rem + granularity;
    }

    /** The task's processing-time service, except that while a record is matched its clock reads the record's event time. */
    private final class EventTimeClock implements ProcessingTimeService {
        final ProcessingTimeService task;

        EventTimeClock(ProcessingTimeService task) {
            this.task = task;
        }

        @Override
        public long getCurrentProcessingTime() {
            return recordTime != NO_RECORD ? recordTime : task.getCurrentProcessingTime();
        }

        @Override
        public Clock getClock() {
            return task.getClock();
        }

        @Override
        public ScheduledFuture<?> registerTimer(long timestamp, ProcessingTimeCallback target) {
            return task.registerTimer(timestamp, target);
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(ProcessingTimeCallback callback, long initialDelay, long period) {
            return task.scheduleAtFixedRate(callback, initialDelay, period);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(ProcessingTimeCallback callback, long initialDelay, long period) {
            return task.scheduleWithFixedDelay(callback, initialDelay, period);
        }

        @Override
        public CompletableFuture<Void> quiesce() {
            return task.quiesce();
        }
    }

    /**
     * Stamps a match with the event time of the record that completed it, as CEP's event-time mode
     * does (its processing-time path leaves the timestamp unset).
     */
    private final class EventTimeStamping implements Output<StreamRecord<OUT>> {
        private final Output<StreamRecord<OUT>> out;

        EventTimeStamping(Output<StreamRecord<OUT>> out) {
            this.out = out;
        }

        @Override
        public void collect(StreamRecord<OUT> record) {
            out.collect(stamped(record));
        }

        @Override
        public <X> void collect(OutputTag<X> tag, StreamRecord<X> record) {
            out.collect(tag, stamped(record));
        }

        private <X> StreamRecord<X> stamped(StreamRecord<X> record) {
            if (recordTime != NO_RECORD) {
                record.setTimestamp(recordTime);
            }
            return record;
        }

        @Override
        public void emitWatermark(Watermark mark) {
            out.emitWatermark(mark);
        }

        @Override
        public void emitWatermark(WatermarkEvent event) {
            out.emitWatermark(event);
        }

        @Override
        public void emitWatermarkStatus(WatermarkStatus status) {
            out.emitWatermarkStatus(status);
        }

        @Override
        public void emitLatencyMarker(LatencyMarker marker) {
            out.emitLatencyMarker(marker);
        }

        @Override
        public void emitRecordAttributes(RecordAttributes attributes) {
            out.emitRecordAttributes(attributes);
        }

        @Override
        public void close() {
            out.close();
        }
    }
}
