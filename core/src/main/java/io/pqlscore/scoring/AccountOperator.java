package io.pqlscore.scoring;

import io.pqlscore.buffer.OrderedKeyedOperator;
import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.MessageIdOrder;
import io.pqlscore.events.RejectReason;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.events.UsageEventSerializer;
import io.pqlscore.model.ScoreScale;
import io.pqlscore.metrics.Metrics;
import io.pqlscore.patterns.PatternMachines;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The account stage in one keyed pass (keyed by account): every record of an account waits once
 * for the watermark ({@link OrderedKeyedOperator}), then, in SPEC 3 order, is deduplicated (SPEC 4,
 * 64-bit fingerprints kept within the dedupe window), run through the Flink CEP patterns of its
 * account and user ({@link PatternMachines}), and applied by the {@link ScoreEngine}; wake-ups
 * (ticks, retention, the pruning of old partial matches) interleave with the records at their
 * instants, one per account.
 *
 * <p><b>State.</b> One value per account, its users inside it ({@link EntityCodec}, {@link
 * AccountEntry#stored}), read at most once and written at most once per stay in a write-back cache
 * of decoded accounts ({@code cacheSize} accounts, least recently used out first): a busy account
 * costs no state access per record. The
 * cache is written back in every snapshot before the keyed state backend's own ({@link
 * #snapshotState}), so a checkpoint holds exactly what the records before its barrier did. The waiting records and the wake-ups are
 * raw keyed state, written only in snapshots.
 *
 * <p><b>Outputs.</b> Transitions as they happen; current-score rows ({@link #CURRENT_SCORES}) once
 * per entity and watermark step, the latest one (an upsert keeps only the latest anyway), and only
 * when a sink takes them; records found late here go to {@link #LATE}.
 */
public class AccountOperator extends OrderedKeyedOperator<UsageEvent, Transition> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<CurrentScore> CURRENT_SCORES = new OutputTag<>("current-scores") {};
    /** Records found at or behind the watermark here: never expected (the router checks first). */
    public static final OutputTag<DeadLetter> LATE = new OutputTag<>("late-after-shuffle") {};

    public static final String ACCOUNT_STATE = "account";
    /**
     * Users as entries of their own, as the account stage's first release (entity format 2) kept
     * them: still registered so that such state restores; its entries move into their accounts'
     * values on restore ({@link #moveUsersIntoAccounts}).
     */
    public static final String USERS_STATE = "users";
    public static final String LAYOUTS_STATE = "signal-layouts";

    private final ScoreEngine engine;
    private final long dedupeWindowMs;
    private final int cacheSize;
    private boolean everyEvaluation;

    private transient ValueState<byte[]> accountState;
    private transient MapState<String, byte[]> usersState;
    private transient ListState<SignalLayouts.Entry> layoutsState;
    private transient SignalLayouts layouts;
    private transient EntityCodec codec;
    private transient PatternMachines machines;
    private transient AccountPass pass;
    private transient LinkedHashMap<String, AccountEntry> cache;
    private transient AccountEntry.Users users;
    private transient Map<String, CurrentScore> scores;
    private transient EngineOutput sink;
    private transient Counter transitionsOut;
    private transient Counter duplicates;
    private transient Counter late;
    private transient Counter lateAfterShuffle;
    private transient Metrics.CounterFamily tierTransitions;
    private transient volatile long observedWatermark;

    /**
     * @param heapBudget records waiting for the watermark held on the heap; beyond it they spill to
     *     keyed state
     * @param cacheSize accounts kept decoded between state reads and writes
     */
    public AccountOperator(ScoreEngine engine, long dedupeWindowMs, int heapBudget, int cacheSize) {
        super(UsageEventSerializer.INSTANCE, heapBudget);
        this.engine = engine;
        this.dedupeWindowMs = dedupeWindowMs;
        this.cacheSize = cacheSize;
    }

    /**
     * A current-score row for every evaluation instead of the latest per entity and watermark step
     * (the backtest folds them all). Returns this operator.
     */
    public AccountOperator everyEvaluation(boolean every) {
        this.everyEvaluation = every;
        return this;
    }

    /** The key is set only when keyed state is read or written: most records find their account in the cache. */
    @Override
    protected boolean setsKeysItself() {
        return true;
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

    // ---------------------------------------------------------------- life cycle

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        accountState = context.getKeyedStateStore().getState(new ValueStateDescriptor<>(ACCOUNT_STATE,
                BytePrimitiveArraySerializer.INSTANCE));
        usersState = context.getKeyedStateStore().getMapState(new MapStateDescriptor<>(USERS_STATE,
                StringSerializer.INSTANCE, BytePrimitiveArraySerializer.INSTANCE));
        layoutsState = context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>(LAYOUTS_STATE,
                TypeInformation.of(SignalLayouts.Entry.class)));
        layouts = new SignalLayouts(engine.model());
        Iterable<SignalLayouts.Entry> restored = layoutsState.get();
        if (restored != null) {
            layouts.addAll(restored);
        }
        codec = new EntityCodec(engine.model(), layouts);
        if (context.isRestored()) {
            moveUsersIntoAccounts();
        }
    }

    /**
     * State of the account stage's first release keeps each user as an entry of {@code users}:
     * each such user goes into its account's value, once, on restore (a few seconds for a million
     * users), and the entries are cleared.
     */
    private void moveUsersIntoAccounts() throws Exception {
        for (String account : keysWith(USERS_STATE)) {
            setKey(account);
            AccountEntry e = codec.decodeAccount(account, accountState.value());
            for (Map.Entry<String, byte[]> u : usersState.entries()) {
                e.restoreStoredUser(u.getKey(), u.getValue());
            }
            usersState.clear();
            accountState.update(codec.encodeAccount(e));
        }
    }

    @Override
    public void open() throws Exception {
        machines = new PatternMachines(engine.model(), getRuntimeContext());
        pass = new AccountPass(engine, machines, dedupeWindowMs);
        cache = new LinkedHashMap<>(1024, 0.75f, true);
        scores = new LinkedHashMap<>();
        sink = new EngineOutput();
        users = stored -> {
            try {
                return codec.decodeUser(stored);
            } catch (java.io.IOException e) {
                throw new StateAccessException(e);
            }
        };
        MetricGroup metrics = Metrics.group(getRuntimeContext().getMetricGroup());
        transitionsOut = metrics.counter(Metrics.TRANSITIONS);
        duplicates = metrics.counter(Metrics.DUPLICATES);
        late = metrics.counter(Metrics.LATE);
        lateAfterShuffle = new Metrics.CounterFamily(metrics, Metrics.REJECTED).get(Metrics.LATE_AFTER_SHUFFLE);
        tierTransitions = new Metrics.CounterFamily(metrics, Metrics.TIER_TRANSITIONS);
        registerTierTransitions(Transition.PQL, engine.model().pql());
        registerTierTransitions(Transition.PQA, engine.model().pqa());
        observedWatermark = Long.MIN_VALUE;
        metrics.gauge(Metrics.SCORING_LAG_MS, (Gauge<Long>) () -> scoringLagMs(observedWatermark, System.currentTimeMillis()));
        super.open();
    }

    /** Up into every tier above {@code none}, down into every tier below the top one: all start at 0. */
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
    public void close() throws Exception {
        if (machines != null) {
            machines.close();
        }
        super.close();
    }

    // ---------------------------------------------------------------- records and wake-ups

    @Override
    public void processElement(StreamRecord<UsageEvent> element) throws Exception {
        super.processElement(element);
    }

    @Override
    protected void onRecord(UsageEvent e) throws Exception {
        AccountEntry entry = entry(e.accountId);
        if (!pass.record(entry, e, sink)) {
            duplicates.inc();
        }
        setWake(entry.accountId, pass.nextWake(entry));
        observedWatermark = currentWatermark();
    }

    @Override
    protected void onWake(String key, long time) throws Exception {
        AccountEntry entry = entry(key);
        pass.wake(entry, time, sink);
        setWake(key, pass.nextWake(entry));
        observedWatermark = currentWatermark();
    }

    @Override
    protected void onLate(UsageEvent e, long watermark) {
        // the router rejects late records with their payload; this only keeps "never dropped silently"
        late.inc();
        lateAfterShuffle.inc();
        output(LATE, new DeadLetter(RejectReason.LATE, "late after the shuffle: messageId " + e.messageId, null, null,
                new SourcePosition("account:" + e.accountId, -1, e.timestamp)));
    }

    @Override
    protected void afterRelease() {
        observedWatermark = currentWatermark();
        if (!scores.isEmpty()) {
            for (CurrentScore s : scores.values()) {
                output(CURRENT_SCORES, s);
            }
            scores.clear();
        }
    }

    private <X> void output(OutputTag<X> tag, X value) {
        output.collect(tag, new StreamRecord<>(value));
    }

    // ---------------------------------------------------------------- the cache

    /** The account's entry, from the cache or decoded from state (the key is set). */
    private AccountEntry entry(String accountId) throws Exception {
        AccountEntry e = cache.get(accountId);
        if (e == null) {
            setKey(accountId);
            e = codec.decodeAccount(accountId, accountState.value());
            e.bind(users);
            cache.put(accountId, e);
            if (cache.size() > cacheSize) {
                Iterator<Map.Entry<String, AccountEntry>> eldest = cache.entrySet().iterator();
                AccountEntry out = eldest.next().getValue();
                eldest.remove();
                setKey(out.accountId);
                write(out);
                setKey(accountId);
            }
        }
        return e;
    }

    /** Writes what changed of an entry to keyed state; its account must be the current key. */
    private void write(AccountEntry e) throws Exception {
        if (e.storeChangedUsers(this::encodeUser)) {
            long watermark = currentWatermark();
            if (watermark != Long.MIN_VALUE && watermark != Long.MAX_VALUE) {
                // ids no record after the watermark can repeat within the window (t > watermark, so
                // t - kept > window): not worth their bytes in the state
                e.kept.purge(watermark + 1, dedupeWindowMs);
            }
            if (e.isEmpty()) {
                accountState.clear();
            } else {
                accountState.update(codec.encodeAccount(e));
            }
            e.dirty = false;
        }
    }

    private byte[] encodeUser(EntityState u) {
        try {
            return codec.encodeUser(engine.relayout(u));
        } catch (Exception x) {
            throw new StateAccessException(x);
        }
    }

    /**
     * Writes back every changed entry of the cache, then snapshots the waiting records and wake-ups
     * (raw keyed state) and the signal layouts. Runs in the snapshot's synchronous part, before the
     * keyed state backend takes its own snapshot, so that one holds what the records before the
     * barrier did; the entries stay cached, now clean.
     */
    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        for (AccountEntry e : cache.values()) {
            if (e.dirty || !e.dirtyUsers.isEmpty()) {
                setKey(e.accountId);
                write(e);
            }
        }
        super.snapshotState(context);
        layoutsState.update(layouts.entries());
    }

    @Override
    protected void rebuildWakes() throws Exception {
        for (String account : keysWith(ACCOUNT_STATE)) {
            setKey(account);
            AccountEntry e = entry(account);
            pass.recomputePatternWake(e);
            // an account forgotten with ids still in the dedupe window wakes too, to drop them
            setWake(account, pass.nextWake(e));
        }
    }

    /** Entries in the cache (for tests). */
    public int cachedAccounts() {
        return cache.size();
    }

    // ---------------------------------------------------------------- outputs

    private final class EngineOutput implements ScoringOutput {
        @Override
        public void transition(Transition t) {
            transitionsOut.inc();
            tierTransitions.get(t.kind, t.direction, t.tierTo).inc();
            output.collect(new StreamRecord<>(t));
        }

        @Override
        public void score(CurrentScore s) {
            if (everyEvaluation) {
                output(CURRENT_SCORES, s);
            } else {
                scores.put(s.accountId + '\u0000' + (s.userId == null ? "" : s.userId), s);
            }
        }
    }
}
