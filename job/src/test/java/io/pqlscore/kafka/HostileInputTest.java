package io.pqlscore.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.Connectors;
import io.pqlscore.config.JobOptions;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.Timestamps;
import io.pqlscore.model.JsonValues;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.testing.EmbeddedKafka;
import io.pqlscore.testing.HostileRecords;
import io.pqlscore.testing.HostileRecords.Hostile;
import io.pqlscore.testing.Schemas;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hostile input (issue 7): 10,000 malformed and hostile records of every kind
 * ({@link HostileRecords}: broken JSON, wrong types, huge strings and numbers, deep nesting,
 * invalid UTF-8, timestamps far in the past and future, missing ids, unknown types, enormous
 * property maps, and one record of 50 MB) mixed into the valid stream of conformance case
 * {@code 11-generated}, through a real Kafka broker, the whole job, and Kafka out.
 *
 * <p>The valid records keep their order and event times (each is keyed by its account, so each
 * partition gets a subsequence of the case in order); the hostile ones are spread over random
 * positions and partitions. The job runs with no restart strategy, so that any failure fails the
 * test, with the default size and depth limits and the event-time bounds
 * {@code --min-event-time 2000-01-01T00:00:00Z} and {@code --max-future}. Then:
 *
 * <ul>
 *   <li>the transitions topic ({@code read_committed}) holds exactly the case's 378 transitions:
 *       the hostile records changed nothing (the hostile-looking but valid ones, group calls of
 *       fresh accounts with enormous trait maps, score nothing);
 *   <li>the dead-letter topic holds exactly one record per rejected input record (the case's 6 and
 *       every rejected hostile one), keyed by and carrying its Kafka coordinates, with the expected
 *       reason and its payload: the whole record, or for the ones that do not fit (over the record
 *       limit, or grown past Kafka's 1 MiB by JSON escaping and base64) its beginning, flagged
 *       {@code payload_truncated} with the record's real size; no dead letter is over 1 MiB;
 *   <li>every transition and dead letter on the topics matches its published schema
 *       ({@code schemas/transition.schema.json}, {@code schemas/dead-letter.schema.json}).
 * </ul>
 */
class HostileInputTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    static final String INPUT = "usage-events";
    static final String TRANSITIONS = "transitions";
    static final String DEAD_LETTERS = "dead-letters";
    static final int HOSTILE = 10_000;

    /** One record written to the input topic: the bytes, its key, what it is, and the reason expected (null: valid). */
    private record Sent(byte[] value, byte[] key, String what, String reason) {}

    @Test
    void hostileRecordsAreDeadLetteredAndTheValidOnesScoreAsWithoutThem() throws Exception {
        long t0 = System.nanoTime();
        GeneratedCase generated = GeneratedCase.load();
        List<Hostile> hostile = HostileRecords.generate(HOSTILE, 20260302L, true);
        List<Sent> input = interleave(generated, hostile, new Random(7));
        List<byte[]> values = input.stream().map(Sent::value).toList();
        long inputBytes = values.stream().mapToLong(v -> v.length).sum();

        try (EmbeddedKafka kafka = new EmbeddedKafka().start()) {
            // the input topic takes the 50 MB record; the outputs keep Kafka's default 1 MiB limit
            kafka.createTopic(INPUT, 3, Map.of("max.message.bytes", Integer.toString(64 << 20)));
            kafka.createTopic(TRANSITIONS, 3);
            kafka.createTopic(DEAD_LETTERS, 2);
            Map<String, Object> bigProducer = Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 64 << 20,
                    ProducerConfig.BUFFER_MEMORY_CONFIG, 256L << 20);
            Map<byte[], byte[]> keys = new IdentityHashMap<>();
            input.forEach(sent -> keys.put(sent.value(), sent.key()));
            List<RecordMetadata> written = kafka.produce(INPUT, values, keys::get, bigProducer);
            long producedMs = (System.nanoTime() - t0) / 1_000_000;

            // far enough ahead that the case's own records pass whatever today's date (they are of 2026)
            long latest = Timestamps.parseMillis("2026-06-01T00:00:00Z");
            long maxFutureDays = Math.max(1, (latest - System.currentTimeMillis()) / 86_400_000L + 1);
            JobOptions options = JobOptions.parse(
                    "--model", generated.modelPath.toString(),
                    "--kafka-bootstrap-servers", kafka.bootstrapServers(),
                    "--kafka-topics", INPUT,
                    "--kafka-group-id", "hostile",
                    "--kafka-starting-offsets", "earliest",
                    "--kafka-stop-at-latest",
                    "--transitions-topic", TRANSITIONS,
                    "--dead-letters-topic", DEAD_LETTERS,
                    "--transactional-id-prefix", "hostile",
                    "--min-event-time", HostileRecords.MIN_EVENT_TIME,
                    "--max-future", maxFutureDays + "d",
                    "--idle-timeout", "1h",
                    "--parallelism", "2");
            Configuration conf = new Configuration();
            // no restarts: a failure of any kind fails the job and the test
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.enableCheckpointing(500);
            new ScoringPipeline(options, generated.model, Connectors.source(options), Connectors.sinks(options)).build(env);
            env.execute("hostile input");
            long jobMs = (System.nanoTime() - t0) / 1_000_000 - producedMs;

            // transitions: exactly the case's, as if the hostile records were not there
            List<EmbeddedKafka.Record> transitions =
                    kafka.consumeCommitted(TRANSITIONS, generated.expected.size(), Duration.ofSeconds(30));
            generated.assertTransitions(transitions);
            for (EmbeddedKafka.Record r : transitions) {
                Schemas.assertValid(Schemas.TRANSITION, new String(r.value(), StandardCharsets.UTF_8), "transition on Kafka");
            }

            // dead letters: one per rejected record, with its reason, coordinates and payload
            Map<String, Integer> expectedByCoordinates = new HashMap<>();
            for (int i = 0; i < input.size(); i++) {
                if (input.get(i).reason() != null) {
                    RecordMetadata m = written.get(i);
                    expectedByCoordinates.put(INPUT + "|" + m.partition() + "|" + m.offset(), i);
                }
            }
            List<EmbeddedKafka.Record> deadLetters =
                    kafka.consumeCommitted(DEAD_LETTERS, expectedByCoordinates.size(), Duration.ofSeconds(60));
            Map<String, Integer> byReason = new TreeMap<>();
            List<String> problems = new ArrayList<>();
            Map<String, Integer> seen = new HashMap<>();
            int truncated = 0;
            int largest = 0;
            for (EmbeddedKafka.Record r : deadLetters) {
                largest = Math.max(largest, r.value().length);
                JsonNode v = JsonValues.MAPPER.readTree(r.value());
                String coordinates = v.get("source").asText() + "|" + v.get("partition").asInt() + "|" + v.get("offset").asLong();
                for (String p : Schemas.problems(Schemas.DEAD_LETTER, v)) {
                    problems.add("dead letter of " + coordinates + " against schemas/dead-letter.schema.json: " + p);
                }
                if (!coordinates.equals(r.keyText())) {
                    problems.add("key " + r.keyText() + " of the dead letter of " + coordinates);
                }
                if (seen.merge(coordinates, 1, Integer::sum) > 1) {
                    problems.add("dead letter twice: " + coordinates);
                    continue;
                }
                Integer i = expectedByCoordinates.get(coordinates);
                if (i == null) {
                    problems.add("dead letter of a record that should have been accepted: " + coordinates + " " + v.get("reason")
                            + " " + v.get("detail"));
                    continue;
                }
                Sent sent = input.get(i);
                String reason = v.get("reason").asText();
                byReason.merge(reason, 1, Integer::sum);
                if (!reason.equals(sent.reason())) {
                    problems.add(sent.what() + " at " + coordinates + ": reason " + reason + " (" + v.get("detail").asText()
                            + "), expected " + sent.reason());
                }
                byte[] carried = v.has("payload_base64") ? Base64.getDecoder().decode(v.get("payload_base64").asText())
                        : v.get("payload").asText().getBytes(StandardCharsets.UTF_8);
                if (v.path("payload_truncated").asBoolean(false)) {
                    truncated++;
                    if (v.get("record_bytes").asLong() != sent.value().length) {
                        problems.add(sent.what() + ": record_bytes " + v.get("record_bytes") + ", not " + sent.value().length);
                    }
                    if (carried.length >= sent.value().length
                            || !Arrays.equals(carried, Arrays.copyOf(sent.value(), carried.length))) {
                        problems.add(sent.what() + ": the truncated payload is not the record's beginning");
                    }
                } else if (!Arrays.equals(carried, sent.value())) {
                    problems.add(sent.what() + " at " + coordinates + ": payload is not the record");
                }
            }
            for (String c : expectedByCoordinates.keySet()) {
                if (!seen.containsKey(c)) {
                    Sent sent = input.get(expectedByCoordinates.get(c));
                    problems.add("no dead letter for " + sent.what() + " at " + c + " (expected " + sent.reason() + ")");
                }
            }
            System.out.printf("hostile input: %d records (%d valid of case %s, %d hostile), %,d bytes; produced in %.1f s, job %.1f s;"
                    + " %d transitions; %d dead letters %s, %d of them truncated, the largest %,d bytes; total %.1f s%n",
                    input.size(), generated.lines.size(), GeneratedCase.NAME, hostile.size(), inputBytes, producedMs / 1e3,
                    jobMs / 1e3, transitions.size(), deadLetters.size(), byReason, truncated, largest,
                    (System.nanoTime() - t0) / 1e9);
            assertThat(problems).as("dead-letter problems").isEmpty();
            assertThat(deadLetters).hasSize(expectedByCoordinates.size());
            assertThat(byReason.keySet()).contains("too_large", "bad_json", "not_object", "bad_type", "bad_timestamp",
                    "missing_account", "bad_field");
            // the 50 MB record was refused, and only its first max-record-bytes (then Kafka's limit) came along
            assertThat(truncated).isPositive();
            assertThat(largest).as("largest dead letter").isLessThanOrEqualTo(1 << 20);
            assertThat(input.stream().anyMatch(s -> s.value().length >= 50_000_000)).isTrue();
            assertThat(EventParser.DEFAULT_MAX_RECORD_BYTES).isEqualTo(1 << 20);
        }
    }

    /**
     * The case's records in their order, keyed by account as upstream would key them, with the
     * hostile ones at random places between them, keyed by their position (spread over the
     * partitions). A valid hostile record (a group call of a fresh account) takes the event time and
     * the key (so the partition) of the last valid case record before it: it moves no watermark.
     */
    private static List<Sent> interleave(GeneratedCase generated, List<Hostile> hostile, Random random) {
        int n = generated.lines.size();
        List<List<Hostile>> before = new ArrayList<>();
        for (int i = 0; i <= n; i++) {
            before.add(new ArrayList<>());
        }
        for (Hostile h : hostile) {
            // valid ones only after some valid record; the rest anywhere, also before the first
            int at = h.rejectedByParser() ? random.nextInt(n + 1) : 50 + random.nextInt(n - 50);
            before.get(at).add(h);
        }
        List<Sent> out = new ArrayList<>(n + hostile.size());
        String lastTimestamp = null;
        byte[] lastKey = null;
        for (int i = 0; i <= n; i++) {
            for (Hostile h : before.get(i)) {
                if (h.rejectedByParser()) {
                    out.add(new Sent(h.value(), ("hostile-" + out.size()).getBytes(StandardCharsets.UTF_8), h.kind(), h.reason()));
                } else {
                    // valid at the source (some of them rejected by identity resolution): it moves no watermark
                    out.add(new Sent(HostileRecords.withTimestamp(h, lastTimestamp), lastKey, h.kind(), h.reason()));
                }
            }
            if (i < n) {
                byte[] line = generated.lines.get(i);
                String reason = generated.rejections.get(i + 1);
                out.add(new Sent(line, GeneratedCase.accountKey(line), GeneratedCase.NAME + " line " + (i + 1), reason));
                if (reason == null) {
                    JsonNode node = JsonValues.parse(new String(line, StandardCharsets.UTF_8));
                    JsonNode ts = node.hasNonNull("timestamp") ? node.get("timestamp") : node.get("originalTimestamp");
                    lastTimestamp = Timestamps.format(Timestamps.parseMillis(ts.asText()));
                    lastKey = GeneratedCase.accountKey(line);
                }
            }
        }
        return out;
    }
}
