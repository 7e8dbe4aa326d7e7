package io.pqlscore.savepoints;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.events.Timestamps;
import io.pqlscore.inspector.SavepointInspector;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.Shared;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The savepoint inspector ({@link SavepointInspector}) on a savepoint taken mid-stream in this
 * test: it lists exactly the entities the scorer holds, each with the tier, score, breakdown and
 * {@code as_of} of the last current-score row the job emitted for it, i.e. the state the job
 * stands on at the savepoint.
 *
 * <p>The job (parallelism 2, watched directory) reads the first 2000 records of conformance case
 * {@code 11-generated} and is stopped with a savepoint once settled. The entities the scorer
 * holds are those whose last current-score row is not a {@code forgotten} one (retention removes
 * the entity right after that row), and each row's score was computed from the very state the
 * savepoint holds: an entity is evaluated after every change of its state.
 */
class SavepointInspectorTest {
    private static final InMemoryReporter REPORTER = InMemoryReporter.create();
    private static final int RECORDS = 2000;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    @TempDir
    Path work;

    @Test
    void inspectorListsEveryEntityAsTheJobLastScoredIt() throws Exception {
        long t0 = System.nanoTime();
        Path modelPath = Shared.dir().resolve("model-format.yaml");
        ScoringModel model = ModelLoader.load(modelPath);
        List<byte[]> lines = SavepointJobs.lines(Shared.conformance().resolve("cases").resolve("11-generated.events.jsonl"));
        List<byte[]> first = lines.subList(0, RECORDS);

        SavepointJobs.Run run = SavepointJobs.startAndSettle(REPORTER, "inspector-test job", model, modelPath, work, first, 2,
                Duration.ofMillis(500), null).run();
        Path savepoint;
        try {
            savepoint = SavepointJobs.localPath(SavepointJobs.stopWithSavepoint(run, work.resolve("savepoints")));
        } finally {
            run.cancelIfRunning();
        }

        // what the job said last about each entity; forgotten entities are no longer in state
        Map<String, ObjectNode> lastSaid = new TreeMap<>();
        for (String row : run.out.scores()) {
            ObjectNode n = (ObjectNode) SavepointResumeTest.json(row);
            lastSaid.put(key(n), n);
        }
        int said = lastSaid.size();
        lastSaid.values().removeIf(n -> n.get("forgotten").asBoolean());
        assertThat(lastSaid).as("entities in the scorer's state (of %d score rows for %d entities, %d transitions)",
                run.out.scores().size(), said, run.out.transitions().size()).isNotEmpty();
        assertThat(lastSaid.values()).as("some entities above none").anyMatch(n -> !n.get("tier").asText().equals("none"));
        long t1 = System.nanoTime();

        // the inspector, as_of = each entity's last evaluation (the default)
        Path out = work.resolve("entities.jsonl");
        assertThat(SavepointInspector.run(new String[] {"--savepoint", savepoint.toString(), "--model",
                modelPath.toString(), "--output", out.toString()}, System.out, System.err)).as("exit status").isZero();
        Map<String, ObjectNode> listed = read(Files.readAllLines(out, StandardCharsets.UTF_8));
        long t2 = System.nanoTime();
        assertThat(listed.keySet()).as("entities listed").containsExactlyElementsOf(lastSaid.keySet());
        long retention = model.time().retentionMs();
        for (Map.Entry<String, ObjectNode> e : listed.entrySet()) {
            ObjectNode line = e.getValue();
            assertThat(line.get("last_evaluated_at")).as("%s last evaluation", e.getKey()).isEqualTo(line.get("as_of"));
            assertThat(Timestamps.parseMillis(line.get("retention_at").asText())).as("%s retention", e.getKey())
                    .isEqualTo(Timestamps.parseMillis(line.get("last_record_at").asText()) + retention);
            if (line.get("tier").asText().equals("none")) {
                assertThat(line.get("next_tick_at").isNull()).as("%s: no tick below none", e.getKey()).isTrue();
            }
            ObjectNode row = line.deepCopy();
            row.remove(List.of("last_record_at", "last_activity_at", "last_evaluated_at", "next_tick_at", "retention_at"));
            assertThat(row).as("%s as listed vs. the job's last current-score row", e.getKey())
                    .isEqualTo(lastSaid.get(e.getKey()));
        }

        // the same read through RocksDB (as for native RocksDB savepoints and retained checkpoints)
        Path viaRocksDb = work.resolve("entities-rocksdb.jsonl");
        assertThat(SavepointInspector.run(new String[] {"--savepoint", savepoint.toString(), "--model",
                modelPath.toString(), "--state-backend", "rocksdb", "--output", viaRocksDb.toString()}, System.out,
                System.err)).as("exit status").isZero();
        assertThat(read(Files.readAllLines(viaRocksDb, StandardCharsets.UTF_8))).as("read with RocksDB")
                .isEqualTo(listed);

        // --as-of a later instant: decayed scores, never above the last evaluated ones, same tiers
        long latest = listed.values().stream().mapToLong(n -> Timestamps.parseMillis(n.get("as_of").asText())).max()
                .orElseThrow();
        String asOf = Timestamps.format(latest + Duration.ofDays(3).toMillis());
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        assertThat(SavepointInspector.run(new String[] {"--savepoint", savepoint.toUri().toString(), "--model",
                modelPath.toString(), "--as-of", asOf, "--output", "-"},
                new PrintStream(stdout, true, StandardCharsets.UTF_8), System.err)).as("exit status").isZero();
        Map<String, ObjectNode> later = read(List.of(stdout.toString(StandardCharsets.UTF_8).split("\n")));
        assertThat(later.keySet()).containsExactlyElementsOf(listed.keySet());
        boolean anyLower = false;
        for (Map.Entry<String, ObjectNode> e : later.entrySet()) {
            JsonNode before = listed.get(e.getKey());
            assertThat(e.getValue().get("as_of").asText()).isEqualTo(asOf);
            assertThat(e.getValue().get("tier")).as("%s: the stored tier", e.getKey()).isEqualTo(before.get("tier"));
            assertThat(e.getValue().get("score").decimalValue()).as("%s: scores only fall between records", e.getKey())
                    .isLessThanOrEqualTo(before.get("score").decimalValue());
            anyLower |= e.getValue().get("score").decimalValue().compareTo(before.get("score").decimalValue()) < 0;
        }
        assertThat(anyLower).as("some score decayed").isTrue();

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(SavepointInspector.run(new String[] {"--model", modelPath.toString()}, System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8))).as("exit status without --savepoint").isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Missing required option: '--savepoint=PATH'");
        System.out.printf("inspector test: job and savepoint %d ms, inspector %d ms (%d entities), in all %d ms%n",
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, listed.size(), (System.nanoTime() - t0) / 1_000_000);
    }

    private static Map<String, ObjectNode> read(List<String> lines) {
        Map<String, ObjectNode> m = new TreeMap<>();
        for (String l : lines) {
            if (l.isBlank()) {
                continue;
            }
            ObjectNode n = (ObjectNode) SavepointResumeTest.json(l);
            assertThat(m.put(key(n), n)).as("entity listed once: %s", l).isNull();
        }
        return m;
    }

    private static String key(JsonNode n) {
        return n.get("kind").asText() + "|" + n.get("account_id").asText() + "|"
                + (n.get("user_id").isNull() ? "" : n.get("user_id").asText());
    }
}
