package io.pqlscore.scoring;

import io.pqlscore.patterns.PatternState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One account's state as the account operator holds it between state reads and writes: the
 * decoded account, the users read so far, the users' wake-up agenda, the kept {@code messageId}
 * fingerprints (SPEC 4), and what changed since it was last written. It is the {@link
 * AccountStore} the {@link ScoreEngine} works on; users come from keyed state on first use through
 * the {@link Users} the operator binds it to.
 */
public final class AccountEntry implements AccountStore {
    /** Where an entry reads users it does not hold yet (the operator's keyed state, for this account). */
    public interface Users {
        EntityState read(String accountId, String userId);

        /** Every stored user of the account (decoded), for those the entry does not hold yet. */
        Map<String, EntityState> readAll(String accountId);
    }

    final String accountId;
    AccountState account;
    final KeptMessageIds kept = new KeptMessageIds();
    /** Each user's one registered wake-up (ticks, retention). */
    final UserAgenda userWakes = new UserAgenda();
    /** When each user's pattern states next need pruning. */
    final UserAgenda patternWakes = new UserAgenda();
    /** When the account's own pattern states next need pruning. */
    long accountPatternWake = Long.MAX_VALUE;
    /**
     * Whether {@link #userWakes} and {@link #patternWakes} hold every user's times. The stored
     * account keeps only the earliest of each (a user's wake-up is in its own value, {@code
     * scheduledAt}; its pattern pruning time follows from its pattern states), so an entry read
     * back knows them only as these lower bounds, until a wake-up reads its users
     * ({@code AccountPass.wake}). Records meanwhile add their users' new times to the agendas.
     */
    boolean agendaComplete = true;
    long userWakeBound = Long.MAX_VALUE;
    long patternWakeBound = Long.MAX_VALUE;

    /** Users read or written: a null value is a user known not to exist (or removed). */
    final Map<String, EntityState> users = new LinkedHashMap<>();
    /** Users to write back (or delete, when {@link #users} maps them to null); an id may repeat. */
    final List<String> dirtyUsers = new ArrayList<>();
    boolean allUsersRead;
    /** The account's value must be written. */
    boolean dirty;
    /** Every stored user must be deleted before the dirty ones are written (the account was forgotten). */
    boolean usersCleared;
    transient Users source;

    public AccountEntry(String accountId) {
        this.accountId = accountId;
    }

    void bind(Users users) {
        this.source = users;
    }

    /** An entry whose users all live in it (no keyed state behind it): for drivers without Flink. */
    public static AccountEntry inMemory(String accountId) {
        AccountEntry e = new AccountEntry(accountId);
        e.allUsersRead = true;
        e.source = new Users() {
            @Override
            public EntityState read(String account, String userId) {
                return null;
            }

            @Override
            public Map<String, EntityState> readAll(String account) {
                return Map.of();
            }
        };
        return e;
    }

    /** The account's one wake-up time ({@code Long.MAX_VALUE}: none). */
    public long wakeTime() {
        return nextWake();
    }

    // ---------------------------------------------------------------- AccountStore

    @Override
    public String accountId() {
        return accountId;
    }

    @Override
    public AccountState account() {
        return account;
    }

    @Override
    public void putAccount(AccountState a) {
        account = a;
        dirty = true;
    }

    @Override
    public EntityState user(String userId) {
        EntityState known = users.get(userId);
        if (known != null || users.containsKey(userId)) {
            return known;
        }
        EntityState u = allUsersRead ? null : source.read(accountId, userId);
        users.put(userId, u);
        return u;
    }

    @Override
    public void putUser(String userId, EntityState user) {
        users.put(userId, user);
        if (!user.queuedForWrite) {
            user.queuedForWrite = true;
            dirtyUsers.add(userId);
        }
    }

    @Override
    public void removeUser(String userId) {
        users.put(userId, null);
        dirtyUsers.add(userId);
        userWakes.set(userId, Long.MAX_VALUE);
        patternWakes.set(userId, Long.MAX_VALUE);
    }

    @Override
    public Iterable<String> userIds() {
        if (!allUsersRead) {
            for (Map.Entry<String, EntityState> u : source.readAll(accountId).entrySet()) {
                users.putIfAbsent(u.getKey(), u.getValue());
            }
            allUsersRead = true;
        }
        List<String> ids = new ArrayList<>();
        users.forEach((id, u) -> {
            if (u != null) {
                ids.add(id);
            }
        });
        return ids;
    }

    @Override
    public void clear() {
        account = null;
        users.clear();
        dirtyUsers.clear();
        userWakes.clear();
        patternWakes.clear();
        accountPatternWake = Long.MAX_VALUE;
        agendaComplete = true;
        userWakeBound = Long.MAX_VALUE;
        patternWakeBound = Long.MAX_VALUE;
        allUsersRead = true;
        usersCleared = true;
        dirty = true;
    }

    @Override
    public Collection<String> usersDueAt(long time) {
        return userWakes.at(time);
    }

    @Override
    public void wakeUserAt(String userId, long time) {
        userWakes.set(userId, time);
        dirty = true;
    }

    @Override
    public void wakeAccountAt(long time) {
        // the account's own wake-up is its entity's scheduledAt (see nextWake)
        dirty = true;
    }

    // ---------------------------------------------------------------- the operator's side

    /** A wake-up read back from state (or carried over from another state layout: state migration). */
    public void restoreUserWake(String userId, long time) {
        userWakes.set(userId, time);
    }

    /** When a user's pattern states next need pruning, carried over from another state layout (state migration). */
    public void restorePatternWake(String userId, long time) {
        patternWakes.set(userId, time);
    }

    /** A kept {@code messageId} fingerprint carried over from another state layout (state migration; in time order). */
    public void restoreKept(long fingerprint, long time) {
        kept.keep(fingerprint, time);
    }

    /** Users whose wake-up at {@code time} has been handled: their agenda entry goes. */
    void wakesDone(long time) {
        for (String id : userWakes.at(time)) {
            userWakes.set(id, Long.MAX_VALUE);
            dirty = true;
        }
    }

    /** Users whose pattern states need pruning at or before {@code time}. */
    List<String> patternsDueBy(long time) {
        return patternWakes.by(time);
    }

    /** The account's one wake-up: the earliest of its own, its users' and its patterns' pruning. */
    long nextWake() {
        long t = account == null ? Long.MAX_VALUE : account.entity.scheduledAt;
        t = Math.min(t, earliestUserWake());
        t = Math.min(t, accountPatternWake);
        return Math.min(t, earliestPatternWake());
    }

    /** The earliest of the users' wake-ups (a lower bound while the agenda is incomplete). */
    long earliestUserWake() {
        return agendaComplete ? userWakes.first() : Math.min(userWakes.first(), userWakeBound);
    }

    /** The earliest of the users' pattern pruning times (a lower bound while the agenda is incomplete). */
    long earliestPatternWake() {
        return agendaComplete ? patternWakes.first() : Math.min(patternWakes.first(), patternWakeBound);
    }

    /** Nothing of this account is left to keep. */
    boolean isEmpty() {
        return account == null && kept.isEmpty();
    }

    /** Pattern states of the account entity, created on first use. */
    Map<String, PatternState> accountPatterns() {
        EntityState e = account.entity;
        if (e.patterns == null) {
            e.patterns = new LinkedHashMap<>();
        }
        return e.patterns;
    }
}
