package io.pqlscore.migration;

import io.pqlscore.events.IdentityInput;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.identity.UserIdentity;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import io.pqlscore.patterns.PatternState;
import io.pqlscore.scoring.AccountState;
import io.pqlscore.scoring.EntityState;
import io.pqlscore.scoring.ScorerInput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.sharedbuffer.EventId;
import org.apache.flink.cep.nfa.sharedbuffer.Lockable;
import org.apache.flink.cep.nfa.sharedbuffer.NodeId;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBufferNode;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.util.Collector;

/**
 * Reads the keyed state of the v1 operators with the State Processor API, one {@link Piece} per
 * key, keyed by the account it belongs to. A reader answers every key with at least one piece
 * ({@link Piece#NOTHING} when there is nothing to carry): the State Processor API (2.2) takes a key
 * answered with nothing for the end of its split.
 */
final class V1Readers {
    private V1Readers() {}

    private static <K, V> Map<K, V> copy(MapState<K, V> state) throws Exception {
        Map<K, V> m = new LinkedHashMap<>();
        Iterable<Map.Entry<K, V>> entries = state.entries();
        if (entries != null) {
            for (Map.Entry<K, V> e : entries) {
                m.put(e.getKey(), e.getValue());
            }
        }
        return m;
    }

    /** {@code event-sequencer}: records waiting for the watermark and the kept ids, per account. */
    static final class Sequencer extends KeyedStateReaderFunction<String, Piece> {
        private static final long serialVersionUID = 1L;
        private transient MapState<Long, List<UsageEvent>> pending;
        private transient MapState<String, Long> kept;
        private transient PieceCodec codec;

        @Override
        public void open(OpenContext openContext) {
            pending = getRuntimeContext().getMapState(V1State.sequencerPending());
            kept = getRuntimeContext().getMapState(V1State.keptIds());
            codec = new PieceCodec();
        }

        @Override
        public void readKey(String account, Context ctx, Collector<Piece> out) throws Exception {
            Map<Long, List<UsageEvent>> p = copy(pending);
            Map<String, Long> k = copy(kept);
            out.collect(p.isEmpty() && k.isEmpty() ? Piece.nothing() : codec.sequencer(account, p, k));
        }
    }

    /** {@code account-scorer}: the account, its users, and the records and firings not applied yet. */
    static final class Scorer extends KeyedStateReaderFunction<String, Piece> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<AccountState> account;
        private transient MapState<String, EntityState> users;
        private transient MapState<Long, List<ScorerInput>> pending;
        private transient PieceCodec codec;

        @Override
        public void open(OpenContext openContext) {
            account = getRuntimeContext().getState(V1State.account());
            users = getRuntimeContext().getMapState(V1State.users());
            pending = getRuntimeContext().getMapState(V1State.scorerPending());
            codec = new PieceCodec();
        }

        @Override
        public void readKey(String accountId, Context ctx, Collector<Piece> out) throws Exception {
            AccountState a = account.value();
            Map<String, EntityState> u = copy(users);
            Map<Long, List<ScorerInput>> p = copy(pending);
            out.collect(a == null && u.isEmpty() && p.isEmpty() ? Piece.nothing() : codec.scorer(accountId, a, u, p));
        }
    }

    /**
     * {@code identity-resolver} of the last v1 releases (a keyed process function): per user, its
     * identity and the records waiting for the watermark in {@code pending}.
     */
    static final class Identity extends KeyedStateReaderFunction<String, Piece> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<UserIdentity> identity;
        private transient MapState<Long, List<IdentityInput>> pending;
        private transient PieceCodec codec;

        @Override
        public void open(OpenContext openContext) {
            identity = getRuntimeContext().getState(V1State.identity());
            pending = getRuntimeContext().getMapState(V1State.identityPending());
            codec = new PieceCodec();
        }

        @Override
        public void readKey(String user, Context ctx, Collector<Piece> out) throws Exception {
            UserIdentity id = identity.value();
            List<IdentityInput> waiting = new ArrayList<>();
            for (List<IdentityInput> at : copy(pending).values()) {
                waiting.addAll(at);
            }
            out.collect(id == null && waiting.isEmpty() ? Piece.nothing() : codec.identity(user, id, waiting));
        }
    }

    /**
     * {@code pattern-<signal>-<scope>}: a CEP operator (Flink's {@code CepOperator} in v1; {@code
     * ExpiringCepOperator} with the same states for usage signals in its last version). Its key
     * names an account, or an account's user, and for a usage signal a metric ({@code
     * PatternKeys}); its NFA and shared buffer become a {@link PatternState}, its element queue the
     * records it had not run yet.
     */
    static final class Pattern extends KeyedStateReaderFunction<String, Piece> {
        private static final long serialVersionUID = 1L;
        private final Signal signal;
        private final boolean perUser;
        private final int modelLayout;
        private transient ValueState<NFAState> nfa;
        private transient MapState<Long, List<UsageEvent>> queue;
        private transient MapState<EventId, Lockable<UsageEvent>> events;
        private transient MapState<NodeId, Lockable<SharedBufferNode>> entries;
        private transient MapState<Long, Integer> counts;
        private transient Lockable.LockableTypeSerializer<UsageEvent> lockable;
        private transient DataOutputSerializer scratch;
        private transient PieceCodec codec;

        Pattern(Signal signal, boolean perUser, int modelLayout) {
            this.signal = signal;
            this.perUser = perUser;
            this.modelLayout = modelLayout;
        }

        @Override
        public void open(OpenContext openContext) {
            TypeSerializer<UsageEvent> records = getRuntimeContext().createSerializer(V1State.usageEvent());
            nfa = getRuntimeContext().getState(V1State.nfa());
            queue = getRuntimeContext().getMapState(V1State.elementQueue(records));
            events = getRuntimeContext().getMapState(V1State.events(records));
            entries = getRuntimeContext().getMapState(V1State.entries());
            counts = getRuntimeContext().getMapState(V1State.counts());
            lockable = new Lockable.LockableTypeSerializer<>(records);
            scratch = new DataOutputSerializer(256);
            codec = new PieceCodec();
        }

        @Override
        public void readKey(String key, Context ctx, Collector<Piece> out) throws Exception {
            String[] ids = V1Pattern.parseKey(key, signal.kind() == SignalKind.USAGE, perUser);
            List<String> queued = new ArrayList<>();
            for (Map.Entry<Long, List<UsageEvent>> at : copy(queue).entrySet()) {
                for (UsageEvent e : at.getValue()) {
                    queued.add(V1Pattern.queued(at.getKey(), e.messageId));
                }
            }
            NFAState state = nfa.value();
            Map<EventId, Lockable<UsageEvent>> buffered = copy(events);
            PatternState converted = null;
            if (state != null) {
                Map<EventId, Integer> refCounts = new HashMap<>();
                for (Map.Entry<EventId, Lockable<UsageEvent>> e : buffered.entrySet()) {
                    refCounts.put(e.getKey(), refCount(e.getValue()));
                }
                converted = V1Pattern.convert(signal, modelLayout, state, buffered, refCounts, copy(entries), copy(counts));
                if (converted.isIdle()) {
                    converted = null;
                }
            } else if (!buffered.isEmpty()) {
                throw new MigrationException("pattern key " + key + " of signal '" + signal.id() + "' has buffered events"
                        + " but no NFA state");
            }
            if (converted == null && queued.isEmpty()) {
                out.collect(Piece.nothing());
                return;
            }
            out.collect(codec.pattern(new V1Pattern(signal.index(), ids[0], ids[1], ids[2], converted, queued)));
        }

        /** CEP's lock count of a buffered event: written first by its serializer (the getter is not public). */
        private int refCount(Lockable<UsageEvent> l) throws IOException {
            scratch.clear();
            lockable.serialize(l, scratch);
            return new DataInputDeserializer(scratch.getSharedBuffer(), 0, scratch.length()).readInt();
        }
    }
}
