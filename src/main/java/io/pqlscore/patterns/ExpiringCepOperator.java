package io.pqlscore.patterns;

import io.pqlscore.ops.Metrics;
import java.util.List;
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
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Flink's own {@link CepOperator} (same state names, same timer service, so a savepoint of the
 * plain operator restores into it) that also forgets a key whose partial matches have not seen a
 * record for {@code expiryMs}, even if no record of that key ever comes again.
 *
 * <p>Why: a usage pattern keeps, per (entity, metric), the latest reading below {@code at} as a
 * partial match, and without a {@code within} CEP keeps it for good: an account that leaves with
 * its last reading below {@code at} leaves its CEP state behind, so the operator's state grows
 * with the (entity, metric) pairs ever seen (the soak test showed it). A {@code within} would prune
 * it, but CEP registers a timer for every new partial match, i.e. for every reading below, up to a
 * window's worth of nightly readings per key: far more state than the one match. Here each record
 * registers one coarse timer instead, at the first multiple of {@code granularityMs} at or after
 * {@code record + expiryMs} (so a key's records share a few timers); when one fires after CEP's own
 * processing, a key whose NFA holds only partial matches whose latest record is {@code expiryMs}
 * or more behind the watermark, no completed match and no buffered record loses all its CEP state
 * (NFA, shared buffer, queue). Counted in {@code pqlscore.patternKeysExpired}.
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

    private final TypeSerializer<IN> inputSerializer;
    private final long expiryMs;
    private final long granularityMs;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient ValueState<NFAState> nfa;
    private transient MapState<Long, List<IN>> queue;
    private transient MapState<?, ?>[] sharedBuffer;
    private transient Counter expired;

    public ExpiringCepOperator(TypeSerializer<IN> inputSerializer, Pattern<IN, ?> pattern, EventComparator<IN> comparator,
            PatternProcessFunction<IN, OUT> function, long expiryMs, long granularityMs) {
        super(inputSerializer, false, NFACompiler.compileFactory(pattern, false), comparator, pattern.getAfterMatchSkipStrategy(),
                function, null);
        if (expiryMs < 1 || granularityMs < 1) {
            throw new IllegalArgumentException("expiry and granularity must be positive: " + expiryMs + ", " + granularityMs);
        }
        this.inputSerializer = inputSerializer;
        this.expiryMs = expiryMs;
        this.granularityMs = granularityMs;
    }

    /** A quarter of the expiry (at least 1 ms): at most a few expiry timers per key, forgotten at most a quarter late. */
    static long granularityFor(long expiryMs) {
        return Math.max(1, expiryMs / TIMERS_PER_EXPIRY);
    }

    @Override
    public void open() throws Exception {
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
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        super.processElement(element);
        if (element.hasTimestamp() && element.getTimestamp() > timers.currentWatermark()) { // CEP drops late ones
            timers.registerEventTimeTimer(VoidNamespace.INSTANCE, expiryAt(element.getTimestamp(), expiryMs, granularityMs));
        }
    }

    @Override
    public void onEventTime(InternalTimer<KEY, VoidNamespace> timer) throws Exception {
        super.onEventTime(timer); // CEP's own work first: records due now are matched before anything expires
        if (Math.floorMod(timer.getTimestamp(), granularityMs) == 0) {
            forgetIfExpired(timers.currentWatermark());
        }
    }

    private void forgetIfExpired(long watermark) throws Exception {
        NFAState state = nfa.value();
        if (state == null || !state.getCompletedMatches().isEmpty() || !queue.isEmpty()) {
            return;
        }
        for (ComputationState c : state.getPartialMatches()) {
            if (c.getPreviousBufferEntry() != null && !expired(c.getPreviousTimestamp(), watermark, expiryMs)) {
                return;
            }
        }
        nfa.clear();
        queue.clear();
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
}
