package io.pqlscore.scoring;

import io.pqlscore.events.EventSequencer;
import io.pqlscore.events.EventTimeBuckets;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ScoreScale;
import io.pqlscore.ops.Metrics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The keyed scoring operator, keyed by account. It only feeds the {@link ScoreEngine}: records
 * arrive ordered and deduplicated (from the {@code EventSequencer}) and wait in state for an
 * event-time timer at their own instant; every wake-up the engine asks for is a timer too. Flink
 * fires a key's timers in time order, so records and ticks interleave exactly as SPEC 3 says
 * even when the watermark jumps far ahead at once (as it does when a bounded replay ends):
 * applying records on arrival would let them overtake ticks that are still due.
 *
 * <p>State per account (RocksDB in production): the records of instants not yet reached, the
 * {@link AccountState}, one {@link EntityState} per live user, and an agenda of which users wake
 * at which instant.
 *
 * <p>Metrics (docs/METRICS.md), none of them state: {@code pqlscore.transitions}, {@code
 * pqlscore.tier_transitions} with labels {@code kind}, {@code direction} and {@code tier} (the new
 * tier), {@code pqlscore.orphan_firings} and the gauge {@code pqlscore.scoring_lag_ms}.
 */
public class AccountScorer extends KeyedProcessFunction<String, ScorerInput, Transition> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<CurrentScore> CURRENT_SCORES = new OutputTag<>("current-scores") {};

    private final ScoreEngine engine;

    private transient EventTimeBuckets<ScorerInput> pending;
    private transient ValueState<AccountState> account;
    private transient MapState<String, EntityState> users;
    private transient MapState<Long, List<String>> agenda;
    private transient Counter transitionsOut;
    private transient Counter orphanFirings;
    private transient Metrics.CounterFamily tierTransitions;
    /**
     * The watermark as last seen by this subtask (on each record and timer), for the lag gauge.
     * A plain field, not state: after a restore it starts again from "no watermark yet".
     */
    private transient volatile long observedWatermark;
    private transient KeyedStateStore store;

    public AccountScorer(ScoreEngine engine) {
        this.engine = engine;
    }

    @Override
    public void open(OpenContext openContext) {
        pending = new EventTimeBuckets<>(getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", Types.LONG,
                Types.LIST(TypeInformation.of(ScorerInput.class)))));
        account = getRuntimeContext().getState(new ValueStateDescriptor<>("account", TypeInformation.of(AccountState.class)));
        users = getRuntimeContext().getMapState(new MapStateDescriptor<>("users", Types.STRING,
                TypeInformation.of(EntityState.class)));
        agenda = getRuntimeContext().getMapState(new MapStateDescriptor<>("user-wakeups", Types.LONG, Types.LIST(Types.STRING)));
        MetricGroup metrics = Metrics.group(getRuntimeContext().getMetricGroup());
        transitionsOut = metrics.counter(Metrics.TRANSITIONS);
        orphanFirings = metrics.counter(Metrics.ORPHAN_FIRINGS);
        tierTransitions = new Metrics.CounterFamily(metrics, Metrics.TIER_TRANSITIONS);
        // the model's possible transitions start at 0, so rate() and increase() see their first one
        registerTierTransitions(Transition.PQL, engine.model().pql());
        registerTierTransitions(Transition.PQA, engine.model().pqa());
        observedWatermark = Long.MIN_VALUE;
        metrics.gauge(Metrics.SCORING_LAG_MS, (Gauge<Long>) () -> scoringLagMs(observedWatermark, System.currentTimeMillis()));
        store = new KeyedStateStore(account, users, agenda, engine.model());
    }

    /** Up into every tier above {@code none}, down into every tier below the top one. */
    private void registerTierTransitions(String kind, ScoreScale scale) {
        int top = scale.tiers().size();
        for (int i = 0; i <= top; i++) {
            if (i > 0) {
                tierTransitions.get(kind, "up", scale.name(i));
            }
            if (i < top) {
                tierTransitions.get(kind, "down", scale.name(i));
            }
        }
    }

    /**
     * Wall clock minus watermark in ms: -1 before the first watermark, 0 once the input has ended
     * (the final watermark: everything is scored) or while event time is ahead of the wall clock.
     */
    public static long scoringLagMs(long watermark, long now) {
        if (watermark == Long.MIN_VALUE) {
            return -1;
        }
        if (watermark == Long.MAX_VALUE) {
            return 0;
        }
        return Math.max(0, now - watermark);
    }

    @Override
    public void processElement(ScorerInput in, Context ctx, Collector<Transition> out) throws Exception {
        observedWatermark = ctx.timerService().currentWatermark();
        pending.add(in.timestamp(), in, ctx.timerService());
    }

    @Override
    public void onTimer(long time, OnTimerContext ctx, Collector<Transition> out) throws Exception {
        observedWatermark = ctx.timerService().currentWatermark();
        Output o = new Output(ctx, out);
        store.bind(ctx.getCurrentKey(), ctx.timerService());
        List<ScorerInput> inputs = pending.take(time);
        if (inputs != null) {
            List<UsageEvent> records = new ArrayList<>(inputs.size());
            List<SignalFiring> firings = new ArrayList<>();
            for (ScorerInput in : inputs) {
                if (in.event != null) {
                    records.add(in.event);
                } else {
                    firings.add(in.firing);
                }
            }
            records.sort((a, b) -> EventSequencer.CODE_POINT_ORDER.compare(a.messageId, b.messageId));
            for (UsageEvent e : records) {
                engine.apply(store, e, firingsOf(e, firings), o);
            }
            if (!firings.isEmpty()) {
                // a firing always arrives with its record; one without would be a bug upstream
                orphanFirings.inc(firings.size());
            }
        }
        engine.wake(store, time, o);
        store.agendaDone(time);
        store.flush();
    }

    /** Removes and returns the firings completed by record {@code e}. */
    private static List<SignalFiring> firingsOf(UsageEvent e, List<SignalFiring> firings) {
        if (firings.isEmpty()) {
            return List.of();
        }
        List<SignalFiring> mine = new ArrayList<>(1);
        firings.removeIf(f -> {
            boolean match = f.messageId.equals(e.messageId);
            if (match) {
                mine.add(f);
            }
            return match;
        });
        return mine;
    }

    private final class Output implements ScoringOutput {
        private final Context ctx;
        private final Collector<Transition> out;

        Output(Context ctx, Collector<Transition> out) {
            this.ctx = ctx;
            this.out = out;
        }

        @Override
        public void transition(Transition t) {
            transitionsOut.inc();
            tierTransitions.get(t.kind, t.direction, t.tierTo).inc();
            out.collect(t);
        }

        @Override
        public void score(CurrentScore s) {
            ctx.output(CURRENT_SCORES, s);
        }
    }
}
