package io.pqlscore.scoring;

import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import io.pqlscore.patterns.PatternMachines;
import io.pqlscore.patterns.PatternState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the account stage does with one account's record or wake-up, in plain Java over an {@link
 * AccountEntry}: deduplicate (SPEC 4), run the record through the account's and the user's Flink
 * CEP patterns ({@link PatternMachines}), apply it with the {@link ScoreEngine}, and prune pattern
 * states that can no longer complete. The keyed operator ({@code AccountOperator}) only orders the
 * records and wake-ups and keeps the entries; tests drive this class without Flink the same way.
 */
public final class AccountPass {
    private final ScoreEngine engine;
    private final PatternMachines machines;
    private final long dedupeWindowMs;
    private final boolean[] sequence;

    public AccountPass(ScoreEngine engine, PatternMachines machines, long dedupeWindowMs) {
        this.engine = engine;
        this.machines = machines;
        this.dedupeWindowMs = dedupeWindowMs;
        this.sequence = new boolean[engine.signalCount()];
        for (Signal s : engine.model().signals()) {
            sequence[s.index()] = s.kind() == SignalKind.SEQUENCE;
        }
    }

    public ScoreEngine engine() {
        return engine;
    }

    /**
     * One record of the entry's account, in SPEC 3 order. Returns false when it is a duplicate
     * (counted and dropped, SPEC 4), true when it was applied.
     */
    public boolean record(AccountEntry entry, UsageEvent e, ScoringOutput out) throws Exception {
        entry.dirty = true;
        if (entry.kept.isDuplicate(KeptMessageIds.fingerprint(e.messageId), e.timestamp, dedupeWindowMs)) {
            return false;
        }
        int n = engine.signalCount();
        boolean[] accFiring = new boolean[n];
        boolean[] userFiring = new boolean[n];
        boolean userEntity = e.userId != null && (e.isActivity() || e.isIdentify());
        Map<String, PatternState> accPatterns = null;
        Map<String, PatternState> userPatterns = null;
        long accExpires = Long.MAX_VALUE;
        long userExpires = Long.MAX_VALUE;
        if (e.isActivity() && e.hitSignals.length > 0 && machines.any() && engine.matchedByThisModel(e)) {
            EntityState acc = entry.account == null ? null : engine.relayout(entry.account.entity);
            accPatterns = acc == null || acc.patterns == null ? new LinkedHashMap<>() : acc.patterns;
            accExpires = machines.process(e, false, states(accPatterns), done(acc), accFiring);
            if (userEntity) {
                EntityState u = entry.user(e.userId);
                u = u == null ? null : engine.relayout(u);
                userPatterns = u == null || u.patterns == null ? new LinkedHashMap<>() : u.patterns;
                userExpires = machines.process(e, true, states(userPatterns), done(u), userFiring);
            }
        }
        engine.apply(entry, e, accFiring, userFiring, out);
        // Pruning is due when the earliest partial match is too old. The patterns a record did not
        // run keep their expiry; those it ran report theirs; so the earlier of the wake time kept
        // and theirs is a lower bound (a wake that finds nothing due just computes it afresh), and
        // a full pruning pass waits for it.
        if (entry.account != null) {
            EntityState acc = entry.account.entity;
            if (accPatterns != null) {
                acc.patterns = accPatterns.isEmpty() ? null : accPatterns;
            }
            if (acc.patterns == null) {
                entry.accountPatternWake = Long.MAX_VALUE;
            } else if (entry.accountPatternWake <= e.timestamp || entry.accountPatternWake == Long.MAX_VALUE) {
                entry.accountPatternWake = prune(acc, e.timestamp);
            } else {
                entry.accountPatternWake = Math.min(entry.accountPatternWake, accExpires);
            }
        }
        if (userEntity) {
            EntityState u = entry.user(e.userId);
            if (u != null) {
                if (userPatterns != null) {
                    u.patterns = userPatterns.isEmpty() ? null : userPatterns;
                }
                long due = entry.patternWakes.get(e.userId);
                if (u.patterns == null) {
                    setPatternWake(entry, e.userId, Long.MAX_VALUE);
                } else if (due <= e.timestamp || due == Long.MAX_VALUE) {
                    setPatternWake(entry, e.userId, prune(u, e.timestamp));
                } else if (userExpires < due) {
                    setPatternWake(entry, e.userId, userExpires);
                }
            }
        }
        return true;
    }

    /** The entry's wake-up at {@code time}, after its records at {@code time}: ticks, retention, pruning. */
    public void wake(AccountEntry entry, long time, ScoringOutput out) throws Exception {
        completeAgenda(entry);
        engine.wake(entry, time, out);
        entry.wakesDone(time);
        if (!entry.kept.isEmpty()) {
            entry.kept.purge(time, dedupeWindowMs);
            entry.dirty = true;
        }
        if (entry.account == null) {
            return;
        }
        if (entry.accountPatternWake <= time) {
            entry.accountPatternWake = prune(entry.account.entity, time);
            entry.dirty = true;
        }
        for (String id : entry.patternsDueBy(time)) {
            EntityState u = entry.user(id);
            if (u == null) {
                entry.patternWakes.set(id, Long.MAX_VALUE);
                continue;
            }
            setPatternWake(entry, id, prune(engine.relayout(u), time));
            entry.putUser(id, u);
        }
    }

    /**
     * The entry's one wake-up: its own and its users' ticks and retention, pattern pruning, and for
     * an account forgotten with ids still within the dedupe window, when the last of them expires.
     */
    public long nextWake(AccountEntry entry) {
        long t = entry.wakeTime();
        if (entry.account == null && !entry.kept.isEmpty()) {
            t = Math.min(t, entry.kept.oldest() + dedupeWindowMs + 1);
        }
        return t;
    }

    /** After a restore without the operator's wake-ups: when the entry's pattern states next need pruning. */
    public void recomputePatternWake(AccountEntry entry) throws Exception {
        if (entry.account != null && entry.account.entity.patterns != null) {
            entry.accountPatternWake = prune(engine.relayout(entry.account.entity), Long.MIN_VALUE + 1);
        }
    }

    /**
     * Reads every user of an entry read back from state and puts its wake-up and pattern pruning
     * time on the agendas: a wake-up needs to know which users are due (the stored account keeps
     * only the earliest times). Once per entry while it stays cached.
     */
    private void completeAgenda(AccountEntry entry) throws Exception {
        if (entry.agendaComplete) {
            return;
        }
        for (String id : entry.userIds()) {
            EntityState u = entry.user(id);
            if (u.scheduledAt != Long.MAX_VALUE) {
                entry.userWakes.set(id, u.scheduledAt);
            }
            if (u.patterns != null && entry.patternWakes.get(id) == Long.MAX_VALUE) {
                setPatternWake(entry, id, prune(engine.relayout(u), Long.MIN_VALUE + 1));
            }
        }
        entry.agendaComplete = true;
        entry.userWakeBound = Long.MAX_VALUE;
        entry.patternWakeBound = Long.MAX_VALUE;
    }

    private static void setPatternWake(AccountEntry entry, String userId, long time) {
        entry.patternWakes.set(userId, time);
    }

    /** Prunes an entity's pattern states at {@code time}; the next time pruning is due. */
    private long prune(EntityState e, long time) throws Exception {
        if (e.patterns == null || e.patterns.isEmpty()) {
            e.patterns = null;
            return Long.MAX_VALUE;
        }
        long next = machines.prune(e.patterns, time);
        if (e.patterns.isEmpty()) {
            e.patterns = null;
        }
        return next;
    }

    /** Milestones already reached: their patterns run no more (the engine would ignore them). */
    private boolean[] done(EntityState e) {
        boolean[] done = new boolean[sequence.length];
        if (e != null) {
            for (int i = 0; i < done.length; i++) {
                done[i] = sequence[i] && e.signals[i].fired;
            }
        }
        return done;
    }

    private static PatternMachines.States states(Map<String, PatternState> map) {
        return new PatternMachines.States() {
            @Override
            public PatternState get(String key) {
                return map.get(key);
            }

            @Override
            public void put(String key, PatternState state) {
                map.put(key, state);
            }

            @Override
            public void remove(String key) {
                map.remove(key);
            }
        };
    }
}
