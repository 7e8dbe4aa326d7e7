package io.pqlscore.scoring;

import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.TimerService;

/**
 * The {@link AccountStore} of the scorer over Flink keyed state (RocksDB in production), for one
 * timer invocation of one key at a time: {@link #bind} before the engine runs, {@link #flush}
 * after.
 *
 * <p>Within an invocation it reads each value at most once and writes each changed value once, at
 * {@link #flush}. The engine reads and writes the account several times per record (apply, then the
 * wake-up of the same instant) and a user twice (before the account's evaluation counts active
 * users, and after its own); with RocksDB every one of those was a (de)serialization and a JNI
 * call. The engine sees the same values either way: it only ever reads back what it wrote, and
 * nothing else touches the key's state during the invocation. Values are written in their stored
 * form ({@link StoredEntities}).
 *
 * <p>The engine's interface has no checked exceptions, so state-access failures travel wrapped
 * ({@link StateAccessException}) and fail the task as any would.
 */
final class KeyedStateStore implements AccountStore {
    private final ValueState<AccountState> account;
    private final MapState<String, EntityState> users;
    private final MapState<Long, List<String>> agenda;
    private final String[] modelIds;
    private final int modelLayout;

    private String key;
    private TimerService timers;

    // this invocation's view of the key's state (full form)
    private boolean accountRead;
    private AccountState accountValue;
    private boolean accountWritten;
    /** The account's ids and layout as stored: what its compact users borrow. */
    private String[] storedAccountIds;
    private int storedAccountLayout;
    private final Map<String, EntityState> userValues = new HashMap<>();
    /** Users to write at flush, in order; a null value removes the user. */
    private final Map<String, EntityState> userWrites = new LinkedHashMap<>();
    /** Every user of the key is in {@link #userValues} (after {@link #userIds} or {@link #clear}). */
    private boolean allUsersRead;
    private final Map<Long, List<String>> agendaValues = new HashMap<>();
    private final Map<Long, List<String>> agendaWrites = new LinkedHashMap<>();

    KeyedStateStore(ValueState<AccountState> account, MapState<String, EntityState> users,
            MapState<Long, List<String>> agenda, ScoringModel model) {
        this.account = account;
        this.users = users;
        this.agenda = agenda;
        this.modelIds = model.signals().stream().map(Signal::id).toArray(String[]::new);
        this.modelLayout = model.signalLayout();
    }

    /** Starts an invocation for {@code key}: nothing of it is read yet. */
    void bind(String key, TimerService timers) {
        this.key = key;
        this.timers = timers;
        forgetCache(false);
    }

    /**
     * Empties this invocation's cache. {@code stateKnownEmpty}: the key's state was just cleared,
     * so "nothing cached" means "nothing there" and need not be read.
     */
    private void forgetCache(boolean stateKnownEmpty) {
        accountRead = stateKnownEmpty;
        accountValue = null;
        accountWritten = false;
        storedAccountIds = null;
        storedAccountLayout = 0;
        userValues.clear();
        userWrites.clear();
        allUsersRead = stateKnownEmpty;
        agendaValues.clear();
        agendaWrites.clear();
    }

    @Override
    public String accountId() {
        return key;
    }

    @Override
    public AccountState account() {
        if (!accountRead) {
            try {
                accountValue = StoredEntities.accountFromStorage(account.value());
            } catch (Exception e) {
                throw new StateAccessException(e);
            }
            accountRead = true;
            if (accountValue != null) {
                storedAccountIds = accountValue.entity.signalIds;
                storedAccountLayout = accountValue.entity.layout;
            }
        }
        return accountValue;
    }

    @Override
    public void putAccount(AccountState a) {
        account(); // the stored ids must be known before they are replaced
        accountValue = a;
        accountWritten = true;
    }

    @Override
    public EntityState user(String userId) {
        EntityState u = userValues.get(userId);
        if (u != null || allUsersRead || userWrites.containsKey(userId)) {
            return u;
        }
        account();
        try {
            u = StoredEntities.userFromStorage(users.get(userId), storedAccountIds, storedAccountLayout);
        } catch (Exception e) {
            throw new StateAccessException(e);
        }
        if (u != null) {
            userValues.put(userId, u);
        }
        return u;
    }

    @Override
    public void putUser(String userId, EntityState user) {
        userValues.put(userId, user);
        userWrites.put(userId, user);
    }

    @Override
    public void removeUser(String userId) {
        userValues.remove(userId);
        userWrites.put(userId, null);
    }

    /**
     * In the order RocksDB iterates them (by the serialized key), as when every write went to the
     * state at once: the engine evaluates users in this order, and so emits their outputs.
     */
    @Override
    public Iterable<String> userIds() {
        if (!allUsersRead) {
            account();
            try {
                for (Map.Entry<String, EntityState> u : users.entries()) {
                    if (!userValues.containsKey(u.getKey()) && !userWrites.containsKey(u.getKey())) {
                        userValues.put(u.getKey(), StoredEntities.userFromStorage(u.getValue(), storedAccountIds,
                                storedAccountLayout));
                    }
                }
            } catch (Exception e) {
                throw new StateAccessException(e);
            }
            allUsersRead = true;
        }
        return inStoredKeyOrder(userValues.keySet());
    }

    @Override
    public void clear() {
        account.clear();
        users.clear();
        agenda.clear();
        forgetCache(true);
    }

    @Override
    public Collection<String> usersDueAt(long time) {
        List<String> due = agendaAt(time);
        return due == null ? List.of() : due;
    }

    @Override
    public void wakeUserAt(String userId, long time) {
        List<String> due = agendaAt(time);
        if (due == null) {
            due = new ArrayList<>(1);
            agendaValues.put(time, due);
        }
        due.add(userId);
        agendaWrites.put(time, due);
        timers.registerEventTimeTimer(time);
    }

    @Override
    public void wakeAccountAt(long time) {
        timers.registerEventTimeTimer(time);
    }

    /** The wake-ups at {@code time} have all run: its agenda entry goes. */
    void agendaDone(long time) {
        if (agendaValues.containsKey(time)) {
            if (agendaValues.get(time) != null) {
                agendaValues.put(time, null);
                agendaWrites.put(time, null);
            }
            return;
        }
        try {
            if (agenda.contains(time)) {
                agendaWrites.put(time, null);
            }
        } catch (Exception e) {
            throw new StateAccessException(e);
        }
    }

    private List<String> agendaAt(long time) {
        if (agendaValues.containsKey(time)) {
            return agendaValues.get(time);
        }
        try {
            List<String> due = agenda.get(time);
            agendaValues.put(time, due);
            return due;
        } catch (Exception e) {
            throw new StateAccessException(e);
        }
    }

    /** Writes what the invocation changed. */
    void flush() {
        try {
            int accountLayout = storedAccountLayout;
            if (accountWritten && accountValue != null) {
                AccountState stored = StoredEntities.forStorage(accountValue, modelIds, modelLayout);
                accountLayout = stored.entity.layout;
                if (storedAccountLayout != 0 && accountLayout != storedAccountLayout) {
                    keepOwnIdsForUntouchedUsers();
                }
                account.update(stored);
            }
            // users leave their ids to the account only while it is stored in the same layout
            boolean dropIds = accountLayout == modelLayout;
            for (Map.Entry<String, EntityState> w : userWrites.entrySet()) {
                if (w.getValue() == null) {
                    users.remove(w.getKey());
                } else {
                    users.put(w.getKey(), StoredEntities.forStorage(w.getValue(), modelIds, modelLayout, dropIds));
                }
            }
            for (Map.Entry<Long, List<String>> w : agendaWrites.entrySet()) {
                if (w.getValue() == null) {
                    agenda.remove(w.getKey());
                } else {
                    agenda.put(w.getKey(), w.getValue());
                }
            }
        } catch (Exception e) {
            throw new StateAccessException(e);
        }
    }

    /**
     * The account moves to another layout (the model changed): users not written now, which
     * borrowed the account's old ids, get those ids themselves first.
     */
    private void keepOwnIdsForUntouchedUsers() throws Exception {
        Map<String, EntityState> rewrite = new LinkedHashMap<>();
        for (Map.Entry<String, EntityState> u : users.entries()) {
            if (!userWrites.containsKey(u.getKey()) && StoredEntities.borrowsAccountIds(u.getValue())) {
                rewrite.put(u.getKey(), StoredEntities.selfDescribing(u.getValue(), storedAccountIds));
            }
        }
        for (Map.Entry<String, EntityState> u : rewrite.entrySet()) {
            users.put(u.getKey(), u.getValue());
        }
    }

    /** Sorted by the unsigned bytes {@link StringSerializer} writes for them: RocksDB's order of map keys. */
    static List<String> inStoredKeyOrder(Collection<String> ids) {
        DataOutputSerializer out = new DataOutputSerializer(64);
        List<Map.Entry<byte[], String>> keyed = new ArrayList<>(ids.size());
        try {
            for (String id : ids) {
                out.clear();
                StringSerializer.INSTANCE.serialize(id, out);
                keyed.add(Map.entry(out.getCopyOfBuffer(), id));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keyed.sort((a, b) -> Arrays.compareUnsigned(a.getKey(), b.getKey()));
        List<String> sorted = new ArrayList<>(keyed.size());
        for (Map.Entry<byte[], String> k : keyed) {
            sorted.add(k.getValue());
        }
        return sorted;
    }

    /** Carries a state-backend failure through the engine's unchecked interface. */
    static final class StateAccessException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        StateAccessException(Exception cause) {
            super(cause);
        }
    }
}
