package io.pqlscore.scoring;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.model.JsonValues;
import io.pqlscore.events.Traits;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.RoutingOverride;
import io.pqlscore.model.ScoreScale;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import io.pqlscore.model.TraitTest;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The scoring rules of SPEC sections 2 to 4 and 6, in plain Java: applying a record to an account
 * and its users, evaluating scores and tiers, evaluation ticks, retention. The arithmetic of one
 * signal's state is {@link SignalMath}'s, the transition and current-score records are built by
 * {@link ScoreOutputs}; this class decides what applies when. It holds no state of its own: state
 * lives in an {@link AccountStore}, so the Flink operator only feeds records and wake-ups in
 * event-time order and stores what the engine changes.
 *
 * <p>Records must be applied in SPEC 3 order (event time, ties by {@code messageId}),
 * deduplicated; {@link #wake} must be called for every registered wake-up time after the records
 * at that time.
 */
public final class ScoreEngine implements Serializable {
    private static final long serialVersionUID = 1L;

    /** SPEC 2: the PQA gate and {@code active_users_7d} count users active in (t - 7d, t]. */
    public static final long ACTIVE_USERS_WINDOW_MS = 7L * 24 * 3_600_000L;
    public static final int DEFAULT_TOP_SIGNALS = 3;

    private final ScoringModel model;
    private final Signal[] signals;
    private final String[] signalIds;
    private final int[] categoryOf;
    private final String[] categories;
    private final double[] caps; // NaN: uncapped
    private final long interval;
    private final long retention;
    private final long usageExpiry;
    private final int layout;
    /** Indices of the signals that score accounts, and those that score users. */
    private final int[] accountSignals;
    private final int[] userSignals;
    /** Builds the transitions and current-score rows. */
    private final ScoreOutputs outputs;
    /** Backtests only ({@code io.pqlscore.backtest}): current scores also carry each signal's points. */
    private boolean signalPointsInScores;
    /** Whether evaluations build current-score rows (off when no sink takes them). */
    private boolean currentScores = true;

    /** Wall clock for {@code emitted_at}; serializable so the engine can travel in a job graph. */
    public interface WallClock extends Serializable {
        long now();
    }

    public ScoreEngine(ScoringModel model) {
        this(model, DEFAULT_TOP_SIGNALS, System::currentTimeMillis);
    }

    public ScoreEngine(ScoringModel model, int topSignals, WallClock clock) {
        this.model = model;
        this.signals = model.signals().toArray(new Signal[0]);
        this.signalIds = new String[signals.length];
        this.categories = model.categoryNames().toArray(new String[0]);
        this.caps = new double[categories.length];
        for (int c = 0; c < categories.length; c++) {
            Double cap = model.cap(categories[c]);
            caps[c] = cap == null ? Double.NaN : cap;
        }
        this.categoryOf = new int[signals.length];
        for (int i = 0; i < signals.length; i++) {
            signalIds[i] = signals[i].id();
            categoryOf[i] = Arrays.asList(categories).indexOf(signals[i].category());
        }
        this.interval = model.time().evaluationIntervalMs();
        this.retention = model.time().retentionMs();
        this.usageExpiry = model.time().usageExpiryMs();
        this.layout = model.signalLayout();
        this.accountSignals = java.util.stream.IntStream.range(0, signals.length)
                .filter(i -> signals[i].scope().scoresAccounts()).toArray();
        this.userSignals = java.util.stream.IntStream.range(0, signals.length)
                .filter(i -> signals[i].scope().scoresUsers()).toArray();
        this.outputs = new ScoreOutputs(model, signals, signalIds, categoryOf, categories, caps, topSignals, clock);
    }

    /**
     * Whether a record's hits were matched by this model. One parsed under a model with other
     * signals (in flight when the job was restored with a changed model) still counts as a
     * record (activity, traits, retention) but contributes no signal hits.
     */
    public boolean matchedByThisModel(UsageEvent e) {
        return e.layout == layout;
    }

    public ScoringModel model() {
        return model;
    }

    /**
     * Makes every current-score record also carry each signal's points ({@link
     * CurrentScore#signalPoints}), for the backtest's per-signal analysis. The streaming job never
     * sets it: its outputs and records stay as they are.
     */
    public ScoreEngine withSignalPointsInScores() {
        this.signalPointsInScores = true;
        return this;
    }

    /**
     * No current-score rows: for a job whose sinks take only transitions (Kafka), so that no
     * evaluation builds a row nobody reads. Transitions are unchanged.
     */
    public ScoreEngine withoutCurrentScores() {
        this.currentScores = false;
        return this;
    }

    public boolean currentScores() {
        return currentScores;
    }

    public int signalCount() {
        return signals.length;
    }

    // ---------------------------------------------------------------- records

    /**
     * Applies one record at its event time and evaluates the entities it touches (SPEC 3).
     * {@code firings} are the sequence/usage signals this record completed (may be empty).
     */
    public void apply(AccountStore store, UsageEvent e, List<SignalFiring> firings, ScoringOutput out) {
        boolean[] accFiring = new boolean[signals.length];
        boolean[] userFiring = new boolean[signals.length];
        for (SignalFiring f : firings) {
            if (f.userId == null) {
                accFiring[f.signal] = true;
            } else if (f.userId.equals(e.userId) && (e.isActivity() || e.isIdentify())) {
                userFiring[f.signal] = true;
            } else {
                throw new IllegalArgumentException("firing " + f + " does not belong to record " + e);
            }
        }
        apply(store, e, accFiring, userFiring, out);
    }

    /**
     * Applies one record (SPEC 3) with the pattern signals it completed: {@code accFiring[i]} for
     * the account's pattern of signal {@code i}, {@code userFiring[i]} for its user's (fresh arrays
     * of the model's signal count: the engine adds its own usage firings to them).
     */
    public void apply(AccountStore store, UsageEvent e, boolean[] accFiring, boolean[] userFiring, ScoringOutput out) {
        final long t = e.timestamp;
        AccountState account = store.account();
        if (account == null) {
            account = new AccountState();
            account.entity = newEntity();
        }
        EntityState acc = layout(account.entity);
        account.entity = acc;
        acc.lastRecordAt = t;

        EntityState user = null;
        String userId = e.userId;
        boolean touchesUser = userId != null && (e.isActivity() || e.isIdentify());
        if (touchesUser) {
            user = store.user(userId);
            user = user == null ? newEntity() : layout(user);
            user.lastRecordAt = t;
        }

        boolean hits = matchedByThisModel(e);
        if (e.isActivity()) {
            if (hits) {
                applyHits(e, acc, false, accFiring);
            }
            if (user != null) {
                if (hits) {
                    applyHits(e, user, true, userFiring);
                }
                user.lastActivityAt = t;
                trackActiveUser(account, userId, t);
            }
        } else if (e.isIdentify()) {
            if (user != null) {
                mergeTraits(user, e.traitKeys, e.traitValues, TraitTest.Of.USER, t);
            }
        } else if (e.isGroup()) {
            if (e.join && userId != null) {
                join(store, userId, e, t);
            }
            mergeTraits(acc, e.traitKeys, e.traitValues, TraitTest.Of.ACCOUNT, t);
            RoutingOverride override = model.enterpriseOverride();
            if (override != null) {
                account.enterprise = traitPasses(acc, override.trait());
            }
        }

        // pattern signals: a usage first reading is decided here, upward crossings come from CEP;
        // each signal fires at most once per entity per record, a sequence once per entity ever
        for (int i = 0; i < signals.length; i++) {
            Signal s = signals[i];
            if (s.kind() != SignalKind.SEQUENCE && s.kind() != SignalKind.USAGE) {
                continue;
            }
            if (accFiring[i] && s.scope().scoresAccounts() && !(s.kind() == SignalKind.SEQUENCE && acc.signals[i].fired)) {
                SignalMath.fire(acc.signals[i], s, t);
            }
            if (user != null && userFiring[i] && s.scope().scoresUsers()
                    && !(s.kind() == SignalKind.SEQUENCE && user.signals[i].fired)) {
                SignalMath.fire(user.signals[i], s, t);
            }
        }

        if (user != null) {
            // the account's active_users_7d reads users from the store: it must see this record's user
            store.putUser(userId, user);
        }
        evaluate(store, account, acc, null, t, Transition.CAUSE_EVENT, e.messageId, out);
        if (user != null) {
            evaluate(store, account, user, userId, t, Transition.CAUSE_EVENT, e.messageId, out);
            store.putUser(userId, user);
        } else if (e.isGroup()) {
            // user scores see account traits: a group call re-evaluates every user at once
            List<String> ids = new ArrayList<>();
            for (String id : store.userIds()) {
                ids.add(id);
            }
            for (String id : ids) {
                EntityState u = layout(store.user(id));
                evaluate(store, account, u, id, t, Transition.CAUSE_EVENT, e.messageId, out);
                store.putUser(id, u);
            }
        }
        store.putAccount(account);
    }

    // ---------------------------------------------------------------- wake-ups

    /**
     * Runs the evaluation ticks and retentions due at {@code time}, after every record at that
     * time. Users first: forgetting an account forgets its users, whose own retention can fall on
     * the same instant.
     */
    public void wake(AccountStore store, long time, ScoringOutput out) {
        AccountState account = store.account();
        if (account == null) {
            return;
        }
        account.entity = layout(account.entity);
        Collection<String> due = store.usersDueAt(time);
        for (String id : due.toArray(new String[0])) {
            EntityState u = store.user(id);
            if (u == null || u.scheduledAt != time) {
                continue; // stale wake-up: the entity was rescheduled or forgotten
            }
            u = layout(u);
            u.scheduledAt = Long.MAX_VALUE;
            if (time >= u.lastRecordAt + retention) {
                forget(store, account, u, id, time, out);
                store.removeUser(id);
            } else {
                if (time == u.tickAt) {
                    evaluate(store, account, u, id, time, Transition.CAUSE_TICK, null, out);
                } else {
                    schedule(store, u, id, time);
                }
                store.putUser(id, u);
            }
        }
        EntityState acc = account.entity;
        if (acc.scheduledAt == time) {
            acc.scheduledAt = Long.MAX_VALUE;
            if (time >= acc.lastRecordAt + retention) {
                forget(store, account, acc, null, time, out);
                store.clear();
                return;
            }
            if (time == acc.tickAt) {
                evaluate(store, account, acc, null, time, Transition.CAUSE_TICK, null, out);
            } else {
                schedule(store, acc, null, time);
            }
        }
        store.putAccount(account);
    }

    // ---------------------------------------------------------------- evaluation

    private void evaluate(AccountStore store, AccountState account, EntityState e, String userId, long t,
            String cause, String trigger, ScoringOutput out) {
        boolean isAccount = userId == null;
        ScoreScale scale = isAccount ? model.pqa() : model.pql();
        // each signal's contribution, computed once for the decision, the transition and the score row
        double[] perSignal = new double[signals.length];
        double score = score(account, e, isAccount, t, perSignal);
        int from = e.tier;
        int to = scale.decide(from, decisionScore(account, isAccount, score, t));
        if (to != from) {
            out.transition(outputs.transition(store, account, e, userId, from, to, score, perSignal, t, cause, trigger));
        }
        e.tier = to;
        e.lastEvalAt = t;
        if (currentScores) {
            out.score(outputs.currentScore(store.accountId(), e, userId, score, perSignal, t, false, signalPointsInScores));
        }
        // the previous down tick is where the search starts: a record rarely moves it far
        long hint = from == to ? e.tickAt : Long.MAX_VALUE;
        e.tickAt = to == 0 ? Long.MAX_VALUE : firstDownTick(account, e, isAccount, t, hint);
        schedule(store, e, userId, t);
    }

    /** The down tick of an entity as evaluated at {@code t0}, searched from {@code hint} (tests: any hint, one answer). */
    long downTick(AccountState account, EntityState e, boolean isAccount, long t0, long hint) {
        return firstDownTick(account, e, isAccount, t0, hint);
    }

    /** The gate: an account without enough active users decides as if it scored 0. */
    private double decisionScore(AccountState account, boolean isAccount, double score, long t) {
        if (!isAccount) {
            return score;
        }
        int min = model.pqa().minActiveUsers();
        return min > 0 && SignalMath.countRecent(account.recentUserTimes, t, ACTIVE_USERS_WINDOW_MS) < min ? 0 : score;
    }

    /**
     * The first evaluation tick after {@code t0} (an epoch-aligned multiple of the interval,
     * before the retention instant) at which the tier falls. Between records the score never
     * rises, so "falls by then" is monotone in time and a search finds it (SPEC 3). {@code hint}
     * is where the last evaluation found it (or {@code Long.MAX_VALUE}): most records move it
     * little or not at all, so the search checks there first and gallops outward, two evaluations
     * when it has not moved instead of a bisection's dozen; any hint gives the same answer.
     */
    private long firstDownTick(AccountState account, EntityState e, boolean isAccount, long t0, long hint) {
        long retentionAt = e.lastRecordAt + retention;
        long first = Math.floorDiv(t0, interval) + 1;
        long last = Math.floorDiv(retentionAt - 1, interval);
        if (first > last) {
            return Long.MAX_VALUE;
        }
        // only signals that contribute now can contribute later (no record comes in between)
        int[] live = liveSignals(account, e, isAccount);
        long lo;
        long hi;
        long h = hint == Long.MAX_VALUE ? Long.MIN_VALUE : Math.floorDiv(hint, interval);
        if (h >= first && h <= last) {
            if (fallsAt(account, e, isAccount, live, h * interval)) {
                if (h == first || !fallsAt(account, e, isAccount, live, (h - 1) * interval)) {
                    return h * interval;
                }
                lo = first;
                hi = h - 1;
            } else {
                // gallop up from the hint: the first falling tick lies after it, if anywhere
                lo = h + 1;
                long step = 1;
                while (true) {
                    long probe = Math.min(last, lo + step - 1);
                    if (fallsAt(account, e, isAccount, live, probe * interval)) {
                        hi = probe;
                        break;
                    }
                    if (probe == last) {
                        return Long.MAX_VALUE;
                    }
                    lo = probe + 1;
                    step *= 2;
                }
            }
        } else {
            if (!fallsAt(account, e, isAccount, live, last * interval)) {
                return Long.MAX_VALUE;
            }
            lo = first;
            hi = last;
        }
        // it falls at hi: bisect for the first tick that falls in [lo, hi]
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            if (fallsAt(account, e, isAccount, live, mid * interval)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo * interval;
    }

    private boolean fallsAt(AccountState account, EntityState e, boolean isAccount, int[] live, long t) {
        ScoreScale scale = isAccount ? model.pqa() : model.pql();
        double score = score(account, e, live, t, null);
        return scale.decide(e.tier, decisionScore(account, isAccount, score, t)) < e.tier;
    }

    /** The entity's signals whose contribution is not 0 by its state alone. */
    private int[] liveSignals(AccountState account, EntityState e, boolean isAccount) {
        int[] scoped = isAccount ? accountSignals : userSignals;
        int[] live = new int[scoped.length];
        int n = 0;
        for (int i : scoped) {
            Signal s = signals[i];
            SignalState st = e.signals[i];
            boolean contributes;
            switch (s.kind()) {
                case DISTINCT:
                    contributes = st.times.length > 0 || s.pointsForCount(0) != 0;
                    break;
                case TRAIT:
                    contributes = (s.trait().of() == TraitTest.Of.ACCOUNT ? account.entity.signals[i] : st).fired;
                    break;
                default:
                    contributes = st.value != 0;
            }
            if (contributes) {
                live[n++] = i;
            }
        }
        return n == live.length ? live : Arrays.copyOf(live, n);
    }

    private void forget(AccountStore store, AccountState account, EntityState e, String userId, long t, ScoringOutput out) {
        double[] perSignal = new double[signals.length];
        double score = score(account, e, userId == null, t, perSignal);
        if (e.tier != 0) {
            out.transition(outputs.transition(store, account, e, userId, e.tier, 0, score, perSignal, t,
                    Transition.CAUSE_RETENTION, null));
        }
        e.tier = 0;
        if (currentScores) {
            out.score(outputs.currentScore(store.accountId(), e, userId, score, perSignal, t, true, signalPointsInScores));
        }
    }

    private void schedule(AccountStore store, EntityState e, String userId, long now) {
        long target = Math.min(e.tickAt, e.lastRecordAt + retention);
        if (e.scheduledAt != Long.MAX_VALUE && e.scheduledAt > now && e.scheduledAt <= target) {
            return; // an earlier wake-up is pending: it re-checks and reschedules
        }
        e.scheduledAt = target;
        if (userId == null) {
            store.wakeAccountAt(target);
        } else {
            store.wakeUserAt(userId, target);
        }
    }

    // ---------------------------------------------------------------- the score

    /**
     * The score of an entity at {@code t}: per category the sum of its signals' contributions,
     * capped; the sum over categories. When {@code perSignal} is given it receives each signal's
     * contribution (0 for signals that do not score this entity).
     */
    double score(AccountState account, EntityState e, boolean isAccount, long t, double[] perSignal) {
        return score(account, e, isAccount ? accountSignals : userSignals, t, perSignal);
    }

    /** The score over the signals {@code scoped} (those scoring the entity, or a part of them that alone contributes). */
    private double score(AccountState account, EntityState e, int[] scoped, long t, double[] perSignal) {
        double[] byCategory = new double[categories.length];
        for (int i : scoped) {
            double c = SignalMath.contribution(signals[i], e.signals[i], account.entity.signals[i], t);
            byCategory[categoryOf[i]] += c;
            if (perSignal != null) {
                perSignal[i] = c;
            }
        }
        double total = 0;
        for (int c = 0; c < byCategory.length; c++) {
            total += SignalMath.capped(caps, c, byCategory[c]);
        }
        return total;
    }

    // ---------------------------------------------------------------- applying records

    private void applyHits(UsageEvent e, EntityState entity, boolean isUser, boolean[] firing) {
        for (int h = 0; h < e.hitSignals.length; h++) {
            int i = e.hitSignals[h];
            Signal s = signals[i];
            if (isUser ? !s.scope().scoresUsers() : !s.scope().scoresAccounts()) {
                continue;
            }
            SignalState st = entity.signals[i];
            if (s.kind() == SignalKind.POINTS) {
                if (!(s.once() && st.fired)) {
                    SignalMath.fire(st, s, e.timestamp);
                }
            } else if (s.kind() == SignalKind.DISTINCT) {
                SignalMath.observe(st, e.hitValues[h], e.timestamp, s.windowMs(), (int) Math.min(Integer.MAX_VALUE, s.maxTierMin()));
                st.lastSeen = e.timestamp;
            } else if (s.kind() == SignalKind.USAGE) {
                if (SignalMath.usageReading(st, e.hitValues[h], e.hitRatios[h] >= s.at(), e.timestamp, usageExpiry)) {
                    firing[i] = true;
                }
            }
            // sequence steps are matched by the patterns' NFAs (PatternMachines), before this
        }
    }

    private void trackActiveUser(AccountState account, String userId, long t) {
        int keep = model.pqa().minActiveUsers();
        if (keep <= 0) {
            return;
        }
        SignalState tmp = new SignalState();
        tmp.keys = account.recentUsers;
        tmp.times = account.recentUserTimes;
        // counted, never shown: kept as fingerprints (as the distinct signals keep users)
        SignalMath.observe(tmp, io.pqlscore.events.KeyPrint.of(userId), t, ACTIVE_USERS_WINDOW_MS, keep);
        account.recentUsers = tmp.keys;
        account.recentUserTimes = tmp.times;
    }

    /**
     * SPEC 8 joining: a group call that makes its user a member of this account while the user has
     * kept traits creates the user entity if needed and merges those traits into it, before the
     * call's own effects; for retention it is a record of the user.
     */
    private void join(AccountStore store, String userId, UsageEvent group, long t) {
        EntityState user = store.user(userId);
        user = user == null ? newEntity() : layout(user);
        user.lastRecordAt = t;
        mergeTraits(user, group.joinTraitKeys, group.joinTraitValues, TraitTest.Of.USER, t);
        store.putUser(userId, user);
    }

    /** Shallow merge (SPEC 3): keys carried overwrite, others stay; then re-test trait signals. */
    private void mergeTraits(EntityState e, String[] traitKeys, String[] traitValues, TraitTest.Of of, long t) {
        String[][] merged = Traits.merge(e.traitKeys, e.traitValues, traitKeys, traitValues);
        e.traitKeys = merged[0];
        e.traitValues = merged[1];
        List<String> carried = Arrays.asList(traitKeys);
        for (int i = 0; i < signals.length; i++) {
            Signal s = signals[i];
            if (s.kind() == SignalKind.TRAIT && s.trait().of() == of) {
                SignalState st = e.signals[i];
                st.fired = traitPasses(e, s.trait());
                if (carried.contains(s.trait().path().first())) {
                    st.lastSeen = t;
                }
            }
        }
    }

    private static boolean traitPasses(EntityState e, TraitTest test) {
        int at = Arrays.asList(e.traitKeys).indexOf(test.path().first());
        if (at < 0) {
            return false;
        }
        JsonNode node = JsonValues.parse(e.traitValues[at]);
        if (test.path().rest() != null) {
            node = test.path().rest().find(node);
        }
        return test.test().test(JsonValues.canonical(node));
    }

    // ---------------------------------------------------------------- state layout

    private EntityState newEntity() {
        EntityState e = new EntityState();
        e.signalIds = signalIds;
        e.signals = new SignalState[signals.length];
        for (int i = 0; i < signals.length; i++) {
            e.signals[i] = new SignalState();
        }
        return e;
    }

    /**
     * Matches restored state to the running model by signal id, so a model change keeps the
     * state of unchanged signals, starts new ones empty and drops removed ones.
     */
    public EntityState relayout(EntityState e) {
        return layout(e);
    }

    private EntityState layout(EntityState e) {
        if (Arrays.equals(e.signalIds, signalIds)) {
            return e;
        }
        List<String> old = Arrays.asList(e.signalIds);
        SignalState[] next = new SignalState[signals.length];
        for (int i = 0; i < signals.length; i++) {
            int j = old.indexOf(signalIds[i]);
            next[i] = j >= 0 ? e.signals[j] : new SignalState();
        }
        if (e.patterns != null) {
            e.patterns = relayoutPatterns(e.patterns, old);
        }
        e.signalIds = signalIds;
        e.signals = next;
        return e;
    }

    /**
     * Pattern states are keyed by their signal's position ({@code PatternMachines.key}): under a
     * model whose signal list moved, each goes to its signal's new position, found by id; those of
     * signals gone are dropped. (A signal whose pattern changed under the same id is dropped later,
     * by its {@code definition}.)
     */
    private java.util.Map<String, io.pqlscore.patterns.PatternState> relayoutPatterns(
            java.util.Map<String, io.pqlscore.patterns.PatternState> patterns, List<String> oldIds) {
        java.util.Map<String, io.pqlscore.patterns.PatternState> moved = new java.util.LinkedHashMap<>();
        List<String> now = Arrays.asList(signalIds);
        for (java.util.Map.Entry<String, io.pqlscore.patterns.PatternState> p : patterns.entrySet()) {
            String key = p.getKey();
            int colon = key.indexOf(':');
            int was = io.pqlscore.patterns.PatternMachines.signalOf(key);
            int is = was < oldIds.size() ? now.indexOf(oldIds.get(was)) : -1;
            if (is >= 0) {
                p.getValue().signal = is;
                moved.put(io.pqlscore.patterns.PatternMachines.key(is, colon < 0 ? null : key.substring(colon + 1)),
                        p.getValue());
            }
        }
        return moved.isEmpty() ? null : moved;
    }

    // ---------------------------------------------------------------- reading back

    /**
     * The current score of one entity as read back from the scorer's keyed state (a savepoint, see
     * {@code inspector.SavepointInspector}), at {@code asOf}: score and breakdown as an evaluation at
     * that instant computes them, the tier as stored (that of the entity's last evaluation; ticks
     * still due are not run). {@code entity} is {@code account.entity} for the account itself
     * ({@code userId} null), else the user's state. Read-only, apart from matching the state's
     * signal layout to this engine's model, as a restore does.
     */
    public CurrentScore describe(String accountId, AccountState account, EntityState entity, String userId, long asOf) {
        boolean isAccount = userId == null;
        account.entity = layout(account.entity);
        EntityState e = isAccount ? account.entity : layout(entity);
        double[] perSignal = new double[signals.length];
        double score = score(account, e, isAccount, asOf, perSignal);
        return outputs.currentScore(accountId, e, userId, score, perSignal, asOf, false, false);
    }

}
