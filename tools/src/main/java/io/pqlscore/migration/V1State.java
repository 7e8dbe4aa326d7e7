package io.pqlscore.migration;

import io.pqlscore.events.IdentityInput;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.identity.UserIdentity;
import io.pqlscore.model.Signal;
import io.pqlscore.pipeline.ScoringTopology;
import io.pqlscore.scoring.AccountState;
import io.pqlscore.scoring.EntityState;
import io.pqlscore.scoring.ScorerInput;
import java.util.List;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.NFAStateSerializer;
import org.apache.flink.cep.nfa.sharedbuffer.EventId;
import org.apache.flink.cep.nfa.sharedbuffer.Lockable;
import org.apache.flink.cep.nfa.sharedbuffer.NodeId;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBufferNode;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBufferNodeSerializer;

/**
 * What a savepoint of the earlier, multi-operator topology ("v1": record router, event sequencer,
 * one Flink CEP operator per sequence/usage signal and scope, account scorer) holds, named and
 * typed exactly as its operators registered it: the state is found by operator uid and state name
 * and decoded with the serializer snapshot in the savepoint, so these descriptors must be
 * compatible with what v1 wrote. v1's records and entities were Flink POJOs, so they are read with
 * POJO type information (not the {@code UsageEventSerializer} the account stage uses now).
 */
final class V1State {
    private V1State() {}

    // ---------------------------------------------------------------- event-sequencer (events.EventSequencer)

    static final String UID_SEQUENCER = "event-sequencer";
    /** Records waiting for the watermark, by event time: {@code MapState<Long, List<UsageEvent>>}. */
    static final String SEQUENCER_PENDING = "pending";
    /** The dedupe window's kept ids and the time each was kept at: {@code MapState<String, Long>}. */
    static final String KEPT_IDS = "kept-message-ids";

    // ---------------------------------------------------------------- account-scorer (scoring.AccountScorer)

    static final String UID_SCORER = "account-scorer";
    /** Records and firings released by the sequencer, waiting for the scorer's watermark. */
    static final String SCORER_PENDING = "pending";
    static final String ACCOUNT = "account";
    static final String USERS = "users";

    // ---------------------------------------------------------------- identity-resolver (identity.IdentityResolution, last v1 releases)

    /** The identity stage's uid: unchanged, but its waiting records moved from {@code pending} to {@code spilled-records}. */
    static final String UID_IDENTITY = ScoringTopology.UID_IDENTITY;
    static final String IDENTITY = "identity";
    /** Records waiting for the watermark, by event time: {@code MapState<Long, List<IdentityInput>>}. */
    static final String IDENTITY_PENDING = "pending";

    static ValueStateDescriptor<UserIdentity> identity() {
        return new ValueStateDescriptor<>(IDENTITY, Types.POJO(UserIdentity.class));
    }

    static MapStateDescriptor<Long, List<IdentityInput>> identityPending() {
        return new MapStateDescriptor<>(IDENTITY_PENDING, Types.LONG, Types.LIST(Types.POJO(IdentityInput.class)));
    }

    // ---------------------------------------------------------------- pattern-<signal>-<scope> (Flink CEP's CepOperator, SharedBuffer)

    static final String NFA = "nfaStateName";
    static final String ELEMENT_QUEUE = "eventQueuesStateName";
    static final String EVENTS = "sharedBuffer-events";
    static final String ENTRIES = "sharedBuffer-entries-with-lockable-edges";
    static final String COUNTS = "sharedBuffer-events-count";

    /** The uid of a signal's CEP operator for one scope ({@code patterns.PatternSignals.uid} in v1). */
    static String patternUid(Signal s, boolean perUser) {
        return "pattern-" + s.id() + "-" + (perUser ? "user" : "account");
    }

    static TypeInformation<UsageEvent> usageEvent() {
        return Types.POJO(UsageEvent.class);
    }

    static MapStateDescriptor<Long, List<UsageEvent>> sequencerPending() {
        return new MapStateDescriptor<>(SEQUENCER_PENDING, Types.LONG, Types.LIST(usageEvent()));
    }

    static MapStateDescriptor<String, Long> keptIds() {
        return new MapStateDescriptor<>(KEPT_IDS, Types.STRING, Types.LONG);
    }

    static MapStateDescriptor<Long, List<ScorerInput>> scorerPending() {
        return new MapStateDescriptor<>(SCORER_PENDING, Types.LONG, Types.LIST(Types.POJO(ScorerInput.class)));
    }

    static ValueStateDescriptor<AccountState> account() {
        return new ValueStateDescriptor<>(ACCOUNT, Types.POJO(AccountState.class));
    }

    static MapStateDescriptor<String, EntityState> users() {
        return new MapStateDescriptor<>(USERS, Types.STRING, Types.POJO(EntityState.class));
    }

    static ValueStateDescriptor<NFAState> nfa() {
        return new ValueStateDescriptor<>(NFA, new NFAStateSerializer());
    }

    /** CEP's element queue: records that arrived but wait for the operator's watermark (not yet run). */
    static MapStateDescriptor<Long, List<UsageEvent>> elementQueue(TypeSerializer<UsageEvent> records) {
        return new MapStateDescriptor<>(ELEMENT_QUEUE, LongSerializer.INSTANCE, new ListSerializer<>(records));
    }

    static MapStateDescriptor<EventId, Lockable<UsageEvent>> events(TypeSerializer<UsageEvent> records) {
        return new MapStateDescriptor<>(EVENTS, EventId.EventIdSerializer.INSTANCE, new Lockable.LockableTypeSerializer<>(records));
    }

    static MapStateDescriptor<NodeId, Lockable<SharedBufferNode>> entries() {
        return new MapStateDescriptor<>(ENTRIES, new NodeId.NodeIdSerializer(),
                new Lockable.LockableTypeSerializer<>(new SharedBufferNodeSerializer()));
    }

    static MapStateDescriptor<Long, Integer> counts() {
        return new MapStateDescriptor<>(COUNTS, LongSerializer.INSTANCE, IntSerializer.INSTANCE);
    }
}
