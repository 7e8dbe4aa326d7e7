package io.pqlscore.migration;

import io.pqlscore.scoring.ScoreEngine;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Gathers every piece of v1 state of one account (keyed by account, in a batch job: all of a key's
 * pieces arrive before its end-of-input timer) and converts them at once ({@link
 * AccountConversion}). What it carried and dropped goes to the job's accumulators, one per {@link
 * MigrationCounts} name.
 */
final class AccountAssembler extends KeyedProcessFunction<String, Piece, Piece> {
    private static final long serialVersionUID = 1L;

    private final ScoreEngine engine;
    private transient ListState<Piece> pieces;
    private transient PieceCodec codec;
    private transient AccountConversion conversion;
    private transient Map<String, LongCounter> counters;

    AccountAssembler(ScoreEngine engine) {
        this.engine = engine;
    }

    @Override
    public void open(OpenContext openContext) {
        pieces = getRuntimeContext().getListState(new ListStateDescriptor<>("v1-pieces", Types.POJO(Piece.class)));
        codec = new PieceCodec();
        conversion = new AccountConversion(engine);
        counters = new HashMap<>();
        for (String name : MigrationCounts.names()) {
            LongCounter c = new LongCounter();
            getRuntimeContext().addAccumulator(name, c);
            counters.put(name, c);
        }
    }

    @Override
    public void processElement(Piece piece, Context ctx, Collector<Piece> out) throws Exception {
        pieces.add(piece);
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Piece> out) throws Exception {
        V1Account account = new V1Account(ctx.getCurrentKey());
        for (Piece p : pieces.get()) {
            codec.readInto(p, account);
        }
        pieces.clear();
        MigrationCounts counts = new MigrationCounts();
        Converted converted = conversion.convert(account, counts);
        counts.values.forEach((name, n) -> counters.get(name).add(n));
        if (!converted.isEmpty()) {
            out.collect(codec.converted(account.accountId, converted));
        }
    }

    @Override
    public void close() throws Exception {
        if (conversion != null) {
            conversion.close();
        }
    }
}
