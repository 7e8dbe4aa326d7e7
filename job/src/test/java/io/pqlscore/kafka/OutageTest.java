package io.pqlscore.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.Connectors;
import io.pqlscore.config.JobOptions;
import io.pqlscore.jdbc.ApplySchema;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.testing.EmbeddedKafka;
import io.pqlscore.testing.EmbeddedPostgres;
import io.pqlscore.testing.ExpectedTransition;
import io.pqlscore.testing.JobRun;
import io.pqlscore.testing.PqlTables;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outages (issue 7): PostgreSQL down for 60 s in the middle of the stream, then back; the Kafka
 * broker restarted in the middle of the stream. The job runs with the restart strategy of
 * {@code flink-conf/config.yaml} (exponential delay: 1 s, 2 s, 4 s, ... at most 1 min, 10 attempts
 * before it gives up) and the default JDBC retries, reading conformance case
 * {@code 11-generated} from Kafka as it is written, in three parts: the outage begins once the
 * first part has reached the tables, the second part is written as it begins, and the third once it
 * is over. One far-future record per partition then moves every watermark past the case's last
 * tick and retention (as in {@link KafkaExactlyOnceRecoveryTest}).
 *
 * <p>Afterwards the {@code read_committed} transitions topic and {@code pql_transitions} hold
 * exactly the case's 378 transitions, each once (the same event_ids), the dead-letter topic
 * exactly its 6 rejections, and {@code pql_current_scores} exactly the latest rows of an
 * uninterrupted run: the outputs of an uninterrupted run. With PostgreSQL down, the JDBC sink's
 * batch fails, its reconnect fails, the job fails over and restarts with growing pauses (the test
 * sees it RESTARTING) until the database is back, then resumes from its last checkpoint. The
 * outage length is {@code -Dpqlscore.outage.postgres-seconds} (default 60).
 */
class OutageTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    static final String INPUT = "usage-events";
    static final String TRANSITIONS = "transitions";
    static final String DEAD_LETTERS = "dead-letters";
    static final int PARTITIONS = 3;
    static final int PART_2 = 1100;
    static final int PART_3 = 2200;
    static final int POSTGRES_DOWN_SECONDS = Integer.getInteger("pqlscore.outage.postgres-seconds", 60);

    @TempDir
    Path tmp;

    /** The latest scores of an uninterrupted run of the case (the oracle of the scores table), computed once. */
    private static Map<String, String> referenceScores;

    private interface Outage {
        /** Called once part 1 is in the tables; writes part 2 (see the class comment) and returns what it did. */
        String run(EmbeddedKafka kafka, EmbeddedPostgres pg, Runnable writePart2) throws Exception;
    }

    @Test
    void postgresDownForAMinute() throws Exception {
        Set<JobStatus> seen = runWith("PostgreSQL down", (kafka, pg, writePart2) -> {
            long t0 = System.nanoTime();
            pg.stop();
            writePart2.run();
            sleep(TimeUnit.SECONDS.toMillis(POSTGRES_DOWN_SECONDS) - (System.nanoTime() - t0) / 1_000_000);
            pg.start();
            return String.format("PostgreSQL down for %.1f s", (System.nanoTime() - t0) / 1e9);
        });
        assertThat(seen).as("job states seen: the job failed over while the database was down").contains(JobStatus.RESTARTING);
    }

    @Test
    void kafkaBrokerRestarted() throws Exception {
        runWith("Kafka broker restarted", (kafka, pg, writePart2) -> {
            writePart2.run();
            long t0 = System.nanoTime();
            kafka.stopBroker();
            sleep(5_000);
            kafka.restartBroker();
            return String.format("Kafka broker down for %.1f s (clean shutdown, restart on the same port and log directory)",
                    (System.nanoTime() - t0) / 1e9);
        });
    }

    /** Runs the case through an outage and checks every output; returns the job states seen. */
    private Set<JobStatus> runWith(String name, Outage outage) throws Exception {
        long t0 = System.nanoTime();
        GeneratedCase generated = GeneratedCase.load();
        if (referenceScores == null) {
            JobRun reference = JobRun.run(generated.model,
                    Shared.conformance().resolve("cases").resolve(GeneratedCase.NAME + ".events.jsonl"), 2);
            assertThat(ExpectedTransition.diff(generated.expected,
                    reference.transitions.stream().map(ExpectedTransition::of).toList())).as("the reference run").isEmpty();
            referenceScores = PqlTables.latestScores(reference.scores);
        }
        try (EmbeddedKafka kafka = new EmbeddedKafka().start(); EmbeddedPostgres pg = EmbeddedPostgres.launch()) {
            PqlTables tables = new PqlTables(pg);
            Path passwordFile = tmp.resolve("pg-password");
            Files.writeString(passwordFile, pg.password());
            String[] jdbc = {"--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--jdbc-password-file", passwordFile.toString()};
            assertThat(ApplySchema.run(jdbc, System.out, System.err)).isZero();
            kafka.createTopic(INPUT, PARTITIONS);
            kafka.createTopic(TRANSITIONS, PARTITIONS);
            kafka.createTopic(DEAD_LETTERS, 1);

            List<String> args = new ArrayList<>(List.of(
                    "--model", generated.modelPath.toString(),
                    "--kafka-bootstrap-servers", kafka.bootstrapServers(),
                    "--kafka-topics", INPUT,
                    "--kafka-group-id", "outage",
                    "--kafka-starting-offsets", "earliest",
                    "--transitions-topic", TRANSITIONS,
                    "--dead-letters-topic", DEAD_LETTERS,
                    "--transactional-id-prefix", "outage",
                    "--idle-timeout", "1h",
                    "--parallelism", "2",
                    "--jdbc-flush-interval", "200ms"));
            args.addAll(List.of(jdbc));
            JobOptions options = JobOptions.parse(args.toArray(new String[0]));

            // the documented restart strategy, from flink-conf/config.yaml; checkpoints every second
            Configuration conf = new Configuration();
            GlobalConfiguration.loadConfiguration(Path.of("flink-conf").toAbsolutePath().toString()).toMap().forEach((k, v) -> {
                if (k.startsWith("restart-strategy")) {
                    conf.setString(k, v);
                }
            });
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(1));
            conf.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, Duration.ofMillis(200));
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, tmp.resolve("checkpoints").toUri().toString());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            new ScoringPipeline(options, generated.model, Connectors.source(options), Connectors.sinks(options)).build(env);
            JobClient job = env.executeAsync("outage: " + name);
            Set<JobStatus> seen = watch(job);

            List<byte[]> lines = generated.lines;
            List<RecordMetadata> written = new ArrayList<>();
            written.addAll(kafka.produce(INPUT, lines.subList(0, PART_2), GeneratedCase::accountKey));
            awaitTrue(() -> tables.count("pql_transitions") > 0, Duration.ofSeconds(90), () -> "part 1 in pql_transitions");
            int rowsBefore = tables.count("pql_transitions");
            String what = outage.run(kafka, pg,
                    () -> written.addAll(kafka.produce(INPUT, lines.subList(PART_2, PART_3), GeneratedCase::accountKey)));
            long recovered = System.nanoTime();
            written.addAll(kafka.produce(INPUT, lines.subList(PART_3, lines.size()), GeneratedCase::accountKey));
            for (int p = 0; p < PARTITIONS; p++) {
                String endOfTest = "{\"type\":\"group\",\"messageId\":\"end-of-test-" + p
                        + "\",\"timestamp\":\"2030-01-01T00:00:00.000Z\",\"groupId\":\"zz-end-of-test-" + p + "\"}";
                kafka.produce(INPUT, p, null, endOfTest.getBytes(StandardCharsets.UTF_8));
            }

            // everything through: the topic, then both tables (they are written at least once and converge)
            List<EmbeddedKafka.Record> transitions =
                    kafka.consumeCommitted(TRANSITIONS, generated.expected.size(), Duration.ofSeconds(180));
            awaitTrue(() -> tables.count("pql_transitions") >= generated.expected.size()
                    && scoreRows(tables, new TreeMap<>()).equals(referenceScores), Duration.ofSeconds(180),
                    () -> "tables complete (" + transitions.size() + " transitions committed to the topic, "
                            + countQuietly(tables) + " rows in pql_transitions; job states seen " + seen + ")");
            sleep(2_000); // a few more checkpoints: anything extra would be committed by now
            List<EmbeddedKafka.Record> transitionsLater =
                    kafka.consumeCommitted(TRANSITIONS, generated.expected.size(), Duration.ofSeconds(10));
            List<EmbeddedKafka.Record> deadLetters =
                    kafka.consumeCommitted(DEAD_LETTERS, generated.rejections.size(), Duration.ofSeconds(30));
            JobStatus finalStatus = job.getJobStatus().get();
            job.cancel().get(30, TimeUnit.SECONDS);
            System.out.printf("outage test (%s): %s after %d rows of part 1 in the table; job states seen %s, %s at the end;"
                    + " caught up %.1f s after the outage; %d transitions committed; %.1f s in all%n", name, what, rowsBefore,
                    seen, finalStatus, (System.nanoTime() - recovered) / 1e9, transitions.size(), (System.nanoTime() - t0) / 1e9);

            assertThat(finalStatus).as("the job is still running").isEqualTo(JobStatus.RUNNING);
            generated.assertTransitions(transitions);
            assertThat(transitionsLater).as("committed transitions a few checkpoints later").hasSameSizeAs(transitions);
            generated.assertDeadLetters(deadLetters, INPUT, written);

            Map<String, ObjectNode> rows = tables.transitionRows();
            assertThat(rows).as("rows in pql_transitions").hasSize(generated.expected.size());
            assertThat(ExpectedTransition.diff(generated.expected, rows.values().stream().map(ExpectedTransition::of).toList()))
                    .as("pql_transitions against " + GeneratedCase.NAME).isEmpty();
            Set<String> topicIds = new TreeSet<>();
            for (EmbeddedKafka.Record r : transitions) {
                JsonNode v = GeneratedCase.json(r);
                topicIds.add(v.get("event_id").asText());
            }
            assertThat(new TreeSet<>(rows.keySet())).as("event_ids of the table and the topic").isEqualTo(topicIds);
            Map<String, String> endOfTest = new TreeMap<>();
            assertThat(scoreRows(tables, endOfTest)).as("pql_current_scores against an uninterrupted run").isEqualTo(referenceScores);
            return seen;
        }
    }

    private static Map<String, String> scoreRows(PqlTables tables, Map<String, String> endOfTest) {
        try {
            return tables.scoreRows(a -> a.startsWith("zz-end-of-test-"), endOfTest);
        } catch (java.sql.SQLException e) {
            return Map.of(); // the database is not back yet
        }
    }

    /** Records every state the job is seen in (polled every 100 ms) until it ends. */
    private static Set<JobStatus> watch(JobClient job) {
        Set<JobStatus> seen = ConcurrentHashMap.newKeySet();
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    JobStatus s = job.getJobStatus().get();
                    seen.add(s);
                    if (s.isGloballyTerminalState()) {
                        return;
                    }
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    return; // the cluster no longer knows the job
                }
            }
        }, "job-status-watch");
        t.setDaemon(true);
        t.start();
        return seen;
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static int countQuietly(PqlTables tables) {
        try {
            return tables.count("pql_transitions");
        } catch (Exception e) {
            return -1;
        }
    }

    private static void awaitTrue(Check check, Duration timeout, java.util.function.Supplier<String> what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean ok;
            try {
                ok = check.ok();
            } catch (java.sql.SQLException e) {
                ok = false; // the database is down
            }
            if (ok) {
                return;
            }
            assertThat(System.nanoTime()).as(() -> what.get() + " in time").isLessThan(deadline);
            sleep(200);
        }
    }

    private static void sleep(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
