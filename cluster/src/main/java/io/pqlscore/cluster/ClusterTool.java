package io.pqlscore.cluster;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The helper of {@code scripts/local-cluster.sh}: reads the JobManager's REST API (cluster and
 * job state, the job's {@code pqlscore.*} metrics summed over subtasks, checkpoints) and checks
 * the rehearsal's outputs. Only a JDK is needed: no curl, no jq, no Python.
 *
 * <pre>
 * wait-cluster  REST TASKMANAGERS TIMEOUT_S   until the REST API answers and that many TaskManagers registered
 * wait-running  REST JOB TIMEOUT_S            until every task of the job is RUNNING (exit 1 if it fails)
 * wait-records  REST JOB RECORDS TIMEOUT_S    until the job has read RECORDS records and emitted a transition
 * wait-terminal REST JOB TIMEOUT_S            until the job is FINISHED, CANCELED or FAILED (exit 0 only if FINISHED)
 * metrics       REST JOB                      the job's pqlscore.* metrics, summed over subtasks
 * running-jobs  REST                          ids of the RUNNING jobs, one a line
 * status        REST                          cluster, TaskManagers, jobs, checkpoints
 * check         OUT_DIR REFERENCE_DIR LEGS    the rehearsal's checks (LEGS: lines "label start_ms end_ms")
 * latest-checkpoint REST JOB                  the id of the job's latest completed checkpoint (0: none yet)
 * wait-recovered REST JOB AFTER_ID TIMEOUT_S  until the job, failed over, restored a checkpoint, runs every task,
 *                                             and completed a checkpoint after the restore; prints the restored
 *                                             checkpoint (the newest completed one, at or after AFTER_ID) and numRestarts
 * </pre>
 */
public final class ClusterTool {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final PrintStream OUT = System.out;
    private static final PrintStream ERR = System.err;
    /** Flink CEP's own counter of records it dropped as behind its watermark. */
    private static final String CEP_LATE = "numLateRecordsDropped";

    private ClusterTool() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        int code;
        switch (args[0]) {
            case "wait-cluster" -> code = waitCluster(args[1], Integer.parseInt(args[2]), seconds(args[3]));
            case "wait-running" -> code = waitRunning(args[1], args[2], seconds(args[3]));
            case "wait-records" -> code = waitRecords(args[1], args[2], Long.parseLong(args[3]), seconds(args[4]));
            case "wait-terminal" -> code = waitTerminal(args[1], args[2], seconds(args[3]));
            case "metrics" -> code = printMetrics(args[1], args[2]);
            case "running-jobs" -> code = runningJobs(args[1]);
            case "status" -> code = status(args[1]);
            case "check" -> code = check(Paths.get(args[1]), Paths.get(args[2]), Paths.get(args[3]));
            case "latest-checkpoint" -> code = latestCheckpoint(args[1], args[2]);
            case "wait-recovered" -> code = waitRecovered(args[1], args[2], Long.parseLong(args[3]), seconds(args[4]));
            default -> {
                usage();
                code = 2;
            }
        }
        System.exit(code);
    }

    private static void usage() {
        ERR.println("usage: ClusterTool wait-cluster|wait-running|wait-records|wait-terminal|metrics|running-jobs|status|check"
                + "|latest-checkpoint|wait-recovered ...");
        System.exit(2);
    }

    private static Duration seconds(String s) {
        return Duration.ofSeconds(Long.parseLong(s));
    }

    // ---------------------------------------------------------------- REST

    /** GET a REST path; null when the JobManager does not answer (not up yet, or gone). */
    static JsonNode get(String rest, String path) throws InterruptedException {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(rest + path))
                    .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 404) {
                return JSON.createObjectNode();
            }
            if (r.statusCode() / 100 != 2) {
                return null;
            }
            return JSON.readTree(r.body());
        } catch (ConnectException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static int waitCluster(String rest, int taskManagers, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode o = null;
        while (System.nanoTime() < deadline) {
            o = get(rest, "/overview");
            if (o != null && o.path("taskmanagers").asInt(-1) >= taskManagers
                    && o.path("slots-total").asInt() >= taskManagers) {
                OUT.printf("cluster up: Flink %s, %d TaskManager(s), %d slots, web UI %s%n",
                        o.path("flink-version").asText("?"), o.path("taskmanagers").asInt(),
                        o.path("slots-total").asInt(), rest);
                return 0;
            }
            Thread.sleep(500);
        }
        ERR.println("timed out after " + timeout.toSeconds() + " s waiting for " + taskManagers
                + " TaskManager(s); last overview: " + o);
        return 1;
    }

    private static long lastAnswer = System.nanoTime();

    /** Gives up (exit 1) when the JobManager has not answered for 20 s: the cluster is gone. */
    private static void checkAlive(boolean answered) {
        if (answered) {
            lastAnswer = System.nanoTime();
        } else if (System.nanoTime() - lastAnswer > Duration.ofSeconds(20).toNanos()) {
            ERR.println("the JobManager has not answered for 20 s: giving up");
            System.exit(1);
        }
    }

    private static String state(String rest, String job) throws InterruptedException {
        JsonNode j = get(rest, "/jobs/" + job);
        checkAlive(j != null);
        return j == null ? null : j.path("state").asText(null);
    }

    private static int waitRunning(String rest, String job, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode j = get(rest, "/jobs/" + job);
            checkAlive(j != null);
            if (j != null && j.has("state")) {
                String s = j.path("state").asText();
                if (s.equals("FAILED") || s.equals("CANCELED") || s.equals("FINISHED")) {
                    ERR.println("job " + job + " is " + s);
                    printExceptions(rest, job);
                    return 1;
                }
                boolean allRunning = s.equals("RUNNING") && j.path("vertices").size() > 0;
                int tasks = 0;
                for (JsonNode v : j.path("vertices")) {
                    allRunning &= v.path("status").asText().equals("RUNNING");
                    tasks += v.path("parallelism").asInt();
                }
                if (allRunning) {
                    OUT.printf("job %s RUNNING: %d vertices, %d tasks%n", job, j.path("vertices").size(), tasks);
                    return 0;
                }
            }
            Thread.sleep(500);
        }
        ERR.println("timed out waiting for job " + job + " to run (state " + state(rest, job) + ")");
        printExceptions(rest, job);
        return 1;
    }

    private static int latestCheckpoint(String rest, String job) throws InterruptedException {
        JsonNode c = get(rest, "/jobs/" + job + "/checkpoints");
        OUT.println(c == null ? 0 : c.path("latest").path("completed").path("id").asLong(0));
        return c == null ? 1 : 0;
    }

    private static int waitRecovered(String rest, String job, long afterId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode c = null;
        while (System.nanoTime() < deadline) {
            c = get(rest, "/jobs/" + job + "/checkpoints");
            checkAlive(c != null);
            JsonNode restored = c == null ? null : c.path("latest").path("restored");
            long completed = c == null ? 0 : c.path("latest").path("completed").path("id").asLong(0);
            if (restored != null && restored.has("id") && completed > restored.path("id").asLong()
                    && restored.path("id").asLong() >= afterId && "RUNNING".equals(state(rest, job))) {
                JsonNode j = get(rest, "/jobs/" + job);
                boolean allRunning = j != null && j.path("vertices").size() > 0;
                for (JsonNode v : j == null ? JSON.createArrayNode() : j.path("vertices")) {
                    allRunning &= v.path("status").asText().equals("RUNNING");
                }
                if (allRunning) {
                    JsonNode m = get(rest, "/jobs/" + job + "/metrics?get=numRestarts");
                    String restarts = m != null && m.size() > 0 ? m.get(0).path("value").asText("?") : "?";
                    OUT.printf("job %s recovered: restored checkpoint %d (%s), %s restart(s), checkpoint %d completed since%n",
                            job, restored.path("id").asLong(), restored.path("external_path").asText(""), restarts, completed);
                    return 0;
                }
            }
            Thread.sleep(500);
        }
        ERR.println("timed out waiting for job " + job + " to recover; last checkpoint stats: " + (c == null ? null : c.path("latest")));
        printExceptions(rest, job);
        return 1;
    }

    private static void printExceptions(String rest, String job) throws InterruptedException {
        JsonNode e = get(rest, "/jobs/" + job + "/exceptions?maxExceptions=3");
        if (e == null) {
            return;
        }
        for (JsonNode x : e.path("exceptionHistory").path("entries")) {
            String trace = x.path("stacktrace").asText("");
            ERR.println("  exception: " + trace.lines().limit(8).collect(Collectors.joining("\n    ")));
        }
    }

    /** The job's pqlscore.* metrics, summed over all subtasks of every vertex (null: no answer). */
    static Map<String, Double> metrics(String rest, String job) throws InterruptedException {
        JsonNode j = get(rest, "/jobs/" + job);
        if (j == null || !j.has("vertices")) {
            return null;
        }
        Map<String, Double> sums = new TreeMap<>();
        for (JsonNode v : j.path("vertices")) {
            String base = "/jobs/" + job + "/vertices/" + v.path("id").asText() + "/subtasks/metrics";
            JsonNode list = get(rest, base);
            if (list == null) {
                return null;
            }
            List<String> ids = new ArrayList<>();
            for (JsonNode m : list) {
                String id = m.path("id").asText();
                if (id.contains("pqlscore.") || id.endsWith("." + CEP_LATE)) {
                    ids.add(id);
                }
            }
            if (ids.isEmpty()) {
                continue;
            }
            JsonNode values = get(rest, base + "?agg=sum&get="
                    + URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8));
            if (values == null) {
                return null;
            }
            for (JsonNode m : values) {
                String id = m.path("id").asText();
                String name = id.contains("pqlscore.") ? id.substring(id.indexOf("pqlscore.")) : "flink.cep." + CEP_LATE;
                sums.merge(name, m.path("sum").asDouble(), Double::sum);
            }
        }
        return sums;
    }

    /** Records the router has seen: accepted ones plus every rejection counted at the source. */
    static long recordsRead(Map<String, Double> m) {
        double n = m.getOrDefault("pqlscore.events_in", 0.0);
        for (Map.Entry<String, Double> e : m.entrySet()) {
            // pqlscore.reason.<reason>.rejected: the label reason as Flink's key/value groups (docs/METRICS.md)
            if (e.getKey().matches("pqlscore\\.reason\\.[^.]+\\.rejected")
                    && !e.getKey().equals("pqlscore.reason.late_after_shuffle.rejected")) {
                n += e.getValue();
            }
        }
        return (long) n;
    }

    /** The lowest input watermark of the account stage's subtasks: how far event time got. */
    static String scorerWatermark(String rest, String job) throws InterruptedException {
        JsonNode j = get(rest, "/jobs/" + job);
        if (j == null) {
            return "?";
        }
        for (JsonNode v : j.path("vertices")) {
            if (!v.path("name").asText().startsWith("score accounts and users")) { // the account stage's name
                continue;
            }
            JsonNode w = get(rest, "/jobs/" + job + "/vertices/" + v.path("id").asText() + "/watermarks");
            long min = Long.MAX_VALUE;
            for (JsonNode m : w == null ? JSON.createArrayNode() : w) {
                if (m.path("id").asText().endsWith("currentInputWatermark")) {
                    min = Math.min(min, m.path("value").asLong(Long.MIN_VALUE));
                }
            }
            if (min == Long.MAX_VALUE || min <= Long.MIN_VALUE + 1 || min < 0) {
                return "none yet";
            }
            return Instant.ofEpochMilli(min).toString();
        }
        return "?";
    }

    private static int waitRecords(String rest, String job, long expected, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextReport = 0;
        Map<String, Double> m = null;
        while (System.nanoTime() < deadline) {
            String s = state(rest, job);
            if (s != null && !s.equals("RUNNING") && !s.equals("CREATED") && !s.equals("INITIALIZING")) {
                ERR.println("job " + job + " is " + s);
                printExceptions(rest, job);
                return 1;
            }
            m = metrics(rest, job);
            if (m != null) {
                long read = recordsRead(m);
                long transitions = m.getOrDefault("pqlscore.transitions", 0.0).longValue();
                boolean done = read >= expected && transitions > 0;
                if (done || System.nanoTime() >= nextReport) {
                    OUT.printf("  records read %,d of %,d, transitions emitted %,d, duplicates dropped %,d,"
                                    + " rejected %,d, dropped as late by CEP %,d; account stage watermark %s%n", read,
                            expected, transitions, m.getOrDefault("pqlscore.duplicates", 0.0).longValue(),
                            read - m.getOrDefault("pqlscore.events_in", 0.0).longValue(),
                            m.getOrDefault("flink.cep." + CEP_LATE, 0.0).longValue(), scorerWatermark(rest, job));
                    nextReport = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                }
                if (done) {
                    return 0;
                }
            }
            Thread.sleep(1000);
        }
        ERR.println("timed out after " + timeout.toSeconds() + " s; metrics: " + m);
        ERR.println("(no transition yet means event time did not move: see the account stage watermark above and"
                + " docs/OPERATIONS.md on watermarks of watched files)");
        return 1;
    }

    private static int waitTerminal(String rest, String job, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String s = state(rest, job);
            if ("FINISHED".equals(s)) {
                return 0;
            }
            if ("FAILED".equals(s) || "CANCELED".equals(s)) {
                ERR.println("job " + job + " is " + s);
                printExceptions(rest, job);
                return 1;
            }
            Thread.sleep(1000);
        }
        ERR.println("timed out waiting for job " + job + " to finish (state " + state(rest, job) + ")");
        return 1;
    }

    private static int printMetrics(String rest, String job) throws InterruptedException {
        Map<String, Double> m = metrics(rest, job);
        if (m == null) {
            ERR.println("no answer from " + rest + " for job " + job);
            return 1;
        }
        m.forEach((k, v) -> OUT.printf("%s %s%n", k, v == Math.rint(v) ? String.valueOf(v.longValue()) : v));
        return 0;
    }

    private static int runningJobs(String rest) throws InterruptedException {
        JsonNode o = get(rest, "/jobs/overview");
        if (o == null) {
            ERR.println("no JobManager answering at " + rest);
            return 1;
        }
        for (JsonNode j : o.path("jobs")) {
            if (j.path("state").asText().equals("RUNNING")) {
                OUT.println(j.path("jid").asText());
            }
        }
        return 0;
    }

    private static int status(String rest) throws InterruptedException {
        JsonNode o = get(rest, "/overview");
        if (o == null) {
            OUT.println("JobManager: no answer at " + rest);
            return 1;
        }
        OUT.printf("JobManager: Flink %s at %s: %d TaskManager(s), %d of %d slots free%n",
                o.path("flink-version").asText(), rest, o.path("taskmanagers").asInt(),
                o.path("slots-available").asInt(), o.path("slots-total").asInt());
        JsonNode tms = get(rest, "/taskmanagers");
        for (JsonNode tm : tms == null ? JSON.createArrayNode() : tms.path("taskmanagers")) {
            OUT.printf("  TaskManager %s: %d slots, %d free, last heartbeat %s%n", tm.path("id").asText(),
                    tm.path("slotsNumber").asInt(), tm.path("freeSlots").asInt(),
                    Instant.ofEpochMilli(tm.path("timeSinceLastHeartbeat").asLong()));
        }
        JsonNode jobs = get(rest, "/jobs/overview");
        for (JsonNode j : jobs == null ? JSON.createArrayNode() : jobs.path("jobs")) {
            String id = j.path("jid").asText();
            OUT.printf("job %s %s: %s, started %s%n", id, j.path("name").asText(), j.path("state").asText(),
                    Instant.ofEpochMilli(j.path("start-time").asLong()));
            if (!j.path("state").asText().equals("RUNNING")) {
                continue;
            }
            JsonNode detail = get(rest, "/jobs/" + id);
            int p = 0;
            for (JsonNode v : detail == null ? JSON.createArrayNode() : detail.path("vertices")) {
                p = Math.max(p, v.path("parallelism").asInt());
            }
            OUT.printf("  parallelism %d; account stage watermark %s%n", p, scorerWatermark(rest, id));
            JsonNode c = get(rest, "/jobs/" + id + "/checkpoints");
            if (c != null) {
                JsonNode counts = c.path("counts");
                JsonNode last = c.path("latest").path("completed");
                OUT.printf("  checkpoints: %d completed, %d failed, %d in progress; latest %s%n",
                        counts.path("completed").asInt(), counts.path("failed").asInt(),
                        counts.path("in_progress").asInt(),
                        last.isMissingNode() || last.isNull() ? "none" : last.path("external_path").asText());
            }
            Map<String, Double> m = metrics(rest, id);
            if (m != null && !m.isEmpty()) {
                OUT.println("  metrics (non-zero, summed over subtasks): " + m.entrySet().stream()
                        .filter(e -> e.getValue() != 0)
                        .map(e -> e.getKey().replaceFirst("^pqlscore\\.", "") + "=" + e.getValue().longValue())
                        .collect(Collectors.joining(", ")));
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------- rehearsal checks

    private record Leg(String label, long start, long end) {}

    private static List<Path> files(Path dir, boolean committed) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().startsWith(".") != committed)
                    .sorted().toList();
        }
    }

    private static List<String> lines(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path p : files(dir, true)) {
            for (String l : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (!l.isBlank()) {
                    out.add(l);
                }
            }
        }
        return out;
    }

    private static int check(Path out, Path reference, Path legsFile) throws IOException {
        List<Leg> legs = new ArrayList<>();
        for (String l : Files.readAllLines(legsFile)) {
            String[] f = l.trim().split("\\s+");
            if (f.length == 3) {
                legs.add(new Leg(f[0], Long.parseLong(f[1]), Long.parseLong(f[2])));
            }
        }
        int problems = 0;

        // 1. committed transitions: every event_id once, across all runs
        List<String> tLines = lines(out.resolve("transitions"));
        Map<String, ObjectNode> byId = new HashMap<>();
        Map<String, Integer> perLeg = new TreeMap<>();
        Map<String, Integer> perTier = new TreeMap<>();
        int duplicates = 0;
        for (String l : tLines) {
            ObjectNode t = (ObjectNode) JSON.readTree(l);
            String id = t.path("event_id").asText();
            if (byId.put(id, t) != null) {
                duplicates++;
                if (duplicates <= 3) {
                    OUT.println("  DUPLICATE event_id " + id + ": " + l);
                }
            }
            long emitted = Instant.parse(t.path("emitted_at").asText()).toEpochMilli();
            String leg = "outside every run";
            for (Leg g : legs) {
                if (emitted >= g.start && emitted <= g.end) {
                    leg = g.label;
                    break;
                }
            }
            perLeg.merge(leg, 1, Integer::sum);
            perTier.merge(t.path("kind").asText() + " " + t.path("direction").asText() + " to "
                    + t.path("tier_to").asText(), 1, Integer::sum);
        }
        OUT.printf("  committed transitions: %,d in %d files, %,d distinct event_ids, %d duplicates%n",
                tLines.size(), files(out.resolve("transitions"), true).size(), byId.size(), duplicates);
        if (duplicates > 0) {
            problems++;
        }
        for (Leg g : legs) {
            int n = perLeg.getOrDefault(g.label, 0);
            OUT.printf("    emitted during %-34s %,6d%n", g.label + ":", n);
        }
        if (perLeg.containsKey("outside every run")) {
            OUT.printf("    emitted outside every run:         %,6d%n", perLeg.get("outside every run"));
            problems++;
        }
        for (Leg g : legs) {
            if (!g.label.contains("drain") && perLeg.getOrDefault(g.label, 0) == 0) {
                OUT.println("  PROBLEM: no transition emitted during " + g.label);
                problems++;
            }
        }
        OUT.println("    by kind and tier: " + perTier.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
        for (String sub : List.of("transitions", "scores", "dead-letters")) {
            int n = files(out.resolve(sub), false).size();
            if (n > 0) {
                OUT.printf("  PROBLEM: %d in-progress (uncommitted) files left in %s/%n", n, sub);
                problems++;
            }
        }

        // 2. the same as one uninterrupted replay of the whole input
        if (Files.isDirectory(reference)) {
            Map<String, ObjectNode> ref = new HashMap<>();
            for (String l : lines(reference.resolve("transitions"))) {
                ObjectNode t = (ObjectNode) JSON.readTree(l);
                ref.put(t.path("event_id").asText(), t);
            }
            int missing = 0;
            int extra = 0;
            int different = 0;
            for (Map.Entry<String, ObjectNode> e : ref.entrySet()) {
                ObjectNode mine = byId.get(e.getKey());
                if (mine == null) {
                    if (++missing <= 3) {
                        OUT.println("  MISSING (in the replay only): " + e.getValue());
                    }
                } else if (!withoutEmittedAt(mine).equals(withoutEmittedAt(e.getValue()))) {
                    if (++different <= 3) {
                        OUT.println("  DIFFERENT: " + mine + "\n     replay: " + e.getValue());
                    }
                }
            }
            for (Map.Entry<String, ObjectNode> e : byId.entrySet()) {
                if (!ref.containsKey(e.getKey()) && ++extra <= 3) {
                    OUT.println("  EXTRA (not in the replay): " + e.getValue());
                }
            }
            if (extra > 3) {
                extra = (int) byId.keySet().stream().filter(k -> !ref.containsKey(k)).count();
            }
            // current scores are coalesced per entity and watermark step, so how many rows a run
            // writes depends on its watermark steps: compare each entity's latest row
            List<String> scores = latestPerEntity(lines(out.resolve("scores")));
            List<String> refScores = latestPerEntity(lines(reference.resolve("scores")));
            Map<String, Long> dead = deadLetterReasons(out);
            Map<String, Long> refDead = deadLetterReasons(reference);
            boolean same = missing == 0 && extra == 0 && different == 0;
            OUT.printf("  vs one uninterrupted replay of the same input: transitions %,d vs %,d (%d missing, %d extra,"
                            + " %d different) %s%n", byId.size(), ref.size(), missing, extra, different,
                    same ? "IDENTICAL (except emitted_at)" : "DIFFER");
            OUT.printf("    latest current score of %,d vs %,d entities %s; dead letters %s vs %s %s%n", scores.size(),
                    refScores.size(), scores.equals(refScores) ? "IDENTICAL" : "DIFFER", dead, refDead,
                    dead.equals(refDead) ? "SAME" : "DIFFER");
            if (!same || !scores.equals(refScores) || !dead.equals(refDead)) {
                problems++;
            }
        }
        if (problems > 0) {
            OUT.println("  hints: records dropped as late by CEP (see each run's last progress line) lose pattern"
                    + " firings; a run whose watermark never moved scores nothing (docs/OPERATIONS.md)");
        }
        OUT.println(problems == 0 ? "  all checks passed" : "  " + problems + " check(s) FAILED");
        return problems == 0 ? 0 : 1;
    }

    /** Each entity's (kind, account, user) current-score row with the latest as_of, sorted. */
    private static List<String> latestPerEntity(List<String> rows) throws IOException {
        Map<String, String> latest = new HashMap<>();
        Map<String, String> asOf = new HashMap<>();
        for (String l : rows) {
            JsonNode r = JSON.readTree(l);
            String key = r.path("kind").asText() + "|" + r.path("account_id").asText() + "|" + r.path("user_id").asText();
            String at = r.path("as_of").asText();
            String was = asOf.get(key);
            int c = was == null ? 1 : at.compareTo(was);
            if (c > 0 || (c == 0 && l.compareTo(latest.get(key)) > 0)) {
                latest.put(key, l);
                asOf.put(key, at);
            }
        }
        return sorted(new ArrayList<>(latest.values()));
    }

    private static ObjectNode withoutEmittedAt(ObjectNode t) {
        ObjectNode c = t.deepCopy();
        c.remove("emitted_at");
        return c;
    }

    private static List<String> sorted(List<String> l) {
        List<String> c = new ArrayList<>(l);
        c.sort(null);
        return c;
    }

    private static Map<String, Long> deadLetterReasons(Path out) throws IOException {
        Map<String, Long> m = new TreeMap<>();
        for (String l : lines(out.resolve("dead-letters"))) {
            m.merge(JSON.readTree(l).path("reason").asText(), 1L, Long::sum);
        }
        return m;
    }
}
