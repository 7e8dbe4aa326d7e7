package io.pqlscore.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.config.JobOptions;
import io.pqlscore.events.RejectReason;
import io.pqlscore.metrics.Metrics;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.sources.FileEventSource;
import io.pqlscore.testing.PunctuatedSource;
import io.pqlscore.testing.Shared;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.metrics.MetricNames;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's metrics as Prometheus sees them, and the monitoring built on them, against Flink's
 * real Prometheus reporter: a MiniCluster with {@code PrometheusReporterFactory} (what
 * flink-conf/config.yaml and the FlinkDeployment configure) runs the job on conformance case
 * 01-rejections with checkpoints, and the test scrapes the reporter's {@code /metrics} over HTTP
 * once a checkpoint has completed. Then:
 *
 * <ul>
 *   <li>the dimensions are labels: {@code ..._pqlscore_reason_rejected{reason="bad_json",...} 1.0},
 *       and {@code sum by (reason)} over that metric (what {@code sum by (reason) (rate(...))}
 *       aggregates) gives one series per reason with the case's counts;
 *   <li>every metric of {@link Metrics#all()} is exported under {@link Metrics.Def#prometheusName()}
 *       with its labels, and the job exports no {@code pqlscore} metric that is not in it;
 *   <li>every expression of the PrometheusRule (k8s/base/monitoring/prometheusrule.yaml), of the
 *       Grafana dashboard (k8s/base/monitoring/grafana/pqlscore-dashboard.json) and of the
 *       {@code promql} blocks of docs/METRICS.md names only metrics that exist (scraped here, in
 *       {@link Metrics}, or in {@link #FLINK_BUILT_INS_NOT_SCRAPED}) and only labels those
 *       series have, in matchers and in {@code by}/{@code without}/{@code on}/{@code ignoring}/
 *       {@code group_left} clauses; and each alert rule has expr, for, labels and annotations.
 * </ul>
 */
class PrometheusMonitoringTest {
    static final Path RULES = Path.of("k8s", "base", "monitoring", "prometheusrule.yaml");
    static final Path DASHBOARD = Path.of("k8s", "base", "monitoring", "grafana", "pqlscore-dashboard.json");
    static final Path METRICS_DOC = Path.of("docs", "METRICS.md");

    /**
     * Flink built-in metrics the queries may use that a run on files in a MiniCluster does not
     * export, each with the scope whose labels it carries ({@code operator}: Flink's operator
     * scope, the labels of the job's own metrics). Only names Flink 2.2 defines: the test checks
     * each against Flink's own constants.
     * <ul>
     *   <li>{@code pendingRecords}: the standard source metric (FLIP-33, {@link MetricNames#PENDING_RECORDS})
     *       that the Kafka source reports per reader, the records of its partitions not yet read;
     *       the file source does not report it.
     * </ul>
     */
    static final Map<String, String> FLINK_BUILT_INS_NOT_SCRAPED = Map.of(
            "flink_taskmanager_job_task_operator_" + MetricNames.PENDING_RECORDS, "operator");

    /** Labels whose values the checks compare with the scrape (the others depend on the run). */
    static final Set<String> CHECKED_VALUES = Set.of(Metrics.REASON, Metrics.KIND, Metrics.DIRECTION, "operator_name");

    static final int PORT = freePort();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
            .setConfiguration(prometheus(new Configuration())).build());

    @TempDir
    static Path dir;

    /** The scrape, once a checkpoint has completed. */
    static String scrape;
    static List<PromQl.Series> series;
    /** Exported metric name -> label -> values: the scrape, the catalogue and the allow-list. */
    static Map<String, Map<String, Set<String>>> known;

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The reporter exactly as flink-conf/config.yaml and k8s/base/flinkdeployment.yaml set it, on a free port. */
    static Configuration prometheus(Configuration c) {
        c.setString("metrics.reporters", "prom");
        c.setString("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        c.setString("metrics.reporter.prom.port", String.valueOf(PORT));
        return c;
    }

    static String get() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + PORT + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as("GET /metrics").isEqualTo(200);
        return r.body();
    }

    static double sum(List<PromQl.Series> all, String name, Map<String, String> where) {
        return all.stream().filter(s -> s.name().equals(name))
                .filter(s -> where.entrySet().stream().allMatch(e -> e.getValue().equals(s.labels().get(e.getKey()))))
                .mapToDouble(PromQl.Series::value).sum();
    }

    /**
     * Each test starts with this; the job runs once. (Not {@code @BeforeAll}: the
     * MiniClusterExtension makes its cluster the execution environment's context only around
     * each test, so before them a job would run on a cluster of its own without the reporter.)
     */
    @BeforeEach
    void runTheJobAndScrapeOnce() throws Exception {
        if (scrape == null) {
            runTheJobAndScrape();
        }
    }

    static void runTheJobAndScrape() throws Exception {
        ScoringModel model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        Path events = Shared.conformance().resolve("cases").resolve("01-rejections.events.jsonl");
        Files.copy(events, dir.resolve("events.jsonl"));

        JobOptions options = JobOptions.parse("--input", dir.toString(), "--continuous", "--parallelism", "2");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(200);
        // the input stays open; a watermark after each record passes the record of user u9 (no
        // account id, never joined one), which the identity stage then rejects (SPEC 8)
        new ScoringPipeline(options, model, new PunctuatedSource(new FileEventSource(List.of(dir.toString()),
                Duration.ofMillis(200)), model.time().maxOutOfOrdernessMs()), null).build(env);
        JobClient client = env.executeAsync("pql_scoring");
        String rejected = Metrics.def(Metrics.REJECTED).prometheusName();
        try {
            long deadline = System.currentTimeMillis() + 90_000;
            while (true) {
                String text = get();
                List<PromQl.Series> s = PromQl.parseExposition(text);
                boolean read = sum(s, rejected, Map.of(Metrics.REASON, "bad_field")) >= 4
                        && sum(s, rejected, Map.of(Metrics.REASON, "missing_account")) >= 2;
                boolean checkpointed = sum(s, "flink_jobmanager_job_numberOfCompletedCheckpoints", Map.of()) >= 1;
                if (read && checkpointed) {
                    scrape = text;
                    series = s;
                    break;
                }
                assertThat(System.currentTimeMillis()).as("the job read the case and completed a checkpoint in time")
                        .isLessThan(deadline);
                Thread.sleep(200);
            }
        } finally {
            client.cancel().get();
            while (!client.getJobStatus().get().isGloballyTerminalState()) {
                Thread.sleep(50);
            }
        }
        known = PromQl.labelsByMetric(series);
        Set<String> operatorScope = new TreeSet<>(known.get(Metrics.def(Metrics.EVENTS_IN).prometheusName()).keySet());
        for (Metrics.Def d : Metrics.all()) {
            Map<String, Set<String>> labels = known.computeIfAbsent(d.prometheusName(), k -> new LinkedHashMap<>());
            operatorScope.forEach(l -> labels.computeIfAbsent(l, k -> new TreeSet<>()));
            d.labels().forEach(l -> labels.computeIfAbsent(l, k -> new TreeSet<>()));
        }
        FLINK_BUILT_INS_NOT_SCRAPED.forEach((name, scope) -> {
            assertThat(scope).isEqualTo("operator");
            Map<String, Set<String>> labels = known.computeIfAbsent(name, k -> new LinkedHashMap<>());
            operatorScope.forEach(l -> labels.computeIfAbsent(l, k -> new TreeSet<>()));
        });
    }

    @AfterAll
    static void forget() {
        scrape = null;
        series = null;
        known = null;
    }

    // ------------------------------------------------------------------ the job's metrics

    @Test
    void rejectionsAreOneSeriesPerReasonWithTheReasonAsALabel() {
        String name = Metrics.def(Metrics.REJECTED).prometheusName();
        assertThat(name).isEqualTo("flink_taskmanager_job_task_operator_pqlscore_reason_rejected");
        assertThat(scrape).as("the reporter's text").containsPattern(
                "(?m)^flink_taskmanager_job_task_operator_pqlscore_reason_rejected\\{[^}]*reason=\"bad_json\"[^}]*} 1\\.0$");

        // sum by (reason) (rate(flink_taskmanager_job_task_operator_pqlscore_reason_rejected[5m])):
        // rate() keeps every label but the name, so the series of one reason must differ from those
        // of another only in their labels, and sum by (reason) gives one series per reason
        Map<String, Double> byReason = new TreeMap<>();
        Set<Map<String, String>> labelSets = new HashSet<>();
        for (PromQl.Series s : series) {
            if (s.name().equals(name)) {
                assertThat(s.labels()).as(s.toString()).containsKeys(Metrics.REASON, "job_name", "operator_name", "subtask_index");
                assertThat(labelSets.add(s.labels())).as("one series per label set: " + s).isTrue();
                byReason.merge(s.labels().get(Metrics.REASON), s.value(), Double::sum);
            }
        }
        Map<String, Double> expected = new TreeMap<>(Map.of("bad_json", 1.0, "not_object", 1.0, "bad_type", 1.0,
                "bad_timestamp", 3.0, "missing_account", 2.0, "bad_field", 4.0, Metrics.LATE_AFTER_SHUFFLE, 0.0));
        for (RejectReason r : RejectReason.values()) {
            expected.putIfAbsent(r.code(), 0.0); // every reason registered at 0 from the start
        }
        assertThat(byReason).isEqualTo(expected);
        assertThat(PromQl.parse("sum by (reason) (rate(" + name + "[5m]))").clauses())
                .singleElement().satisfies(c -> assertThat(c.labels()).containsExactly(Metrics.REASON));
    }

    /**
     * The operators the monitoring selects by {@code operator_name} carry the names of
     * {@link Metrics}, exported as {@link Metrics#prometheusLabel}: the metrics each reports are
     * found under that label (a sink writer's operator is Flink's "NAME: Writer").
     */
    @Test
    void theJobsOperatorsAreExportedUnderTheNamesOfMetrics() {
        Map<String, Map<String, Set<String>>> scraped = PromQl.labelsByMetric(series);
        Map<String, String> reporterOf = Map.of(
                Metrics.EVENTS_IN, Metrics.ROUTER_OPERATOR,
                Metrics.IDENTITY_RESOLVED, Metrics.IDENTITY_OPERATOR,
                Metrics.SCORING_LAG_MS, Metrics.ACCOUNTS_OPERATOR,
                Metrics.ENTITIES, Metrics.CENSUS_OPERATOR + ": Writer");
        reporterOf.forEach((metric, operator) -> assertThat(scraped.get(Metrics.def(metric).prometheusName())
                .get("operator_name")).as(metric).containsExactly(Metrics.prometheusLabel(operator)));
        assertThat(Metrics.prometheusLabel(Metrics.ROUTER_OPERATOR)).isEqualTo("parse__reject_and_drop_late");
    }

    @Test
    void everyMetricOfTheCatalogueIsExportedUnderItsNameWithItsLabels() {
        Map<String, Map<String, Set<String>>> scraped = PromQl.labelsByMetric(series);
        Set<String> ours = scraped.keySet().stream().filter(n -> n.contains("_" + Metrics.GROUP + "_"))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> defined = Metrics.all().stream().map(Metrics.Def::prometheusName).collect(Collectors.toSet());
        assertThat(ours).as("pqlscore metrics the job exports, all in Metrics.all()").isSubsetOf(defined);
        for (Metrics.Def d : Metrics.all()) {
            assertThat(d.prometheusName()).startsWith(Metrics.PROMETHEUS_PREFIX);
            Map<String, Set<String>> labels = scraped.get(d.prometheusName());
            assertThat(labels).as(d.prometheusName() + " in the scrape").isNotNull();
            assertThat(labels.keySet()).as(d.prometheusName() + " labels")
                    .containsAll(d.labels()).contains("job_name", "operator_name", "subtask_index", "task_name");
        }
        String transitions = Metrics.def(Metrics.TIER_TRANSITIONS).prometheusName();
        assertThat(transitions).isEqualTo("flink_taskmanager_job_task_operator_pqlscore_kind_direction_tier_tier_transitions");
        assertThat(scraped.get(transitions).get(Metrics.KIND)).containsExactly("pqa", "pql");
        assertThat(scraped.get(transitions).get(Metrics.DIRECTION)).containsExactly("down", "up");
        assertThat(scraped.get(transitions).get(Metrics.TIER)).containsExactlyInAnyOrder("none", "engaged", "pql", "hot", "pqa");
        String entities = Metrics.def(Metrics.ENTITIES).prometheusName();
        assertThat(entities).isEqualTo("flink_taskmanager_job_task_operator_pqlscore_kind_tier_entities");
        assertThat(scraped.get(entities).get(Metrics.TIER)).containsExactlyInAnyOrder("engaged", "pql", "hot", "pqa");
        assertThat(scrape).containsPattern(
                "(?m)^flink_taskmanager_job_task_operator_pqlscore_kind_direction_tier_tier_transitions\\{"
                        + "(?=[^}]*direction=\"up\")(?=[^}]*kind=\"pql\")(?=[^}]*tier=\"hot\")[^}]*} ");
    }

    @Test
    void theAllowListNamesMetricsFlinkDefines() {
        assertThat(MetricNames.PENDING_RECORDS).isEqualTo("pendingRecords");
        for (String name : FLINK_BUILT_INS_NOT_SCRAPED.keySet()) {
            assertThat(PromQl.labelsByMetric(series)).as(name + ": listed because a file run does not export it")
                    .doesNotContainKey(name);
        }
    }

    // ------------------------------------------------------------------ alert rules, dashboard, docs

    @Test
    void alertRulesAreWellFormedAndNameOnlyExportedMetricsAndLabels() {
        JsonNode rule = JsonValues.MAPPER.valueToTree(KubernetesManifestsTest.yaml().load(KubernetesManifestsTest.read(RULES)));
        assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.path("kind").asText()).isEqualTo("PrometheusRule");
        assertThat(rule.path("metadata").path("name").asText()).isNotBlank();
        assertThat(KubernetesManifestsTest.fieldNames(rule.path("spec"))).containsExactly("groups");
        assertThat(rule.path("spec").path("groups").size()).isPositive();
        Set<String> alerts = new HashSet<>();
        Set<String> metrics = new TreeSet<>();
        for (JsonNode group : rule.path("spec").path("groups")) {
            assertThat(group.path("name").asText()).as("group name").isNotBlank();
            assertThat(group.path("rules").size()).as(group.path("name") + " rules").isPositive();
            for (JsonNode r : group.path("rules")) {
                String alert = r.path("alert").asText();
                String where = RULES + " alert " + alert;
                assertThat(alert).as(where + ": an alert (no recording rules here)").matches("[A-Z][A-Za-z0-9]+");
                assertThat(alerts.add(alert)).as(where + " is unique").isTrue();
                assertThat(KubernetesManifestsTest.fieldNames(r)).as(where + " fields")
                        .containsExactlyInAnyOrder("alert", "expr", "for", "labels", "annotations");
                assertThat(r.path("expr").isTextual()).as(where + " expr").isTrue();
                assertThat(r.path("for").asText()).as(where + " for: a Prometheus duration").matches("\\d+[smhdwy]");
                assertThat(r.path("labels").path("severity").asText()).as(where + " labels.severity")
                        .isIn("info", "warning", "critical");
                assertThat(r.path("annotations").path("summary").asText()).as(where + " annotations.summary").isNotBlank();
                assertThat(r.path("annotations").path("description").asText()).as(where + " annotations.description").isNotBlank();
                metrics.addAll(check(r.path("expr").asText(), where));
            }
        }
        // what the issue asks the rules to watch
        assertThat(metrics).contains(Metrics.def(Metrics.SCORING_LAG_MS).prometheusName(),
                Metrics.def(Metrics.REJECTED).prometheusName(), "flink_jobmanager_job_numberOfFailedCheckpoints",
                "flink_jobmanager_job_numRestarts");
    }

    @Test
    void dashboardTargetsNameOnlyExportedMetricsAndLabels() throws IOException {
        JsonNode dash = JsonValues.MAPPER.readTree(Files.readString(DASHBOARD, StandardCharsets.UTF_8));
        assertThat(dash.path("uid").asText()).isNotBlank();
        assertThat(dash.path("title").asText()).isNotBlank();
        Set<String> metrics = new TreeSet<>();
        Set<Integer> ids = new HashSet<>();
        List<JsonNode> panels = new ArrayList<>();
        dash.path("panels").forEach(panels::add);
        dash.path("panels").forEach(p -> p.path("panels").forEach(panels::add)); // collapsed rows
        int targets = 0;
        for (JsonNode p : panels) {
            String where = DASHBOARD + " panel \"" + p.path("title").asText() + "\"";
            assertThat(ids.add(p.path("id").asInt())).as(where + " id is unique").isTrue();
            assertThat(p.path("gridPos").path("w").asInt()).as(where + " gridPos").isPositive();
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(p.path("datasource").path("uid").asText()).as(where + " datasource").isEqualTo("${datasource}");
            assertThat(p.path("targets").size()).as(where + " targets").isPositive();
            for (JsonNode t : p.path("targets")) {
                metrics.addAll(check(t.path("expr").asText(), where));
                targets++;
            }
        }
        assertThat(targets).isPositive();
        Pattern labelValues = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)");
        for (JsonNode v : dash.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                Matcher m = labelValues.matcher(v.path("definition").asText());
                assertThat(m.matches()).as(DASHBOARD + " variable " + v.path("name") + ": label_values(metric, label)").isTrue();
                assertThat(known).as(DASHBOARD + " variable " + v.path("name")).containsKey(m.group(1));
                assertThat(known.get(m.group(1))).as(DASHBOARD + " variable " + v.path("name") + " label").containsKey(m.group(2));
            }
        }
        // what the issue asks the dashboard to show
        assertThat(metrics).contains(Metrics.def(Metrics.EVENTS_IN).prometheusName(),
                Metrics.def(Metrics.TIER_TRANSITIONS).prometheusName(), Metrics.def(Metrics.REJECTED).prometheusName(),
                Metrics.def(Metrics.SCORING_LAG_MS).prometheusName(), "flink_jobmanager_job_lastCheckpointDuration",
                "flink_jobmanager_job_lastCheckpointSize", "flink_jobmanager_job_lastCheckpointFullSize",
                "flink_taskmanager_job_task_backPressuredTimeMsPerSecond");
    }

    @Test
    void promqlOfTheMetricsDocNamesOnlyExportedMetricsAndLabels() {
        String doc = KubernetesManifestsTest.read(METRICS_DOC);
        Matcher blocks = Pattern.compile("(?s)```promql\\n(.*?)```").matcher(doc);
        int n = 0;
        while (blocks.find()) {
            // one query per line; a line ending in an operator or an open parenthesis continues
            StringBuilder query = new StringBuilder();
            for (String line : blocks.group(1).split("\n")) {
                String code = line.replaceAll("\\s+#.*$", "").strip();
                if (code.isEmpty() || code.startsWith("#")) {
                    continue;
                }
                query.append(code).append(' ');
                if (!code.matches(".*([-+*/(]|(^|\\s)(group_left|and|or|unless)|(^|\\s)on \\([^)]*\\))$")) {
                    check(query.toString(), METRICS_DOC + " query");
                    query.setLength(0);
                    n++;
                }
            }
            assertThat(query.toString()).as(METRICS_DOC + ": an unfinished query").isBlank();
        }
        assertThat(n).as(METRICS_DOC + " promql queries").isGreaterThan(5);
    }

    /**
     * Checks one expression against the exported series; returns the metrics it names. Fails on a
     * metric nobody exports, a matcher on a label the metric does not have (or for a reason, kind,
     * direction or operator name, a value no series has), and a grouping label absent from a
     * metric it groups.
     */
    static Set<String> check(String expr, String where) {
        PromQl.Parsed p;
        try {
            p = PromQl.parse(expr);
        } catch (IllegalArgumentException e) {
            throw new AssertionError(where + ": " + e.getMessage(), e);
        }
        assertThat(p.selectors()).as(where + ": selects a metric: " + expr).isNotEmpty();
        for (PromQl.Selector s : p.selectors()) {
            assertThat(s.metric()).as(where + ": every selector names its metric: " + expr).isNotNull();
            Map<String, Set<String>> labels = known.get(s.metric());
            if (labels == null) {
                fail(where + ": " + s.metric() + " is not a metric the Prometheus reporter exports (nor in Metrics, nor a "
                        + "documented Flink built-in); exported: " + known.keySet().stream()
                        .filter(k -> k.contains(Metrics.GROUP)).collect(Collectors.toList()));
            }
            for (PromQl.Matcher m : s.matchers()) {
                assertThat(labels).as(where + ": " + s.metric() + " has a label " + m.label()).containsKey(m.label());
                Set<String> values = labels.get(m.label());
                if (!CHECKED_VALUES.contains(m.label()) || values.isEmpty() || m.value().contains("$")) {
                    continue;
                }
                if (m.op().equals("=") || m.op().equals("!=")) {
                    assertThat(values).as(where + ": " + s.metric() + "{" + m.label() + m.op() + "\"" + m.value() + "\"}")
                            .contains(m.value());
                } else {
                    Pattern re = Pattern.compile(m.value());
                    assertThat(values).as(where + ": " + s.metric() + "{" + m.label() + m.op() + "\"" + m.value()
                            + "\"}: a value it matches").anyMatch(v -> re.matcher(v).matches());
                }
            }
        }
        for (PromQl.LabelClause c : p.clauses()) {
            for (String label : c.labels()) {
                boolean some = c.keyword().startsWith("group_");
                List<String> having = c.metricsInScope().stream().filter(m -> known.get(m).containsKey(label))
                        .collect(Collectors.toList());
                if (some) {
                    assertThat(having).as(where + ": " + c.keyword() + " (" + label + "): a metric of " + c.metricsInScope()
                            + " has it: " + expr).isNotEmpty();
                } else {
                    assertThat(having).as(where + ": " + c.keyword() + " (" + label + "): every metric it applies to has it: "
                            + expr).containsExactlyInAnyOrderElementsOf(c.metricsInScope());
                }
            }
        }
        return p.metrics();
    }

    /** The checks catch what they claim to. */
    @Test
    void theChecksRejectUnknownMetricsLabelsAndValues() {
        String rejected = Metrics.def(Metrics.REJECTED).prometheusName();
        check("sum by (job_name, reason) (rate(" + rejected + "{reason=\"bad_json\"}[5m]))", "ok");
        check("sum(rate(" + rejected + "[5m])) by (reason)", "suffix by");
        for (String bad : List.of(
                "sum by (reason) (rate(flink_taskmanager_job_task_operator_pqlscore_rejected[5m]))", // the old name
                "sum by (reason) (rate(" + Metrics.def(Metrics.EVENTS_IN).prometheusName() + "[5m]))", // no such label
                "sum(rate(" + Metrics.def(Metrics.EVENTS_IN).prometheusName() + "[5m])) by (reason)",
                rejected + "{reason=\"bad_jsn\"}", // no such value
                "flink_taskmanager_job_task_operator_numLateRecordsDropped{operator_name=~\"sequence .*\"}", // spaces
                "rate({__name__=~\".*rejected\"}[5m])")) {
            try {
                check(bad, "bad");
            } catch (AssertionError expected) {
                continue;
            }
            fail("accepted: " + bad);
        }
    }
}
