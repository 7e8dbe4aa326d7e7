package io.pqlscore.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.Connectors;
import io.pqlscore.config.JobOptions;
import io.pqlscore.events.Timestamps;
import io.pqlscore.jdbc.ApplySchema;
import io.pqlscore.model.JsonValues;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.testing.EmbeddedKafka;
import io.pqlscore.testing.EmbeddedPostgres;
import io.pqlscore.testing.ExpectedTransition;
import io.pqlscore.testing.JobRun;
import io.pqlscore.testing.PqlTables;
import io.pqlscore.testing.Shared;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once across a failure: the job is killed mid-stream and a new job restored from its
 * last checkpoint, and a {@code read_committed} consumer still finds every transition exactly
 * once, none missing, none repeated; so do the PostgreSQL tables the same jobs write at the same
 * time (an embedded PostgreSQL, at-least-once JDBC sinks with idempotent statements).
 *
 * <p><b>How.</b> Conformance case {@code 11-generated} goes to a 3-partition topic (keyed by
 * account) in three parts. The first job (unbounded, fixed-delay restart strategy, checkpoints
 * retained on cancellation) reads part 1; once it has written transitions, the test triggers a
 * checkpoint and waits until its Kafka transactions are committed. Part 2 follows, and as soon as
 * the transitions topic holds records beyond the committed ones (output of records after the
 * checkpoint, in transactions that will never commit) the job is cancelled: for the sinks'
 * transactions, the hard stop of a crash. The first job takes that one checkpoint on command
 * rather than periodically, so that the test knows exactly what was committed when it kills the
 * job: a periodic checkpoint racing with the kill could commit the very output whose replay the
 * test is about. A new job is then started from the retained {@code chk-N}
 * ({@code execution.state-recovery.path}) with checkpoints every 300 ms: it resumes from the
 * checkpoint's offsets and state (re-reading the records the first job processed after the
 * checkpoint) and aborts the first job's open transactions. Part 3 is written, then one
 * far-future record per partition ({@code group} calls for fresh accounts, which make no
 * transitions) moves every partition's watermark years ahead, so event time runs past every
 * pending tick and retention of the case's accounts, as the final watermark of a bounded replay
 * does.
 *
 * <p><b>Why the comparison is exact.</b> The job's output is a function of the records and event
 * time only (SPEC: arrival order within the bound, parallelism and restarts do not change it), so
 * once the watermark has passed every timer of the case, the committed transitions must be
 * exactly the case's expected transitions, the independent oracle the conformance test uses; no
 * uninterrupted reference run or cut-off at some watermark is needed. Records stay within the
 * out-of-orderness bound per partition (each partition's records are a subsequence of the file),
 * and {@code --idle-timeout} is set high so that no partition is left out of the watermark while
 * the test pauses between jobs: no record can become late, which the dead-letter check confirms
 * (exactly the case's 6 rejections, each once). The test also checks that each {@code event_id}
 * is there once, and, reading {@code read_uncommitted}, that the topic does hold more transition
 * records than were committed: the first job's aborted output, which the restored job produced
 * again, i.e. the replay really happened and the transactions kept it from being seen twice.
 *
 * <p><b>The tables.</b> Both jobs also write {@code pql_transitions} and
 * {@code pql_current_scores} ({@link io.pqlscore.jdbc.JdbcSinks}, schema applied with
 * {@link ApplySchema}). The JDBC sinks are at-least-once: rows the first job wrote after its
 * checkpoint stay in the tables when it is killed, and the restored job writes them again. Before
 * the kill the test waits until the table holds more transitions than the topic held right after
 * the checkpoint (which is at least everything from before the checkpoint's barrier), so such rows
 * are really there. In the end {@code pql_transitions} must hold exactly the case's 378
 * transitions, each {@code event_id} once, the same {@code event_id}s as the topic, each row with
 * the topic record's fields. The one field allowed to differ is {@code emitted_at}: a replayed
 * row keeps the first job's, while the topic holds the restored job's committed copy; the test
 * checks that exactly the rows in the table at the kill that the restored job produced again
 * differ so, and that there are some. {@code pql_current_scores} must hold one row per entity,
 * equal to the latest score of an uninterrupted bounded run of the same case (a reference run on
 * the file, collected), so every entity of the case is forgotten at tier none (rows of the
 * far-future end-of-test accounts, which normally have none, are left out).
 */
class KafkaExactlyOnceRecoveryTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    static final String INPUT = "usage-events";
    static final String TRANSITIONS = "transitions";
    static final String DEAD_LETTERS = "dead-letters";
    static final int PARTITIONS = 3;
    /** Where the input is cut into its three parts. */
    static final int PART_2 = 1100;
    static final int PART_3 = 1700;

    @TempDir
    Path checkpoints;

    @TempDir
    static Path secrets;

    static EmbeddedPostgres pg;
    /** {@code --jdbc-url/--jdbc-user/--jdbc-password-file} of the embedded PostgreSQL. */
    static String[] jdbc;

    @BeforeAll
    static void startPostgresAndApplySchema() throws Exception {
        pg = EmbeddedPostgres.launch();
        Path passwordFile = secrets.resolve("pg-password");
        Files.writeString(passwordFile, pg.password());
        jdbc = new String[] {"--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--jdbc-password-file",
                passwordFile.toString()};
        assertThat(ApplySchema.run(jdbc, System.out, System.err)).as("schema applied").isZero();
    }

    @AfterAll
    static void stopPostgres() {
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void restoredJobLeavesExactlyTheTransitionsOfAnUninterruptedRun(@InjectClusterClient ClusterClient<?> cluster)
            throws Exception {
        long t0 = System.nanoTime();
        GeneratedCase generated = GeneratedCase.load();
        // the oracle of the scores table: an uninterrupted bounded run of the case, collected
        JobRun reference = JobRun.run(generated.model,
                Shared.conformance().resolve("cases").resolve(GeneratedCase.NAME + ".events.jsonl"), 2);
        assertThat(ExpectedTransition.diff(generated.expected,
                reference.transitions.stream().map(ExpectedTransition::of).toList())).as("the reference run").isEmpty();
        long referenceRunMs = (System.nanoTime() - t0) / 1_000_000;
        try (EmbeddedKafka kafka = new EmbeddedKafka().start()) {
            kafka.createTopic(INPUT, PARTITIONS);
            kafka.createTopic(TRANSITIONS, PARTITIONS);
            kafka.createTopic(DEAD_LETTERS, 1);
            List<String> args = new ArrayList<>(List.of(
                    "--model", generated.modelPath.toString(),
                    "--kafka-bootstrap-servers", kafka.bootstrapServers(),
                    "--kafka-topics", INPUT,
                    "--kafka-group-id", "recovery",
                    "--kafka-starting-offsets", "earliest",
                    "--transitions-topic", TRANSITIONS,
                    "--dead-letters-topic", DEAD_LETTERS,
                    "--transactional-id-prefix", "recovery",
                    "--idle-timeout", "10m",
                    "--parallelism", "2",
                    "--jdbc-flush-interval", "200ms"));
            args.addAll(List.of(jdbc));
            JobOptions options = JobOptions.parse(args.toArray(new String[0]));
            List<byte[]> lines = generated.lines;
            List<RecordMetadata> written = new ArrayList<>();

            // part 1, then one checkpoint on command, committed
            JobClient first = start(options, generated, null, Duration.ofHours(1));
            written.addAll(kafka.produce(INPUT, lines.subList(0, PART_2), GeneratedCase::accountKey));
            awaitCount(() -> stored(kafka), n -> n > 0, "the first job's first transitions");
            long checkpointId = cluster.triggerCheckpoint(first.getJobID(), CheckpointType.FULL).get(30, TimeUnit.SECONDS);
            // Everything written from now on is in transactions opened after the checkpoint: the
            // first job takes no other checkpoint, so they never commit.
            int storedAtCheckpoint = stored(kafka);
            int committedByCheckpoint = awaitCount(() -> kafka.consumeCommitted(TRANSITIONS, 0, Duration.ofSeconds(5)).size(),
                    n -> n > 0, "transitions committed by checkpoint " + checkpointId);

            // part 2, until output beyond the checkpoint is in the topic: then kill
            written.addAll(kafka.produce(INPUT, lines.subList(PART_2, PART_3), GeneratedCase::accountKey));
            awaitCount(() -> stored(kafka), n -> n > storedAtCheckpoint, "output after the checkpoint");
            // The topic held at least every transition from before the barrier once the checkpoint
            // completed: more rows than that in the table means rows from after it.
            awaitCount(() -> rowCount("pql_transitions"), n -> n > storedAtCheckpoint,
                    "rows from after the checkpoint in pql_transitions");
            int storedAtKill = stored(kafka);
            first.cancel().get(30, TimeUnit.SECONDS);
            awaitTerminal(first);
            Map<String, Long> tableAtKill = emittedAtById();
            long restoredJobStarted = System.currentTimeMillis();
            Path restoreFrom = latestCheckpoint().orElseThrow();
            assertThat(restoreFrom.getFileName().toString()).isEqualTo("chk-" + checkpointId);

            // a new job from the checkpoint; part 3; then every partition's watermark far ahead
            JobClient second = start(options, generated, restoreFrom, Duration.ofMillis(300));
            written.addAll(kafka.produce(INPUT, lines.subList(PART_3, lines.size()), GeneratedCase::accountKey));
            for (int p = 0; p < PARTITIONS; p++) {
                String endOfTest = "{\"type\":\"group\",\"messageId\":\"end-of-test-" + p
                        + "\",\"timestamp\":\"2030-01-01T00:00:00.000Z\",\"groupId\":\"zz-end-of-test-" + p + "\"}";
                kafka.produce(INPUT, p, null, endOfTest.getBytes(StandardCharsets.UTF_8));
            }

            List<EmbeddedKafka.Record> transitions =
                    kafka.consumeCommitted(TRANSITIONS, generated.expected.size(), Duration.ofSeconds(60));
            List<EmbeddedKafka.Record> deadLetters =
                    kafka.consumeCommitted(DEAD_LETTERS, generated.rejections.size(), Duration.ofSeconds(30));
            sleep(1500); // a few more checkpoints: anything extra would be committed by now
            List<EmbeddedKafka.Record> transitionsLater =
                    kafka.consumeCommitted(TRANSITIONS, generated.expected.size(), Duration.ofSeconds(10));
            // The JDBC sinks flush at every checkpoint (300 ms) and after 200 ms: wait until the last
            // score rows are in (the comparison below says what differs if they never are).
            Map<String, String> expectedScores = PqlTables.latestScores(reference.scores);
            long scoresDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!scoreRows(new TreeMap<>()).equals(expectedScores) && System.nanoTime() < scoresDeadline) {
                sleep(100);
            }
            second.cancel().get(30, TimeUnit.SECONDS);
            awaitTerminal(second);
            int stored = stored(kafka);
            int aborted = storedAtKill - storedAtCheckpoint;
            System.out.printf("recovery test: checkpoint %d after %d records (%d transitions written, at least %d "
                    + "committed); first job killed after %d records, with at least %d transitions in transactions that "
                    + "never commit and %d rows in pql_transitions; %d transitions committed in the end, %d transition "
                    + "records in the topic (aborted ones included); %.1f s (reference run %.1f s)%n", checkpointId, PART_2,
                    storedAtCheckpoint, committedByCheckpoint, PART_3, aborted, tableAtKill.size(), transitions.size(), stored,
                    (System.nanoTime() - t0) / 1e9, referenceRunMs / 1e3);

            generated.assertTransitions(transitions);
            assertThat(transitionsLater).as("committed transitions a few checkpoints later").hasSameSizeAs(transitions);
            generated.assertDeadLetters(deadLetters, INPUT, written);
            assertThat(stored).as("transition records including aborted ones: the first job's output after its "
                    + "checkpoint was written, and only its replay was committed").isGreaterThanOrEqualTo(transitions.size() + aborted);

            assertTransitionsTable(generated, transitions, tableAtKill, restoredJobStarted);
            assertScoresTable(expectedScores);
        }
    }

    /**
     * {@code pql_transitions}: exactly the case's transitions, each event_id once, the topic's
     * event_ids, each row with its topic record's fields; {@code emitted_at} differs exactly for
     * the rows the first job wrote after its checkpoint and the restored job produced again.
     */
    private static void assertTransitionsTable(GeneratedCase generated, List<EmbeddedKafka.Record> topic,
            Map<String, Long> tableAtKill, long restoredJobStarted) throws SQLException {
        Map<String, ObjectNode> rows = new PqlTables(pg).transitionRows();
        assertThat(rowCount("pql_transitions")).as("rows in pql_transitions").isEqualTo(378);
        assertThat(rowCount("(SELECT DISTINCT event_id FROM pql_transitions) t")).as("distinct event_ids").isEqualTo(378);
        assertThat(rows).hasSize(generated.expected.size());
        assertThat(ExpectedTransition.diff(generated.expected, rows.values().stream().map(ExpectedTransition::of).toList()))
                .as("differences between pql_transitions and " + GeneratedCase.NAME).isEmpty();

        Map<String, JsonNode> topicById = new TreeMap<>();
        for (EmbeddedKafka.Record r : topic) {
            JsonNode v = GeneratedCase.json(r);
            assertThat(topicById.put(v.get("event_id").asText(), v)).as("event_id once in the topic: " + r).isNull();
        }
        assertThat(new TreeSet<>(rows.keySet())).as("event_ids of the table and of the topic").isEqualTo(topicById.keySet());

        Map<String, String> tableFields = new TreeMap<>();
        Map<String, String> topicFields = new TreeMap<>();
        Set<String> keptFirstEmittedAt = new TreeSet<>();
        for (Map.Entry<String, ObjectNode> e : rows.entrySet()) {
            ObjectNode row = e.getValue().deepCopy();
            ObjectNode record = topicById.get(e.getKey()).deepCopy();
            long rowEmitted = Timestamps.parseMillis(row.remove("emitted_at").asText());
            long recordEmitted = Timestamps.parseMillis(record.remove("emitted_at").asText());
            tableFields.put(e.getKey(), JsonValues.canonicalJson(row));
            topicFields.put(e.getKey(), JsonValues.canonicalJson(record));
            assertThat(rowEmitted).as("emitted_at of " + e.getKey() + ": the table's is the first one")
                    .isLessThanOrEqualTo(recordEmitted);
            if (rowEmitted < recordEmitted) {
                keptFirstEmittedAt.add(e.getKey());
            }
        }
        assertThat(tableFields).as("every field but emitted_at, table against topic").isEqualTo(topicFields);

        // rows in the table at the kill that the restored job produced again (its committed copy is the topic's)
        Set<String> replayed = new TreeSet<>();
        tableAtKill.forEach((id, emitted) -> {
            long recordEmitted = Timestamps.parseMillis(topicById.get(id).get("emitted_at").asText());
            if (recordEmitted >= restoredJobStarted) {
                replayed.add(id);
                assertThat(emitted).as("first emitted_at of " + id).isLessThan(restoredJobStarted);
            }
        });
        System.out.printf("recovery test: %d rows of pql_transitions were written by the first job after its checkpoint "
                + "and again by the restored job; they kept their first emitted_at%n", replayed.size());
        assertThat(replayed).as("rows the first job wrote after its checkpoint, written again by the restored job").isNotEmpty();
        assertThat(keptFirstEmittedAt).as("rows whose emitted_at is older than the topic's: exactly the replayed ones")
                .isEqualTo(replayed);
    }

    /**
     * {@code pql_current_scores}: one row per entity, the latest of the uninterrupted reference
     * run (every case entity forgotten, at tier none); the far-future end-of-test accounts aside.
     */
    private static void assertScoresTable(Map<String, String> expected) {
        Map<String, String> endOfTest = new TreeMap<>();
        Map<String, String> actual = scoreRows(endOfTest);
        assertThat(actual).as("pql_current_scores against the latest scores of an uninterrupted run").isEqualTo(expected);
        assertThat(actual.values()).as("every entity of the case forgotten at the end, at tier none")
                .allMatch(row -> row.contains("\"forgotten\":true") && row.contains("\"tier\":\"none\""));
        assertThat(actual.keySet()).anyMatch(k -> k.startsWith("pqa|")).anyMatch(k -> k.startsWith("pql|"));
        // The end-of-test records themselves wait for a watermark past 2030 that never comes, so
        // they normally leave no row; if they were scored, their row is theirs alone.
        assertThat(endOfTest.keySet()).as("end-of-test accounts in pql_current_scores").allMatch(k -> k.startsWith("pqa|"));
        for (String row : endOfTest.values()) {
            assertThat(JsonValues.parse(row).get("as_of").asText()).isEqualTo("2030-01-01T00:00:00.000Z");
        }
    }

    /**
     * {@code pql_current_scores} in the JSON shape of SPEC 5, by entity; the rows of the
     * end-of-test accounts go to {@code endOfTest}.
     */
    private static Map<String, String> scoreRows(Map<String, String> endOfTest) {
        try {
            return new PqlTables(pg).scoreRows(a -> a.startsWith("zz-end-of-test-"), endOfTest);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** event_id to emitted_at (epoch millis) of every row of {@code pql_transitions}. */
    private static Map<String, Long> emittedAtById() throws SQLException {
        Map<String, Long> out = new TreeMap<>();
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT event_id, emitted_at FROM pql_transitions")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant().toEpochMilli());
            }
        }
        return out;
    }

    /** {@code SELECT count(*) FROM <from>}. */
    private static int rowCount(String from) {
        try {
            return new PqlTables(pg).count(from);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private JobClient start(JobOptions options, GeneratedCase generated, Path restoreFrom, Duration checkpointInterval)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        if (restoreFrom != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom.toUri().toString());
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        new ScoringPipeline(options, generated.model, Connectors.source(options), Connectors.sinks(options)).build(env);
        JobClient job = env.executeAsync(restoreFrom == null ? "recovery: first job" : "recovery: restored job");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (job.getJobStatus().get() != JobStatus.RUNNING) {
            assertThat(job.getJobStatus().get().isGloballyTerminalState()).as("job ended before running").isFalse();
            assertThat(System.nanoTime()).as("job running in time").isLessThan(deadline);
            sleep(50);
        }
        return job;
    }

    /** Transition records in the topic, read_uncommitted: committed, aborted and open transactions' records. */
    private static int stored(EmbeddedKafka kafka) {
        return kafka.consumeUncommitted(TRANSITIONS, 0, Duration.ofSeconds(5)).size();
    }

    /** Polls {@code count} until {@code done} holds (at most 60 s); returns the last count. */
    private static int awaitCount(IntSupplier count, IntPredicate done, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            int n = count.getAsInt();
            if (done.test(n)) {
                return n;
            }
            assertThat(System.nanoTime()).as(what + " in time (last count " + n + ")").isLessThan(deadline);
            sleep(100);
        }
    }

    private static void awaitTerminal(JobClient job) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            JobStatus s;
            try {
                s = job.getJobStatus().get();
            } catch (Exception e) {
                return; // the cluster has forgotten the job: it is over
            }
            if (s.isGloballyTerminalState()) {
                return;
            }
            assertThat(System.nanoTime()).as("job cancelled in time").isLessThan(deadline);
            sleep(50);
        }
    }

    /** The newest complete retained checkpoint: {@code <dir>/<job id>/chk-N} holding {@code _metadata}. */
    private Optional<Path> latestCheckpoint() throws IOException {
        try (Stream<Path> files = Files.walk(checkpoints, 3)) {
            return files.filter(p -> p.getFileName().toString().equals("_metadata"))
                    .map(Path::getParent)
                    .filter(p -> p.getFileName().toString().startsWith("chk-"))
                    .max(Comparator.comparingLong((Path p) -> Long.parseLong(p.getFileName().toString().substring(4))));
        } catch (java.io.UncheckedIOException e) {
            return Optional.empty(); // a checkpoint directory was removed while we walked
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
