package io.pqlscore.scoring;

import java.util.Collection;

/**
 * The state of one account key as the engine sees it. The Flink operator implements it over
 * keyed state (RocksDB) and event-time timers; tests implement it over maps.
 */
public interface AccountStore {
    /** The account id: the key this store holds state for. */
    String accountId();

    /** The account, or null when it has no state. */
    AccountState account();

    void putAccount(AccountState account);

    /** A user of this account, or null. */
    EntityState user(String userId);

    void putUser(String userId, EntityState user);

    void removeUser(String userId);

    Iterable<String> userIds();

    /** Forgets the account, its users and its wake-ups. */
    void clear();

    /** Users with a wake-up registered at {@code time} (possibly stale: the engine re-checks). */
    Collection<String> usersDueAt(long time);

    /** Registers a wake-up for a user; the store arranges a call to {@code wake} at that time. */
    void wakeUserAt(String userId, long time);

    /** Registers a wake-up for the account itself. */
    void wakeAccountAt(long time);
}
