package io.pqlscore.pipeline;

import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.EventSequencer;
import io.pqlscore.events.IdentityInput;
import io.pqlscore.events.SequencerOperator;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.RecordRouter;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.identity.IdentityOperator;
import io.pqlscore.identity.IdentityResolution;
import io.pqlscore.identity.IdentityResolver;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.ops.LateCounter;
import io.pqlscore.ops.TierCensus;
import io.pqlscore.patterns.PatternSignals;
import io.pqlscore.scoring.AccountScorer;
import io.pqlscore.scoring.ScorerInput;
import io.pqlscore.scoring.SignalFiring;
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
 * Wires the scoring operators between any source of parsed records and any sinks:
 *
 * <pre>
 *               ┌─keyBy(user)─▶ IdentityResolution ─┐ (records without an account id, identify/group naming a user: SPEC 8)
 *               │                                   ▼
 * records ─▶ RecordRouter ─────────────────────── union ─keyBy(account)─▶ EventSequencer ─┬──────────────────────────────┬─keyBy(account)─▶ AccountScorer ─▶ transitions ─┬─▶ sinks
 *               │ dead letters                  │ late       └─▶ CEP per sequence/usage ──▶ ┘   (firings)          │                        └─▶ TierCensus
 *               │                          LateCounter            signal and scope                                 └─▶ current scores
 *               └───────────────────────────────┴──▶ dead letters
 * </pre>
 *
 * The late records the sequencer's guard finds pass a {@link LateCounter} on their way to the dead
 * letters, and every job has the {@link TierCensus} (entities per tier, a sink of one subtask that
 * only keeps counts for its gauges) on the transitions, whatever other sinks are attached.
 *
 * Every operator has a fixed uid: they name the state in savepoints, so they never change.
 */
public final class ScoringTopology {
    public static final String UID_ROUTER = "record-router";
    public static final String UID_IDENTITY = "identity-resolver";
    public static final String UID_SEQUENCER = "event-sequencer";
    public static final String UID_SCORER = "account-scorer";
    public static final String UID_SCORER_RECORDS = "scorer-input-records";
    public static final String UID_SCORER_FIRINGS = "scorer-input-firings";
    public static final String UID_LATE_AFTER_SHUFFLE_COUNT = "late-after-shuffle-count";
    public static final String UID_TIER_CENSUS = TierCensus.UID;

    private static final KeySelector<UsageEvent, String> BY_ACCOUNT = e -> e.accountId;

    private ScoringTopology() {}

    /** How records are watermarked at the source, per split or partition (SPEC 3, 7). */
    public static WatermarkStrategy<ParsedRecord> watermarks(ScoringModel model, Duration idleTimeout) {
        WatermarkStrategy<ParsedRecord> w = WatermarkStrategy
                .<ParsedRecord>forBoundedOutOfOrderness(Duration.ofMillis(model.time().maxOutOfOrdernessMs()))
                .withTimestampAssigner((r, ts) -> r.eventTimeOrMin());
        return idleTimeout == null || idleTimeout.isZero() ? w : w.withIdleness(idleTimeout);
    }

    /** The scoring workflow: parsed, watermarked records in; transitions, scores, dead letters out. */
    public static ScoringStreams defineWorkflow(DataStream<ParsedRecord> records, ScoreEngine engine,
            Duration dedupePurgeGranularity) {
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
                        new IdentityOperator(new IdentityResolution(new IdentityResolver(model.time().retentionMs()))))
                .uid(UID_IDENTITY);
        rejected = rejected.union(resolved.getSideOutput(IdentityResolution.DEAD_LETTERS));

        SingleOutputStreamOperator<UsageEvent> ordered = events.union(resolved)
                .keyBy(BY_ACCOUNT, Types.STRING)
                .transform("order by event time and deduplicate", TypeInformation.of(UsageEvent.class),
                        new SequencerOperator(new EventSequencer(model.time().dedupeWindowMs(),
                                dedupePurgeGranularity.toMillis())))
                .uid(UID_SEQUENCER);
        DataStream<DeadLetter> lateAfterShuffle = ordered.getSideOutput(EventSequencer.LATE)
                .map(new LateCounter()).returns(DeadLetter.class)
                .uid(UID_LATE_AFTER_SHUFFLE_COUNT).name("count late after shuffle");

        DataStream<ScorerInput> toScore = ordered.map(ScorerInput::of).returns(ScorerInput.class)
                .uid(UID_SCORER_RECORDS).name("records to score");
        DataStream<SignalFiring> firings = PatternSignals.detect(ordered, model);
        if (firings != null) {
            toScore = toScore.union(firings.map(ScorerInput::of).returns(ScorerInput.class)
                    .uid(UID_SCORER_FIRINGS).name("pattern firings to score"));
        }
        SingleOutputStreamOperator<Transition> transitions = toScore
                .keyBy(ScorerInput::accountId, Types.STRING)
                .process(new AccountScorer(engine))
                .uid(UID_SCORER)
                .name("score accounts and users");

        transitions.sinkTo(new TierCensus(model))
                .uid(UID_TIER_CENSUS)
                .name(TierCensus.NAME)
                .setParallelism(1);

        return new ScoringStreams(transitions, transitions.getSideOutput(AccountScorer.CURRENT_SCORES),
                rejected.union(lateAfterShuffle));
    }
}
