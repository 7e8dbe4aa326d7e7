package io.pqlscore.migration;

import java.io.IOException;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;

/** Passes the identity stage's users on to be written, counting their identities and waiting records. */
final class IdentityCount extends RichFilterFunction<Piece> {
    private static final long serialVersionUID = 1L;

    private transient PieceCodec codec;
    private transient LongCounter identities;
    private transient LongCounter records;

    @Override
    public void open(OpenContext openContext) {
        codec = new PieceCodec();
        identities = new LongCounter();
        records = new LongCounter();
        getRuntimeContext().addAccumulator(MigrationCounts.IDENTITIES, identities);
        getRuntimeContext().addAccumulator(MigrationCounts.IDENTITY_RECORDS, records);
    }

    @Override
    public boolean filter(Piece p) throws IOException {
        if (p.kind == Piece.NOTHING) {
            return false;
        }
        PieceCodec.Identity user = codec.identity(p);
        identities.add(user.identity() == null ? 0 : 1);
        records.add(user.waiting().size());
        return true;
    }
}
