package io.pqlscore.inspector;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.command.Commands;
import io.pqlscore.command.ExitCodes;
import io.pqlscore.events.Timestamps;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ModelValidationException;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.ScoringTopology;
import io.pqlscore.scoring.AccountEntry;
import io.pqlscore.scoring.AccountOperator;
import io.pqlscore.scoring.AccountState;
import io.pqlscore.scoring.EntityCodec;
import io.pqlscore.scoring.EntityState;
import io.pqlscore.scoring.ScoreEngine;
import io.pqlscore.scoring.SignalLayouts;
import io.pqlscore.sinks.OutputJson;
import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;

/**
 * Reads a savepoint (or a retained checkpoint) of the scoring job with Flink's State Processor API
 * and writes every entity the scorer holds, one JSON line each: for audits, and to seed a
 * warehouse table with the scores the job stands on.
 *
 * <pre>
 * pqlscore inspect --savepoint PATH [--model PATH|classpath:/models/default.yaml] [--output FILE|-]
 *                  [--as-of ISO-8601|last] [--state-backend hashmap|rocksdb]
 * </pre>
 *
 * It reads the keyed state of the account stage ({@code account-stage}): per account the
 * {@code account} value and the {@code users} map, decoded by {@code EntityCodec}. Each line has the shape of a current-score row ({@link OutputJson#currentScore}: kind,
 * account_id, user_id, tier, score, as_of, model, breakdown, forgotten = false), computed by
 * {@link ScoreEngine#describe} with the model the job ran with, plus the entity's bookkeeping:
 * {@code last_record_at}, {@code last_activity_at}, {@code last_evaluated_at}, {@code next_tick_at}
 * (the evaluation tick that will move it down, or null) and {@code retention_at} (when it is
 * forgotten without further records).
 *
 * <p>{@code as_of} is by default each entity's last evaluation: the line then repeats the last
 * current-score row the job emitted for it. With {@code --as-of} an instant, scores and breakdowns
 * are decayed to that instant (an entity evaluated later stays at its last evaluation), while the
 * tier stays the stored one: compare {@code next_tick_at} with {@code as_of} to see a downward
 * tick the job has not run yet. Lines come in no particular order.
 *
 * <p>Exit status: 0 done, 1 the savepoint could not be read, 2 bad arguments or model.
 */
public final class SavepointInspector {
    /** The account stage's state names, as {@code AccountOperator} registers them. */
    static final String ACCOUNT_STATE = AccountOperator.ACCOUNT_STATE;
    static final String USERS_STATE = AccountOperator.USERS_STATE;

    private SavepointInspector() {}

    /** {@code pqlscore inspect} ({@link InspectCommand}), as {@code flink run -c} names it. */
    public static void main(String[] args) throws Exception {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** {@code pqlscore inspect} with these arguments; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return Commands.execute(new InspectCommand(), args, out, err);
    }

    /** What to read, as the command line gave it ({@link InspectCommand}). */
    static final class Options {
        String savepoint;
        String model;
        String output;
        Long asOf; // null: each entity's last evaluation
        String stateBackend;
    }

    /** Reads the savepoint of {@code o}; returns the exit status. */
    static int run(Options o, PrintStream out, PrintStream err) {
        ScoringModel model;
        try {
            model = ModelLoader.load(o.model);
        } catch (ModelValidationException e) {
            err.println(e.getMessage());
            return ExitCodes.USAGE;
        }
        long t0 = System.nanoTime();
        long[] counts;
        try {
            if ("-".equals(o.output)) {
                counts = inspect(o, model, out);
                out.flush();
            } else {
                Path file = Paths.get(o.output).toAbsolutePath();
                if (file.getParent() != null) {
                    Files.createDirectories(file.getParent());
                }
                try (OutputStream os = Files.newOutputStream(file)) {
                    counts = inspect(o, model, os);
                }
            }
        } catch (Exception e) {
            err.println("cannot read savepoint " + o.savepoint + ": " + rootMessage(e));
            return ExitCodes.FAILED;
        }
        err.printf("%d entities (%d accounts, %d users) from %s in %.1f s%n", counts[0] + counts[1], counts[0],
                counts[1], o.savepoint, (System.nanoTime() - t0) / 1e9);
        return ExitCodes.OK;
    }

    /** Reads the savepoint and writes one line per entity; returns {accounts, users}. */
    private static long[] inspect(Options o, ScoringModel model, OutputStream target) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration c = new Configuration();
        // a read-only batch job of its own: no savepoint of it is ever taken, generated uids are fine
        // (a cluster configured like the scoring job would otherwise refuse them)
        c.set(PipelineOptions.AUTO_GENERATE_UIDS, true);
        env.configure(c);
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        StateBackend backend = "rocksdb".equals(o.stateBackend) ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
        SavepointReader savepoint = SavepointReader.read(env, uri(o.savepoint), backend);
        ScoreEngine engine = new ScoreEngine(model);
        // the signal layouts the state was written in (union state: every subtask wrote all of them)
        List<SignalLayouts.Entry> layouts = new ArrayList<>();
        try (CloseableIterator<SignalLayouts.Entry> it = savepoint.readUnionState(
                OperatorIdentifier.forUid(ScoringTopology.UID_ACCOUNTS), AccountOperator.LAYOUTS_STATE,
                TypeInformation.of(SignalLayouts.Entry.class))
                .executeAndCollect("savepoint inspector: signal layouts")) {
            it.forEachRemaining(layouts::add);
        }
        DataStream<String> lines = savepoint.readKeyedState(OperatorIdentifier.forUid(ScoringTopology.UID_ACCOUNTS),
                new EntityReader(engine, o.asOf, layouts), Types.STRING, Types.STRING)
                .filter(line -> !line.equals(EntityReader.NOTHING)).name("entities");
        long accounts = 0;
        long users = 0;
        Writer w = new BufferedWriter(new OutputStreamWriter(target, StandardCharsets.UTF_8));
        try (CloseableIterator<String> it = lines.executeAndCollect("savepoint inspector: " + o.savepoint)) {
            while (it.hasNext()) {
                String line = it.next();
                if (line.startsWith("{\"kind\":\"pqa\"")) {
                    accounts++;
                } else {
                    users++;
                }
                w.write(line);
                w.write('\n');
            }
        }
        w.flush();
        return new long[] {accounts, users};
    }

    /** A local path becomes an absolute file URI; URIs ({@code file:}, {@code s3://}, ...) stay. */
    static String uri(String savepoint) {
        if (savepoint.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            return savepoint;
        }
        return Paths.get(savepoint).toAbsolutePath().normalize().toUri().toString();
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        List<String> chain = new ArrayList<>();
        while (root != null) {
            chain.add(root.getClass().getSimpleName() + ": " + root.getMessage());
            if (root.getCause() == root) {
                break;
            }
            root = root.getCause();
        }
        return String.join(" <- ", chain);
    }

    /** One JSON line per entity of each account key: the account, then its users. */
    static final class EntityReader extends KeyedStateReaderFunction<String, String> {
        private static final long serialVersionUID = 1L;
        /** The line of a key without an entity to write (filtered out before the output). */
        static final String NOTHING = "";

        private final ScoreEngine engine;
        private final Long asOf;
        private final List<SignalLayouts.Entry> layouts;
        private transient ValueState<byte[]> account;
        private transient MapState<String, byte[]> users;
        private transient EntityCodec codec;
        /**
         * Accounts already written by this subtask. The reader visits each key once per state it
         * has (account, users); the heap backend hides the repeats, RocksDB does not.
         */
        private transient Set<String> seen;

        EntityReader(ScoreEngine engine, Long asOf, List<SignalLayouts.Entry> layouts) {
            this.engine = engine;
            this.asOf = asOf;
            this.layouts = new ArrayList<>(layouts);
        }

        @Override
        public void open(OpenContext openContext) {
            account = getRuntimeContext().getState(new ValueStateDescriptor<>(ACCOUNT_STATE,
                    org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer.INSTANCE));
            users = getRuntimeContext().getMapState(new MapStateDescriptor<>(USERS_STATE,
                    org.apache.flink.api.common.typeutils.base.StringSerializer.INSTANCE,
                    org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer.INSTANCE));
            SignalLayouts known = new SignalLayouts(engine.model());
            known.addAll(layouts);
            codec = new EntityCodec(engine.model(), known);
            seen = new HashSet<>();
        }

        @Override
        public void readKey(String accountId, Context ctx, Collector<String> out) throws Exception {
            AccountEntry entry = codec.decodeAccount(accountId, account.value());
            AccountState a = entry.account();
            if (a == null || !seen.add(accountId)) {
                // no entity yet (only records waiting for their instant), or written already. Never
                // emit nothing for a key: the State Processor API (2.2) then hands its source a null
                // record, which ends the whole split early.
                out.collect(NOTHING);
                return;
            }
            out.collect(line(accountId, a, a.entity, null));
            // users inside the account's value; a savepoint of the account stage's first release
            // keeps them as entries of their own
            Map<String, byte[]> stored = new java.util.LinkedHashMap<>(entry.storedUsers());
            for (Map.Entry<String, byte[]> u : users.entries()) {
                stored.putIfAbsent(u.getKey(), u.getValue());
            }
            for (Map.Entry<String, byte[]> u : stored.entrySet()) {
                out.collect(line(accountId, a, codec.decodeUser(u.getValue()), u.getKey()));
            }
        }

        private String line(String accountId, AccountState a, EntityState e, String userId) {
            long lastEval = e.lastEvalAt != Long.MIN_VALUE ? e.lastEvalAt : e.lastRecordAt;
            long at = asOf == null ? lastEval : Math.max(asOf, lastEval);
            ObjectNode n = OutputJson.currentScore(engine.describe(accountId, a, e, userId, at));
            n.put("last_record_at", Timestamps.format(e.lastRecordAt));
            time(n, "last_activity_at", e.lastActivityAt);
            time(n, "last_evaluated_at", e.lastEvalAt);
            time(n, "next_tick_at", e.tickAt);
            n.put("retention_at", Timestamps.format(e.lastRecordAt + engine.model().time().retentionMs()));
            return OutputJson.text(n);
        }

        private static void time(ObjectNode n, String field, long t) {
            if (t == Long.MIN_VALUE || t == Long.MAX_VALUE) {
                n.putNull(field);
            } else {
                n.put(field, Timestamps.format(t));
            }
        }
    }
}
