package io.pqlscore.migration;

import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import io.pqlscore.pipeline.ScoringTopology;
import io.pqlscore.scoring.ScoreEngine;
import java.io.IOException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.StateBootstrapTransformation;
import org.apache.flink.state.api.runtime.SavepointLoader;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Converts a savepoint of the earlier, multi-operator topology (v1: {@code event-sequencer}, one
 * CEP operator per sequence/usage signal and scope, {@code account-scorer}) into a savepoint of the
 * current one (the {@code account-stage} operator), with Flink's State Processor API, as one batch
 * job on the current execution environment (the local one, or a cluster under {@code flink run}).
 *
 * <p>It reads every v1 keyed operator's state (hash-map backend: canonical savepoints), brings
 * each account's pieces together ({@link AccountAssembler}, {@link AccountConversion} has the
 * rules), writes them as the account stage's state ({@link AccountStageWriter}), removes the v1
 * operators and keeps every other operator's state as it was (sources, sinks, the tier census):
 * the source's splits and offsets in particular, so the new job resumes reading where v1 stopped.
 * The identity stage, new, starts empty. The converted savepoint restores without {@code
 * --allowNonRestoredState}.
 *
 * <p>{@code model} must be the model the v1 job ran with: v1's pattern firings name signals by
 * index and its pattern operators by signal id. Change the model afterwards, on the new job.
 */
public final class SavepointMigration {
    /** Operators of v1 without state, gone in the new topology: removed so no trace of them is left. */
    private static final List<String> V1_STATELESS = List.of("late-after-shuffle-count", "scorer-input-records",
            "scorer-input-firings");

    private SavepointMigration() {}

    /** What a conversion carried over and dropped (see {@link MigrationCounts}), by name, in a stable order. */
    public record Result(String savepoint, Map<String, Long> counts) {}

    /**
     * Converts the v1 savepoint at {@code from} to a new savepoint at {@code to} (a directory that
     * does not exist yet or is empty). Throws {@link MigrationException} for a savepoint this
     * cannot convert, with the reason.
     */
    public static Result migrate(String from, String to, ScoringModel model, int maxParallelism) throws Exception {
        String source = uri(from);
        String target = uri(to);
        CheckpointMetadata metadata = SavepointLoader.loadSavepointMetadata(source);
        check(metadata, model, maxParallelism);
        requireEmpty(new Path(target));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration c = new Configuration();
        // a batch job of its own that is never snapshotted: generated uids are fine
        c.set(PipelineOptions.AUTO_GENERATE_UIDS, true);
        env.configure(c);
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);

        ScoreEngine engine = new ScoreEngine(model);
        SavepointReader v1 = SavepointReader.read(env, source, new HashMapStateBackend());
        TypeInformation<Piece> pieces = Types.POJO(Piece.class);
        List<DataStream<Piece>> read = new ArrayList<>();
        read.add(v1.readKeyedState(OperatorIdentifier.forUid(V1State.UID_SEQUENCER), new V1Readers.Sequencer(),
                Types.STRING, pieces));
        read.add(v1.readKeyedState(OperatorIdentifier.forUid(V1State.UID_SCORER), new V1Readers.Scorer(),
                Types.STRING, pieces));
        List<OperatorIdentifier> patternOperators = new ArrayList<>();
        for (Signal s : patternSignals(model)) {
            for (boolean perUser : scopes(s)) {
                OperatorIdentifier id = OperatorIdentifier.forUid(V1State.patternUid(s, perUser));
                patternOperators.add(id);
                read.add(v1.readKeyedState(id, new V1Readers.Pattern(s, perUser, model.signalLayout()), Types.STRING,
                        pieces));
            }
        }
        DataStream<Piece> all = read.get(0);
        for (DataStream<Piece> r : read.subList(1, read.size())) {
            all = all.union(r);
        }
        DataStream<Piece> converted = all
                .filter(p -> p.kind != Piece.NOTHING).name("v1 state by account")
                .keyBy(p -> p.account, Types.STRING)
                .process(new AccountAssembler(engine), pieces).name("convert accounts");
        StateBootstrapTransformation<Piece> accountStage = OperatorTransformation.bootstrapWith(converted)
                .keyBy(p -> p.account, Types.STRING)
                .transform(new AccountStageWriter(model));

        SavepointWriter writer = SavepointWriter.fromExistingSavepoint(env, source, new HashMapStateBackend())
                .removeOperator(OperatorIdentifier.forUid(V1State.UID_SEQUENCER))
                .removeOperator(OperatorIdentifier.forUid(V1State.UID_SCORER));
        for (OperatorIdentifier id : patternOperators) {
            writer.removeOperator(id);
        }
        for (String uid : stateless(model)) {
            writer.removeOperator(OperatorIdentifier.forUid(uid));
        }
        writer.withOperator(OperatorIdentifier.forUid(ScoringTopology.UID_ACCOUNTS), accountStage);
        if (hasOperator(metadata, V1State.UID_IDENTITY)) {
            // the last v1 releases had the identity stage already, as a keyed process function
            // whose waiting records sat in 'pending': they move to the stage's spill list
            OperatorIdentifier identity = OperatorIdentifier.forUid(V1State.UID_IDENTITY);
            DataStream<Piece> users = v1.readKeyedState(identity, new V1Readers.Identity(), Types.STRING, pieces)
                    .filter(new IdentityCount()).name("v1 identities");
            writer.removeOperator(identity).withOperator(identity, OperatorTransformation.bootstrapWith(users)
                    .keyBy(p -> p.account, Types.STRING).transform(new IdentityStageWriter()));
        }
        writer.write(target);

        JobExecutionResult done = env.execute("pqlscore: migrate savepoint " + from);
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String name : MigrationCounts.names()) {
            Object v = done.getAllAccumulatorResults().get(name);
            counts.put(name, v == null ? 0L : ((Number) v).longValue());
        }
        return new Result(target, counts);
    }

    /**
     * Refuses what is not a v1 savepoint of this model before anything runs: the v1 operators must
     * be there (a savepoint of the current layout needs no conversion), one pattern operator per
     * sequence/usage signal and scope of the model (else the model is not the one v1 ran), the max
     * parallelism the new job will run with, and no in-flight records (an unaligned checkpoint's
     * channel state, which the State Processor API cannot carry).
     */
    static void check(CheckpointMetadata metadata, ScoringModel model, int maxParallelism) {
        Set<OperatorID> ids = new HashSet<>();
        for (OperatorState op : metadata.getOperatorStates()) {
            ids.add(op.getOperatorID());
            if (op.getMaxParallelism() != maxParallelism) {
                throw new MigrationException("the savepoint's max parallelism is " + op.getMaxParallelism()
                        + ", not " + maxParallelism + " (--max-parallelism): keyed state is spread over the max "
                        + "parallelism's key groups, so the new job must run with the savepoint's");
            }
            for (OperatorSubtaskState s : op.getStates()) {
                if (!s.getInputChannelState().isEmpty() || !s.getResultSubpartitionState().isEmpty()) {
                    throw new MigrationException("the savepoint holds in-flight records (an unaligned checkpoint?): "
                            + "stop the v1 job with a savepoint (flink stop) and convert that");
                }
            }
        }
        if (ids.contains(operatorId(ScoringTopology.UID_ACCOUNTS))) {
            throw new MigrationException("the savepoint already has the account stage (" + ScoringTopology.UID_ACCOUNTS
                    + "): it is of the current layout and restores as it is");
        }
        if (!ids.contains(operatorId(V1State.UID_SEQUENCER)) || !ids.contains(operatorId(V1State.UID_SCORER))) {
            throw new MigrationException("not a savepoint of the v1 job: it has no " + V1State.UID_SEQUENCER + " and "
                    + V1State.UID_SCORER + " operators");
        }
        for (Signal s : patternSignals(model)) {
            for (boolean perUser : scopes(s)) {
                if (!ids.contains(operatorId(V1State.patternUid(s, perUser)))) {
                    throw new MigrationException("the savepoint has no pattern operator " + V1State.patternUid(s, perUser)
                            + " for signal '" + s.id() + "' of the model given: convert with the model the v1 job ran "
                            + "with, and change the model afterwards");
                }
            }
        }
    }

    private static List<Signal> patternSignals(ScoringModel model) {
        List<Signal> out = new ArrayList<>();
        for (Signal s : model.signals()) {
            if (s.kind() == SignalKind.SEQUENCE || s.kind() == SignalKind.USAGE) {
                out.add(s);
            }
        }
        return out;
    }

    /** The scopes of a signal's v1 CEP operators: per user, per account, or both. */
    private static List<Boolean> scopes(Signal s) {
        List<Boolean> out = new ArrayList<>(2);
        if (s.scope().scoresUsers()) {
            out.add(true);
        }
        if (s.scope().scoresAccounts()) {
            out.add(false);
        }
        return out;
    }

    private static List<String> stateless(ScoringModel model) {
        List<String> out = new ArrayList<>(V1_STATELESS);
        for (Signal s : patternSignals(model)) {
            for (boolean perUser : scopes(s)) {
                out.add("pattern-input-" + V1State.patternUid(s, perUser).substring("pattern-".length()));
            }
        }
        return out;
    }

    private static boolean hasOperator(CheckpointMetadata metadata, String uid) {
        OperatorID id = operatorId(uid);
        return metadata.getOperatorStates().stream().anyMatch(op -> op.getOperatorID().equals(id));
    }

    private static OperatorID operatorId(String uid) {
        return OperatorIdentifier.forUid(uid).getOperatorId();
    }

    private static void requireEmpty(Path dir) throws IOException {
        FileSystem fs = dir.getFileSystem();
        if (fs.exists(dir)) {
            FileStatus[] in = fs.listStatus(dir);
            if (in != null && in.length > 0) {
                throw new IllegalArgumentException("--to " + dir + " exists and is not empty");
            }
        }
    }

    /** A local path becomes an absolute file URI; URIs ({@code file:}, {@code s3://}, ...) stay. */
    static String uri(String path) {
        if (path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            return path;
        }
        return Paths.get(path).toAbsolutePath().normalize().toUri().toString();
    }
}
