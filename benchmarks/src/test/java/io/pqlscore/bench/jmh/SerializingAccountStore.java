package io.pqlscore.bench.jmh;

import io.pqlscore.scoring.AccountState;
import io.pqlscore.scoring.AccountStore;
import io.pqlscore.scoring.EntityState;
import io.pqlscore.scoring.StoredEntities;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * An {@link AccountStore} that keeps every value as bytes written by the serializers Flink uses for
 * the scorer's keyed state (POJO serializers, no Kryo), so that each read deserializes a fresh
 * object and each write serializes one, as with RocksDB; in the plain POJO form or in the
 * scorer's stored form ({@link StoredEntities}). What it leaves out of RocksDB's cost is
 * the key/value store itself (JNI, memtable, block cache): the microbenchmark isolates what the
 * engine's state access pattern costs in serialization.
 */
final class SerializingAccountStore implements AccountStore {
    /** One set of serializers for every store of a benchmark (they are not thread-safe). */
    static final class Serializers {
        final TypeSerializer<AccountState> account;
        final TypeSerializer<EntityState> entity;
        final TypeSerializer<List<String>> ids;
        final DataOutputSerializer out = new DataOutputSerializer(4096);
        final DataInputDeserializer in = new DataInputDeserializer();

        Serializers() {
            SerializerConfigImpl config = new SerializerConfigImpl();
            config.setGenericTypes(false);
            account = TypeInformation.of(AccountState.class).createSerializer(config);
            entity = TypeInformation.of(EntityState.class).createSerializer(config);
            ids = Types.LIST(Types.STRING).createSerializer(config);
        }

        <T> byte[] write(TypeSerializer<T> s, T value) {
            try {
                out.clear();
                s.serialize(value, out);
                return out.getCopyOfBuffer();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        <T> T read(TypeSerializer<T> s, byte[] bytes) {
            if (bytes == null) {
                return null;
            }
            try {
                in.setBuffer(bytes);
                return s.deserialize(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final String accountId;
    private final Serializers ser;
    /** Write values in the scorer's stored form ({@link StoredEntities}); else as plain POJOs. */
    private final boolean storedForm;
    private final String[] modelIds;
    private final int modelLayout;
    private byte[] account;
    private final Map<String, byte[]> users = new HashMap<>();
    private final Map<Long, byte[]> agenda = new HashMap<>();
    /** The event-time timers: the driver fires them in order. */
    final TreeSet<Long> timers = new TreeSet<>();

    SerializingAccountStore(String accountId, Serializers ser, boolean storedForm, String[] modelIds, int modelLayout) {
        this.accountId = accountId;
        this.ser = ser;
        this.storedForm = storedForm;
        this.modelIds = modelIds;
        this.modelLayout = modelLayout;
    }

    @Override
    public String accountId() {
        return accountId;
    }

    @Override
    public AccountState account() {
        AccountState a = ser.read(ser.account, account);
        return storedForm ? StoredEntities.accountFromStorage(a) : a;
    }

    @Override
    public void putAccount(AccountState a) {
        account = ser.write(ser.account, storedForm ? StoredEntities.forStorage(a, modelIds, modelLayout) : a);
    }

    @Override
    public EntityState user(String userId) {
        EntityState u = ser.read(ser.entity, users.get(userId));
        if (!storedForm || u == null) {
            return u;
        }
        AccountState a = ser.read(ser.account, account);
        return StoredEntities.userFromStorage(u, a.entity.signalIds, a.entity.layout);
    }

    @Override
    public void putUser(String userId, EntityState user) {
        // the account is always written in the model's layout here (no model change mid-replay)
        users.put(userId, ser.write(ser.entity, storedForm ? StoredEntities.forStorage(user, modelIds, modelLayout, true) : user));
    }

    /** Bytes of every stored user (for the state-size estimate). */
    Iterable<byte[]> storedUsers() {
        return users.values();
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
        List<String> due = ser.read(ser.ids, agenda.get(time));
        return due == null ? List.of() : due;
    }

    @Override
    public void wakeUserAt(String userId, long time) {
        List<String> due = ser.read(ser.ids, agenda.get(time));
        if (due == null) {
            due = new ArrayList<>(1);
        }
        due.add(userId);
        agenda.put(time, ser.write(ser.ids, due));
        timers.add(time);
    }

    @Override
    public void wakeAccountAt(long time) {
        timers.add(time);
    }

    /** What the operator does after the wake-ups of an instant: the agenda entry is done. */
    void wakeDone(long time) {
        agenda.remove(time);
    }
}
