package io.pqlscore.migration;

import io.pqlscore.buffer.OrderedKeyedOperator;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.events.UsageEventSerializer;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.scoring.AccountOperator;
import io.pqlscore.scoring.SignalLayouts;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * Writes converted accounts as the account stage ({@code account-stage}, {@link AccountOperator})
 * keeps them: the keyed {@code account} value (its users inside it) and the {@code
 * spilled-records} list, with the operator's own descriptors (names and serializers), and its
 * union list state {@code signal-layouts} (the running model's layout: every entity was mapped to
 * it). The operator's raw keyed state (its heap buffer and wake-ups) is not written: restored
 * without it, the operator rebuilds its spill index from {@code spilled-records} and its wake-ups
 * from the accounts.
 *
 * <p>It only writes what it is given (the conversion, which can refuse a savepoint, runs before it
 * in {@link AccountAssembler}): the State Processor API (2.2) runs a bootstrap function in a thread
 * of its own whose failure hangs the job instead of failing it.
 */
final class AccountStageWriter extends KeyedStateBootstrapFunction<String, Piece> implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    private final ScoringModel model;
    private transient ValueState<byte[]> account;
    private transient ListState<UsageEvent> spilled;
    private transient ListState<SignalLayouts.Entry> layouts;
    private transient PieceCodec codec;

    AccountStageWriter(ScoringModel model) {
        this.model = model;
    }

    @Override
    public void open(OpenContext openContext) {
        account = getRuntimeContext().getState(new ValueStateDescriptor<>(AccountOperator.ACCOUNT_STATE,
                BytePrimitiveArraySerializer.INSTANCE));
        spilled = getRuntimeContext().getListState(new ListStateDescriptor<>(OrderedKeyedOperator.SPILL_STATE,
                UsageEventSerializer.INSTANCE));
        codec = new PieceCodec();
    }

    @Override
    public void processElement(Piece piece, Context ctx) throws Exception {
        Converted c = codec.converted(piece);
        if (c.account != null) {
            account.update(c.account);
        }
        if (!c.spilled.isEmpty()) {
            spilled.update(c.spilled);
        }
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        layouts = context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>(AccountOperator.LAYOUTS_STATE,
                TypeInformation.of(SignalLayouts.Entry.class)));
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        layouts.update(new SignalLayouts(model).entries());
    }
}
