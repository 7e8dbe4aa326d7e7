package io.pqlscore.migration;

import io.pqlscore.events.IdentityInput;
import io.pqlscore.events.IdentityInputSerializer;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.events.UsageEventSerializer;
import io.pqlscore.identity.UserIdentity;
import io.pqlscore.patterns.PatternState;
import io.pqlscore.scoring.AccountState;
import io.pqlscore.scoring.EntityState;
import io.pqlscore.scoring.ScorerInput;
import io.pqlscore.scoring.SignalFiring;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.cep.nfa.NFAStateSerializer;
import org.apache.flink.cep.nfa.sharedbuffer.EventId;
import org.apache.flink.cep.nfa.sharedbuffer.Lockable;
import org.apache.flink.cep.nfa.sharedbuffer.NodeId;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBufferNode;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBufferNodeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Writes and reads the bytes of a {@link Piece}: v1 entities with their POJO serializers (the
 * form v1 stored them in), records with the account stage's {@link UsageEventSerializer} (it
 * carries the pattern outcomes of a migrated record), pattern states with CEP's own serializers.
 * Only for the conversion's shuffles, never stored. One per function instance: not thread-safe.
 */
final class PieceCodec {
    private final TypeSerializer<AccountState> accounts = Types.POJO(AccountState.class).createSerializer(new SerializerConfigImpl());
    private final TypeSerializer<EntityState> entities = Types.POJO(EntityState.class).createSerializer(new SerializerConfigImpl());
    private final TypeSerializer<UserIdentity> identities = Types.POJO(UserIdentity.class).createSerializer(new SerializerConfigImpl());
    private final UsageEventSerializer records = UsageEventSerializer.INSTANCE;
    private final IdentityInputSerializer inputs = IdentityInputSerializer.INSTANCE;
    private final StringSerializer strings = StringSerializer.INSTANCE;
    private final NFAStateSerializer nfas = new NFAStateSerializer();
    private final EventId.EventIdSerializer eventIds = EventId.EventIdSerializer.INSTANCE;
    private final Lockable.LockableTypeSerializer<Long> events = new Lockable.LockableTypeSerializer<>(LongSerializer.INSTANCE);
    private final NodeId.NodeIdSerializer nodeIds = new NodeId.NodeIdSerializer();
    private final Lockable.LockableTypeSerializer<SharedBufferNode> nodes =
            new Lockable.LockableTypeSerializer<>(new SharedBufferNodeSerializer());
    private final DataOutputSerializer out = new DataOutputSerializer(4096);
    private final DataInputDeserializer in = new DataInputDeserializer();

    // ---------------------------------------------------------------- v1 operators' state

    Piece sequencer(String account, Map<Long, List<UsageEvent>> pending, Map<String, Long> kept) throws IOException {
        out.clear();
        out.writeInt(pending.size());
        for (Map.Entry<Long, List<UsageEvent>> at : pending.entrySet()) {
            out.writeLong(at.getKey());
            writeRecords(at.getValue());
        }
        out.writeInt(kept.size());
        for (Map.Entry<String, Long> k : kept.entrySet()) {
            strings.serialize(k.getKey(), out);
            out.writeLong(k.getValue());
        }
        return new Piece(account, Piece.SEQUENCER, out.getCopyOfBuffer());
    }

    Piece scorer(String account, AccountState a, Map<String, EntityState> users, Map<Long, List<ScorerInput>> pending)
            throws IOException {
        out.clear();
        out.writeBoolean(a != null);
        if (a != null) {
            accounts.serialize(a, out);
        }
        out.writeInt(users.size());
        for (Map.Entry<String, EntityState> u : users.entrySet()) {
            strings.serialize(u.getKey(), out);
            entities.serialize(u.getValue(), out);
        }
        out.writeInt(pending.size());
        for (Map.Entry<Long, List<ScorerInput>> at : pending.entrySet()) {
            out.writeLong(at.getKey());
            out.writeInt(at.getValue().size());
            for (ScorerInput i : at.getValue()) {
                out.writeBoolean(i.event != null);
                if (i.event != null) {
                    records.serialize(i.event, out);
                } else {
                    SignalFiring f = i.firing;
                    out.writeInt(f.signal);
                    strings.serialize(f.accountId, out);
                    strings.serialize(f.userId, out);
                    strings.serialize(f.messageId, out);
                    out.writeLong(f.timestamp);
                }
            }
        }
        return new Piece(account, Piece.SCORER, out.getCopyOfBuffer());
    }

    Piece pattern(V1Pattern p) throws IOException {
        out.clear();
        out.writeInt(p.signal);
        strings.serialize(p.userId, out);
        strings.serialize(p.metric, out);
        out.writeBoolean(p.state != null);
        if (p.state != null) {
            writePattern(p.state);
        }
        out.writeInt(p.queued.size());
        for (String q : p.queued) {
            strings.serialize(q, out);
        }
        return new Piece(p.accountId, Piece.PATTERN, out.getCopyOfBuffer());
    }

    /** Adds a v1 operator's piece to what is known of its account. */
    void readInto(Piece piece, V1Account into) throws IOException {
        in.setBuffer(piece.bytes);
        switch (piece.kind) {
            case Piece.SEQUENCER:
                int instants = in.readInt();
                for (int i = 0; i < instants; i++) {
                    long t = in.readLong();
                    into.sequencerPending.computeIfAbsent(t, x -> new ArrayList<>()).addAll(readRecords());
                }
                int kept = in.readInt();
                for (int i = 0; i < kept; i++) {
                    into.kept.put(strings.deserialize(in), in.readLong());
                }
                break;
            case Piece.SCORER:
                if (in.readBoolean()) {
                    into.account = accounts.deserialize(in);
                }
                int users = in.readInt();
                for (int i = 0; i < users; i++) {
                    into.users.put(strings.deserialize(in), entities.deserialize(in));
                }
                int pending = in.readInt();
                for (int i = 0; i < pending; i++) {
                    long t = in.readLong();
                    int n = in.readInt();
                    List<ScorerInput> at = into.scorerPending.computeIfAbsent(t, x -> new ArrayList<>());
                    for (int j = 0; j < n; j++) {
                        if (in.readBoolean()) {
                            at.add(ScorerInput.of(records.deserialize(in)));
                        } else {
                            int signal = in.readInt();
                            at.add(ScorerInput.of(new SignalFiring(signal, strings.deserialize(in), strings.deserialize(in),
                                    strings.deserialize(in), in.readLong())));
                        }
                    }
                }
                break;
            case Piece.PATTERN:
                int signal = in.readInt();
                String userId = strings.deserialize(in);
                String metric = strings.deserialize(in);
                PatternState state = in.readBoolean() ? readPattern(signal) : null;
                int q = in.readInt();
                List<String> queued = new ArrayList<>(q);
                for (int i = 0; i < q; i++) {
                    queued.add(strings.deserialize(in));
                }
                into.patterns.add(new V1Pattern(signal, piece.account, userId, metric, state, queued));
                break;
            default:
                throw new IllegalArgumentException("not a v1 piece: kind " + piece.kind);
        }
    }

    // ---------------------------------------------------------------- converted accounts

    Piece converted(String account, Converted c) throws IOException {
        out.clear();
        writeBytes(c.account);
        writeRecords(c.spilled);
        return new Piece(account, Piece.CONVERTED, out.getCopyOfBuffer());
    }

    Converted converted(Piece piece) throws IOException {
        if (piece.kind != Piece.CONVERTED) {
            throw new IllegalArgumentException("not a converted account: kind " + piece.kind);
        }
        in.setBuffer(piece.bytes);
        Converted c = new Converted();
        c.account = readBytes();
        c.spilled.addAll(readRecords());
        return c;
    }

    // ---------------------------------------------------------------- the identity stage

    /** A user of the identity stage: its identity (or null) and its waiting records. */
    record Identity(UserIdentity identity, List<IdentityInput> waiting) {}

    Piece identity(String user, UserIdentity id, List<IdentityInput> waiting) throws IOException {
        out.clear();
        out.writeBoolean(id != null);
        if (id != null) {
            identities.serialize(id, out);
        }
        out.writeInt(waiting.size());
        for (IdentityInput in : waiting) {
            inputs.serialize(in, out);
        }
        return new Piece(user, Piece.IDENTITY, out.getCopyOfBuffer());
    }

    Identity identity(Piece piece) throws IOException {
        if (piece.kind != Piece.IDENTITY) {
            throw new IllegalArgumentException("not an identity: kind " + piece.kind);
        }
        in.setBuffer(piece.bytes);
        UserIdentity id = in.readBoolean() ? identities.deserialize(in) : null;
        int n = in.readInt();
        List<IdentityInput> waiting = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            waiting.add(inputs.deserialize(in));
        }
        return new Identity(id, waiting);
    }

    // ---------------------------------------------------------------- parts

    private void writeRecords(List<UsageEvent> rs) throws IOException {
        out.writeInt(rs.size());
        for (UsageEvent e : rs) {
            records.serialize(e, out);
        }
    }

    private List<UsageEvent> readRecords() throws IOException {
        int n = in.readInt();
        List<UsageEvent> rs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rs.add(records.deserialize(in));
        }
        return rs;
    }

    private void writeBytes(byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
        }
    }

    private byte[] readBytes() throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private void writePattern(PatternState p) throws IOException {
        out.writeInt(p.definition);
        nfas.serialize(p.nfa, out);
        out.writeInt(p.counts.size());
        for (Map.Entry<Long, Integer> c : p.counts.entrySet()) {
            out.writeLong(c.getKey());
            out.writeInt(c.getValue());
        }
        out.writeInt(p.events.size());
        for (Map.Entry<EventId, Lockable<Long>> e : p.events.entrySet()) {
            eventIds.serialize(e.getKey(), out);
            events.serialize(e.getValue(), out);
        }
        out.writeInt(p.entries.size());
        for (Map.Entry<NodeId, Lockable<SharedBufferNode>> e : p.entries.entrySet()) {
            nodeIds.serialize(e.getKey(), out);
            nodes.serialize(e.getValue(), out);
        }
    }

    private PatternState readPattern(int signal) throws IOException {
        PatternState p = new PatternState();
        p.signal = signal;
        p.definition = in.readInt();
        p.nfa = nfas.deserialize(in);
        int c = in.readInt();
        for (int i = 0; i < c; i++) {
            p.counts.put(in.readLong(), in.readInt());
        }
        int e = in.readInt();
        for (int i = 0; i < e; i++) {
            p.events.put(eventIds.deserialize(in), events.deserialize(in));
        }
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            p.entries.put(nodeIds.deserialize(in), nodes.deserialize(in));
        }
        return p;
    }
}
