package io.pqlscore.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.jdbc.ApplySchema;
import io.pqlscore.testing.EmbeddedKafka;
import io.pqlscore.testing.EmbeddedPostgres;
import io.pqlscore.testing.ExpectedTransition;
import io.pqlscore.testing.JobRun;
import io.pqlscore.testing.PqlTables;
import io.pqlscore.testing.Shared;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The Kafka and PostgreSQL side of {@code scripts/local-cluster.sh chaos}, run from the test
 * classpath in JVMs of their own (the cluster's TaskManagers reach the servers over loopback):
 *
 * <pre>
 * services DIR                 start a Kafka broker and a PostgreSQL server (schema applied, topics
 *                              created), write DIR/services.properties and DIR/db-password, run until killed
 * produce DIR FROM TO [RATE]   write lines [FROM, TO) of conformance case 11-generated to the input
 *                              topic (keyed by account), RATE records/s (0: at once); remembers where each went
 * end-of-input DIR             one far-future group call per partition: every watermark runs past the
 *                              case's last tick and retention, as at the end of a bounded replay
 * rows DIR                     rows in pql_transitions, and transitions committed to the topic, on one line
 * check DIR TIMEOUT_S          wait until the outputs are complete, then compare them with an uninterrupted
 *                              run: the case's transitions in the read_committed topic and in pql_transitions
 *                              (each event_id once, the same ids), its rejections in the dead-letter topic,
 *                              pql_current_scores equal to the latest scores of a bounded run; exit 0 if equal
 * </pre>
 */
public final class ChaosDriver {
    static final String INPUT = "usage-events";
    static final String TRANSITIONS = "pql-transitions";
    static final String DEAD_LETTERS = "pql-dead-letters";
    /** As many partitions as the chaos job has source subtasks: a subtask without a partition would hold the watermark back. */
    static final int PARTITIONS = 4;

    private ChaosDriver() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ChaosDriver services|produce|end-of-input|rows|check DIR ...");
            System.exit(2);
        }
        Path dir = Path.of(args[1]);
        int code = 0;
        switch (args[0]) {
            case "services" -> services(dir);
            case "produce" -> produce(dir, Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    args.length > 4 ? Double.parseDouble(args[4]) : 0);
            case "end-of-input" -> endOfInput(dir);
            case "rows" -> rows(dir);
            case "check" -> code = check(dir, Duration.ofSeconds(Long.parseLong(args[2])));
            default -> {
                System.err.println("unknown command " + args[0]);
                code = 2;
            }
        }
        System.exit(code);
    }

    // ------------------------------------------------------------------ services

    private static void services(Path dir) throws Exception {
        Files.createDirectories(dir);
        EmbeddedKafka kafka = new EmbeddedKafka().start();
        EmbeddedPostgres pg = EmbeddedPostgres.launch();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            pg.close();
        }, "chaos-services-stop"));
        kafka.createTopic(INPUT, PARTITIONS);
        kafka.createTopic(TRANSITIONS, PARTITIONS);
        kafka.createTopic(DEAD_LETTERS, 1);
        Path pw = dir.resolve("db-password");
        Files.writeString(pw, pg.password());
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        if (ApplySchema.run(new String[] {"--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--jdbc-password-file",
                pw.toString()}, quiet, System.err) != 0) {
            throw new IllegalStateException("schema not applied");
        }
        Properties p = new Properties();
        p.setProperty("kafka", kafka.bootstrapServers());
        p.setProperty("jdbc.url", pg.jdbcUrl());
        p.setProperty("jdbc.user", pg.user());
        p.setProperty("pg.port", Integer.toString(pg.port()));
        p.setProperty("pg.password", pg.password());
        Path tmp = dir.resolve("services.properties.tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "chaos services");
        }
        Files.move(tmp, dir.resolve("services.properties"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.println("services up: Kafka " + kafka.bootstrapServers() + ", PostgreSQL " + pg.jdbcUrl());
        new CountDownLatch(1).await(); // until killed: the shutdown hook stops both
    }

    private static Properties props(Path dir) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve("services.properties"))) {
            p.load(in);
        }
        return p;
    }

    /** A client of the running services: the broker by address, PostgreSQL through its JDBC URL. */
    private static EmbeddedKafka kafka(Path dir) throws IOException {
        return EmbeddedKafka.connectTo(props(dir).getProperty("kafka"));
    }

    // ------------------------------------------------------------------ input

    private static void produce(Path dir, int from, int to, double rate) throws Exception {
        GeneratedCase generated = GeneratedCase.load();
        EmbeddedKafka kafka = kafka(dir);
        to = Math.min(to, generated.lines.size());
        int batch = rate <= 0 ? to - from : Math.max(1, (int) Math.round(rate / 10));
        long t0 = System.nanoTime();
        for (int i = from; i < to; i += batch) {
            int end = Math.min(to, i + batch);
            List<RecordMetadata> written = kafka.produce(INPUT, generated.lines.subList(i, end), GeneratedCase::accountKey);
            StringBuilder b = new StringBuilder();
            for (int k = 0; k < written.size(); k++) {
                b.append(i + k).append('\t').append(written.get(k).partition()).append('\t').append(written.get(k).offset()).append('\n');
            }
            Files.writeString(dir.resolve("written.tsv"), b, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            if (rate > 0) {
                long due = t0 + (long) ((end - from) / rate * 1e9);
                long wait = (due - System.nanoTime()) / 1_000_000;
                if (wait > 0) {
                    Thread.sleep(wait);
                }
            }
        }
        System.out.printf("wrote lines %d..%d of %s to %s in %.1f s%n", from + 1, to, GeneratedCase.NAME, INPUT,
                (System.nanoTime() - t0) / 1e9);
    }

    private static void endOfInput(Path dir) throws Exception {
        EmbeddedKafka kafka = kafka(dir);
        for (int p = 0; p < PARTITIONS; p++) {
            String endOfTest = "{\"type\":\"group\",\"messageId\":\"end-of-test-" + p
                    + "\",\"timestamp\":\"2030-01-01T00:00:00.000Z\",\"groupId\":\"zz-end-of-test-" + p + "\"}";
            kafka.produce(INPUT, p, null, endOfTest.getBytes(StandardCharsets.UTF_8));
        }
        System.out.println("end of input: one record of 2030-01-01 in each partition");
    }

    private static PqlTables tables(Path dir) throws IOException {
        Properties p = props(dir);
        return new PqlTables(p.getProperty("jdbc.url"), p.getProperty("jdbc.user"), p.getProperty("pg.password"));
    }

    private static void rows(Path dir) throws Exception {
        PqlTables tables = tables(dir);
        int committed = kafka(dir).consumeCommitted(TRANSITIONS, 0, Duration.ofSeconds(20)).size();
        System.out.println(tables.count("pql_transitions") + " " + committed);
    }

    // ------------------------------------------------------------------ check

    private static int check(Path dir, Duration timeout) throws Exception {
        GeneratedCase generated = GeneratedCase.load();
        // the reference run's result iterators close after its MiniCluster: harmless warnings
        org.apache.logging.log4j.core.config.Configurator.setLevel("org.apache.flink.streaming.api.operators.collect",
                org.apache.logging.log4j.Level.OFF);
        JobRun reference = JobRun.run(generated.model,
                Shared.conformance().resolve("cases").resolve(GeneratedCase.NAME + ".events.jsonl"), 2);
        Map<String, String> referenceScores = PqlTables.latestScores(reference.scores);
        EmbeddedKafka kafka = kafka(dir);
        PqlTables tables = tables(dir);
        long deadline = System.nanoTime() + timeout.toNanos();
        List<EmbeddedKafka.Record> transitions;
        Map<String, String> endOfTest = new TreeMap<>();
        while (true) {
            transitions = kafka.consumeCommitted(TRANSITIONS, generated.expected.size(), Duration.ofSeconds(10));
            endOfTest.clear();
            boolean tablesDone = tables.count("pql_transitions") >= generated.expected.size()
                    && tables.scoreRows(a -> a.startsWith("zz-end-of-test-"), endOfTest).equals(referenceScores);
            if ((transitions.size() >= generated.expected.size() && tablesDone) || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(2_000);
        }
        Thread.sleep(3_000); // anything extra would be committed by now
        transitions = kafka.consumeCommitted(TRANSITIONS, generated.expected.size(), Duration.ofSeconds(10));
        List<String> problems = new ArrayList<>();
        check(problems, "transitions topic (read_committed)", () -> generated.assertTransitions(kafka.consumeCommitted(TRANSITIONS,
                generated.expected.size(), Duration.ofSeconds(10))));
        List<RecordMetadata> written = writtenMetadata(dir, generated.lines.size());
        List<EmbeddedKafka.Record> deadLetters = kafka.consumeCommitted(DEAD_LETTERS, generated.rejections.size(), Duration.ofSeconds(10));
        check(problems, "dead-letter topic", () -> generated.assertDeadLetters(deadLetters, INPUT, written));
        Map<String, ObjectNode> rows = tables.transitionRows();
        List<String> diff = ExpectedTransition.diff(generated.expected, rows.values().stream().map(ExpectedTransition::of).toList());
        if (!diff.isEmpty() || rows.size() != generated.expected.size()) {
            problems.add("pql_transitions: " + rows.size() + " rows, differences " + diff);
        }
        Set<String> topicIds = new TreeSet<>();
        for (EmbeddedKafka.Record r : transitions) {
            JsonNode v = GeneratedCase.json(r);
            topicIds.add(v.get("event_id").asText());
        }
        if (!new TreeSet<>(rows.keySet()).equals(topicIds)) {
            problems.add("pql_transitions and the topic hold different event_ids");
        }
        endOfTest.clear();
        Map<String, String> scores = tables.scoreRows(a -> a.startsWith("zz-end-of-test-"), endOfTest);
        if (!scores.equals(referenceScores)) {
            int differ = 0;
            for (String k : referenceScores.keySet()) {
                if (!referenceScores.get(k).equals(scores.get(k))) {
                    differ++;
                }
            }
            problems.add("pql_current_scores: " + scores.size() + " rows, " + differ + " differ from the " + referenceScores.size()
                    + " of an uninterrupted run");
        }
        System.out.printf("  committed transitions: %d (expected %d), distinct event_ids %d; pql_transitions: %d rows;"
                + " pql_current_scores: %d rows (uninterrupted run: %d); dead letters: %d (expected %d)%n", transitions.size(),
                generated.expected.size(), topicIds.size(), rows.size(), scores.size(), referenceScores.size(),
                deadLetters.size(), generated.rejections.size());
        if (problems.isEmpty()) {
            System.out.println("  the topic and the tables hold exactly the outputs of an uninterrupted run");
            return 0;
        }
        problems.forEach(p -> System.out.println("  MISMATCH " + p));
        return 1;
    }

    private interface Check {
        void run() throws Exception;
    }

    private static void check(List<String> problems, String what, Check c) {
        try {
            c.run();
        } catch (AssertionError | Exception e) {
            String m = String.valueOf(e.getMessage());
            problems.add(what + ": " + (m.length() > 2000 ? m.substring(0, 2000) + "..." : m));
        }
    }

    /** Where each line went, in line order (from DIR/written.tsv). */
    private static List<RecordMetadata> writtenMetadata(Path dir, int lines) throws IOException {
        RecordMetadata[] out = new RecordMetadata[lines];
        for (String l : Files.readAllLines(dir.resolve("written.tsv"))) {
            String[] f = l.split("\t");
            out[Integer.parseInt(f[0])] = new RecordMetadata(new org.apache.kafka.common.TopicPartition(INPUT,
                    Integer.parseInt(f[1])), Long.parseLong(f[2]), 0, 0, 0, 0);
        }
        return java.util.Arrays.asList(out);
    }
}
