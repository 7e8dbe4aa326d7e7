package io.pqlscore.testing;

import io.pqlscore.scoring.AccountState;
import io.pqlscore.scoring.AccountStore;
import io.pqlscore.scoring.EntityState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** An {@link AccountStore} over maps, with the registered wake-up times visible to tests. */
public final class InMemoryAccountStore implements AccountStore {
    private final String accountId;
    private AccountState account;
    public final Map<String, EntityState> users = new TreeMap<>();
    public final Map<Long, List<String>> agenda = new TreeMap<>();
    public final TreeSet<Long> timers = new TreeSet<>();

    public InMemoryAccountStore(String accountId) {
        this.accountId = accountId;
    }

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
    }

    @Override
    public EntityState user(String userId) {
        return users.get(userId);
    }

    @Override
    public void putUser(String userId, EntityState user) {
        users.put(userId, user);
    }

    @Override
    public void removeUser(String userId) {
        users.remove(userId);
    }

    @Override
    public Iterable<String> userIds() {
        return new ArrayList<>(users.keySet());
    }

    @Override
    public void clear() {
        account = null;
        users.clear();
        agenda.clear();
    }

    @Override
    public Collection<String> usersDueAt(long time) {
        return agenda.getOrDefault(time, List.of());
    }

    @Override
    public void wakeUserAt(String userId, long time) {
        agenda.computeIfAbsent(time, t -> new ArrayList<>()).add(userId);
        timers.add(time);
    }

    @Override
    public void wakeAccountAt(long time) {
        timers.add(time);
    }
}
