package io.pqlscore.migration;

import io.pqlscore.events.KeyPrint;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.scoring.SignalState;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import io.pqlscore.patterns.PatternMachines;
import io.pqlscore.scoring.AccountEntry;
import io.pqlscore.scoring.AccountPass;
import io.pqlscore.scoring.AccountState;
import io.pqlscore.scoring.EntityCodec;
import io.pqlscore.scoring.EntityState;
import io.pqlscore.scoring.KeptMessageIds;
import io.pqlscore.scoring.ScoreEngine;
import io.pqlscore.scoring.ScorerInput;
import io.pqlscore.scoring.SignalFiring;
import io.pqlscore.scoring.SignalLayouts;
import io.pqlscore.scoring.StoredEntities;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts one account's v1 state ({@link V1Account}) to the account stage's layout
 * ({@link Converted}): plain Java, no Flink, so the rules are tested on their own. The rules, each
 * read off the v1 code:
 *
 * <ul>
 *   <li><b>Entities.</b> The scorer's {@code AccountState} and users, from their stored form
 *       ({@link StoredEntities}), with their signal state mapped to the model by signal id ({@link
 *       ScoreEngine#relayout}), each with the CEP states of its patterns, encoded by {@link
 *       EntityCodec}. Wake-ups: each user's is its {@code scheduledAt} (v1's {@code user-wakeups}
 *       agenda could hold stale times the scorer skipped), the account's is its own entity's; the
 *       pattern pruning times are computed from the patterns ({@link PatternMachines#prune}).</li>
 *   <li><b>Dedupe.</b> v1's sequencer keeps an id when it <em>releases</em> the record (not on
 *       arrival), so its kept ids include those of records the scorer had not applied yet. Those
 *       records go back to the buffer and the new pass keeps their ids again when it releases them,
 *       so their ids are left out; every other kept id is carried as its 64-bit fingerprint with
 *       the time it was kept at.</li>
 *   <li><b>Waiting records.</b> The sequencer's, as they are; the scorer's, with the pattern
 *       outcomes v1 already had ({@link #withOutcomes}). Both into {@code spilled-records}.</li>
 *   <li><b>Pattern states.</b> Each CEP key's state ({@link V1Pattern}) goes to its entity under
 *       {@code PatternMachines.key}; the state of an entity the scorer does not hold is dropped:
 *       it was forgotten (the account stage forgets an entity's patterns with it) or all its records
 *       are still waiting (the new pass runs them from a fresh state).</li>
 * </ul>
 *
 * One instance per function instance (the codec and the pattern machines are not thread-safe).
 */
final class AccountConversion implements AutoCloseable {
    private final ScoringModel model;
    private final ScoreEngine engine;
    private final PatternMachines machines;
    private final AccountPass pass;
    private final EntityCodec codec;
    private final int layout;

    AccountConversion(ScoreEngine engine) {
        this.model = engine.model();
        this.engine = engine;
        this.machines = new PatternMachines(model);
        this.pass = new AccountPass(engine, machines, model.time().dedupeWindowMs());
        this.codec = new EntityCodec(model, new SignalLayouts(model));
        this.layout = model.signalLayout();
    }

    Converted convert(V1Account v1, MigrationCounts counts) throws Exception {
        Converted out = new Converted();
        AccountEntry entry = new AccountEntry(v1.accountId);

        // entities, full form, in the model's signal order
        AccountState account = null;
        Map<String, EntityState> users = new LinkedHashMap<>();
        if (v1.account != null) {
            String[] storedIds = v1.account.entity.signalIds;
            int storedLayout = v1.account.entity.layout;
            for (Map.Entry<String, EntityState> u : v1.users.entrySet()) {
                users.put(u.getKey(), engine.relayout(StoredEntities.userFromStorage(u.getValue(), storedIds, storedLayout)));
            }
            account = StoredEntities.accountFromStorage(v1.account);
            account.entity = engine.relayout(account.entity);
        } else if (!v1.users.isEmpty()) {
            // v1 forgets an account's users with it: users without their account are no state v1 writes
            throw new MigrationException("account " + v1.accountId + " has users but no account state");
        }

        // distinct values by user or property, and recent users: kept as fingerprints now (KeyPrint)
        if (account != null) {
            fingerprintKeys(account.entity);
            String[] recent = account.recentUsers.clone();
            for (int i = 0; i < recent.length; i++) {
                recent[i] = KeyPrint.of(recent[i]);
            }
            account.recentUsers = recent;
        }
        for (EntityState u : users.values()) {
            fingerprintKeys(u);
        }

        // pattern states, into their entities
        for (V1Pattern p : v1.patterns) {
            if (p.state == null || p.state.isIdle()) {
                continue;
            }
            EntityState owner = p.userId == null ? (account == null ? null : account.entity) : users.get(p.userId);
            if (owner == null) {
                counts.add(MigrationCounts.PATTERN_STATES_WITHOUT_ENTITY, 1);
                continue;
            }
            if (owner.patterns == null) {
                owner.patterns = new LinkedHashMap<>();
            }
            owner.patterns.put(p.key(), p.state);
            counts.add(MigrationCounts.PATTERN_STATES, 1);
        }

        // records waiting: the sequencer's as they are, the scorer's with their pattern outcomes
        for (List<UsageEvent> at : v1.sequencerPending.values()) {
            for (UsageEvent r : at) {
                out.spilled.add(withKeyPrints(r));
            }
            counts.add(MigrationCounts.SEQUENCER_RECORDS, at.size());
        }
        Set<String> queued = queuedRecords(v1.patterns);
        Set<String> waitingIds = new HashSet<>();
        Set<String> waiting = new HashSet<>();
        for (Map.Entry<Long, List<ScorerInput>> at : v1.scorerPending.entrySet()) {
            List<SignalFiring> firings = new ArrayList<>();
            for (ScorerInput in : at.getValue()) {
                if (in.firing != null) {
                    firings.add(in.firing);
                }
            }
            for (ScorerInput in : at.getValue()) {
                if (in.event == null) {
                    continue;
                }
                UsageEvent r = withKeyPrints(in.event);
                UsageEvent c = withOutcomes(r, firings, queued, account != null, users.containsKey(r.userId), counts);
                out.spilled.add(c);
                waitingIds.add(r.messageId);
                waiting.add(V1Pattern.queued(r.timestamp, r.messageId));
                counts.add(MigrationCounts.SCORER_RECORDS, 1);
                if (c.patternsRan != 0) {
                    counts.add(MigrationCounts.OUTCOMES_CARRIED, 1);
                }
            }
            counts.add(MigrationCounts.ORPHAN_FIRINGS, firings.size());
        }
        for (V1Pattern p : v1.patterns) {
            for (String q : p.queued) {
                if (!waiting.contains(q)) {
                    // CEP runs a record no later than the scorer applies it: its queue only holds records the scorer holds
                    throw new MigrationException("record " + q + " waits in the pattern operator of signal " + p.signal
                            + " for account " + v1.accountId + " but not at the scorer: not a savepoint of a v1 job");
                }
            }
        }

        // dedupe: every kept id but those of records the scorer still held (kept again on release)
        List<Map.Entry<String, Long>> kept = keptToCarry(v1.kept, waitingIds);
        for (Map.Entry<String, Long> k : kept) {
            entry.restoreKept(KeptMessageIds.fingerprint(k.getKey()), k.getValue());
        }
        counts.add(MigrationCounts.KEPT_IDS, kept.size());
        counts.add(MigrationCounts.KEPT_IDS_RELEASED_AGAIN, v1.kept.size() - kept.size());

        // the entry: account, wake-ups, pattern pruning times
        if (account != null) {
            entry.putAccount(account);
            for (Map.Entry<String, EntityState> u : users.entrySet()) {
                EntityState user = u.getValue();
                if (user.scheduledAt != Long.MAX_VALUE) {
                    entry.restoreUserWake(u.getKey(), user.scheduledAt);
                }
                if (user.patterns != null) {
                    long next = machines.prune(user.patterns, Long.MIN_VALUE + 1);
                    if (user.patterns.isEmpty()) {
                        user.patterns = null;
                    } else if (next != Long.MAX_VALUE) {
                        entry.restorePatternWake(u.getKey(), next);
                    }
                }
                entry.restoreStoredUser(u.getKey(), codec.encodeUser(user));
            }
            pass.recomputePatternWake(entry);
            counts.add(MigrationCounts.ACCOUNTS, 1);
            counts.add(MigrationCounts.USERS, users.size());
        }
        if (account != null || !kept.isEmpty()) {
            out.account = codec.encodeAccount(entry);
        }
        return out;
    }

    /**
     * A v1 entity's distinct values by user or by property (SPEC 2), which v1 kept as they were:
     * the current job keeps and compares their fingerprints ({@link KeyPrint}), as its parser gives
     * them. (A value v1 had cut to a SHA-256 for its length fingerprints differently from the value
     * itself: if it comes again within its window it counts once more.)
     */
    private void fingerprintKeys(EntityState e) {
        for (Signal s : model.signals()) {
            if (s.kind() != SignalKind.DISTINCT || s.distinctBy() == Signal.DistinctBy.DAY) {
                continue;
            }
            SignalState st = e.signals[s.index()];
            String[] keys = st.keys.clone();
            for (int i = 0; i < keys.length; i++) {
                keys[i] = KeyPrint.of(keys[i]);
            }
            st.keys = keys;
        }
    }

    /** A waiting record parsed by v1, with its distinct values by user or property as fingerprints. */
    private UsageEvent withKeyPrints(UsageEvent r) {
        String[] values = null;
        for (int h = 0; h < r.hitSignals.length; h++) {
            Signal s = model.signals().get(r.hitSignals[h]);
            if (s.kind() == SignalKind.DISTINCT && s.distinctBy() != Signal.DistinctBy.DAY && r.hitValues[h] != null) {
                if (values == null) {
                    values = r.hitValues.clone();
                }
                values[h] = KeyPrint.of(values[h]);
            }
        }
        if (values == null) {
            return r;
        }
        UsageEvent c = r.inAccount(r.accountId);
        c.hitValues = values;
        return c;
    }

    /**
     * The record the scorer still held, as the buffer takes it back: with bit {@code i} of {@code
     * patternsRan} for each pattern signal {@code i} whose v1 operators had already run it (the
     * new pass then applies the outcome instead of running the pattern again), and bit {@code i}
     * of {@code accountFired}/{@code userFired} when a firing of that signal for the account / the
     * user is among {@code firings} (the scorer's pending inputs of the record's instant; v1 tells a
     * record's firings by {@code messageId} within its instant, an account's by a null user). The
     * firings it takes are removed from the list.
     *
     * <p>A v1 operator had run a record it received unless the record still waits in its element
     * queue ({@code queued}). A signal of scope {@code both} has two operators; one that had run it
     * and one that had not cannot be expressed (one bit per signal) and is refused: v1 never leaves
     * it so, as both operators of a signal take the same watermark. For a record of an account the
     * scorer does not hold yet (every record of it is still waiting), no outcome is carried: its
     * patterns, and its users', run afresh in the new pass, as its pattern states are dropped. For
     * a new user of a known account the outcome is carried (the account's pattern state already
     * holds the record), but the user's pattern state after it has no entity to live in yet and is
     * lost: counted ({@value MigrationCounts#USER_PATTERN_STATES_LOST}).
     */
    UsageEvent withOutcomes(UsageEvent r, List<SignalFiring> firings, Set<String> queued, boolean accountKnown,
            boolean userKnown, MigrationCounts counts) {
        UsageEvent c = r.inAccount(r.accountId);
        c.patternsRan = 0;
        c.accountFired = 0;
        c.userFired = 0;
        if (r.layout != layout) {
            return c; // v1's pattern operators took only records matched by the running model; so does the new pass
        }
        String at = V1Pattern.queued(r.timestamp, r.messageId);
        for (int h = 0; h < r.hitSignals.length; h++) {
            int i = r.hitSignals[h];
            if (r.hitIndex(i) != h || i >= model.signals().size()) {
                continue; // v1 keyed and ran a signal by its first hit
            }
            Signal s = model.signals().get(i);
            if (s.kind() != SignalKind.SEQUENCE && s.kind() != SignalKind.USAGE) {
                continue;
            }
            String metric = s.kind() == SignalKind.USAGE ? r.hitValues[h] : null;
            boolean toAccount = s.scope().scoresAccounts();
            boolean toUser = s.scope().scoresUsers() && r.userId != null;
            int reached = (toAccount ? 1 : 0) + (toUser ? 1 : 0);
            int waiting = (toAccount && queued.contains(operatorKey(i, null, metric) + at) ? 1 : 0)
                    + (toUser && queued.contains(operatorKey(i, r.userId, metric) + at) ? 1 : 0);
            if (reached == 0 || waiting == reached) {
                continue; // not run there: the new pass runs it
            }
            if (waiting > 0) {
                throw new MigrationException("record " + r.messageId + " at " + r.timestamp + " was run by one of the "
                        + "pattern operators of signal '" + s.id() + "' and still waits at the other: not a state a "
                        + "v1 job leaves (one outcome bit per signal cannot express it)");
            }
            if (accountKnown && i >= 64) {
                throw new MigrationException("signal '" + s.id() + "' has index " + i + ": pattern outcomes are carried "
                        + "for the first 64 signals only");
            }
            long bit = accountKnown ? 1L << i : 0;
            c.patternsRan |= bit;
            for (Iterator<SignalFiring> it = firings.iterator(); it.hasNext(); ) {
                SignalFiring f = it.next();
                if (f.signal != i || !f.messageId.equals(r.messageId)) {
                    continue;
                }
                if (f.userId == null) {
                    c.accountFired |= bit;
                    it.remove();
                } else if (f.userId.equals(r.userId)) {
                    c.userFired |= bit;
                    it.remove();
                }
            }
            if (accountKnown && toUser && !userKnown) {
                counts.add(MigrationCounts.USER_PATTERN_STATES_LOST, 1);
            }
        }
        return c;
    }

    /** A CEP operator's key for one pattern signal: the signal, the user (null: the account's) and the metric. */
    static String operatorKey(int signal, String userId, String metric) {
        return signal + "|" + (userId == null ? "" : "u" + userId.length() + ":" + userId) + "|"
                + (metric == null ? "" : "m" + metric.length() + ":" + metric) + "|";
    }

    /** Every record waiting in a CEP operator's element queue, by {@link #operatorKey} and record. */
    static Set<String> queuedRecords(List<V1Pattern> patterns) {
        Set<String> queued = new HashSet<>();
        for (V1Pattern p : patterns) {
            for (String q : p.queued) {
                queued.add(operatorKey(p.signal, p.userId, p.metric) + q);
            }
        }
        return queued;
    }

    /**
     * The kept ids to carry, oldest first (the account stage keeps them in time order): all but
     * those of records the scorer still held, which the sequencer had kept when it released them
     * and the new pass keeps again when it releases them.
     */
    static List<Map.Entry<String, Long>> keptToCarry(Map<String, Long> kept, Set<String> idsWaitingAtTheScorer) {
        List<Map.Entry<String, Long>> out = new ArrayList<>();
        for (Map.Entry<String, Long> k : kept.entrySet()) {
            if (!idsWaitingAtTheScorer.contains(k.getKey())) {
                out.add(Map.entry(k.getKey(), k.getValue()));
            }
        }
        out.sort(Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
        return out;
    }

    @Override
    public void close() throws Exception {
        machines.close();
    }
}
