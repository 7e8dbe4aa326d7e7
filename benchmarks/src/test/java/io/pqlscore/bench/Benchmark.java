package io.pqlscore.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.Connectors;
import io.pqlscore.config.JobOptions;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.RecordRouter;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.generator.EventGenerator;
import io.pqlscore.generator.GeneratedRecord;
import io.pqlscore.generator.GeneratorConfig;
import io.pqlscore.generator.KafkaSink;
import io.pqlscore.kafka.KafkaEventSource;
import io.pqlscore.metrics.Metrics;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.pipeline.ScoringTopology;
import io.pqlscore.testing.EmbeddedKafka;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * The benchmark of issue #6 (items 1-5): throughput of the full job against a baseline in the same
 * run, end-to-end latency in both delivery modes, state per user and account with checkpoint size
 * and duration, and a bounded file replay. A measurement tool, not a test (no {@code *Test} name,
 * no JUnit): {@code scripts/benchmark.sh} runs it, outside {@code mvn verify}. Method and results:
 * {@code docs/BENCHMARKS.md}; every run writes {@code results.json} (machine-readable, phases of
 * earlier runs kept unless run again) under {@code --out}.
 *
 * <ol>
 *   <li><b>throughput</b>: starts a Kafka broker (KRaft, in-process, loopback), pre-loads a topic
 *       of {@code --partitions} partitions with {@code --events} records of the event generator
 *       over {@code --accounts} accounts (then one watermark-tail record per partition), and only
 *       then runs, each on a fresh MiniCluster at {@code --parallelism}: the <i>baseline</i>
 *       (the job's Kafka source and parser, its record router, {@code keyBy(account)}, a discarding
 *       sink; bounded at the latest offsets), the <i>full job</i> (RocksDB, checkpoints every
 *       {@code --checkpoint-interval}, exactly-once Kafka sinks), then the baseline again. Each is
 *       timed from its first record to the last record through the keyBy (baseline) or to the
 *       scorer's watermark passing the last event (full job: every record scored).</li>
 *   <li><b>state</b> (part of throughput): after the full job drained the topic, its checkpoint
 *       statistics (REST), one more incremental and one full checkpoint, and a canonical savepoint
 *       read with {@link StateSizeMeasurement}: bytes per identified user and per account.</li>
 *   <li><b>latency</b>: for each delivery mode and out-of-orderness bound, an unbounded job on a
 *       fresh topic, records produced at {@code --latency-rate} (default: half the full job's
 *       measured rate) with their timestamp set to the wall clock when sent, and a
 *       {@code read_committed} consumer of the transitions: latency = visible - occurred_at.</li>
 *   <li><b>replay</b>: {@code --replay-events} generated records in a JSON-lines file, scored by
 *       the job in bounded mode with file outputs ({@code --input FILE --output DIR}).</li>
 * </ol>
 */
public final class Benchmark {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String SCORER = Metrics.ACCOUNTS_OPERATOR;
    static final String ROUTER = Metrics.ROUTER_OPERATOR;
    static final String BASELINE_ROUTER = "baseline: reject and drop late";
    static final String BASELINE_SINK = "baseline: discard after keyBy\\(account\\).*";
    /**
     * The baseline's one keyBy: by account, or for a record without one (SPEC 8, resolved by the
     * job's identity stage) by its user, so that every valid record crosses the network once.
     */
    private static final KeySelector<UsageEvent, String> BY_ACCOUNT_OR_USER =
            e -> e.accountId != null ? e.accountId : "user:" + e.userId;

    private Benchmark() {}

    // =========================================================================================
    // Options

    static final class Options {
        boolean quick;
        Set<String> phases = new LinkedHashSet<>(List.of("throughput", "horizon", "latency", "replay"));
        boolean state = true;
        boolean ingestBreakdown = true;
        /** The keyed floors (KeyedFloors) between the baseline and the full job. */
        boolean floors = true;
        /** The throughput phase also on the Segment-style stream (identity resolution, SPEC 8). */
        boolean identityStream = true;
        /** 2: a baseline before and after the full job (contention drifts); 1: before only. */
        int baselineRuns = 2;
        int accounts = 100_000;
        long events = 10_000_000L;
        long seed = GeneratorConfig.DEFAULT_SEED;
        /** Event-time span of the generated stream in days (0: as long as --events takes). */
        double days;
        /** The long-horizon stream (issue 16): fewer accounts over many days of event time. */
        int horizonAccounts = 9_000;
        double horizonDays = 61;
        /** No cap in practice: the span and the activity decide (about 1.2M records by default). */
        long horizonEvents = 5_000_000L;
        /** Users' activity on the long horizon: 0.08 gives about 1.2M records over 61 days from 9,000 accounts. */
        double horizonActivity = 0.08;
        /** Generator activity (default 1). */
        double activity = 1.0;
        int partitions = 4;
        int parallelism = 2;
        Duration checkpointInterval = Duration.ofSeconds(10);
        Duration checkpointMinPause = Duration.ZERO;
        String managedMemory = "1g";
        Duration drainTimeout = Duration.ofMinutes(60);
        double latencyRate;
        int latencyAccounts = -1;
        Duration latencyWarmup = Duration.ofSeconds(20);
        /** An unreported latency run first when no throughput phase warmed the JVM (0: none). */
        Duration latencyJvmWarmup = Duration.ofSeconds(60);
        Duration latencyMeasure = Duration.ofSeconds(120);
        List<String> latencyDelivery = List.of("at-least-once", "exactly-once");
        /** Out-of-orderness bounds to measure with: a duration, or "model" (the model's own, 5m). */
        List<String> latencyOoo = List.of("0s", "model");
        int replayAccounts = -1;
        long replayEvents = 10_000_000L;
        Duration replayTimeLimit;
        Path workDir = Paths.get(System.getProperty("java.io.tmpdir"), "bench-pqlscore");
        Path out = Paths.get("target", "bench");
        Path flinkConf = Paths.get("flink-conf");
        /** Extra Flink settings over flink-conf/config.yaml and the benchmark's own (--flink-set). */
        java.util.Map<String, String> flinkSettings = new java.util.LinkedHashMap<>();
        boolean fresh;
        String command;

        static final String USAGE = String.join("\n",
                "Usage: scripts/benchmark.sh [--quick] [options]",
                "",
                "Phases (default all): --only throughput,horizon,latency,replay   (state is measured with throughput)",
                "Scale:   --accounts N (100000) --events N (10000000) --replay-events N (10000000)",
                "         --replay-accounts N (= --accounts) --latency-accounts N (= --accounts) --seed S",
                "         --replay-time-limit D (stop the replay after D of reading; reports the rate so far)",
                "Horizon: --horizon-accounts N (9000) --horizon-days D (61) --horizon-activity X (0.08)",
                "         --horizon-events N (cap, 5000000; by default about 1.2M records are generated): the",
                "         throughput phase on a long event-time span (ticks, window expiry, retention as in production)",
                "         --quick: 10000 accounts, 200000 events, 200000 replay events, 60 s latency windows,",
                "                  latency only with out-of-orderness 0s",
                "Job:     --parallelism N (2) --partitions N (4) --checkpoint-interval D (10s)",
                "         --checkpoint-min-pause D (0s) --managed-memory SIZE (1g) --flink-conf DIR (flink-conf)",
                "         --flink-set KEY=VALUE (any Flink setting, repeatable; e.g.",
                "         execution.buffer-timeout.interval=10ms, pipeline.auto-watermark-interval=50ms)",
                "Latency: --latency-rate R (default: half the measured full-job rate) --latency-warmup D (20s)",
                "         --latency-jvm-warmup D (60s; an unreported run first when no throughput phase ran; 0: none)",
                "         --latency-seconds N (120) --latency-delivery at-least-once,exactly-once",
                "         --latency-ooo 0s,model (out-of-orderness bounds; 'model' = the model's own, 5m)",
                "Other:   --no-state --no-ingest-breakdown --no-floors --baseline-runs 1|2 (2: before and after the full job)",
                "         --no-identity-stream (throughput: skip the Segment-style stream, most records without an account id)",
                "         --drain-timeout D (60m) --work-dir DIR --out DIR (target/bench)",
                "         --fresh (do not keep the phases of an earlier results.json)",
                "");

        static Options parse(String[] args) {
            Options o = new Options();
            o.command = String.join(" ", args).trim();
            for (String a : args) {
                if (a.equals("--quick")) {
                    o.quick = true;
                    o.accounts = 10_000;
                    o.events = 200_000;
                    o.replayEvents = 200_000;
                    o.latencyMeasure = Duration.ofSeconds(60);
                    o.latencyWarmup = Duration.ofSeconds(15);
                    o.latencyJvmWarmup = Duration.ofSeconds(20);
                    o.latencyOoo = List.of("0s");
                }
            }
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.isEmpty() || a.equals("--quick")) {
                    continue;
                }
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (a) {
                    case "--help": case "-h": System.out.print(USAGE); System.exit(0); break;
                    case "--only": o.phases = new LinkedHashSet<>(List.of(need(a, v).split(","))); i++; break;
                    case "--no-state": o.state = false; break;
                    case "--no-ingest-breakdown": o.ingestBreakdown = false; break;
                    case "--no-floors": o.floors = false; break;
                    case "--no-identity-stream": o.identityStream = false; break;
                    case "--baseline-runs": o.baselineRuns = Integer.parseInt(need(a, v)); i++; break;
                    case "--fresh": o.fresh = true; break;
                    case "--accounts": o.accounts = Integer.parseInt(need(a, v)); i++; break;
                    case "--events": o.events = Long.parseLong(need(a, v).replace("_", "")); i++; break;
                    case "--seed": o.seed = Long.parseLong(need(a, v)); i++; break;
                    case "--horizon-accounts": o.horizonAccounts = Integer.parseInt(need(a, v)); i++; break;
                    case "--horizon-days": o.horizonDays = Double.parseDouble(need(a, v)); i++; break;
                    case "--horizon-activity": o.horizonActivity = Double.parseDouble(need(a, v)); i++; break;
                    case "--horizon-events": o.horizonEvents = Long.parseLong(need(a, v).replace("_", "")); i++; break;
                    case "--partitions": o.partitions = Integer.parseInt(need(a, v)); i++; break;
                    case "--parallelism": o.parallelism = Integer.parseInt(need(a, v)); i++; break;
                    case "--checkpoint-interval": o.checkpointInterval = duration(need(a, v)); i++; break;
                    case "--checkpoint-min-pause": o.checkpointMinPause = duration(need(a, v)); i++; break;
                    case "--managed-memory": o.managedMemory = need(a, v); i++; break;
                    case "--drain-timeout": o.drainTimeout = duration(need(a, v)); i++; break;
                    case "--latency-rate": o.latencyRate = Double.parseDouble(need(a, v)); i++; break;
                    case "--latency-accounts": o.latencyAccounts = Integer.parseInt(need(a, v)); i++; break;
                    case "--latency-warmup": o.latencyWarmup = duration(need(a, v)); i++; break;
                    case "--latency-jvm-warmup": o.latencyJvmWarmup = duration(need(a, v)); i++; break;
                    case "--latency-seconds": o.latencyMeasure = Duration.ofSeconds(Long.parseLong(need(a, v))); i++; break;
                    case "--latency-delivery": o.latencyDelivery = List.of(need(a, v).split(",")); i++; break;
                    case "--latency-ooo": o.latencyOoo = List.of(need(a, v).split(",")); i++; break;
                    case "--replay-accounts": o.replayAccounts = Integer.parseInt(need(a, v)); i++; break;
                    case "--replay-events": o.replayEvents = Long.parseLong(need(a, v).replace("_", "")); i++; break;
                    case "--replay-time-limit": o.replayTimeLimit = duration(need(a, v)); i++; break;
                    case "--work-dir": o.workDir = Paths.get(need(a, v)); i++; break;
                    case "--out": o.out = Paths.get(need(a, v)); i++; break;
                    case "--flink-conf": o.flinkConf = Paths.get(need(a, v)); i++; break;
                    case "--flink-set":
                        int eq = need(a, v).indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--flink-set takes KEY=VALUE, not " + v);
                        }
                        o.flinkSettings.put(v.substring(0, eq).trim(), v.substring(eq + 1).trim());
                        i++;
                        break;
                    default: throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
                }
            }
            for (String p : o.phases) {
                if (!List.of("throughput", "horizon", "latency", "replay").contains(p)) {
                    throw new IllegalArgumentException("--only takes throughput, horizon, latency, replay; not " + p);
                }
            }
            for (String d : o.latencyDelivery) {
                if (!List.of("at-least-once", "exactly-once").contains(d)) {
                    throw new IllegalArgumentException("--latency-delivery takes at-least-once, exactly-once; not " + d);
                }
            }
            if (o.latencyAccounts < 0) {
                o.latencyAccounts = o.accounts;
            }
            if (o.replayAccounts < 0) {
                o.replayAccounts = o.accounts;
            }
            return o;
        }

        private static String need(String option, String v) {
            if (v == null) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return v;
        }

        /**
         * The throughput phase's settings for the long-horizon stream: its own population and span,
         * the floors, no ingest breakdown and no Segment-style stream (those are the short stream's).
         */
        Options horizon() {
            Options h = new Options();
            h.quick = quick;
            h.phases = Set.of("horizon");
            h.state = state;
            h.ingestBreakdown = false;
            h.floors = floors;
            h.identityStream = false;
            h.baselineRuns = baselineRuns;
            h.accounts = horizonAccounts;
            h.events = horizonEvents;
            h.days = horizonDays;
            h.activity = horizonActivity;
            h.seed = seed;
            h.partitions = partitions;
            h.parallelism = parallelism;
            h.checkpointInterval = checkpointInterval;
            h.checkpointMinPause = checkpointMinPause;
            h.managedMemory = managedMemory;
            h.drainTimeout = drainTimeout;
            h.workDir = workDir.resolve("horizon");
            h.out = out;
            h.flinkConf = flinkConf;
            h.flinkSettings = flinkSettings;
            h.command = command;
            return h;
        }

        ObjectNode toJson() {
            ObjectNode n = JSON.createObjectNode();
            n.put("quick", quick);
            n.put("parallelism", parallelism);
            n.put("partitions", partitions);
            n.put("checkpoint_interval_ms", checkpointInterval.toMillis());
            n.put("checkpoint_min_pause_ms", checkpointMinPause.toMillis());
            n.put("managed_memory", managedMemory);
            n.put("seed", seed);
            ObjectNode f = n.putObject("flink_set");
            flinkSettings.forEach(f::put);
            return n;
        }
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    static Duration duration(String v) {
        Matcher m = DURATION.matcher(v.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration (like 10s, 5m, 500ms): " + v);
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        double f = unit.equals("ms") ? 1 : unit.equals("s") ? 1e3 : unit.equals("m") ? 6e4 : 3.6e6;
        return Duration.ofMillis(Math.round(n * f));
    }

    // =========================================================================================
    // Main

    public static void main(String[] args) {
        int status = 0;
        try {
            if (args.length == 1 && args[0].trim().contains(" ")) {
                args = args[0].trim().split("\\s+"); // exec:exec may pass an argline as one argument
            }
            run(Options.parse(args));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            status = 2;
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        }
        // a MiniCluster or broker that failed half-way can leave non-daemon threads behind
        System.exit(status);
    }

    static ObjectNode run(Options o) throws Exception {
        Files.createDirectories(o.workDir);
        Files.createDirectories(o.out);
        Path resultsFile = o.out.resolve("results.json");
        ObjectNode results = !o.fresh && Files.isRegularFile(resultsFile)
                ? (ObjectNode) JSON.readTree(resultsFile.toFile()) : JSON.createObjectNode();
        ObjectNode run = JSON.createObjectNode();
        run.put("started", Instant.now().toString());
        run.put("command", "scripts/benchmark.sh " + o.command);
        run.set("machine", machine());
        run.set("settings", o.toJson());
        log("benchmark: phases %s, work dir %s, results %s", o.phases, o.workDir, resultsFile);
        ScoringModel model = ModelLoader.loadDefault();

        if (o.phases.contains("throughput") || o.phases.contains("horizon") || o.phases.contains("latency")) {
            log("starting Kafka (KRaft, in-process, loopback)");
            try (EmbeddedKafka kafka = new EmbeddedKafka().start()) {
                if (o.phases.contains("throughput")) {
                    ObjectNode t = throughput(o, kafka, model);
                    t.set("run", run);
                    results.set("throughput", t);
                    write(resultsFile, results);
                }
                if (o.phases.contains("horizon")) {
                    ObjectNode h = throughput(o.horizon(), kafka, model);
                    h.set("run", run);
                    results.set("horizon", h);
                    write(resultsFile, results);
                }
                if (o.phases.contains("latency")) {
                    double rate = o.latencyRate;
                    String rateSource = "--latency-rate";
                    if (rate <= 0) {
                        JsonNode full = results.path("throughput").path("full").path("events_per_s");
                        if (!full.isNumber()) {
                            throw new IllegalArgumentException("no measured full-job rate in " + resultsFile
                                    + ": run the throughput phase first, or give --latency-rate");
                        }
                        rate = Math.max(1, Math.floor(full.asDouble() / 2));
                        rateSource = "half the full job's measured rate (" + Math.round(full.asDouble()) + " events/s, "
                                + results.path("throughput").path("scale").path("accounts").asInt() + " accounts)";
                    }
                    ObjectNode l = latency(o, kafka, model, rate, rateSource);
                    l.set("run", run);
                    // runs of other delivery modes / bounds measured by earlier invocations stay
                    JsonNode before = results.path("latency").path("runs");
                    if (before.isObject()) {
                        ObjectNode merged = ((ObjectNode) before).deepCopy();
                        l.path("runs").fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue()));
                        l.set("runs", merged);
                    }
                    results.set("latency", l);
                    write(resultsFile, results);
                }
            }
        }
        if (o.phases.contains("replay")) {
            ObjectNode r = replay(o, model);
            r.set("run", run);
            results.set("replay", r);
            write(resultsFile, results);
        }
        printSummary(results);
        log("results written to %s", resultsFile.toAbsolutePath());
        return results;
    }

    static void write(Path file, ObjectNode results) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), results);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    // =========================================================================================
    // 1, 2, 4: throughput against the baseline, then state

    static ObjectNode throughput(Options o, EmbeddedKafka kafka, ScoringModel model) throws Exception {
        ObjectNode result = JSON.createObjectNode();
        String topic = o.days > 0 ? "bench-events-horizon" : "bench-events";
        kafka.createTopic(topic, o.partitions);
        log("pre-loading %,d generated records over %,d accounts%s into topic %s (%d partitions) ...", o.events,
                o.accounts, o.days > 0 ? String.format(Locale.ROOT, " and at most %.0f days", o.days) : "", topic,
                o.partitions);
        GeneratorConfig gc = new GeneratorConfig().accounts(o.accounts).events(o.events).seed(o.seed).activity(o.activity);
        if (o.days > 0) {
            gc.days(o.days);
        }
        long t0 = System.nanoTime();
        EventGenerator.Summary gen;
        try (KafkaSink sink = KafkaSink.create(kafka.bootstrapServers(), topic, Map.of())) {
            gen = new EventGenerator(gc).progressTo(System.err).generate(sink);
        }
        double preloadS = secs(t0);
        // One record per partition, 5 min + 1 s (the model's out-of-orderness) after the last
        // event: every partition's watermark then passes the last event, so an unbounded job
        // scores every record. Its account is left out of the state figures.
        long tailTime = gen.lastEventTime + model.time().maxOutOfOrdernessMs() + 1000;
        for (int p = 0; p < o.partitions; p++) {
            kafka.produce(topic, p, SyntheticEvents.TAIL_ACCOUNT.getBytes(StandardCharsets.UTF_8),
                    tailRecord(p, tailTime).getBytes(StandardCharsets.UTF_8));
        }
        long total = gen.records + o.partitions;
        log("pre-loaded in %.1f s: %s", preloadS, gen);
        ObjectNode scale = result.putObject("scale");
        scale.put("accounts", o.accounts);
        scale.put("events", gen.records);
        scale.put("valid", gen.valid);
        scale.put("duplicates", gen.duplicates);
        scale.put("accounts_seen", gen.accountsSeen);
        scale.put("users_seen", gen.usersSeen);
        scale.put("population_users", gen.users);
        scale.put("days", o.days);
        scale.put("activity", o.activity);
        scale.put("event_time_from", Instant.ofEpochMilli(gen.firstEventTime).toString());
        scale.put("event_time_to", Instant.ofEpochMilli(gen.lastEventTime).toString());
        scale.put("watermark_tail_records", o.partitions);
        scale.put("partitions", o.partitions);
        scale.put("preload_s", round(preloadS, 1));
        scale.put("preload_records_per_s", Math.round(gen.records / preloadS));

        if (o.ingestBreakdown) {
            ObjectNode ingest = result.putObject("ingest_breakdown");
            ingest.set("read", ingestVariant(o, kafka, topic, total, "read"));
            ingest.set("parse", ingestVariant(o, kafka, topic, total, "parse"));
        }
        ObjectNode base1 = baseline(o, kafka, topic, total, 1);
        ObjectNode floors = null;
        if (o.floors) {
            floors = JSON.createObjectNode();
            for (String which : List.of("state", "buffer", "order")) {
                floors.set(which, floor(o, kafka, topic, total, which));
            }
        }
        // the horizon's run gets topics and a work directory of its own: it may share the broker
        // with the full-size run of the same invocation
        FullRun full = fullJob(o, kafka, topic, model, total, gen.lastEventTime,
                o.phases.equals(Set.of("horizon")) ? "horizon-full" : "full");
        ObjectNode base2 = o.baselineRuns > 1 ? baseline(o, kafka, topic, total, 2) : null;
        result.set("baseline_before", base1);
        result.set("full", full.json);
        if (base2 != null) {
            result.set("baseline_after", base2);
        }
        // the mean of the two: other processes' load drifts over a run, and the JIT warms up
        double b = base2 == null ? base1.path("events_per_s").asDouble()
                : (base1.path("events_per_s").asDouble() + base2.path("events_per_s").asDouble()) / 2;
        double f = full.json.path("events_per_s").asDouble();
        result.put("baseline_events_per_s", Math.round(b));
        result.put("ratio_full_to_baseline", round(f / b, 4));
        if (floors != null) {
            for (String which : List.of("state", "buffer", "order")) {
                ObjectNode fl = (ObjectNode) floors.get(which);
                fl.put("ratio_to_baseline", round(fl.path("events_per_s").asDouble() / b, 4));
                log("floor '%s': %,.0f events/s, ratio to the baseline %.3f", which,
                        fl.path("events_per_s").asDouble(), fl.path("events_per_s").asDouble() / b);
            }
            result.set("floors", floors);
        }
        result.put("ratio_target", 0.5);
        result.put("ratio_target_met", f / b >= 0.5);
        result.put("throughput_target_events_per_s", 100_000);
        result.put("throughput_target_met", f >= 100_000);
        log("throughput: full job %,.0f events/s, baseline %,.0f events/s (before %,.0f, after %s): ratio %.4f",
                f, b, base1.path("events_per_s").asDouble(), base2 == null ? "-"
                        : String.format(Locale.ROOT, "%,.0f", base2.path("events_per_s").asDouble()), f / b);

        if (full.savepoint != null) {
            result.set("state", state(full, gen, model, o));
        }
        if (o.identityStream) {
            result.set("identity_stream", identityStream(o, kafka, model));
        }
        return result;
    }

    /**
     * The same population and schedule, sent as Segment's libraries send it (generator
     * {@code --segment-style}: identify and most user activity without an account id, a group call
     * naming each user), through the same baseline and full job: the cost of identity resolution
     * (SPEC 8), reported beside the tagged stream. With state, the identity stage's state per user.
     */
    static ObjectNode identityStream(Options o, EmbeddedKafka kafka, ScoringModel model) throws Exception {
        ObjectNode result = JSON.createObjectNode();
        String topic = "bench-events-identity";
        kafka.createTopic(topic, o.partitions);
        log("identity stream: pre-loading %,d records (--segment-style) over %,d accounts into %s ...", o.events,
                o.accounts, topic);
        GeneratorConfig gc = new GeneratorConfig().accounts(o.accounts).events(o.events).seed(o.seed).segmentStyle(true);
        long t0 = System.nanoTime();
        EventGenerator.Summary gen;
        try (KafkaSink sink = KafkaSink.create(kafka.bootstrapServers(), topic, Map.of())) {
            gen = new EventGenerator(gc).progressTo(System.err).generate(sink);
        }
        long tailTime = gen.lastEventTime + model.time().maxOutOfOrdernessMs() + 1000;
        for (int p = 0; p < o.partitions; p++) {
            kafka.produce(topic, p, SyntheticEvents.TAIL_ACCOUNT.getBytes(StandardCharsets.UTF_8),
                    tailRecord(p, tailTime).getBytes(StandardCharsets.UTF_8));
        }
        long total = gen.records + o.partitions;
        ObjectNode scale = result.putObject("scale");
        scale.put("events", gen.records);
        scale.put("valid", gen.valid);
        scale.put("users_seen", gen.usersSeen);
        scale.put("accounts_seen", gen.accountsSeen);
        scale.put("preload_s", round(secs(t0), 1));
        ObjectNode base = baseline(o, kafka, topic, total, "identity baseline", "identity-baseline");
        FullRun full = fullJob(o, kafka, topic, model, total, gen.lastEventTime, "identity-full");
        result.set("baseline", base);
        result.set("full", full.json);
        double b = base.path("events_per_s").asDouble();
        double f = full.json.path("events_per_s").asDouble();
        long withoutAccount = full.json.path("identity_resolved").asLong();
        result.put("ratio_full_to_baseline", round(f / b, 4));
        result.put("records_resolved", withoutAccount);
        log("identity stream: full job %,.0f events/s, baseline %,.0f events/s: ratio %.4f; %,d records given their"
                + " user's account, %,d memberships, %,d without an account", f, b, f / b, withoutAccount,
                full.json.path("identity_memberships").asLong(), full.json.path("identity_no_account").asLong());
        if (full.savepoint != null) {
            ObjectNode st = state(full, gen, model, o);
            long identityBytes = st.path("by_operator_bytes").path(ScoringTopology.UID_IDENTITY).asLong();
            long identityKeys = st.path("keys_by_operator").path(ScoringTopology.UID_IDENTITY).asLong();
            st.put("identity_stage_bytes", identityBytes);
            st.put("identity_stage_users", identityKeys);
            st.put("identity_stage_bytes_per_user", identityKeys == 0 ? 0 : Math.round((double) identityBytes / identityKeys));
            log("identity stage state: %s over %,d users = %,d bytes per known user", bytes(identityBytes), identityKeys,
                    st.path("identity_stage_bytes_per_user").asLong());
            result.set("state", st);
        }
        return result;
    }

    static String tailRecord(int partition, long time) {
        return "{\"type\":\"page\",\"name\":\"Home\",\"anonymousId\":\"bench-watermark-tail\",\"messageId\":"
                + "\"bench-watermark-tail-" + partition + "\",\"timestamp\":\"" + Instant.ofEpochMilli(time)
                + "\",\"context\":{\"groupId\":\"" + SyntheticEvents.TAIL_ACCOUNT + "\"},\"properties\":{}}";
    }

    /** Source, parser and record router of the job, keyBy(account), and a discarding sink. */
    static ObjectNode baseline(Options o, EmbeddedKafka kafka, String topic, long total, int n) throws Exception {
        return baseline(o, kafka, topic, total, "baseline #" + n, "baseline-" + n);
    }

    static ObjectNode baseline(Options o, EmbeddedKafka kafka, String topic, long total, String label, String id)
            throws Exception {
        log("%s: Kafka source + parser + router + keyBy(account) + discard, bounded (stop at latest)", label);
        return keyedRun(o, kafka, topic, total, label, id,
                keyed -> keyed.sinkTo(new DiscardingSink<>()).uid("bench-baseline-discard")
                        .name("baseline: discard after keyBy(account)"));
    }

    /**
     * The baseline followed by one of the {@link KeyedFloors} on the job's state backend: the least
     * keyed work the contract asks per record, so that the full job's cost can be placed between
     * the ingest path and what RocksDB keyed state alone costs on this machine.
     */
    static ObjectNode floor(Options o, EmbeddedKafka kafka, String topic, long total, String which) throws Exception {
        log("floor '%s': baseline + %s, bounded (stop at latest)", which, FLOORS.get(which));
        return keyedRun(o, kafka, topic, total, "floor " + which, "floor-" + which, keyed -> {
            DataStream<Long> floored = which.equals("buffer")
                    ? keyed.transform("floor " + which, Types.LONG, new KeyedFloors.HeapBuffer(200_000))
                            .uid("bench-floor-" + which)
                    : keyed.process(which.equals("order") ? new KeyedFloors.EventTimeBuffer() : new KeyedFloors.StateTouch())
                            .returns(Types.LONG).uid("bench-floor-" + which).name("floor " + which);
            floored.sinkTo(new DiscardingSink<>()).uid("bench-floor-discard")
                    .name("baseline: discard after keyBy(account) and floor " + which);
        });
    }

    /** The keyed floors, cheapest first: what each adds to the baseline per record. */
    static final java.util.Map<String, String> FLOORS = new java.util.LinkedHashMap<>(java.util.Map.of(
            "state", "one keyed value read and write per record",
            "buffer", "the job's event-time buffer (one heap queue, raw keyed state in snapshots), release, one value read/write",
            "order", "the earlier topology's event-time buffer (keyed map entry and timer per instant), release, one value read/write"));

    /** Runs source, parser, router and keyBy(account) into {@code after}, timed to the last record at the sink. */
    static ObjectNode keyedRun(Options o, EmbeddedKafka kafka, String topic, long total, String label, String id,
            java.util.function.Consumer<org.apache.flink.streaming.api.datastream.KeyedStream<UsageEvent, String>> after)
            throws Exception {
        try (BenchCluster c = BenchCluster.start(o, o.workDir.resolve(id))) {
            StreamExecutionEnvironment env = c.environment();
            JobOptions jo = JobOptions.parse("--kafka-bootstrap-servers", kafka.bootstrapServers(), "--kafka-topics",
                    topic, "--kafka-starting-offsets", "earliest", "--kafka-stop-at-latest", "--kafka-group-id",
                    "bench-" + id, "--parallelism", Integer.toString(o.parallelism));
            ScoringPipeline.configure(env, jo);
            ScoringModel model = ModelLoader.loadDefault();
            EventParser parser = new EventParser(model, jo.maxRecordBytes, jo.maxDepth);
            DataStream<ParsedRecord> records = new KafkaEventSource(jo).open(env, parser,
                    ScoringTopology.watermarks(model, jo.idleTimeout));
            // the job's own record type information: the same serializer on the keyBy's network edge
            SingleOutputStreamOperator<UsageEvent> routed = records.process(new RecordRouter())
                    .returns(io.pqlscore.events.SerializerTypeInfo.USAGE_EVENT)
                    .uid("bench-baseline-router").name(BASELINE_ROUTER);
            // the records the job sends to identity resolution come along too (identify/group calls naming a user)
            DataStream<UsageEvent> toResolve = routed.getSideOutput(RecordRouter.TO_RESOLVE)
                    .map(in -> in.event).returns(io.pqlscore.events.SerializerTypeInfo.USAGE_EVENT)
                    .uid("bench-baseline-to-resolve").name("baseline: to resolve");
            after.accept(routed.union(toResolve).keyBy(BY_ACCOUNT_OR_USER, Types.STRING));
            JobID job = c.submit(env, "pqlscore bench: " + label);
            long started = System.nanoTime();
            DrainStart drain = new DrainStart(started);
            CpuMeter cpu = new CpuMeter();
            long done = -1;
            long deadline = System.nanoTime() + o.drainTimeout.toNanos();
            while (done < 0) {
                long now = System.nanoTime();
                long in = c.operatorCount(job, Pattern.quote(BASELINE_ROUTER), "numRecordsIn");
                if (drain.firstSeen(now, in)) {
                    cpu = new CpuMeter();
                }
                long keyed = c.operatorCount(job, BASELINE_SINK, "numRecordsIn");
                requireMetrics(c, job, started, Pattern.quote(BASELINE_ROUTER), BASELINE_SINK);
                if (keyed >= total) {
                    done = now;
                    break;
                }
                JobStatus s = c.status(job);
                if (s.isGloballyTerminalState()) {
                    if (s != JobStatus.FINISHED) {
                        c.checkRunning(job);
                    }
                    throw new IllegalStateException(label + " finished with " + keyed + " of " + total
                            + " records through the keyBy");
                }
                if (now > deadline) {
                    throw new IllegalStateException(label + " did not finish within " + o.drainTimeout);
                }
                Thread.sleep(20);
            }
            ObjectNode r = JSON.createObjectNode();
            double s = (done - drain.nanos()) / 1e9;
            r.put("records", total);
            r.put("seconds", round(s, 2));
            r.put("events_per_s", Math.round(total / s));
            r.set("cpu", cpu.stop());
            efficiency(r, total, (ObjectNode) r.get("cpu"));
            JobResult jr = c.cluster.requestJobResult(job).get();
            r.put("job_net_runtime_s", round(jr.getNetRuntime() / 1e3, 2));
            log("%s: %,d records in %.2f s = %,.0f events/s (job %.1f s incl. start-up and shutdown)", label,
                    total, s, total / s, jr.getNetRuntime() / 1e3);
            return r;
        }
    }

    /** Averages Flink's per-task busy / back-pressured / idle time over a run (sampled every second). */
    static final class TaskSampler {
        private final java.util.Map<String, double[]> sums = new java.util.TreeMap<>();
        private int samples;
        private long last;
        /** Flink updates its time gauges every 5 s; before the first update they read 1000 ms/s busy. */
        private final long from = System.nanoTime() + 12_000_000_000L;

        void sample(BenchCluster c, JobID job) {
            long now = System.nanoTime();
            if (now - last < 1_000_000_000L || now < from) {
                return;
            }
            last = now;
            java.util.Map<String, double[]> t = c.taskTimes(job);
            if (t.isEmpty()) {
                return;
            }
            samples++;
            t.forEach((task, v) -> {
                double[] acc = sums.computeIfAbsent(task, k -> new double[v.length]);
                for (int i = 0; i < v.length; i++) {
                    acc[i] += v[i];
                }
            });
        }

        /** Tasks by busy time, largest first; times are ms per second summed over the task's subtasks. */
        ArrayNode toJson() {
            ArrayNode a = JSON.createArrayNode();
            if (samples == 0) {
                return a;
            }
            sums.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue()[0], x.getValue()[0])).forEach(e -> {
                double[] v = e.getValue();
                ObjectNode n = a.addObject();
                n.put("task", e.getKey());
                n.put("subtasks", Math.round(v[3] / samples));
                n.put("busy_ms_per_s", Math.round(v[0] / samples));
                n.put("backpressured_ms_per_s", Math.round(v[1] / samples));
                n.put("idle_ms_per_s", Math.round(v[2] / samples));
            });
            return a;
        }
    }

    /**
     * Two cheaper cousins of the baseline, to show where the ingest path's own cost goes: {@code read}
     * (the same topic through a KafkaSource of raw bytes into a chained discarding sink: Kafka's
     * ceiling here) and {@code parse} (the job's source and parser and its record router, into a
     * chained discarding sink: no keyBy, so no serialization or network shuffle).
     */
    static ObjectNode ingestVariant(Options o, EmbeddedKafka kafka, String topic, long total, String variant)
            throws Exception {
        log("ingest '%s': %s", variant, variant.equals("read") ? "Kafka source of raw bytes -> discard (chained)"
                : "Kafka source + parser + router -> discard (chained, no keyBy)");
        try (BenchCluster c = BenchCluster.start(o, o.workDir.resolve("ingest-" + variant))) {
            StreamExecutionEnvironment env = c.environment();
            JobOptions jo = JobOptions.parse("--kafka-bootstrap-servers", kafka.bootstrapServers(), "--kafka-topics",
                    topic, "--kafka-starting-offsets", "earliest", "--kafka-stop-at-latest", "--kafka-group-id",
                    "bench-ingest-" + variant, "--parallelism", Integer.toString(o.parallelism));
            ScoringPipeline.configure(env, jo);
            String sinkName = "ingest " + variant + ": discard";
            if (variant.equals("read")) {
                org.apache.flink.connector.kafka.source.KafkaSource<byte[]> src =
                        org.apache.flink.connector.kafka.source.KafkaSource.<byte[]>builder()
                        .setBootstrapServers(kafka.bootstrapServers()).setTopics(topic)
                        .setGroupId("bench-ingest-read")
                        .setStartingOffsets(org.apache.flink.connector.kafka.source.enumerator.initializer
                                .OffsetsInitializer.earliest())
                        .setBounded(org.apache.flink.connector.kafka.source.enumerator.initializer
                                .OffsetsInitializer.latest())
                        .setDeserializer(org.apache.flink.connector.kafka.source.reader.deserializer
                                .KafkaRecordDeserializationSchema.valueOnly(
                                        org.apache.kafka.common.serialization.ByteArrayDeserializer.class))
                        .setProperty("isolation.level", "read_committed")
                        .build();
                env.fromSource(src, org.apache.flink.api.common.eventtime.WatermarkStrategy.noWatermarks(),
                        "raw Kafka read").uid("bench-ingest-read-source")
                        .sinkTo(new DiscardingSink<>()).uid("bench-ingest-read-discard").name(sinkName);
            } else {
                ScoringModel model = ModelLoader.loadDefault();
                EventParser parser = new EventParser(model, jo.maxRecordBytes, jo.maxDepth);
                SingleOutputStreamOperator<UsageEvent> routed = new KafkaEventSource(jo)
                        .open(env, parser, ScoringTopology.watermarks(model, jo.idleTimeout))
                        .process(new RecordRouter()).returns(io.pqlscore.events.SerializerTypeInfo.USAGE_EVENT)
                        .uid("bench-ingest-parse-router").name("ingest parse: router");
                // identify/group calls naming a user leave on the side output: counted like the others
                routed.union(routed.getSideOutput(RecordRouter.TO_RESOLVE).map(in -> in.event)
                                .returns(io.pqlscore.events.SerializerTypeInfo.USAGE_EVENT)
                                .uid("bench-ingest-parse-to-resolve").name("ingest parse: to resolve"))
                        .sinkTo(new DiscardingSink<>()).uid("bench-ingest-parse-discard").name(sinkName);
            }
            JobID job = c.submit(env, "pqlscore bench: ingest " + variant);
            long started = System.nanoTime();
            DrainStart drain = new DrainStart(started);
            String sinkRegex = Pattern.quote(sinkName) + ".*";
            CpuMeter cpu = new CpuMeter();
            long done;
            long deadline = started + o.drainTimeout.toNanos();
            while (true) {
                long now = System.nanoTime();
                long n = c.operatorCount(job, sinkRegex, "numRecordsIn");
                if (drain.firstSeen(now, n)) {
                    cpu = new CpuMeter();
                }
                if (n >= total) {
                    done = now;
                    break;
                }
                requireMetrics(c, job, started, sinkRegex);
                JobStatus st = c.status(job);
                if (st.isGloballyTerminalState()) {
                    c.checkRunning(job);
                    throw new IllegalStateException("ingest " + variant + " finished with " + n + " of " + total);
                }
                if (now > deadline) {
                    throw new IllegalStateException("ingest " + variant + " did not finish within " + o.drainTimeout);
                }
                Thread.sleep(20);
            }
            double sec = (done - drain.nanos()) / 1e9;
            ObjectNode r = JSON.createObjectNode();
            r.put("records", total);
            r.put("seconds", round(sec, 2));
            r.put("events_per_s", Math.round(total / sec));
            r.set("cpu", cpu.stop());
            efficiency(r, total, (ObjectNode) r.get("cpu"));
            log("ingest '%s': %,d records in %.2f s = %,.0f events/s (%,d per CPU-second of this JVM)", variant, total,
                    sec, total / sec, r.path("events_per_cpu_s").asLong());
            return r;
        }
    }

    static final class FullRun {
        ObjectNode json = JSON.createObjectNode();
        Path savepoint;
        long watermark;
    }

    /** The whole job, exactly-once Kafka sinks, unbounded: timed until every record is scored. */
    static FullRun fullJob(Options o, EmbeddedKafka kafka, String topic, ScoringModel model, long total,
            long lastEventTime) throws Exception {
        return fullJob(o, kafka, topic, model, total, lastEventTime, "full");
    }

    /** {@code id} names the run's output topics, work directory, consumer group and job. */
    static FullRun fullJob(Options o, EmbeddedKafka kafka, String topic, ScoringModel model, long total,
            long lastEventTime, String id) throws Exception {
        FullRun run = new FullRun();
        ObjectNode r = run.json;
        String suffix = id.equals("full") ? "" : "-" + id;
        String transitions = "bench-transitions" + suffix;
        String deadLetters = "bench-dead-letters" + suffix;
        kafka.createTopic(transitions, o.parallelism);
        kafka.createTopic(deadLetters, 1);
        log("full job: Kafka source -> whole scoring job -> exactly-once Kafka sinks, RocksDB, checkpoints every %s",
                o.checkpointInterval);
        try (BenchCluster c = BenchCluster.start(o, o.workDir.resolve(id))) {
            StreamExecutionEnvironment env = c.environment();
            JobOptions jo = JobOptions.parse("--kafka-bootstrap-servers", kafka.bootstrapServers(), "--kafka-topics",
                    topic, "--kafka-starting-offsets", "earliest", "--kafka-group-id", "bench-" + id,
                    "--transitions-topic", transitions, "--dead-letters-topic", deadLetters,
                    "--delivery", "exactly-once", "--transactional-id-prefix", "bench-" + id + "-" + System.currentTimeMillis(),
                    "--parallelism", Integer.toString(o.parallelism));
            new ScoringPipeline(jo, model, Connectors.source(jo), Connectors.sinks(jo)).build(env);
            JobID job = c.submit(env, "pqlscore bench: " + (id.equals("full") ? "full job" : id));
            long started = System.nanoTime();
            DrainStart drain = new DrainStart(started);
            CpuMeter cpu = new CpuMeter();
            long read = -1;
            long done = -1;
            long deadline = System.nanoTime() + o.drainTimeout.toNanos();
            long nextLog = System.nanoTime() + 15_000_000_000L;
            long watermark = Long.MIN_VALUE;
            ArrayNode progress = r.putArray("progress");
            TaskSampler tasks = new TaskSampler();
            CpuMeter interval = new CpuMeter();
            long lastIn = 0;
            while (true) {
                long now = System.nanoTime();
                tasks.sample(c, job);
                long in = c.operatorCount(job, Pattern.quote(ROUTER), "numRecordsIn");
                if (drain.firstSeen(now, in)) {
                    cpu = new CpuMeter();
                }
                if (read < 0 && in >= total) {
                    read = now;
                }
                watermark = c.operatorMinGauge(job, Pattern.quote(SCORER), "currentInputWatermark");
                requireMetrics(c, job, started, Pattern.quote(ROUTER), Pattern.quote(SCORER));
                if (in >= total && watermark >= lastEventTime) {
                    done = now;
                    break;
                }
                c.checkRunning(job);
                if (now > deadline) {
                    throw new IllegalStateException("the full job did not drain the topic within " + o.drainTimeout
                            + ": " + in + " of " + total + " records read, scorer watermark "
                            + instant(watermark) + ", last event " + instant(lastEventTime));
                }
                if (now > nextLog && drain.started()) {
                    nextLog = now + 15_000_000_000L;
                    double el = (now - drain.nanos()) / 1e9;
                    ObjectNode p = progress.addObject();
                    ObjectNode cpuNow = interval.stop();
                    interval = new CpuMeter();
                    p.put("s", round(el, 1));
                    p.put("read", in);
                    p.put("read_per_s", Math.round((in - lastIn) / cpuNow.path("wall_s").asDouble()));
                    p.put("this_jvm_cores", cpuNow.path("this_jvm_cores").asDouble());
                    p.put("scorer_watermark", instant(watermark));
                    // the busiest tasks right now (ms/s summed over subtasks; Flink's own windowed gauges)
                    ObjectNode busiest = p.putObject("busiest_tasks_ms_per_s");
                    c.taskTimes(job).entrySet().stream()
                            .sorted((x, y) -> Double.compare(y.getValue()[0], x.getValue()[0])).limit(3)
                            .forEach(e -> busiest.put(shortTask(e.getKey()), Math.round(e.getValue()[0])));
                    lastIn = in;
                    log("  ... %.0f s: %,d of %,d records read (%,.0f/s; last 15 s: %,d/s on %.2f cores), scorer "
                            + "watermark %s (last event %s)", el, in, total, in / el, p.path("read_per_s").asLong(),
                            p.path("this_jvm_cores").asDouble(), instant(watermark), instant(lastEventTime));
                }
                Thread.sleep(100);
            }
            double s = (done - drain.nanos()) / 1e9;
            r.put("records", total);
            r.put("seconds", round(s, 2));
            r.put("events_per_s", Math.round(total / s));
            r.put("seconds_until_all_read", round((read - drain.nanos()) / 1e9, 2));
            r.set("cpu", cpu.stop());
            efficiency(r, total, (ObjectNode) r.get("cpu"));
            r.set("tasks", tasks.toJson());
            log("full job: %,d records scored in %.1f s = %,.0f events/s (all read after %.1f s)", total, s, total / s,
                    (read - drain.nanos()) / 1e9);
            run.watermark = watermark;

            // 4. checkpoints during the run, then one incremental and one full checkpoint of the final state
            r.set("checkpoints_during_run", checkpointSummary(c, job));
            ObjectNode finalCp = r.putObject("checkpoints_after_run");
            for (CheckpointType type : new CheckpointType[] {CheckpointType.CONFIGURED, CheckpointType.FULL}) {
                long t = System.nanoTime();
                long cpId = c.cluster.triggerCheckpoint(job, type).get();
                double wall = secs(t);
                JsonNode detail = c.get("/jobs/" + job + "/checkpoints/details/" + cpId);
                ObjectNode cp = finalCp.putObject(type == CheckpointType.FULL ? "full" : "incremental");
                cp.put("id", cpId);
                cp.put("end_to_end_duration_ms", detail.path("end_to_end_duration").asLong());
                cp.put("state_size_bytes", detail.path("state_size").asLong());
                cp.put("checkpointed_size_bytes", detail.path("checkpointed_size").asLong());
                cp.put("trigger_to_complete_s", round(wall, 2));
                log("checkpoint %d (%s) after the run: %s full state, %s written, %d ms", cpId,
                        type == CheckpointType.FULL ? "full" : "incremental", bytes(detail.path("state_size").asLong()),
                        bytes(detail.path("checkpointed_size").asLong()), detail.path("end_to_end_duration").asLong());
            }
            // counted after the checkpoints: the scorer's last timers fire just after its watermark gauge moves
            r.put("transitions", c.sumCounters(job, ours(Metrics.TRANSITIONS)));
            r.put("duplicates_dropped", c.sumCounters(job, ours(Metrics.DUPLICATES)));
            r.put("late", c.sumCounters(job, ours(Metrics.LATE)));
            r.put("identity_resolved", c.sumCounters(job, ours(Metrics.IDENTITY_RESOLVED)));
            r.put("identity_memberships", c.sumCounters(job, ours(Metrics.IDENTITY_MEMBERSHIPS)));
            r.put("identity_no_account", c.sumCounters(job, ours(Metrics.IDENTITY_NO_ACCOUNT)));
            if (o.state) {
                long t = System.nanoTime();
                String sp = c.cluster.triggerSavepoint(job, c.dir.resolve("savepoints").toUri().toString(), false,
                        SavepointFormatType.CANONICAL).get();
                ObjectNode s2 = r.putObject("canonical_savepoint");
                s2.put("seconds", round(secs(t), 2));
                run.savepoint = Paths.get(URI.create(sp.startsWith("file:") ? sp : "file:" + sp));
                s2.put("path", run.savepoint.toString());
                log("canonical savepoint in %.1f s: %s", secs(t), run.savepoint);
            }
            c.cancel(job);
        }
        return run;
    }

    /**
     * Events per CPU-second of this JVM (job, broker, generator): a figure that other processes
     * taking cores away changes much less than events/s of wall time.
     */
    static void efficiency(ObjectNode r, long events, ObjectNode cpu) {
        double cpuS = cpu.path("this_jvm_cpu_s").asDouble();
        if (cpuS > 0) {
            r.put("events_per_cpu_s", Math.round(events / cpuS));
        }
    }

    /** Fails fast when the metrics the benchmark times with are missing (an operator was renamed). */
    static void requireMetrics(BenchCluster c, JobID job, long since, String... operators) {
        if (System.nanoTime() - since < 60_000_000_000L) {
            return;
        }
        for (String op : operators) {
            if (c.operatorMetrics(job, op, "numRecordsIn").isEmpty()) {
                throw new IllegalStateException("no operator named like '" + op + "' reports metrics after 60 s: "
                        + "was it renamed? (the benchmark times the job by it)");
            }
        }
    }

    /** The metric identifier pattern of one of the job's own metrics without labels ({@code pqlscore.<name>}). */
    static String ours(String name) {
        return Pattern.quote(Metrics.GROUP + "." + name) + "$";
    }

    /** A task's name up to its first chained operator ("score accounts and users -> ..." -> "score accounts and users"). */
    static String shortTask(String task) {
        int i = task.indexOf(" -> ");
        return i < 0 ? task : task.substring(0, i);
    }

    /** The account stage's operator name (a regex for the metric and REST look-ups). */
    static final String ACCOUNT_STAGE = Pattern.quote(Metrics.ACCOUNTS_OPERATOR) + ".*";

    /**
     * The synchronous part of each completed checkpoint in the vertex whose name matches {@code
     * vertexRegex} (its slowest subtask): the part that holds the task's thread, during which
     * records wait. For the account stage that is the write-back of the cache and the heap queue's
     * raw snapshot.
     */
    static ObjectNode syncDurations(BenchCluster c, JobID job, String vertexRegex) throws Exception {
        ObjectNode n = JSON.createObjectNode();
        String vertex = null;
        for (JsonNode v : c.get("/jobs/" + job).path("vertices")) {
            if (Pattern.compile(vertexRegex).matcher(v.path("name").asText()).matches()) {
                vertex = v.path("id").asText();
            }
        }
        if (vertex == null) {
            return n;
        }
        long max = 0;
        double sum = 0;
        int count = 0;
        for (JsonNode cp : c.get("/jobs/" + job + "/checkpoints").path("history")) {
            if (!"COMPLETED".equals(cp.path("status").asText())) {
                continue;
            }
            JsonNode sync = c.get("/jobs/" + job + "/checkpoints/details/" + cp.path("id").asLong() + "/subtasks/"
                    + vertex).path("summary").path("checkpoint_duration").path("sync");
            long m = sync.path("max").asLong();
            max = Math.max(max, m);
            sum += m;
            count++;
        }
        n.put("checkpoints", count);
        n.put("max_ms", max);
        n.put("mean_of_max_ms", count == 0 ? 0 : Math.round(sum / count));
        return n;
    }

    static ObjectNode checkpointSummary(BenchCluster c, JobID job) throws Exception {
        JsonNode j = c.get("/jobs/" + job + "/checkpoints");
        ObjectNode n = JSON.createObjectNode();
        n.put("completed", j.path("counts").path("completed").asLong());
        n.put("failed", j.path("counts").path("failed").asLong());
        JsonNode sum = j.path("summary");
        for (String k : new String[] {"end_to_end_duration", "state_size", "checkpointed_size"}) {
            ObjectNode s = n.putObject(k + (k.endsWith("duration") ? "_ms" : "_bytes"));
            for (String q : new String[] {"min", "avg", "max", "p99"}) {
                s.put(q, sum.path(k).path(q).asLong());
            }
        }
        JsonNode latest = j.path("latest").path("completed");
        if (!latest.isMissingNode() && !latest.isNull()) {
            ObjectNode l = n.putObject("latest");
            l.put("id", latest.path("id").asLong());
            l.put("end_to_end_duration_ms", latest.path("end_to_end_duration").asLong());
            l.put("state_size_bytes", latest.path("state_size").asLong());
            l.put("checkpointed_size_bytes", latest.path("checkpointed_size").asLong());
        }
        return n;
    }

    static ObjectNode state(FullRun full, EventGenerator.Summary gen, ScoringModel model, Options o) throws Exception {
        log("reading the savepoint (StateSizeMeasurement) ...");
        SyntheticEvents.Stats stats = new SyntheticEvents.Stats();
        stats.events = gen.records;
        stats.accounts = gen.accountsSeen;
        stats.users = gen.usersSeen;
        long t = System.nanoTime();
        StateSizeMeasurement.Summary s = StateSizeMeasurement.analyse(full.savepoint, model, stats, o.parallelism,
                full.watermark);
        ObjectNode n = JSON.createObjectNode();
        n.put("savepoint_on_disk_bytes", s.onDisk);
        n.put("state_bytes", s.total);
        n.put("accounts", gen.accountsSeen);
        n.put("identified_users", gen.usersSeen);
        n.put("bytes_per_account", Math.round((double) s.total / gen.accountsSeen));
        n.put("bytes_per_user", Math.round((double) s.total / gen.usersSeen));
        n.put("bytes_per_user_target", 300);
        n.put("bytes_per_user_target_met", (double) s.total / gen.usersSeen <= 300);
        ObjectNode ops = n.putObject("by_operator_bytes");
        s.byOperator.forEach(ops::put);
        ObjectNode keys = n.putObject("keys_by_operator");
        s.keysByOperator.forEach(keys::put);
        n.put("analysis_s", round(secs(t), 1));
        log("state: %s over %,d accounts and %,d identified users: %,d bytes/account, %,d bytes/user", bytes(s.total),
                gen.accountsSeen, gen.usersSeen, n.path("bytes_per_account").asLong(), n.path("bytes_per_user").asLong());
        deleteRecursively(full.savepoint);
        return n;
    }

    // =========================================================================================
    // 3: latency

    static ObjectNode latency(Options o, EmbeddedKafka kafka, ScoringModel defaultModel, double rate, String rateSource)
            throws Exception {
        ObjectNode result = JSON.createObjectNode();
        result.put("rate_events_per_s", rate);
        result.put("rate_source", rateSource);
        result.put("accounts", o.latencyAccounts);
        result.put("warmup_s", o.latencyWarmup.toSeconds());
        result.put("window_s", o.latencyMeasure.toSeconds());
        result.put("checkpoint_interval_ms", o.checkpointInterval.toMillis());
        ObjectNode runs = result.putObject("runs");
        int n = 0;
        if (!o.phases.contains("throughput") && !o.latencyJvmWarmup.isZero()) {
            // A fresh JVM runs its first job interpreted and compiling: at half the full job's rate
            // that job falls behind in its first 30 s and its backlog never drains. The throughput
            // phase warms the JVM when it runs first; otherwise one unreported run does.
            log("latency: warming the JVM's JIT with an unreported %d s run", o.latencyJvmWarmup.toSeconds());
            latencyRun(o, kafka, withOutOfOrderness(Duration.ZERO), "0s", o.latencyDelivery.get(0), rate, ++n,
                    Duration.ofSeconds(5), o.latencyJvmWarmup);
            result.put("jvm_warmup_run_s", o.latencyJvmWarmup.toSeconds());
        }
        for (String ooo : o.latencyOoo) {
            ScoringModel model = ooo.equals("model") ? defaultModel : withOutOfOrderness(duration(ooo));
            for (String delivery : o.latencyDelivery) {
                ObjectNode r = latencyRun(o, kafka, model, ooo, delivery, rate, ++n, o.latencyWarmup, o.latencyMeasure);
                r.put("rate_events_per_s", rate);
                r.put("accounts", o.latencyAccounts);
                r.put("warmup_s", o.latencyWarmup.toSeconds());
                r.put("window_s", o.latencyMeasure.toSeconds());
                r.put("measured", Instant.now().toString());
                ObjectNode f = r.putObject("flink_set");
                o.flinkSettings.forEach(f::put);
                runs.set(delivery + " ooo=" + model.time().maxOutOfOrdernessMs() + "ms" + (o.flinkSettings.isEmpty()
                        ? "" : " " + o.flinkSettings), r);
            }
        }
        return result;
    }

    /** The default model with another max-out-of-orderness (everything else unchanged). */
    static ScoringModel withOutOfOrderness(Duration d) throws IOException {
        String yaml;
        try (InputStream in = Benchmark.class.getResourceAsStream("/models/default.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String changed = yaml.replaceFirst("max-out-of-orderness:\\s*\\S+", "max-out-of-orderness: " + d.toMillis() + "ms");
        if (changed.equals(yaml)) {
            throw new IllegalStateException("default.yaml has no max-out-of-orderness to change");
        }
        return ModelLoader.parse(changed, "default.yaml with max-out-of-orderness " + d.toMillis() + "ms");
    }

    /** One latency job: {@code warmup} of records not counted, then the {@code measure} window. */
    static ObjectNode latencyRun(Options o, EmbeddedKafka kafka, ScoringModel model, String ooo, String delivery,
            double rate, int n, Duration warmup, Duration measure) throws Exception {
        long oooMs = model.time().maxOutOfOrdernessMs();
        String in = "bench-latency-events-" + n;
        String out = "bench-latency-transitions-" + n;
        kafka.createTopic(in, o.partitions);
        kafka.createTopic(out, o.parallelism);
        log("latency #%d: %s, max-out-of-orderness %d ms, %,.0f events/s over %,d accounts, %d s warm-up + %d s "
                + "window", n, delivery, oooMs, rate, o.latencyAccounts, warmup.toSeconds(),
                measure.toSeconds());
        ObjectNode r = JSON.createObjectNode();
        r.put("delivery", delivery);
        r.put("max_out_of_orderness_ms", oooMs);
        r.put("model", ooo.equals("model") ? "default" : "default with max-out-of-orderness " + ooo);
        try (BenchCluster c = BenchCluster.start(o, o.workDir.resolve("latency-" + n))) {
            r.put("auto_watermark_interval_ms",
                    c.conf.get(org.apache.flink.configuration.PipelineOptions.AUTO_WATERMARK_INTERVAL).toMillis());
            r.put("buffer_timeout_ms",
                    c.conf.get(org.apache.flink.configuration.ExecutionOptions.BUFFER_TIMEOUT).toMillis());
            StreamExecutionEnvironment env = c.environment();
            JobOptions jo = JobOptions.parse("--kafka-bootstrap-servers", kafka.bootstrapServers(), "--kafka-topics", in,
                    "--kafka-starting-offsets", "earliest", "--kafka-group-id", "bench-latency-" + n,
                    "--transitions-topic", out, "--delivery", delivery,
                    "--transactional-id-prefix", "bench-latency-" + n + "-" + System.currentTimeMillis(),
                    "--parallelism", Integer.toString(o.parallelism));
            new ScoringPipeline(jo, model, Connectors.source(jo), Connectors.sinks(jo)).build(env);
            JobID job = c.submit(env, "pqlscore bench: latency " + delivery);
            c.awaitAllTasksRunning(job, Duration.ofMinutes(2));
            Thread.sleep(3000); // the source enumerator assigns the partitions

            long produceMs = warmup.toMillis() + oooMs + measure.toMillis() + 1000;
            long planned = (long) (rate * produceMs / 1000.0) + 10_000;
            Iterator<GeneratedRecord> records = EventGenerator.records(new GeneratorConfig()
                    .accounts(o.latencyAccounts).events(planned).seed(o.seed));
            LatencyProbe.CommittedReader reader = new LatencyProbe.CommittedReader(kafka.bootstrapServers(), out);
            Thread readerThread = new Thread(reader, "bench-latency-reader");
            readerThread.setDaemon(true);
            readerThread.start();
            while (!reader.assigned && reader.failure.get() == null) {
                Thread.sleep(20);
            }
            LatencyProbe.PacedProducer producer = new LatencyProbe.PacedProducer(records, kafka.bootstrapServers(), in,
                    rate);
            Thread producerThread = new Thread(producer, "bench-latency-producer");
            producerThread.setDaemon(true);
            CpuMeter cpu = new CpuMeter();
            producerThread.start();
            long t0 = System.currentTimeMillis();
            long stopAt = t0 + produceMs;
            long nextLog = t0 + 15_000;
            long bufferedMax = 0;
            double bufferedSum = 0;
            long bufferedSamples = 0;
            while (System.currentTimeMillis() < stopAt) {
                Thread.sleep(200);
                c.checkRunning(job);
                if (System.currentTimeMillis() >= t0 + warmup.toMillis()) {
                    // the account stage's heap queue: records waiting for the watermark (both subtasks)
                    long b = c.operatorSumGauge(job, ACCOUNT_STAGE, Metrics.BUFFERED_RECORDS);
                    bufferedMax = Math.max(bufferedMax, b);
                    bufferedSum += b;
                    bufferedSamples++;
                }
                if (producer.failure.get() != null) {
                    throw new IllegalStateException("latency producer failed", producer.failure.get());
                }
                long now = System.currentTimeMillis();
                if (now >= nextLog) {
                    nextLog = now + 15_000;
                    long read = c.operatorCount(job, Pattern.quote(ROUTER), "numRecordsIn");
                    log("  ... %.0f s: %,d sent, %,d read by the job, %,d transitions visible", (now - t0) / 1e3,
                            producer.sent.get(), read, reader.seen.size());
                }
            }
            long readAtStop = c.operatorCount(job, Pattern.quote(ROUTER), "numRecordsIn");
            producer.stop();
            producerThread.join(30_000);
            long sent = producer.sent.get();
            long lastSend = producer.lastSendMs;
            // transitions of records sent up to here were released while records kept coming
            long windowFrom = t0 + warmup.toMillis();
            long windowTo = lastSend - oooMs - 1000;
            Thread.sleep((delivery.equals("exactly-once") ? o.checkpointInterval.toMillis() : 0) + 5000);
            reader.stop();
            readerThread.join(10_000);
            if (reader.failure.get() != null) {
                throw new IllegalStateException("latency reader failed", reader.failure.get());
            }
            r.set("cpu", cpu.stop());
            ObjectNode buffered = r.putObject("buffered_records");
            buffered.put("max", bufferedMax);
            buffered.put("mean", bufferedSamples == 0 ? 0 : Math.round(bufferedSum / bufferedSamples));
            buffered.put("samples", bufferedSamples);
            ObjectNode checkpoints = checkpointSummary(c, job);
            checkpoints.set("account_stage_sync_ms", syncDurations(c, job, ACCOUNT_STAGE));
            r.set("checkpoints", checkpoints);
            c.cancel(job);

            List<LatencyProbe.Seen> seen;
            synchronized (reader.seen) {
                seen = new ArrayList<>(reader.seen);
            }
            List<LatencyProbe.Seen> window = seen.stream()
                    .filter(s -> s.occurredMs() >= windowFrom && s.occurredMs() <= windowTo).collect(Collectors.toList());
            r.put("records_sent", sent);
            r.put("achieved_rate_events_per_s", Math.round(sent * 1000.0 / Math.max(1, lastSend - producer.firstSendMs)));
            r.put("producer_max_behind_schedule_ms", producer.maxBehindMs);
            r.put("records_read_by_job_at_stop", readAtStop);
            r.put("source_backlog_at_stop", sent - readAtStop);
            r.put("transitions_visible", seen.size());
            r.put("transitions_in_window", window.size());
            r.set("event_caused", quantiles(window.stream().filter(s -> "event".equals(s.cause()))
                    .collect(Collectors.toList()), windowFrom, windowTo));
            r.set("all_causes", quantiles(window, windowFrom, windowTo));
            // pipeline share: latency above the out-of-orderness bound
            JsonNode ev = r.path("event_caused");
            long p99 = ev.path("p99_ms").asLong(-1);
            long target = delivery.equals("exactly-once") ? o.checkpointInterval.toMillis() + 1000 : 1000;
            r.put("p99_target_ms", target);
            r.put("p99_target_met", p99 >= 0 && p99 <= target);
            log("latency #%d (%s, out-of-orderness %d ms): %,d transitions in the window, event-caused p50 %d ms, p99 %d ms"
                    + " (target %d ms); sent %,d at %,d/s, job backlog at stop %,d", n, delivery, oooMs, window.size(),
                    ev.path("p50_ms").asLong(), p99, target, sent, r.path("achieved_rate_events_per_s").asLong(),
                    sent - readAtStop);
            log("latency #%d: account stage heap queue %,d records at most (mean %,d); checkpoint sync part of the"
                    + " account stage %d ms at most over %d checkpoints", n, bufferedMax,
                    r.path("buffered_records").path("mean").asLong(),
                    checkpoints.path("account_stage_sync_ms").path("max_ms").asLong(),
                    checkpoints.path("account_stage_sync_ms").path("checkpoints").asLong());
        }
        return r;
    }

    static ObjectNode quantiles(List<LatencyProbe.Seen> seen, long windowFrom, long windowTo) {
        ObjectNode n = JSON.createObjectNode();
        long[] l = seen.stream().mapToLong(LatencyProbe.Seen::latencyMs).sorted().toArray();
        n.put("count", l.length);
        if (l.length == 0) {
            return n;
        }
        n.put("min_ms", l[0]);
        n.put("p50_ms", LatencyProbe.quantile(l, 0.50));
        n.put("p90_ms", LatencyProbe.quantile(l, 0.90));
        n.put("p99_ms", LatencyProbe.quantile(l, 0.99));
        n.put("max_ms", l[l.length - 1]);
        n.put("mean_ms", Math.round(Arrays.stream(l).average().orElse(0)));
        // drift: the median of the first and of the second half of the window (a job that cannot
        // keep up shows a growing latency)
        long mid = windowFrom + (windowTo - windowFrom) / 2;
        long[] a = seen.stream().filter(s -> s.occurredMs() < mid).mapToLong(LatencyProbe.Seen::latencyMs).sorted().toArray();
        long[] b = seen.stream().filter(s -> s.occurredMs() >= mid).mapToLong(LatencyProbe.Seen::latencyMs).sorted().toArray();
        n.put("p50_first_half_ms", LatencyProbe.quantile(a, 0.5));
        n.put("p50_second_half_ms", LatencyProbe.quantile(b, 0.5));
        n.put("p99_first_half_ms", LatencyProbe.quantile(a, 0.99));
        n.put("p99_second_half_ms", LatencyProbe.quantile(b, 0.99));
        return n;
    }

    // =========================================================================================
    // 5: replay

    static ObjectNode replay(Options o, ScoringModel model) throws Exception {
        Path file = o.workDir.resolve("replay-" + o.replayAccounts + "-" + o.replayEvents + "-" + o.seed + ".jsonl");
        Path marker = file.resolveSibling(file.getFileName() + ".complete");
        ObjectNode r = JSON.createObjectNode();
        if (!Files.exists(marker)) {
            log("writing %,d generated records over %,d accounts to %s ...", o.replayEvents, o.replayAccounts, file);
            long t = System.nanoTime();
            int code = EventGenerator.run(new String[] {"--accounts", Integer.toString(o.replayAccounts), "--events",
                Long.toString(o.replayEvents), "--seed", Long.toString(o.seed), "--out", file.toString()},
                    System.out, System.err);
            if (code != 0) {
                throw new IllegalStateException("the event generator failed (" + code + ")");
            }
            Files.writeString(marker, "ok");
            r.put("generate_s", round(secs(t), 1));
        }
        long lines;
        try (Stream<String> s = Files.lines(file)) {
            lines = s.count();
        }
        r.put("accounts", o.replayAccounts);
        r.put("records", lines);
        r.put("file_bytes", Files.size(file));
        Path outDir = o.workDir.resolve("replay-out");
        deleteRecursively(outDir);
        log("replay: %,d records (%s) scored in bounded mode with file outputs ...", lines, bytes(Files.size(file)));
        try (BenchCluster c = BenchCluster.start(o, o.workDir.resolve("replay"))) {
            StreamExecutionEnvironment env = c.environment();
            JobOptions jo = JobOptions.parse("--input", file.toString(), "--output", outDir.toString(), "--parallelism",
                    Integer.toString(o.parallelism));
            new ScoringPipeline(jo, model, Connectors.source(jo), Connectors.sinks(jo)).build(env);
            JobID job = c.submit(env, "pqlscore bench: replay");
            CpuMeter cpu = new CpuMeter();
            long submitted = System.nanoTime();
            DrainStart drain = new DrainStart(submitted);
            long read = -1;
            long deadline = submitted + o.drainTimeout.toNanos();
            long nextLog = submitted + 15_000_000_000L;
            TaskSampler tasks = new TaskSampler();
            boolean cutShort = false;
            long in = 0;
            while (!c.status(job).isGloballyTerminalState()) {
                long now = System.nanoTime();
                tasks.sample(c, job);
                in = c.operatorCount(job, Pattern.quote(ROUTER), "numRecordsIn");
                requireMetrics(c, job, submitted, Pattern.quote(ROUTER));
                if (drain.firstSeen(now, in)) {
                    cpu = new CpuMeter();
                }
                if (read < 0 && in >= lines) {
                    read = now;
                }
                if (o.replayTimeLimit != null && drain.started() && now - drain.nanos() > o.replayTimeLimit.toNanos()) {
                    cutShort = true;
                    break;
                }
                if (now > deadline) {
                    c.cancel(job);
                    throw new IllegalStateException("the replay did not finish within " + o.drainTimeout + ": " + in
                            + " of " + lines + " records read");
                }
                if (now > nextLog && drain.started()) {
                    nextLog = now + 15_000_000_000L;
                    log("  ... %.0f s: %,d of %,d records read (%,.0f/s)", (now - drain.nanos()) / 1e9, in, lines,
                            in / ((now - drain.nanos()) / 1e9));
                }
                Thread.sleep(100);
            }
            long end = System.nanoTime();
            if (cutShort) {
                // --replay-time-limit: the rate of the records read so far (the job scores them a
                // watermark hop behind), not a finished replay
                double sec = (end - drain.nanos()) / 1e9;
                r.put("completed", false);
                r.put("time_limit_s", o.replayTimeLimit.toSeconds());
                r.put("records_read", in);
                r.put("seconds", round(sec, 2));
                r.put("events_per_s", Math.round(in / sec));
                r.set("cpu", cpu.stop());
                efficiency(r, in, (ObjectNode) r.get("cpu"));
                r.set("tasks", tasks.toJson());
                c.cancel(job);
                log("replay cut short by --replay-time-limit: %,d of %,d records read in %.1f s = %,.0f events/s", in,
                        lines, sec, in / sec);
                deleteRecursively(outDir);
                return r;
            }
            r.put("completed", true);
            JobResult jr = c.cluster.requestJobResult(job).get();
            if (!jr.isSuccess()) {
                c.checkRunning(job);
            }
            double s = (end - drain.nanos()) / 1e9;
            r.put("seconds", round(s, 2));
            r.put("events_per_s", Math.round(lines / s));
            r.put("seconds_until_all_read", read < 0 ? -1 : round((read - drain.nanos()) / 1e9, 2));
            r.put("job_net_runtime_s", round(jr.getNetRuntime() / 1e3, 2));
            r.put("events_per_s_by_net_runtime", Math.round(lines / (jr.getNetRuntime() / 1e3)));
            r.put("transitions", c.sumCounters(job, ours(Metrics.TRANSITIONS)));
            r.set("cpu", cpu.stop());
            efficiency(r, lines, (ObjectNode) r.get("cpu"));
            r.set("tasks", tasks.toJson());
            r.set("checkpoints", checkpointSummary(c, job));
            log("replay: %,d records in %.1f s = %,.0f events/s (all read after %.1f s; net runtime %.1f s); %,d transitions",
                    lines, s, lines / s, read < 0 ? -1 : (read - drain.nanos()) / 1e9, jr.getNetRuntime() / 1e3,
                    r.path("transitions").asLong());
        }
        deleteRecursively(outDir);
        return r;
    }

    // =========================================================================================
    // Machine and CPU accounting

    static ObjectNode machine() {
        ObjectNode m = JSON.createObjectNode();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu", firstMatch(Paths.get("/proc/cpuinfo"), "model name\\s*:\\s*(.*)"));
        String mem = firstMatch(Paths.get("/proc/meminfo"), "MemTotal:\\s*(\\d+) kB");
        if (mem != null) {
            m.put("memory_gb", Math.round(Long.parseLong(mem) / 1024.0 / 1024.0));
        }
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        m.put("flink", org.apache.flink.runtime.util.EnvironmentInformation.getVersion());
        m.put("load_average_at_start", loadAverage());
        m.put("git_commit", git("rev-parse", "--short", "HEAD"));
        String dirty = git("status", "--porcelain", "--untracked-files=no");
        m.put("git_dirty", dirty != null && !dirty.isBlank());
        return m;
    }

    static String git(String... args) {
        try {
            List<String> cmd = new ArrayList<>(List.of("git"));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 ? s : null;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    static String firstMatch(Path file, String regex) {
        try {
            Pattern p = Pattern.compile(regex);
            for (String line : Files.readAllLines(file)) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    return m.group(1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux: leave it out
        }
        return null;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * CPU time of this JVM (job, broker, generator) and of everything else on the machine over a
     * stretch of wall time, so that the results show how much of the 2 cores other processes took.
     */
    static final class CpuMeter {
        private final long wall = System.nanoTime();
        private final long process = processCpuNanos();
        private final long[] system = systemTicks();

        ObjectNode stop() {
            double w = (System.nanoTime() - wall) / 1e9;
            double ours = (processCpuNanos() - process) / 1e9;
            long[] now = systemTicks();
            ObjectNode n = JSON.createObjectNode();
            n.put("wall_s", round(w, 2));
            n.put("this_jvm_cpu_s", round(ours, 2));
            n.put("this_jvm_cores", round(ours / w, 2));
            if (system != null && now != null) {
                double busy = (now[0] - system[0]) / 100.0; // USER_HZ
                n.put("machine_busy_cores", round(busy / w, 2));
                n.put("other_processes_cores", round(Math.max(0, busy - ours) / w, 2));
            }
            n.put("load_average_at_end", loadAverage());
            return n;
        }

        static long processCpuNanos() {
            java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            return os instanceof com.sun.management.OperatingSystemMXBean
                    ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : 0;
        }

        /** Busy ticks of all CPUs from /proc/stat (user nice system idle iowait irq softirq steal). */
        static long[] systemTicks() {
            try {
                String line = Files.readAllLines(Paths.get("/proc/stat")).get(0);
                String[] f = line.trim().split("\\s+");
                long busy = 0;
                for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                    busy += Long.parseLong(f[i]);
                }
                return new long[] {busy};
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }

    // =========================================================================================
    // Printing

    static void printSummary(ObjectNode results) {
        System.out.println();
        System.out.println("== pqlscore benchmark results ==");
        printThroughput("throughput", results.path("throughput"));
        printThroughput("long horizon", results.path("horizon"));
        JsonNode l = results.path("latency");
        if (!l.isMissingNode()) {
            System.out.printf(Locale.ROOT, "latency (last run at %,.0f events/s: %s):%n",
                    l.path("rate_events_per_s").asDouble(), l.path("rate_source").asText());
            for (JsonNode r : l.path("runs")) {
                System.out.printf(Locale.ROOT, "  %-13s out-of-orderness %6d ms, %,.0f events/s: p50 %6d ms, p99 %6d ms "
                        + "over %,d event-caused transitions (p99 target %d ms: %s)%n", r.path("delivery").asText(),
                        r.path("max_out_of_orderness_ms").asLong(), r.path("rate_events_per_s").asDouble(),
                        r.path("event_caused").path("p50_ms").asLong(), r.path("event_caused").path("p99_ms").asLong(),
                        r.path("event_caused").path("count").asLong(), r.path("p99_target_ms").asLong(),
                        met(r.path("p99_target_met")));
                if (r.has("buffered_records")) {
                    System.out.printf(Locale.ROOT, "                heap queue of the account stage: max %,d records (mean %,d);"
                            + " checkpoint sync part of the account stage: max %d ms%n",
                            r.path("buffered_records").path("max").asLong(), r.path("buffered_records").path("mean").asLong(),
                            r.path("checkpoints").path("account_stage_sync_ms").path("max_ms").asLong());
                }
            }
        }
        JsonNode r = results.path("replay");
        if (!r.isMissingNode()) {
            System.out.printf(Locale.ROOT, "replay (%,d accounts, %,d records%s): %,d events/s (%.1f s)%n",
                    r.path("accounts").asLong(), r.path("records").asLong(),
                    r.path("completed").asBoolean(true) ? "" : ", cut short after " + r.path("records_read").asLong()
                            + " read", r.path("events_per_s").asLong(), r.path("seconds").asDouble());
        }
    }

    private static void printThroughput(String phase, JsonNode t) {
        if (!t.isMissingNode()) {
            System.out.printf(Locale.ROOT, "%s (%,d accounts, %,d events, %s .. %s): full job %,d events/s, baseline %,d "
                    + "events/s, ratio %.4f (target >= 0.5: %s; target >= 100,000 events/s: %s)%n",
                    phase, t.path("scale").path("accounts").asLong(), t.path("scale").path("events").asLong(),
                    t.path("scale").path("event_time_from").asText(), t.path("scale").path("event_time_to").asText(),
                    t.path("full").path("events_per_s").asLong(), t.path("baseline_events_per_s").asLong(),
                    t.path("ratio_full_to_baseline").asDouble(), met(t.path("ratio_target_met")),
                    met(t.path("throughput_target_met")));
            for (String which : List.of("state", "buffer", "order")) {
                JsonNode fl = t.path("floors").path(which);
                if (!fl.isMissingNode()) {
                    System.out.printf(Locale.ROOT, "floor '%s' (baseline + %s): %,d events/s, ratio to the baseline %.4f%n",
                            which, FLOORS.get(which), fl.path("events_per_s").asLong(), fl.path("ratio_to_baseline").asDouble());
                }
            }
            JsonNode id = t.path("identity_stream");
            if (!id.isMissingNode()) {
                System.out.printf(Locale.ROOT, "identity stream (Segment style, %,d events): full job %,d events/s, baseline %,d"
                        + " events/s, ratio %.4f; %,d records given their user's account; identity stage state %,d bytes per"
                        + " known user%n", id.path("scale").path("events").asLong(), id.path("full").path("events_per_s").asLong(),
                        id.path("baseline").path("events_per_s").asLong(), id.path("ratio_full_to_baseline").asDouble(),
                        id.path("records_resolved").asLong(), id.path("state").path("identity_stage_bytes_per_user").asLong());
            }
            JsonNode s = t.path("state");
            if (!s.isMissingNode()) {
                System.out.printf(Locale.ROOT, "state: %s, %,d bytes/account, %,d bytes/user (target <= 300: %s); "
                        + "final checkpoint: full %s in %d ms, incremental %s written in %d ms%n",
                        bytes(s.path("state_bytes").asLong()), s.path("bytes_per_account").asLong(),
                        s.path("bytes_per_user").asLong(), met(s.path("bytes_per_user_target_met")),
                        bytes(t.path("full").path("checkpoints_after_run").path("full").path("state_size_bytes").asLong()),
                        t.path("full").path("checkpoints_after_run").path("full").path("end_to_end_duration_ms").asLong(),
                        bytes(t.path("full").path("checkpoints_after_run").path("incremental")
                                .path("checkpointed_size_bytes").asLong()),
                        t.path("full").path("checkpoints_after_run").path("incremental").path("end_to_end_duration_ms")
                                .asLong());
            }
        }
    }

    private static String met(JsonNode b) {
        return b.asBoolean() ? "met" : "NOT met";
    }

    // =========================================================================================
    // Small helpers

    static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[%s] %s%n", java.time.LocalTime.now().withNano(0),
                String.format(Locale.ROOT, format, args));
        System.out.flush();
    }

    static double secs(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    static String instant(long ms) {
        return ms == Long.MIN_VALUE ? "none" : ms == Long.MAX_VALUE ? "max" : Instant.ofEpochMilli(ms).toString();
    }

    static String bytes(long n) {
        if (n < 10_000) {
            return n + " B";
        }
        if (n < 10_000_000) {
            return String.format(Locale.ROOT, "%.1f KB", n / 1e3);
        }
        if (n < 10_000_000_000L) {
            return String.format(Locale.ROOT, "%.1f MB", n / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f GB", n / 1e9);
    }

    static void deleteRecursively(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }
}
