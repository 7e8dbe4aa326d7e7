package io.pqlscore.bench;

import io.pqlscore.config.JobOptions;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.generator.EventGenerator;
import io.pqlscore.generator.GeneratorConfig;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.pipeline.ScoringStreams;
import io.pqlscore.pipeline.ScoringTopology;
import io.pqlscore.sources.FileEventSource;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.Recording;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.TimeUtils;

/**
 * Throughput of the whole job in-process, against a baseline, for quick profiling (issue #6). A
 * measurement tool, not a test. Results and how to read them:
 * {@code docs/measurements/engine-performance.md}.
 *
 * <ol>
 *   <li>Writes {@code --events} records of the README's event generator over {@code --accounts}
 *       accounts to {@code --parallelism} JSON-lines files (round-robin, so every source subtask
 *       reads and parses one file), under {@code /tmp/perf-probe/}, reused when already there.</li>
 *   <li>Runs, bounded, on a local MiniCluster configured from {@code flink-conf/config.yaml}
 *       (RocksDB with RocksDB timers, exactly-once incremental checkpoints):
 *       <ul>
 *         <li>{@code baseline}: the same file source and parser, the same watermarks, then
 *             {@code keyBy(account)} into a discarding sink: reading, parsing and one shuffle;</li>
 *         <li>{@code job}: the real job ({@link ScoringPipeline}) with discarding sinks.</li>
 *       </ul></li>
 *   <li>Prints records/s of each (records read / the job's net runtime, end-of-input timers
 *       included) and job / baseline.</li>
 * </ol>
 *
 * <pre>mvn -q test-compile exec:exec -Dexec.mainClass=io.pqlscore.bench.JobThroughputProbe \
 *     -Dexec.argline="--accounts 10000 --events 1000000 --parallelism 2 --jfr /tmp/perf-probe/job.jfr"</pre>
 *
 * Options: {@code --accounts} (10000), {@code --events} (1000000), {@code --parallelism} (2),
 * {@code --seed} (20260302), {@code --run baseline|job|both} (both), {@code --checkpoint-interval}
 * (default: the config's, 30 s), {@code --set KEY=VALUE} (any Flink setting over the config; repeatable),
 * {@code --warmup-events N} (0: before the measured runs, each pipeline runs once on N other
 * records in the same JVM, so that JIT compilation is mostly done), {@code --jfr FILE} (a JFR recording of the job run only, profile settings; the baseline
 * gets FILE with {@code -baseline} before the extension), {@code --flink-conf DIR} (flink-conf).
 */
public final class JobThroughputProbe {
    /** Scratch space of this tool only (other tools and engineers use other /tmp paths). */
    static final Path WORK = Paths.get("/tmp/perf-probe");

    private JobThroughputProbe() {}

    public static void main(String[] args) throws Exception {
        int status = 0;
        try {
            run(args.length == 1 && args[0].trim().contains(" ") ? args[0].trim().split("\\s+") : args);
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        }
        System.exit(status); // a MiniCluster can leave non-daemon threads behind
    }

    private static void run(String[] args) throws Exception {
        int accounts = 10_000;
        long events = 1_000_000;
        int parallelism = 2;
        long seed = 20260302L;
        String which = "both";
        Duration checkpointInterval = null; // flink-conf/config.yaml's
        Map<String, String> settings = new LinkedHashMap<>();
        String jfr = null;
        String flinkConf = "flink-conf";
        long warmupEvents = 0;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--accounts" -> accounts = Integer.parseInt(v);
                case "--events" -> events = Long.parseLong(v);
                case "--parallelism" -> parallelism = Integer.parseInt(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--run" -> which = v;
                case "--checkpoint-interval" -> checkpointInterval = TimeUtils.parseDuration(v);
                case "--jfr" -> jfr = v;
                case "--flink-conf" -> flinkConf = v;
                case "--warmup-events" -> warmupEvents = Long.parseLong(v);
                case "--set" -> settings.put(v.substring(0, v.indexOf('=')), v.substring(v.indexOf('=') + 1));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
            i++;
        }
        Path input = generate(accounts, events, parallelism, seed);
        System.out.printf(Locale.ROOT, "input: %s (%,d records, %d files), parallelism %d, checkpoints every %s%s%n",
                input, events, parallelism, parallelism, checkpointInterval == null ? "(as configured)" : checkpointInterval,
                settings.isEmpty() ? "" : ", settings " + settings);

        if (warmupEvents > 0) {
            // the same JVM runs both measured jobs: let the JIT compile the hot paths first (in a
            // short run compilation is a large part of the CPU time), on other records
            Path warmup = generate(accounts, warmupEvents, parallelism, seed + 1);
            for (String name : which.equals("both") ? List.of("baseline", "job") : List.of(which)) {
                measure(name + " (warm-up)", name, warmup, parallelism, checkpointInterval, settings, flinkConf,
                        warmupEvents, null);
            }
        }
        double baseline = Double.NaN;
        double job = Double.NaN;
        if (!which.equals("job")) {
            baseline = measure("baseline", "baseline", input, parallelism, checkpointInterval, settings, flinkConf, events,
                    jfr == null ? null : jfr.replaceFirst("(\\.jfr)?$", "-baseline.jfr"));
        }
        if (!which.equals("baseline")) {
            job = measure("job", "job", input, parallelism, checkpointInterval, settings, flinkConf, events, jfr);
        }
        if (!Double.isNaN(baseline) && !Double.isNaN(job)) {
            System.out.printf(Locale.ROOT, "job / baseline = %.3f%n", job / baseline);
        }
    }

    /** Generator output split round-robin into one file per source subtask, reused if present. */
    static Path generate(int accounts, long events, int files, long seed) throws IOException {
        Path dir = WORK.resolve(String.format(Locale.ROOT, "input-a%d-e%d-s%d-f%d", accounts, events, seed, files));
        Path done = dir.resolve(".complete");
        if (Files.exists(done)) {
            return dir;
        }
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        List<Writer> out = new ArrayList<>();
        try {
            for (int f = 0; f < files; f++) {
                out.add(new BufferedWriter(Files.newBufferedWriter(dir.resolve("part-" + f + ".jsonl"),
                        StandardCharsets.UTF_8), 1 << 20));
            }
            Iterator<String> lines = EventGenerator.stream(new GeneratorConfig().accounts(accounts).events(events)
                    .seed(seed).quiet(true)).iterator();
            for (long i = 0; lines.hasNext(); i++) {
                Writer w = out.get((int) (i % files));
                w.write(lines.next());
                w.write('\n');
            }
        } finally {
            for (Writer w : out) {
                w.close();
            }
        }
        Files.createFile(done);
        System.out.printf(Locale.ROOT, "generated %s in %.1f s%n", dir, (System.nanoTime() - t0) / 1e9);
        return dir;
    }

    private static double measure(String label, String name, Path input, int parallelism, Duration checkpointInterval,
            Map<String, String> settings, String flinkConf, long records, String jfr) throws Exception {
        Path scratch = Files.createDirectories(WORK.resolve("run-" + name));
        Configuration conf = GlobalConfiguration.loadConfiguration(Paths.get(flinkConf).toAbsolutePath().toString());
        if (checkpointInterval != null) {
            conf.setString("execution.checkpointing.interval", checkpointInterval.toMillis() + " ms");
            conf.setString("execution.checkpointing.min-pause", "0 ms");
        }
        conf.setString("execution.checkpointing.dir", scratch.resolve("checkpoints").toUri().toString());
        conf.setString("execution.checkpointing.savepoint-dir", scratch.resolve("savepoints").toUri().toString());
        conf.setString("rest.bind-port", "0");
        conf.removeKey("metrics.reporter.prom.factory.class");
        conf.removeKey("metrics.reporter.prom.port");
        settings.forEach(conf::setString);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        JobOptions options = JobOptions.parse("--input", input.toString(), "--parallelism", Integer.toString(parallelism));
        ScoringModel model = ModelLoader.loadDefault();
        if (name.equals("job")) {
            ScoringStreams streams = new ScoringPipeline(options, model,
                    new FileEventSource(options.inputs, null), null).build(env);
            streams.transitions.sinkTo(new DiscardingSink<>()).uid("probe-discard-transitions").name("discard transitions");
            streams.scores.sinkTo(new DiscardingSink<>()).uid("probe-discard-scores").name("discard scores");
            streams.deadLetters.sinkTo(new DiscardingSink<>()).uid("probe-discard-dead-letters").name("discard dead letters");
        } else {
            ScoringPipeline.configure(env, options);
            EventParser parser = new EventParser(model, options.maxRecordBytes, options.maxDepth);
            new FileEventSource(options.inputs, null)
                    .open(env, parser, ScoringTopology.watermarks(model, options.idleTimeout))
                    .filter(ParsedRecord::isValid).uid("probe-valid").name("valid records")
                    .map(r -> r.event).returns(UsageEvent.class).uid("probe-event").name("event")
                    .keyBy(e -> e.accountId, Types.STRING)
                    .sinkTo(new DiscardingSink<>()).uid("probe-discard-keyed").name("keyBy(account), discard");
        }
        Recording recording = null;
        if (jfr != null) {
            recording = new Recording(jdk.jfr.Configuration.getConfiguration("profile"));
            recording.setDestination(Paths.get(jfr));
            recording.start();
        }
        long cpu0 = processCpuNanos();
        JobExecutionResult result;
        try {
            result = env.execute("pqlscore throughput probe: " + label);
        } finally {
            if (recording != null) {
                recording.stop();
                recording.close();
            }
        }
        double cpuSeconds = (processCpuNanos() - cpu0) / 1e9;
        double seconds = result.getNetRuntime() / 1000.0;
        double rate = records / seconds;
        System.out.printf(Locale.ROOT, "%-8s %,d records in %.1f s: %,.0f records/s; process CPU %.1f s (%,.0f records per"
                + " CPU-second); load average %.1f%s%n", label, records, seconds, rate, cpuSeconds, records / cpuSeconds,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                jfr == null ? "" : "; JFR: " + jfr);
        return rate;
    }

    /**
     * CPU time of this whole process (all threads): on a shared machine the wall-clock rate depends
     * on what else runs, the CPU cost per record much less.
     */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
