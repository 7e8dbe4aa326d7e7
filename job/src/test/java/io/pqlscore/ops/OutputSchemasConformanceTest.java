package io.pqlscore.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.EventParser;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.Transition;
import io.pqlscore.sinks.JsonLinesSinks;
import io.pqlscore.sinks.OutputJson;
import io.pqlscore.testing.JobRun;
import io.pqlscore.testing.Schemas;
import io.pqlscore.testing.Shared;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every output of the conformance runs against the published schemas ({@code schemas/}): the job
 * runs on every case of {@code contract/conformance} (bounded file replay, parallelism 1, as
 * {@link ConformanceTest} runs it) with the JSON-lines sinks attached, and each transition, current
 * score and dead letter is validated twice: as {@link OutputJson} serializes it (the Kafka value
 * and the file line are that text), and as a line of the committed part files the sinks wrote.
 * Then, over all cases, the outputs must have shown every value the schemas' conditions tell apart
 * (both kinds, every cause and direction, SLAs and none, forgotten rows, each rejection reason of
 * the cases), so a schema that matched nothing real could not pass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OutputSchemasConformanceTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the outputs of all cases showed, e.g. "transition cause=tick", "dead letter reason=bad_json". */
    private final Set<String> seen = new TreeSet<>();
    private int casesRun;

    @TempDir
    Path tmp;

    static Stream<String[]> cases() throws IOException {
        List<String[]> out = new ArrayList<>();
        List<String> rows = Files.readAllLines(Shared.conformance().resolve("cases.tsv"));
        for (String row : rows.subList(1, rows.size())) {
            if (!row.isBlank()) {
                String[] cols = row.split("\t");
                out.add(new String[] {cols[0], cols[1]});
            }
        }
        return out.stream();
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyOutputOfTheCaseMatchesItsSchema(String name, String modelPath) throws Exception {
        Path events = Shared.conformance().resolve("cases").resolve(name + ".events.jsonl");
        ScoringModel model = ModelLoader.load(Shared.dir().resolve(modelPath));
        Path out = tmp.resolve(name);
        JobRun run = JobRun.run(model, events, 1, new JsonLinesSinks(out.toString()), true);

        List<String> problems = new ArrayList<>();
        for (Transition t : run.transitions) {
            String json = OutputJson.text(OutputJson.transition(t));
            check(Schemas.TRANSITION, json, "transition", problems);
            JsonNode n = JSON.readTree(json);
            seen.add("transition kind=" + n.get("kind").asText());
            seen.add("transition cause=" + n.get("cause").asText());
            seen.add("transition direction=" + n.get("direction").asText());
            seen.add("transition sla=" + (n.get("routing").get("sla").isNull() ? "null" : "set"));
            seen.add("transition top_signals=" + (n.get("top_signals").isEmpty() ? "none" : "some"));
        }
        for (CurrentScore s : run.scores) {
            String json = OutputJson.text(OutputJson.currentScore(s));
            check(Schemas.CURRENT_SCORE, json, "current score", problems);
            seen.add("current score kind=" + s.kind);
            seen.add("current score forgotten=" + s.forgotten);
        }
        for (DeadLetter d : run.deadLetters) {
            check(Schemas.DEAD_LETTER, OutputJson.text(OutputJson.deadLetter(d)), "dead letter", problems);
            seen.add("dead letter reason=" + d.reason);
        }

        // the files the JSON-lines sinks committed: the same records, each line valid
        List<String> transitionLines = lines(out, "transitions");
        List<String> scoreLines = lines(out, "scores");
        List<String> deadLetterLines = lines(out, "dead-letters");
        transitionLines.forEach(l -> check(Schemas.TRANSITION, l, "transitions/ line", problems));
        scoreLines.forEach(l -> check(Schemas.CURRENT_SCORE, l, "scores/ line", problems));
        deadLetterLines.forEach(l -> check(Schemas.DEAD_LETTER, l, "dead-letters/ line", problems));

        assertThat(problems).as("records of %s that do not match their schema", name).isEmpty();
        assertThat(transitionLines).as("transitions/ of %s", name).hasSameSizeAs(run.transitions);
        assertThat(scoreLines).as("scores/ of %s", name).hasSameSizeAs(run.scores);
        assertThat(deadLetterLines).as("dead-letters/ of %s", name).hasSameSizeAs(run.deadLetters);
        casesRun++;
    }

    @Order(2)
    @Test
    void theCasesShowedEveryValueTheSchemasTellApart() throws IOException {
        assertThat(casesRun).as("cases run").isEqualTo((int) cases().count());
        assertThat(seen).contains(
                "transition kind=pql", "transition kind=pqa",
                "transition cause=event", "transition cause=tick", "transition cause=retention",
                "transition direction=up", "transition direction=down",
                "transition sla=null", "transition sla=set",
                "transition top_signals=none", "transition top_signals=some",
                "current score kind=pql", "current score kind=pqa",
                "current score forgotten=true", "current score forgotten=false",
                "dead letter reason=bad_json", "dead letter reason=not_object",
                "dead letter reason=bad_type", "dead letter reason=bad_timestamp", "dead letter reason=missing_account",
                "dead letter reason=bad_field");
    }

    /**
     * The dead letters the cases do not show, from a file: a record over --max-record-bytes (its
     * payload cut to max-record-bytes + 1 bytes), one nested too deeply, one whose bytes are not
     * UTF-8 (payload_base64), beside a valid record. (Kafka's truncated dead letters, with
     * payload_truncated and record_bytes, are HostileInputTest's and KafkaSinksTest's.)
     */
    @Order(3)
    @Test
    void oversizedDeepAndNonUtf8RecordsGiveDeadLettersThatMatchTheSchema() throws Exception {
        Path events = tmp.resolve("hostile.events.jsonl");
        String valid = "{\"type\":\"track\",\"event\":\"Ping\",\"userId\":\"u1\",\"messageId\":\"m1\","
                + "\"timestamp\":\"2026-03-02T09:00:00Z\",\"context\":{\"groupId\":\"a1\"}}";
        String huge = "{\"type\":\"track\",\"event\":\"Ping\",\"properties\":{\"blob\":\"" + "x".repeat(1_200_000) + "\"}}";
        String deep = "[".repeat(100) + "]".repeat(100);
        try (var out = Files.newOutputStream(events)) {
            out.write((valid + "\n" + huge + "\n" + deep + "\n").getBytes(StandardCharsets.UTF_8));
            out.write(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}', '\n'});
        }
        Path out = tmp.resolve("hostile");
        ScoringModel model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        JobRun run = JobRun.run(model, events, 1, new JsonLinesSinks(out.toString()));

        List<String> problems = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        for (DeadLetter d : run.deadLetters) {
            String json = OutputJson.text(OutputJson.deadLetter(d));
            check(Schemas.DEAD_LETTER, json, "dead letter", problems);
            JsonNode n = JSON.readTree(json);
            shown.add(d.reason + (n.has("payload_truncated") ? " truncated" : "") + (n.has("payload_base64") ? " base64" : ""));
        }
        List<String> lines = lines(out, "dead-letters");
        lines.forEach(l -> check(Schemas.DEAD_LETTER, l, "dead-letters/ line", problems));
        assertThat(problems).isEmpty();
        assertThat(lines).hasSize(3);
        // the file reader keeps max-record-bytes + 1 bytes of an over-long line and cannot know its
        // size, so that dead letter is not marked payload_truncated (a Kafka record's is)
        assertThat(shown).containsExactlyInAnyOrder("too_large", "too_large", "bad_json base64");
        assertThat(run.deadLetters).anyMatch(d -> d.payload != null
                && d.payload.getBytes(StandardCharsets.UTF_8).length == EventParser.DEFAULT_MAX_RECORD_BYTES + 1);
        lines(out, "transitions").forEach(l -> check(Schemas.TRANSITION, l, "transitions/ line", problems));
        lines(out, "scores").forEach(l -> check(Schemas.CURRENT_SCORE, l, "scores/ line", problems));
        assertThat(problems).isEmpty();
        assertThat(run.scores).isNotEmpty();
    }

    private static void check(String schema, String json, String what, List<String> problems) {
        List<String> p = Schemas.problems(schema, json);
        if (!p.isEmpty()) {
            problems.add(what + " " + (json.length() > 400 ? json.substring(0, 400) + "..." : json) + ": " + p);
        }
    }

    /** The lines of the committed part files of one output (hidden in-progress files ignored). */
    private static List<String> lines(Path out, String name) throws IOException {
        Path dir = out.resolve(name);
        List<String> lines = new ArrayList<>();
        if (!Files.exists(dir)) {
            return lines;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
        for (Path f : files) {
            String file = f.getFileName().toString();
            if (file.startsWith(".") || file.startsWith("_")) {
                continue;
            }
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                if (!line.isEmpty()) {
                    lines.add(line);
                }
            }
        }
        return lines;
    }
}
