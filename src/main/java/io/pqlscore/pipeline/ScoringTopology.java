package io.pqlscore.pipeline;

import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.IdentityInput;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.RecordRouter;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.identity.IdentityOperator;
import io.pqlscore.identity.IdentityResolver;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.ops.TierCensus;
import io.pqlscore.scoring.AccountOperator;
import io.pqlscore.scoring.ScoreEngine;
import io.pqlscore.scoring.Transition;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Wires the scoring operators between any source of parsed records and any sinks: one keyed pass
 * per account, and in front of it, for the records that need it, a small identity stage:
 *
 * <pre>
 *               ┌─keyBy(user)─▶ IdentityOperator ─┐  (records without an account id, identify/group naming a user: SPEC 8)
 *               │                                 ▼
 * records ─▶ RecordRouter ──────────────────── union ─keyBy(account)─▶ AccountOperator ─▶ transitions ─┬─▶ sinks
 *               │ dead letters                   │ missing_account          │ current scores, late       └─▶ TierCensus
 *               └────────────────────────────────┴──────────────────────────┴──▶ dead letters / scores
 * </pre>
 *
 * The {@link AccountOperator} holds each record once until the watermark passes it, then
 * deduplicates it, runs it through the account's and user's Flink CEP patterns and scores it, in
 * SPEC 3 order with the evaluation ticks and retention. Every job has the {@link TierCensus}
 * (entities per tier, a sink of one subtask that only keeps counts for its gauges) on the
 * transitions, whatever other sinks are attached.
 *
 * Every operator has a fixed uid: they name the state in savepoints, so they never change. The
 * account stage's uid is new with its state layout ({@value #UID_ACCOUNTS}); a savepoint of the
 * earlier layout (uids {@code event-sequencer}, {@code account-scorer}, {@code pattern-*}) is
 * converted by {@code io.pqlscore.migration.MigrateSavepoint} (docs/SAVEPOINTS.md).
 */
public final class ScoringTopology {
    public static final String UID_ROUTER = "record-router";
    public static final String UID_IDENTITY = "identity-resolver";
    public static final String UID_ACCOUNTS = "account-stage";
    public static final String UID_TIER_CENSUS = TierCensus.UID;
    /** The account stage's name in the job graph (the benchmark and the metrics docs find it by it). */
    public static final String ACCOUNTS_NAME = "score accounts and users";

    private static final KeySelector<UsageEvent, String> BY_ACCOUNT = e -> e.accountId;

    private ScoringTopology() {}

    /**
     * The operators' tuning: how many waiting records each holds on the heap, how many accounts
     * the cache; {@code everyEvaluation}: a current-score row per evaluation (the backtest) instead
     * of the latest per entity and watermark step.
     */
    public record Tuning(int bufferHeapRecords, int stateCacheAccounts, boolean everyEvaluation) {
        public static final Tuning DEFAULT = new Tuning(200_000, 20_000, false);
    }

    /** How records are watermarked at the source, per split or partition (SPEC 3, 7). */
    public static WatermarkStrategy<ParsedRecord> watermarks(ScoringModel model, Duration idleTimeout) {
        WatermarkStrategy<ParsedRecord> w = WatermarkStrategy
                .<ParsedRecord>forBoundedOutOfOrderness(Duration.ofMillis(model.time().maxOutOfOrdernessMs()))
                .withTimestampAssigner((r, ts) -> r.eventTimeOrMin());
        return idleTimeout == null || idleTimeout.isZero() ? w : w.withIdleness(idleTimeout);
    }

    /** The scoring workflow: parsed, watermarked records in; transitions, scores, dead letters out. */
    public static ScoringStreams defineWorkflow(DataStream<ParsedRecord> records, ScoreEngine engine, Tuning tuning) {
        ScoringModel model = engine.model();
        SingleOutputStreamOperator<UsageEvent> events = records
                .process(new RecordRouter())
                .uid(UID_ROUTER)
                .name("parse, reject and drop late");
        DataStream<DeadLetter> rejected = events.getSideOutput(RecordRouter.DEAD_LETTERS);

        // SPEC 8: only records without an account id and identify/group calls naming a user
        SingleOutputStreamOperator<UsageEvent> resolved = events.getSideOutput(RecordRouter.TO_RESOLVE)
                .keyBy(IdentityInput::userId, Types.STRING)
                .transform("resolve identity", TypeInformation.of(UsageEvent.class),
                        new IdentityOperator(new IdentityResolver(model.time().retentionMs()), tuning.bufferHeapRecords()))
                .uid(UID_IDENTITY);
        rejected = rejected.union(resolved.getSideOutput(IdentityOperator.DEAD_LETTERS));

        SingleOutputStreamOperator<Transition> transitions = events.union(resolved)
                .keyBy(BY_ACCOUNT, Types.STRING)
                .transform(ACCOUNTS_NAME, TypeInformation.of(Transition.class),
                        new AccountOperator(engine, model.time().dedupeWindowMs(), tuning.bufferHeapRecords(),
                                tuning.stateCacheAccounts()).everyEvaluation(tuning.everyEvaluation()))
                .uid(UID_ACCOUNTS);

        transitions.sinkTo(new TierCensus(model))
                .uid(UID_TIER_CENSUS)
                .name(TierCensus.NAME)
                .setParallelism(1);

        return new ScoringStreams(transitions, transitions.getSideOutput(AccountOperator.CURRENT_SCORES),
                rejected.union(transitions.getSideOutput(AccountOperator.LATE)));
    }
}
