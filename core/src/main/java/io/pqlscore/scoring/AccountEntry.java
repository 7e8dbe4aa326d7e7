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
 * AccountStore} the {@link ScoreEngine} works on.
 *
 * <p>The account's users are stored inside its value ({@link #stored}: each user's own encoded
 * value, by user id), not as entries of their own: an entry per user cost its key (key group,
 * account id and user id again) and the state backend's framing, about 40 bytes a user against a
 * value of about 110. A user is decoded on first use ({@link Users}) and encoded again only when
 * it changed.
 */
public final class AccountEntry implements AccountStore {
    /** How an entry decodes its stored users (the operator's codec). */
    public interface Users {
        EntityState decode(byte[] stored);
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

    /**
     * The users as stored in the account's value, each encoded on its own ({@code
     * EntityCodec.encodeUser}), by user id: brought up to date from {@link #users} before the value
     * is written.
     */
    final Map<String, byte[]> stored = new LinkedHashMap<>();
    /** Users read or written: a null value is a user known not to exist (or removed). */
    final Map<String, EntityState> users = new LinkedHashMap<>();
    /** Users to write back (or delete, when {@link #users} maps them to null); an id may repeat. */
    final List<String> dirtyUsers = new ArrayList<>();
    boolean allUsersRead;
    /** The account's value must be written. */
    boolean dirty;
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
        e.source = stored -> {
            throw new IllegalStateException("an in-memory entry has no stored users");
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
        byte[] bytes = allUsersRead ? null : stored.get(userId);
        EntityState u = bytes == null ? null : source.decode(bytes);
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
            for (Map.Entry<String, byte[]> u : stored.entrySet()) {
                if (!users.containsKey(u.getKey())) {
                    users.put(u.getKey(), source.decode(u.getValue()));
                }
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
        stored.clear();
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

    /**
     * Brings {@link #stored} up to date with the users changed since the last write, encoding each
     * with {@code encode}; returns whether anything of the entry is to be written.
     */
    boolean storeChangedUsers(java.util.function.Function<EntityState, byte[]> encode) {
        boolean changed = dirty || !dirtyUsers.isEmpty();
        for (String id : dirtyUsers) {
            EntityState u = users.get(id);
            if (u == null) {
                stored.remove(id);
            } else if (u.queuedForWrite) {
                u.queuedForWrite = false;
                stored.put(id, encode.apply(u));
            }
        }
        dirtyUsers.clear();
        return changed;
    }

    /** The users as stored in the account's value (encoded), by user id: for tools reading state. */
    public Map<String, byte[]> storedUsers() {
        return java.util.Collections.unmodifiableMap(stored);
    }

    /** A user carried over as stored elsewhere (a value of the earlier per-user state, or state migration). */
    public void restoreStoredUser(String userId, byte[] value) {
        stored.putIfAbsent(userId, value);
        dirty = true;
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
        return account == null && kept.isEmpty() && stored.isEmpty();
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
