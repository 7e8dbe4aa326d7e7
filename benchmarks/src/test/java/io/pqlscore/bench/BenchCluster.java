package io.pqlscore.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * One Flink MiniCluster for one benchmark job: configured from the project's
 * {@code flink-conf/config.yaml} (RocksDB, incremental exactly-once checkpoints, no Kryo, ...) with
 * the benchmark's overrides (checkpoint interval and directories under the work directory, managed
 * memory, no Prometheus port, any free REST port), an in-memory metric reporter to watch the job,
 * and the cluster's REST API for checkpoint statistics.
 */
final class BenchCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    final Configuration conf;
    final InMemoryReporter reporter;
    final MiniCluster cluster;
    final Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private URI rest;

    private BenchCluster(Configuration conf, InMemoryReporter reporter, MiniCluster cluster, Path dir) {
        this.conf = conf;
        this.reporter = reporter;
        this.cluster = cluster;
        this.dir = dir;
    }

    /** The job configuration every benchmark run shares (also written to results.json). */
    static Configuration configuration(Benchmark.Options o, Path dir) {
        Configuration conf = GlobalConfiguration.loadConfiguration(o.flinkConf.toAbsolutePath().toString());
        // no Prometheus endpoint: other local runs may hold its port, and the benchmark reads its
        // metrics in-process
        for (String key : new ArrayList<>(conf.keySet())) {
            if (key.startsWith("metrics.reporter.")) {
                conf.removeKey(key);
            }
        }
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("execution.checkpointing.interval", o.checkpointInterval.toMillis() + " ms");
        m.put("execution.checkpointing.min-pause", o.checkpointMinPause.toMillis() + " ms");
        m.put("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        m.put("execution.checkpointing.savepoint-dir", dir.resolve("savepoints").toUri().toString());
        m.put("execution.checkpointing.externalized-checkpoint-retention", "DELETE_ON_CANCELLATION");
        m.put("parallelism.default", Integer.toString(o.parallelism));
        m.put("taskmanager.numberOfTaskSlots", Integer.toString(o.parallelism));
        m.put("taskmanager.memory.managed.size", o.managedMemory);
        m.put("io.tmp.dirs", dir.resolve("tmp").toString());
        // checkpoint statistics fresh within half a second (default 3 s): the benchmark reads them
        // right after the checkpoints it triggers
        m.put("rest.cache.checkpoint-statistics.timeout", "500 ms");
        m.put("rest.bind-port", "0");
        m.put("rest.address", "127.0.0.1");
        m.put("rest.bind-address", "127.0.0.1");
        // restarts would hide a failure inside the timing: a benchmark job fails at once
        m.put("restart-strategy.type", "none");
        m.putAll(o.flinkSettings);
        conf.addAll(Configuration.fromMap(m));
        return conf;
    }

    static BenchCluster start(Benchmark.Options o, Path dir) throws Exception {
        Files.createDirectories(dir.resolve("tmp"));
        Configuration conf = configuration(o, dir);
        InMemoryReporter reporter = InMemoryReporter.createWithRetainedMetrics();
        reporter.addToConfiguration(conf);
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(o.parallelism).build());
        cluster.start();
        return new BenchCluster(conf, reporter, cluster, dir);
    }

    /** A fresh environment carrying this cluster's configuration (state backend, checkpoints). */
    StreamExecutionEnvironment environment() {
        return new StreamExecutionEnvironment(conf);
    }

    JobID submit(StreamExecutionEnvironment env, String name) throws Exception {
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(name);
        return cluster.submitJob(graph).get().getJobID();
    }

    JobStatus status(JobID job) throws Exception {
        return cluster.getJobStatus(job).get();
    }

    /** Fails with the job's error if it ended while it should be running. */
    void checkRunning(JobID job) throws Exception {
        JobStatus s = status(job);
        if (s.isGloballyTerminalState()) {
            throw new IllegalStateException("the job ended (" + s + "): " + cluster.requestJobResult(job).get()
                    .getSerializedThrowable().map(t -> t.getFullStringifiedStackTrace()).orElse("no error"));
        }
    }

    /** Waits until every task of the job is RUNNING (sources assigned their splits soon after). */
    void awaitAllTasksRunning(JobID job, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            checkRunning(job);
            JsonNode j = get("/jobs/" + job);
            boolean all = j.path("vertices").size() > 0;
            for (JsonNode v : j.path("vertices")) {
                all &= "RUNNING".equals(v.path("status").asText());
            }
            if (all) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the job's tasks did not all start within " + timeout);
    }

    void cancel(JobID job) throws Exception {
        if (!status(job).isGloballyTerminalState()) {
            cluster.cancelJob(job).get();
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!status(job).isGloballyTerminalState() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    // ---- metrics (the reporter keeps them after the job ends) ----

    List<Metric> metrics(JobID job, String regex) {
        return StateSizeMeasurement.metrics(reporter, job, regex);
    }

    long sumCounters(JobID job, String regex) {
        return StateSizeMeasurement.sumCounters(reporter, job, regex);
    }

    long minGauge(JobID job, String regex) {
        return StateSizeMeasurement.minGauge(reporter, job, regex);
    }

    double maxGauge(JobID job, String regex) {
        return StateSizeMeasurement.maxGauge(reporter, job, regex);
    }

    /**
     * The metric {@code name} of every subtask of the operators whose name matches
     * {@code operatorRegex} (whole name). Operator groups only: a task whose only operator has the
     * task's name would otherwise count twice.
     */
    List<Metric> operatorMetrics(JobID job, String operatorRegex, String name) {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(operatorRegex);
        List<Metric> found = new ArrayList<>();
        String id = job.toString();
        for (Map.Entry<org.apache.flink.metrics.MetricGroup, Map<String, Metric>> g
                : reporter.getMetricsByGroup().entrySet()) {
            Map<String, String> vars = g.getKey().getAllVariables();
            String op = vars.get("<operator_name>");
            if (op == null || !id.equals(vars.get("<job_id>")) || !p.matcher(op).matches()) {
                continue;
            }
            Metric m = g.getValue().get(name);
            if (m != null) {
                found.add(m);
            }
        }
        return found;
    }

    /**
     * Per task (all subtasks summed): busy, back-pressured and idle time in ms per second, as
     * Flink's task metrics report them at this moment. Key: the task name (its chained operators).
     */
    Map<String, double[]> taskTimes(JobID job) {
        Map<String, double[]> out = new java.util.TreeMap<>();
        String id = job.toString();
        String[] names = {"busyTimeMsPerSecond", "backPressuredTimeMsPerSecond", "idleTimeMsPerSecond"};
        for (Map.Entry<org.apache.flink.metrics.MetricGroup, Map<String, Metric>> g
                : reporter.getMetricsByGroup().entrySet()) {
            Map<String, String> vars = g.getKey().getAllVariables();
            String task = vars.get("<task_name>");
            if (task == null || vars.containsKey("<operator_name>") || !id.equals(vars.get("<job_id>"))
                    || !g.getValue().containsKey(names[0])) {
                continue; // also the task's subgroups (buffers, shuffle), which carry its variables
            }
            double[] t = out.computeIfAbsent(task, k -> new double[names.length + 1]);
            for (int i = 0; i < names.length; i++) {
                Metric m = g.getValue().get(names[i]);
                if (m instanceof org.apache.flink.metrics.Gauge
                        && ((org.apache.flink.metrics.Gauge<?>) m).getValue() instanceof Number) {
                    double v = ((Number) ((org.apache.flink.metrics.Gauge<?>) m).getValue()).doubleValue();
                    if (!Double.isNaN(v)) {
                        t[i] += v;
                    }
                }
            }
            t[names.length] += 1; // subtasks
        }
        return out;
    }

    long operatorCount(JobID job, String operatorRegex, String name) {
        long n = 0;
        for (Metric m : operatorMetrics(job, operatorRegex, name)) {
            if (m instanceof org.apache.flink.metrics.Counter) {
                n += ((org.apache.flink.metrics.Counter) m).getCount();
            }
        }
        return n;
    }

    /** The sum of a numeric gauge over the operator's subtasks (0 if none). */
    long operatorSumGauge(JobID job, String operatorRegex, String name) {
        long sum = 0;
        for (Metric m : operatorMetrics(job, operatorRegex, name)) {
            if (m instanceof org.apache.flink.metrics.Gauge
                    && ((org.apache.flink.metrics.Gauge<?>) m).getValue() instanceof Number) {
                sum += ((Number) ((org.apache.flink.metrics.Gauge<?>) m).getValue()).longValue();
            }
        }
        return sum;
    }

    /** The smallest value of a numeric gauge over the operator's subtasks; Long.MIN_VALUE if none. */
    long operatorMinGauge(JobID job, String operatorRegex, String name) {
        long min = Long.MAX_VALUE;
        boolean any = false;
        for (Metric m : operatorMetrics(job, operatorRegex, name)) {
            if (m instanceof org.apache.flink.metrics.Gauge
                    && ((org.apache.flink.metrics.Gauge<?>) m).getValue() instanceof Number) {
                min = Math.min(min, ((Number) ((org.apache.flink.metrics.Gauge<?>) m).getValue()).longValue());
                any = true;
            }
        }
        return any ? min : Long.MIN_VALUE;
    }

    // ---- REST ----

    /**
     * GETs a REST resource. A 404 is retried for a while: checkpoint statistics are served from a
     * cache refreshed every few seconds, so a checkpoint that just completed is not there yet.
     */
    JsonNode get(String path) throws Exception {
        if (rest == null) {
            rest = cluster.getRestAddress().get();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(rest.resolve(path))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                return JSON.readTree(r.body());
            }
            if (r.statusCode() != 404 || System.nanoTime() > deadline) {
                String body = r.body();
                throw new IOException("GET " + path + ": HTTP " + r.statusCode() + " "
                        + body.substring(0, Math.min(300, body.length())));
            }
            Thread.sleep(500);
        }
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
