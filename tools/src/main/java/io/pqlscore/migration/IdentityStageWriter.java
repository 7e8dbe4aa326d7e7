package io.pqlscore.migration;

import io.pqlscore.buffer.OrderedKeyedOperator;
import io.pqlscore.events.IdentityInput;
import io.pqlscore.events.IdentityInputSerializer;
import io.pqlscore.identity.IdentityOperator;
import io.pqlscore.identity.UserIdentity;
import io.pqlscore.identity.UserIdentitySerializer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;

/**
 * Writes the identity stage ({@code identity-resolver}, {@link IdentityOperator}) as it keeps its
 * state now: each user's {@code identity} as it was, and the records that waited in v1's {@code
 * pending} map in the {@code spilled-records} list, with the operator's own descriptors. Restored
 * without raw keyed state, the operator rebuilds its spill index and its wake-ups (each identity's
 * forgetting time) itself.
 *
 * <p>Like every bootstrap function here it only writes what it is given: the State Processor API
 * (2.2) runs it in a thread of its own whose failure hangs the job instead of failing it, and it
 * opens the function twice (no accumulators: the second registration fails). The counting is done
 * before it ({@link IdentityCount}).
 */
final class IdentityStageWriter extends KeyedStateBootstrapFunction<String, Piece> {
    private static final long serialVersionUID = 1L;

    private transient ValueState<UserIdentity> identity;
    private transient ListState<IdentityInput> spilled;
    private transient PieceCodec codec;

    @Override
    public void open(OpenContext openContext) {
        identity = getRuntimeContext().getState(new ValueStateDescriptor<>(IdentityOperator.IDENTITY_STATE,
                UserIdentitySerializer.INSTANCE));
        spilled = getRuntimeContext().getListState(new ListStateDescriptor<>(OrderedKeyedOperator.SPILL_STATE,
                IdentityInputSerializer.INSTANCE));
        codec = new PieceCodec();
    }

    @Override
    public void processElement(Piece piece, Context ctx) throws Exception {
        PieceCodec.Identity user = codec.identity(piece);
        if (user.identity() != null) {
            identity.update(user.identity());
        }
        if (!user.waiting().isEmpty()) {
            spilled.update(user.waiting());
        }
    }
}
