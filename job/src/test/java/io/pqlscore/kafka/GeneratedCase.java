package io.pqlscore.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.events.Timestamps;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.EmbeddedKafka;
import io.pqlscore.testing.ExpectedTransition;
import io.pqlscore.testing.Shared;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Conformance case {@code 11-generated} (3150 records, default model, 378 transitions, 6
 * rejections) as Kafka input, and the checks of what the job wrote back to Kafka.
 */
final class GeneratedCase {
    static final String NAME = "11-generated";

    final ScoringModel model;
    final Path modelPath;
    /** The records, one per line without its terminator, as raw bytes. */
    final List<byte[]> lines;
    final List<ExpectedTransition> expected;
    /** 1-based line number to rejection reason. */
    final Map<Integer, String> rejections;

    private GeneratedCase() throws IOException {
        Path cases = Shared.conformance().resolve("cases");
        modelPath = Shared.dir().resolve("model-format.yaml");
        model = ModelLoader.load(modelPath);
        lines = splitLines(Files.readAllBytes(cases.resolve(NAME + ".events.jsonl")));
        expected = readJsonLines(cases.resolve(NAME + ".expected.jsonl")).stream().map(ExpectedTransition::of)
                .collect(Collectors.toList());
        rejections = new LinkedHashMap<>();
        for (JsonNode n : readJsonLines(cases.resolve(NAME + ".rejections.jsonl"))) {
            rejections.put(n.get("line").asInt(), n.get("reason").asText());
        }
    }

    static GeneratedCase load() throws IOException {
        GeneratedCase c = new GeneratedCase();
        assertThat(c.lines).as("records of " + NAME).hasSize(3150);
        assertThat(c.expected).as("expected transitions of " + NAME).hasSize(378);
        assertThat(c.rejections).as("expected rejections of " + NAME).hasSize(6);
        return c;
    }

    /** Lines as a file replay reads them: split on LF, a CR before it dropped, no trailing empty line. */
    static List<byte[]> splitLines(byte[] file) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= file.length; i++) {
            if (i == file.length || file[i] == '\n') {
                int end = i > start && file[i - 1] == '\r' ? i - 1 : i;
                if (i < file.length || end > start) {
                    out.add(Arrays.copyOfRange(file, start, end));
                }
                start = i + 1;
            }
        }
        return out;
    }

    /**
     * The Kafka key an upstream pipeline would give the record: its account (the first non-empty
     * string of {@code context.groupId}, {@code groupId}, {@code properties.accountId}), so one
     * account's records share a partition and keep their order; null (any partition) when the
     * record has none or is not JSON.
     */
    static byte[] accountKey(byte[] value) {
        try {
            JsonNode n = JsonValues.MAPPER.readTree(value);
            for (JsonNode a : new JsonNode[] {n.path("context").path("groupId"), n.path("groupId"),
                    n.path("properties").path("accountId")}) {
                if (a.isTextual() && !a.asText().isEmpty()) {
                    return a.asText().getBytes(StandardCharsets.UTF_8);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not a JSON object: no key
        }
        return null;
    }

    static List<JsonNode> readJsonLines(Path p) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                out.add(JsonValues.MAPPER.readTree(line));
            }
        }
        return out;
    }

    static JsonNode json(EmbeddedKafka.Record r) {
        try {
            return JsonValues.MAPPER.readTree(r.value());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + r, e);
        }
    }

    /**
     * The transitions topic holds exactly the case's transitions (compared as the conformance
     * README says), each {@code event_id} once, each keyed by its entity, and each entity's
     * transitions in one partition forming an unbroken chain of tiers in event-time order.
     */
    void assertTransitions(List<EmbeddedKafka.Record> records) {
        List<JsonNode> values = records.stream().map(GeneratedCase::json).collect(Collectors.toList());
        List<ExpectedTransition> actual = values.stream().map(ExpectedTransition::of).collect(Collectors.toList());
        assertThat(ExpectedTransition.diff(expected, actual)).as("transition differences in the Kafka topic").isEmpty();

        Map<String, Long> perEventId = values.stream()
                .collect(Collectors.groupingBy(v -> v.get("event_id").asText(), Collectors.counting()));
        assertThat(perEventId.entrySet().stream().filter(e -> e.getValue() != 1).collect(Collectors.toList()))
                .as("event_ids that are not exactly once").isEmpty();
        assertThat(perEventId).hasSize(expected.size());

        Map<String, Integer> partitionOfKey = new HashMap<>();
        Map<String, JsonNode> lastOfKey = new HashMap<>();
        for (int i = 0; i < records.size(); i++) { // records are in partition, offset order
            EmbeddedKafka.Record r = records.get(i);
            JsonNode v = values.get(i);
            String key = v.get("kind").asText() + "|" + v.get("account_id").asText() + "|"
                    + (v.get("user_id").isNull() ? "" : v.get("user_id").asText());
            assertThat(r.keyText()).as("key of " + r).isEqualTo(key);
            Integer p = partitionOfKey.putIfAbsent(key, r.partition());
            assertThat(p == null ? r.partition() : p).as("partition of every transition of " + key).isEqualTo(r.partition());
            JsonNode before = lastOfKey.put(key, v);
            String tierBefore = before == null ? "none" : before.get("tier_to").asText();
            assertThat(v.get("tier_from").asText()).as("tier chain of " + key + " at " + r).isEqualTo(tierBefore);
            if (before != null) {
                assertThat(Timestamps.parseMillis(v.get("occurred_at").asText()))
                        .as("event-time order of " + key + " at " + r)
                        .isGreaterThanOrEqualTo(Timestamps.parseMillis(before.get("occurred_at").asText()));
            }
        }
    }

    /**
     * The dead-letter topic holds exactly the case's rejections, each once, with the reason, the
     * Kafka coordinates the record was written at, its payload, and its coordinates as key.
     */
    void assertDeadLetters(List<EmbeddedKafka.Record> records, String inputTopic, List<RecordMetadata> written) {
        List<String> expectedRows = new ArrayList<>();
        for (Map.Entry<Integer, String> e : rejections.entrySet()) {
            RecordMetadata m = written.get(e.getKey() - 1);
            String payload = new String(lines.get(e.getKey() - 1), StandardCharsets.UTF_8);
            expectedRows.add(e.getValue() + " " + inputTopic + "|" + m.partition() + "|" + m.offset() + " " + payload);
        }
        List<String> actualRows = new ArrayList<>();
        for (EmbeddedKafka.Record r : records) {
            JsonNode v = json(r);
            String coordinates = v.get("source").asText() + "|" + v.get("partition").asInt() + "|" + v.get("offset").asLong();
            assertThat(r.keyText()).as("key of " + r).isEqualTo(coordinates);
            actualRows.add(v.get("reason").asText() + " " + coordinates + " " + v.get("payload").asText());
        }
        assertThat(actualRows).as("dead letters in Kafka").containsExactlyInAnyOrderElementsOf(expectedRows);
    }
}
