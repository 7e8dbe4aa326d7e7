package io.pqlscore.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.config.JobOptions;
import io.pqlscore.events.Timestamps;
import io.pqlscore.metrics.Metrics;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.EventSource;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.pipeline.ScoringTopology;
import io.pqlscore.pipeline.TierCensus;
import io.pqlscore.scoring.AccountOperator;
import io.pqlscore.sources.FileEventSource;
import io.pqlscore.testing.PunctuatedSource;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The job's own metrics (docs/METRICS.md) as a reporter sees them, on the whole job in a
 * MiniCluster: transitions by kind, direction and tier against the conformance cases' expected
 * transitions; entities per tier at the end of a bounded run (everyone back in {@code none}) and
 * in the middle of a run whose input stays open; late records; duplicates; scoring lag. (The
 * {@link TierCensus} on its own, counting and restoring its checkpointed counts: TierCensusTest.)
 */
class MetricsTest {
    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
            .setConfiguration(REPORTER.addToConfiguration(new Configuration())).build());

    /** The model-simple tiers: pql none < engaged < pql < hot, pqa none < pqa. */
    private static final List<String> TIER_TRANSITIONS = List.of("pql.up.engaged", "pql.up.pql", "pql.up.hot",
            "pql.down.none", "pql.down.engaged", "pql.down.pql", "pqa.up.pqa", "pqa.down.none");
    private static final List<String> ENTITIES = List.of("pql.engaged", "pql.pql", "pql.hot", "pqa.pqa");

    private static ScoringModel model;

    @BeforeAll
    static void loadModel() {
        model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
    }

    private static Path caseFile(String name, String kind) {
        return Shared.conformance().resolve("cases").resolve(name + "." + kind + ".jsonl");
    }

    private static List<JsonNode> readJsonLines(Path p) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                rows.add(JsonValues.MAPPER.readTree(line));
            }
        }
        return rows;
    }

    // ------------------------------------------------------------------ reading metrics

    /**
     * The job's {@code pqlscore} metrics by their name and label values in the order of the
     * metric's labels (e.g. {@code tier_transitions.pql.up.hot} for {@code tier_transitions} with
     * kind pql, direction up, tier hot; {@code rejected.late}), every subtask's and operator's
     * instance. Each must be registered as {@link Metrics} says: its labels as key/value groups, in
     * order, right below the {@code pqlscore} group. Read group by group: Flink's own metrics of
     * chained operators can share identifiers, which a map by identifier cannot hold.
     */
    private static Map<String, List<Metric>> pqlscoreMetrics(JobID job) {
        Map<String, List<Metric>> out = new TreeMap<>();
        for (Map.Entry<MetricGroup, Map<String, Metric>> g : REPORTER.getMetricsByGroup().entrySet()) {
            Map<String, String> vars = g.getKey().getAllVariables();
            if (!job.toString().equals(vars.get("<job_id>"))) {
                continue;
            }
            for (Map.Entry<String, Metric> m : g.getValue().entrySet()) {
                String id = g.getKey().getMetricIdentifier(m.getKey());
                int at = id.indexOf("." + Metrics.GROUP + ".");
                if (at < 0) {
                    continue;
                }
                Metrics.Def def = Metrics.def(m.getKey());
                StringBuilder key = new StringBuilder(def.name());
                StringBuilder path = new StringBuilder();
                for (String label : def.labels()) {
                    String value = vars.get("<" + label + ">");
                    assertThat(value).as("label %s of %s", label, id).isNotNull();
                    key.append('.').append(value);
                    path.append(label).append('.').append(value).append('.');
                }
                assertThat(id.substring(at + Metrics.GROUP.length() + 2)).as("registered as key/value groups")
                        .isEqualTo(path + def.name());
                out.computeIfAbsent(key.toString(), k -> new ArrayList<>()).add(m.getValue());
            }
        }
        return out;
    }

    /** Sum of all instances of a counter; fails if there is none. */
    private static long counter(Map<String, List<Metric>> metrics, String name) {
        List<Metric> found = metrics.get(name);
        assertThat(found).as("counter pqlscore.%s", name).isNotNull().isNotEmpty();
        long sum = 0;
        for (Metric m : found) {
            assertThat(m).as("pqlscore.%s", name).isInstanceOf(Counter.class);
            sum += ((Counter) m).getCount();
        }
        return sum;
    }

    /** The values of all instances of a gauge; fails if there is none. */
    private static List<Long> gauge(Map<String, List<Metric>> metrics, String name) {
        List<Metric> found = metrics.get(name);
        assertThat(found).as("gauge pqlscore.%s", name).isNotNull().isNotEmpty();
        List<Long> values = new ArrayList<>();
        for (Metric m : found) {
            assertThat(m).as("pqlscore.%s", name).isInstanceOf(Gauge.class);
            values.add(((Number) ((Gauge<?>) m).getValue()).longValue());
        }
        return values;
    }

    /** Expected {@code tier_transitions.*} counts and census after the expected transitions up to {@code until}. */
    private static Map<String, Long> expectedTierTransitions(List<JsonNode> expected, long until) {
        Map<String, Long> counts = new TreeMap<>();
        TIER_TRANSITIONS.forEach(k -> counts.put(k, 0L));
        for (JsonNode t : expected) {
            if (Timestamps.parseMillis(t.get("occurred_at").asText()) <= until) {
                counts.merge(t.get("kind").asText() + "." + t.get("direction").asText() + "." + t.get("tier_to").asText(),
                        1L, Long::sum);
            }
        }
        return counts;
    }

    private static Map<String, Long> expectedCensus(List<JsonNode> expected, long until) {
        Map<String, Long> census = new TreeMap<>();
        ENTITIES.forEach(k -> census.put(k, 0L));
        for (JsonNode t : expected) {
            if (Timestamps.parseMillis(t.get("occurred_at").asText()) <= until) {
                String kind = t.get("kind").asText();
                if (!t.get("tier_from").asText().equals("none")) {
                    census.merge(kind + "." + t.get("tier_from").asText(), -1L, Long::sum);
                }
                if (!t.get("tier_to").asText().equals("none")) {
                    census.merge(kind + "." + t.get("tier_to").asText(), 1L, Long::sum);
                }
            }
        }
        return census;
    }

    private static Map<String, Long> actualTierTransitions(Map<String, List<Metric>> metrics) {
        Map<String, Long> actual = new TreeMap<>();
        for (String k : TIER_TRANSITIONS) {
            actual.put(k, counter(metrics, Metrics.TIER_TRANSITIONS + "." + k));
        }
        return actual;
    }

    private static Map<String, Long> actualCensus(Map<String, List<Metric>> metrics) {
        Map<String, Long> actual = new TreeMap<>();
        for (String k : ENTITIES) {
            List<Long> values = gauge(metrics, Metrics.ENTITIES + "." + k);
            assertThat(values).as("one census subtask").hasSize(1);
            actual.put(k, values.get(0));
        }
        return actual;
    }

    // ------------------------------------------------------------------ whole job

    private static StreamExecutionEnvironment job(EventSource source, String... args) {
        JobOptions options = JobOptions.parse(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        new ScoringPipeline(options, model, source, null).build(env);
        return env;
    }

    @ParameterizedTest
    @ValueSource(strings = {"02-decay-and-ticks", "04-ties-and-duplicates"})
    void aBoundedRunCountsTransitionsByKindDirectionAndTierAndEndsWithEveryoneInNone(String name) throws Exception {
        Path events = caseFile(name, "events");
        StreamExecutionEnvironment env = job(new FileEventSource(List.of(events.toString()), null),
                "--input", events.toString(), "--parallelism", "2");
        JobID job = env.execute("metrics of " + name).getJobID();
        Map<String, List<Metric>> metrics = pqlscoreMetrics(job);
        List<JsonNode> expected = readJsonLines(caseFile(name, "expected"));

        assertThat(actualTierTransitions(metrics)).isEqualTo(expectedTierTransitions(expected, Long.MAX_VALUE));
        assertThat(counter(metrics, Metrics.TRANSITIONS)).isEqualTo(expected.size());
        // the final watermark takes every entity back to none
        assertThat(actualCensus(metrics)).isEqualTo(expectedCensus(expected, Long.MAX_VALUE))
                .allSatisfy((k, v) -> assertThat(v).as(k).isZero());

        long lines = Files.readAllLines(events).stream().filter(l -> !l.isBlank()).count();
        assertThat(counter(metrics, Metrics.EVENTS_IN)).isEqualTo(lines);
        assertThat(counter(metrics, Metrics.DUPLICATES)).isEqualTo(name.startsWith("04") ? 2 : 0);
        // late: the router's counter and the guards of the identity and account stages, one per subtask each
        assertThat(metrics.get(Metrics.LATE)).hasSize(6);
        assertThat(counter(metrics, Metrics.LATE)).isZero();
        assertThat(counter(metrics, Metrics.REJECTED + "." + Metrics.LATE)).isZero();
        assertThat(counter(metrics, Metrics.REJECTED + "." + Metrics.LATE_AFTER_SHUFFLE)).isZero();
        // after the final watermark nothing is behind: 0 on every scorer subtask that scored an
        // account (one that never had one has seen no watermark: -1)
        assertThat(gauge(metrics, Metrics.SCORING_LAG_MS)).hasSize(2).isSubsetOf(0L, -1L).contains(0L);
    }

    @Test
    void whileTheInputStaysOpenTheCensusShowsWhoIsInWhichTierAndTheLagIsWallClockMinusWatermark(@TempDir Path dir)
            throws Exception {
        // both cases in one file in a watched directory, merged in event-time order (a second
        // file read after the first would be behind its watermark): the job reads it and then
        // waits for more files
        List<JsonNode> expected = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (String name : List.of("02-decay-and-ticks", "04-ties-and-duplicates")) {
            expected.addAll(readJsonLines(caseFile(name, "expected")));
            lines.addAll(Files.readAllLines(caseFile(name, "events"), StandardCharsets.UTF_8));
        }
        lines.removeIf(String::isBlank);
        java.util.function.ToLongFunction<String> eventTime = line -> {
            try {
                return Timestamps.parseMillis(JsonValues.MAPPER.readTree(line).get("timestamp").asText());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        lines.sort(java.util.Comparator.comparingLong(eventTime)); // stable: ties keep their order
        Files.write(dir.resolve("events.jsonl"), lines, StandardCharsets.UTF_8);
        long maxTs = eventTime.applyAsLong(lines.get(lines.size() - 1));
        long minTs = eventTime.applyAsLong(lines.get(0));
        long bound = model.time().maxOutOfOrdernessMs();
        // the bounded-out-of-orderness watermark once everything is read; it stays there
        long watermark = maxTs - bound - 1;
        Map<String, Long> census = expectedCensus(expected, watermark);
        Map<String, Long> tierTransitions = expectedTierTransitions(expected, watermark);
        assertThat(census.values().stream().mapToLong(Long::longValue).sum()).as("someone is in a tier").isPositive();

        StreamExecutionEnvironment env = job(new PunctuatedSource(new FileEventSource(List.of(dir.toString()),
                Duration.ofMillis(200)), bound), "--input", dir.toString(), "--continuous", "--parallelism", "2");
        JobClient client = env.executeAsync("metrics of an open input");
        try {
            long deadline = System.currentTimeMillis() + 30_000;
            Map<String, List<Metric>> metrics = pqlscoreMetrics(client.getJobID());
            while (System.currentTimeMillis() < deadline && !(metrics.containsKey(Metrics.ENTITIES + ".pqa.pqa")
                    && metrics.containsKey(Metrics.TIER_TRANSITIONS + ".pql.up.engaged")
                    && actualCensus(metrics).equals(census)
                    && actualTierTransitions(metrics).equals(tierTransitions))) {
                Thread.sleep(100);
                metrics = pqlscoreMetrics(client.getJobID());
            }
            assertThat(actualTierTransitions(metrics)).isEqualTo(tierTransitions);
            assertThat(actualCensus(metrics)).isEqualTo(census);
            assertThat(census).containsEntry("pql.engaged", 1L);

            // lag = now - the watermark a scorer subtask last saw (at most the final one, at least
            // the first); -1 on a subtask that has had no account yet
            long before = System.currentTimeMillis();
            List<Long> lags = gauge(metrics, Metrics.SCORING_LAG_MS);
            long after = System.currentTimeMillis();
            long lowest = before - watermark;
            long highest = after - (minTs - bound - 1);
            assertThat(lags).hasSize(2)
                    .allSatisfy(lag -> assertThat(lag == -1 || (lag >= lowest && lag <= highest)).as("lag %d", lag).isTrue())
                    .anySatisfy(lag -> assertThat(lag).isBetween(lowest, highest));
        } finally {
            client.cancel().get();
            // the temporary directory goes when the test returns: not while the source still watches it
            while (!client.getJobStatus().get().isGloballyTerminalState()) {
                Thread.sleep(50);
            }
        }
    }

    private static String ping(String messageId, String user, String at) {
        return "{\"type\":\"track\",\"event\":\"Ping\",\"userId\":\"" + user + "\",\"messageId\":\"" + messageId
                + "\",\"timestamp\":\"" + at + "\",\"context\":{\"groupId\":\"a1\"}}";
    }

    @Test
    void lateRecordsAreCountedAsLateAndAsRejectedLate(@TempDir Path dir) throws Exception {
        List<String> lines = List.of(
                ping("m1", "u1", "2026-03-02T09:00:00.000Z"),
                ping("m2", "u1", "2026-03-02T10:00:00.000Z"), // watermark now 09:54:59.999
                ping("m3", "u2", "2026-03-02T09:50:00.000Z"), // behind it: late
                ping("m4", "u2", "2026-03-02T09:56:00.000Z"), // out of order, within the bound: scored
                ping("m2", "u1", "2026-03-02T10:00:00.000Z")); // an SDK retry: a duplicate
        Path events = Files.write(dir.resolve("late.jsonl"), lines, StandardCharsets.UTF_8);
        StreamExecutionEnvironment env = job(new PunctuatedSource(new FileEventSource(List.of(events.toString()), null),
                model.time().maxOutOfOrdernessMs()), "--input", events.toString(), "--parallelism", "2");
        Map<String, List<Metric>> metrics = pqlscoreMetrics(env.execute("late records").getJobID());
        assertThat(counter(metrics, Metrics.LATE)).isEqualTo(1);
        assertThat(counter(metrics, Metrics.REJECTED + "." + Metrics.LATE)).isEqualTo(1);
        assertThat(counter(metrics, Metrics.EVENTS_IN)).isEqualTo(4);
        assertThat(counter(metrics, Metrics.DUPLICATES)).isEqualTo(1);
        assertThat(counter(metrics, Metrics.TIER_TRANSITIONS + ".pql.up.engaged")).isEqualTo(2);
    }

    @Test
    void theCensusIsOneSubtaskWithItsFixedUidInEveryJob() {
        StreamExecutionEnvironment env = job(new FileEventSource(List.of("x.jsonl"), null), "--input", "x.jsonl",
                "--parallelism", "4");
        List<StreamNode> census = env.getStreamGraph().getStreamNodes().stream()
                .filter(n -> TierCensus.UID.equals(n.getTransformationUID())).collect(java.util.stream.Collectors.toList());
        assertThat(census).hasSize(1);
        assertThat(census.get(0).getParallelism()).isEqualTo(1);
        assertThat(ScoringTopology.UID_TIER_CENSUS).isEqualTo("tier-census");
    }

    @Test
    void scoringLagIsMinusOneBeforeTheFirstWatermarkAndZeroWhenNothingIsBehind() {
        long now = Timestamps.parseMillis("2026-11-23T12:00:00.000Z");
        assertThat(AccountOperator.scoringLagMs(Long.MIN_VALUE, now)).isEqualTo(-1);
        assertThat(AccountOperator.scoringLagMs(now - 90_000, now)).isEqualTo(90_000);
        assertThat(AccountOperator.scoringLagMs(now + 3_600_000, now)).as("event time ahead of the clock").isZero();
        assertThat(AccountOperator.scoringLagMs(Long.MAX_VALUE, now)).as("input ended").isZero();
    }
}
