package io.pqlscore.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.config.JobOptions;
import io.pqlscore.events.Timestamps;
import io.pqlscore.metrics.Metrics;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.sinks.JsonLinesSinks;
import io.pqlscore.sources.FileEventSource;
import io.pqlscore.testing.ExpectedTransition;
import io.pqlscore.testing.Shared;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job as {@code ScoringJob} runs it, file source to {@link JsonLinesSinks}: committed JSON-lines
 * part files with every SPEC 5 field, dead letters with payload and coordinates, and the
 * rejection / input / duplicate counters as a metric reporter sees them.
 */
class WholeJobFileTest {
    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
            .setConfiguration(REPORTER.addToConfiguration(new Configuration())).build());

    private static final List<String> SPEC5_FIELDS = List.of("event_id", "kind", "account_id", "user_id", "tier_from",
            "tier_to", "direction", "score", "occurred_at", "cause", "emitted_at", "model_id", "model_version",
            "breakdown", "top_signals", "active_users_7d", "traits", "routing");
    private static final String ISO_MILLIS = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

    private static ScoringModel model;

    @BeforeAll
    static void loadModel() {
        model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
    }

    private static Path caseFile(String name, String kind) {
        return Shared.conformance().resolve("cases").resolve(name + "." + kind + ".jsonl");
    }

    /** Builds and runs the job exactly as {@code ScoringJob.main} does for a bounded replay. */
    private static JobExecutionResult runJob(Path events, Path out) throws Exception {
        JobOptions options = JobOptions.parse("--input", events.toString(), "--output", out.toString(), "--parallelism", "2");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        new ScoringPipeline(options, model, new FileEventSource(options.inputs, null), new JsonLinesSinks(options.output))
                .build(env);
        return env.execute("file test of " + events.getFileName());
    }

    /**
     * Lines of the committed part files of one output; hidden (in-progress, pending) files are
     * ignored. An output that never received a record has no directory at all.
     */
    private static List<JsonNode> committed(Path out, String name) throws IOException {
        Path dir = out.resolve(name);
        List<JsonNode> rows = new ArrayList<>();
        if (!Files.exists(dir)) {
            return rows;
        }
        assertThat(dir).isDirectory();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().collect(Collectors.toList())) {
                String file = f.getFileName().toString();
                if (file.startsWith(".") || file.startsWith("_")) {
                    continue;
                }
                assertThat(file).startsWith(name).endsWith(".jsonl");
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (!line.isEmpty()) {
                        rows.add(JsonValues.MAPPER.readTree(line));
                    }
                }
            }
        }
        return rows;
    }

    private static List<JsonNode> readJsonLines(Path p) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                rows.add(JsonValues.MAPPER.readTree(line));
            }
        }
        return rows;
    }

    /** SPEC 7's event_id, computed here independently: UUID v5, nil namespace. */
    private static String uuid5(String name) throws Exception {
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(new byte[16]);
        byte[] h = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        h[6] = (byte) ((h[6] & 0x0f) | 0x50);
        h[8] = (byte) ((h[8] & 0x3f) | 0x80);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(h, 0, 16);
        return new UUID(b.getLong(), b.getLong()).toString();
    }

    @Test
    void transitionsAndScoresAreWrittenAsCommittedJsonLinesWithEverySpecField(@TempDir Path out) throws Exception {
        String name = "02-decay-and-ticks";
        runJob(caseFile(name, "events"), out);

        List<JsonNode> transitions = committed(out, "transitions");
        List<ExpectedTransition> expected = readJsonLines(caseFile(name, "expected")).stream()
                .map(ExpectedTransition::of).collect(Collectors.toList());
        assertThat(expected).hasSize(8);
        List<ExpectedTransition> actual = transitions.stream().map(ExpectedTransition::of).collect(Collectors.toList());
        assertThat(ExpectedTransition.diff(expected, actual)).as("transition differences").isEmpty();

        // which record made each event-caused change: the case has one record per instant
        Map<String, String> messageIdAt = new TreeMap<>();
        for (JsonNode e : readJsonLines(caseFile(name, "events"))) {
            messageIdAt.put(Timestamps.format(Timestamps.parseMillis(e.get("timestamp").asText())), e.get("messageId").asText());
        }
        for (JsonNode t : transitions) {
            assertThat(t.isObject()).isTrue();
            assertThat(iterable(t.fieldNames())).as("fields of %s", t).containsAll(SPEC5_FIELDS);
            assertThat(t.get("occurred_at").asText()).matches(ISO_MILLIS);
            assertThat(t.get("emitted_at").asText()).matches(ISO_MILLIS);
            assertThat(t.get("score").isNumber()).isTrue();
            assertThat(t.get("model_id").asText()).isEqualTo("simple");
            assertThat(t.get("model_version").asText()).isEqualTo("1");
            assertThat(t.get("breakdown").isObject()).isTrue();
            assertThat(iterable(t.get("breakdown").fieldNames())).containsExactlyInAnyOrder("main", "capped", "fit");
            assertThat(t.get("top_signals").isArray()).isTrue();
            assertThat(t.get("traits").isObject()).isTrue();
            assertThat(t.get("routing").isObject()).isTrue();
            assertThat(t.get("routing").has("route")).isTrue();
            boolean account = t.get("kind").asText().equals("pqa");
            assertThat(t.get("user_id").isNull()).isEqualTo(account);
            assertThat(account ? t.get("active_users_7d").isInt() : t.get("active_users_7d").isNull())
                    .as("active_users_7d of %s", t).isTrue();
            if (t.get("direction").asText().equals("down")) {
                assertThat(t.get("routing").get("route").asText()).isEqualTo("none");
            } else {
                assertThat(t.get("routing").get("route").asText()).isNotEqualTo("none");
                assertThat(t.get("top_signals").size()).isPositive();
                assertThat(t.get("top_signals").get(0).get("signal").asText()).isEqualTo("ping");
            }
            String cause = t.get("cause").asText();
            String occurredAt = t.get("occurred_at").asText();
            String trigger = cause.equals("event") ? messageIdAt.get(occurredAt) : cause;
            assertThat(trigger).as("record at %s", occurredAt).isNotNull();
            String idName = String.join("|", "simple", "1", t.get("kind").asText(), t.get("account_id").asText(),
                    account ? "" : t.get("user_id").asText(), Long.toString(Timestamps.parseMillis(occurredAt)),
                    t.get("tier_to").asText(), trigger);
            assertThat(t.get("event_id").asText()).as("event_id of %s", t).isEqualTo(uuid5(idName));
        }
        assertThat(transitions.stream().map(t -> t.get("event_id").asText()).distinct().count()).isEqualTo(8);

        List<JsonNode> scores = committed(out, "scores");
        assertThat(scores).isNotEmpty();
        for (JsonNode s : scores) {
            assertThat(s.get("account_id").asText()).isEqualTo("a2");
            assertThat(s.get("as_of").asText()).matches(ISO_MILLIS);
            assertThat(s.has("tier") && s.has("score") && s.has("breakdown")).isTrue();
        }
        // u1, u2 and the account each get rows; at the end every entity is forgotten in none
        assertThat(scores.stream().map(s -> s.get("kind").asText() + "/" + s.get("user_id").asText()).distinct())
                .containsExactlyInAnyOrder("pqa/null", "pql/u1", "pql/u2");
        assertThat(committed(out, "dead-letters")).isEmpty();
    }

    @Test
    void deadLettersCarryReasonPayloadAndSourceCoordinates(@TempDir Path out) throws Exception {
        String name = "01-rejections";
        Path events = caseFile(name, "events");
        runJob(events, out);

        List<String> lines = Files.readAllLines(events, StandardCharsets.UTF_8);
        Map<Long, String> expectedReasons = new TreeMap<>();
        for (JsonNode r : readJsonLines(caseFile(name, "rejections"))) {
            expectedReasons.put(r.get("line").asLong(), r.get("reason").asText());
        }
        List<JsonNode> dead = committed(out, "dead-letters");
        assertThat(dead).hasSize(12);
        Map<Long, String> actualReasons = new TreeMap<>();
        for (JsonNode d : dead) {
            long line = d.get("offset").asLong();
            actualReasons.put(line, d.get("reason").asText());
            assertThat(d.get("payload").asText()).as("payload of line %d", line).isEqualTo(lines.get((int) line - 1));
            assertThat(d.get("source").asText()).endsWith(name + ".events.jsonl");
            assertThat(d.get("partition").asInt()).isZero();
            assertThat(d.get("detail").asText()).isNotBlank();
        }
        assertThat(actualReasons).isEqualTo(expectedReasons);
        assertThat(committed(out, "transitions")).hasSize(8);
    }

    // ------------------------------------------------------------------ metrics

    /**
     * Sum over subtasks of the job's counters whose identifier ends with {@code .name}. (Not
     * {@code getMetricsByIdentifiers}: Flink's own metrics of chained operators with equal names
     * share identifiers, which that map cannot hold.)
     */
    private static long counter(JobID job, String name) {
        long sum = 0;
        int found = 0;
        for (Map.Entry<MetricGroup, Map<String, Metric>> g : REPORTER.getMetricsByGroup().entrySet()) {
            if (!job.toString().equals(g.getKey().getAllVariables().get("<job_id>"))) {
                continue;
            }
            for (Map.Entry<String, Metric> m : g.getValue().entrySet()) {
                if (g.getKey().getMetricIdentifier(m.getKey()).endsWith("." + name) && m.getValue() instanceof Counter) {
                    sum += ((Counter) m.getValue()).getCount();
                    found++;
                }
            }
        }
        assertThat(found).as("counters named %s", name).isPositive();
        return sum;
    }

    @Test
    void rejectionAndInputCountersMatchTheCase(@TempDir Path out) throws Exception {
        JobID job = runJob(caseFile("01-rejections", "events"), out).getJobID();
        Map<String, Long> expected = new TreeMap<>(Map.of("bad_json", 1L, "not_object", 1L, "bad_type", 1L,
                "bad_timestamp", 3L, "missing_account", 2L, "bad_field", 4L, "too_large", 0L, "late", 0L));
        Map<String, Long> actual = new TreeMap<>();
        for (String reason : expected.keySet()) {
            actual.put(reason, counter(job, Metrics.GROUP + "." + Metrics.REASON + "." + reason + "." + Metrics.REJECTED));
        }
        assertThat(actual).isEqualTo(expected);
        // events_in counts what passed the source's checks: three records, and one without an account
        // id whose user has no account, which the identity stage then rejects (SPEC 8)
        assertThat(counter(job, Metrics.GROUP + "." + Metrics.EVENTS_IN)).isEqualTo(4);
        assertThat(counter(job, Metrics.GROUP + "." + Metrics.IDENTITY_NO_ACCOUNT)).isEqualTo(1);
        assertThat(counter(job, Metrics.GROUP + "." + Metrics.IDENTITY_RESOLVED)).isZero();
        assertThat(counter(job, Metrics.GROUP + "." + Metrics.DUPLICATES)).isZero();
    }

    @Test
    void duplicatesAreCounted(@TempDir Path out) throws Exception {
        JobID job = runJob(caseFile("04-ties-and-duplicates", "events"), out).getJobID();
        assertThat(counter(job, Metrics.GROUP + "." + Metrics.DUPLICATES)).isEqualTo(2);
        assertThat(counter(job, Metrics.GROUP + "." + Metrics.EVENTS_IN)).isEqualTo(6);
        assertThat(counter(job, Metrics.GROUP + "." + Metrics.TRANSITIONS)).isEqualTo(8);
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
