package io.pqlscore.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.Connectors;
import io.pqlscore.config.JobOptions;
import io.pqlscore.generator.EventGenerator;
import io.pqlscore.generator.GeneratedRecord;
import io.pqlscore.generator.GeneratorConfig;
import io.pqlscore.jdbc.ApplySchema;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.testing.EmbeddedKafka;
import io.pqlscore.testing.EmbeddedPostgres;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Soak test (issue 7): the whole job for a long time at a steady input rate, watching for slow
 * leaks. One JVM holds a Kafka broker, PostgreSQL (its own processes), the generator writing
 * realistic usage events ({@link EventGenerator}) to Kafka at {@code --rate} records per second,
 * and the job on a local MiniCluster configured from {@code flink-conf/config.yaml} (RocksDB,
 * incremental exactly-once checkpoints), reading Kafka and writing Kafka (exactly-once) and
 * PostgreSQL. Every {@code --sample-seconds} it records:
 *
 * <ul>
 *   <li><b>heap after GC</b>: {@code System.gc()}, then the used heap (MemoryMXBean) of the JVM
 *       that runs the job (and the broker and the generator, whose share is steady);
 *   <li><b>state per entity</b>: the size of a canonical savepoint taken at the sample (the live
 *       state only: a RocksDB checkpoint also holds deleted and overwritten entries until
 *       compaction reaches them, so its size is printed too but not judged) divided by the entities in state: accounts and users with a record within the
 *       model's retention (90 days) of the latest event time sent, the job's own rule for
 *       forgetting an entity (SPEC "retention"), counted by the producer as it sends;
 *   <li><b>consumer lag</b>: the input topic's end offsets minus the offsets the job committed with
 *       its last checkpoint.
 * </ul>
 *
 * <p>The population is stationary, so that state per entity can settle: the run covers
 * {@code --days} of event time (default 365), and the generator signs all its accounts up evenly
 * over that whole span ({@link GeneratorConfig#days}, {@link GeneratorConfig#existingRatio} 0)
 * while they churn as usual, so accounts arrive and are forgotten at a steady rate once retention
 * has passed (converted accounts never churn, so their share creeps up). The warm-up is the larger of
 * {@code --warmup} of the run (default 20 %) and the samples before retention plus the longest
 * window of the model (120 days for the default model): before that, entities are still filling
 * their windows and none has been forgotten yet, so state per entity rises by design.
 *
 * <p>After the warm-up, each series gets a Theil-Sen line (median of the pairwise slopes, robust to
 * one transient sample); the growth it shows over the measured window must stay under
 * {@code --max-growth} percent of its median for heap and state per entity, and under one
 * checkpoint interval's worth of records for the lag. Prints a table and a verdict, appends both to {@code --report FILE} (markdown), and
 * exits 1 when a series grew. {@code scripts/soak.sh} runs it.
 */
public final class Soak {
    static final String INPUT = "usage-events";

    private Soak() {}

    /** Options. */
    static final class Options {
        double minutes = 30;
        double rate = 1000;
        double days = 365;
        int sampleSeconds = 60;
        double warmup = 0.2;
        double maxGrowthPercent = 20;
        Duration checkpointInterval = Duration.ofSeconds(30);
        int parallelism = 2;
        int accounts;
        boolean jdbc = true;
        String report;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--minutes" -> o.minutes = Double.parseDouble(args[++i]);
                    case "--rate" -> o.rate = Double.parseDouble(args[++i]);
                    case "--days" -> o.days = Double.parseDouble(args[++i]);
                    case "--sample-seconds" -> o.sampleSeconds = Integer.parseInt(args[++i]);
                    case "--warmup" -> o.warmup = Double.parseDouble(args[++i]);
                    case "--max-growth" -> o.maxGrowthPercent = Double.parseDouble(args[++i]);
                    case "--checkpoint-interval" -> o.checkpointInterval = Duration.ofSeconds(Long.parseLong(args[++i]));
                    case "--parallelism" -> o.parallelism = Integer.parseInt(args[++i]);
                    case "--accounts" -> o.accounts = Integer.parseInt(args[++i]);
                    case "--no-jdbc" -> o.jdbc = false;
                    case "--report" -> o.report = args[++i];
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
                }
            }
            if (o.accounts == 0) {
                // --days of event time over the run: with every account signing up during the span
                // (none before it), the first year of the generator's stream holds ~4.9 records per
                // account and day (measured: 1,000 accounts over 456 days, 1.79M records in the first 365)
                o.accounts = (int) Math.max(100, Math.min(200_000, o.rate * o.minutes * 60 / (RECORDS_PER_ACCOUNT_DAY * o.days)));
            }
            return o;
        }
    }

    /** Records per account and day of the generator's span, when sign-ups are spread over all of it. */
    static final double RECORDS_PER_ACCOUNT_DAY = 4.9;

    static final String USAGE = "usage: Soak [--minutes 30] [--rate 1000] [--days 365] [--sample-seconds 60] [--warmup 0.2] [--max-growth 20]"
            + " [--checkpoint-interval 30] [--parallelism 2] [--accounts N] [--no-jdbc] [--report FILE]";

    /** One sample. */
    record Sample(double minute, long produced, double rateNow, double eventDay, long heapAfterGc, long checkpointId,
            long stateBytes, long liveBytes, long entities, long lag, long checkpointMs) {
        /** Live state (canonical savepoint) per entity in state. */
        double bytesPerEntity() {
            return entities == 0 ? 0 : (double) liveBytes / entities;
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        System.exit(run(o, System.out));
    }

    static int run(Options o, PrintStream out) throws Exception {
        Instant started = Instant.now();
        Path tmp = Files.createTempDirectory("pqlscore-soak-");
        ScoringModel model = ModelLoader.loadDefault();
        long retentionMs = model.time().retentionMs();
        double settledDay = (retentionMs + longestWindowMs(model)) / 86_400_000.0;
        try (EmbeddedKafka kafka = new EmbeddedKafka().start();
                EmbeddedPostgres pg = o.jdbc ? EmbeddedPostgres.launch() : null;
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            // Ctrl-C: the broker's and this run's directories go too (PostgreSQL has its own hook)
            Thread cleanup = new Thread(() -> {
                kafka.close();
                deleteQuietly(tmp);
            }, "soak-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            kafka.createTopic(INPUT, 3);
            kafka.createTopic("transitions", 3);
            kafka.createTopic("dead-letters", 1);
            List<String> args = new ArrayList<>(List.of("--kafka-bootstrap-servers", kafka.bootstrapServers(),
                    "--kafka-topics", INPUT, "--kafka-group-id", "soak", "--kafka-starting-offsets", "earliest",
                    "--transitions-topic", "transitions", "--dead-letters-topic", "dead-letters",
                    "--transactional-id-prefix", "soak", "--idle-timeout", "1h", "--parallelism", Integer.toString(o.parallelism)));
            if (pg != null) {
                Path pw = tmp.resolve("pg-password");
                Files.writeString(pw, pg.password());
                String[] jdbc = {"--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--jdbc-password-file", pw.toString()};
                if (ApplySchema.run(jdbc, new PrintStream(OutputStream.nullOutputStream()), System.err) != 0) {
                    throw new IllegalStateException("schema not applied");
                }
                args.addAll(List.of(jdbc));
            }
            JobOptions options = JobOptions.parse(args.toArray(new String[0]));

            int restPort = freePort();
            Configuration conf = GlobalConfiguration.loadConfiguration(Path.of("flink-conf").toAbsolutePath().toString());
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, o.checkpointInterval);
            conf.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, Duration.ofSeconds(Math.min(10, o.checkpointInterval.toSeconds() / 3)));
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, tmp.resolve("checkpoints").toUri().toString());
            conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, tmp.resolve("savepoints").toUri().toString());
            conf.set(RestOptions.BIND_PORT, Integer.toString(restPort));
            conf.set(RestOptions.PORT, restPort);
            conf.setString("metrics.reporter.prom.port", "9300-9399");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
            new ScoringPipeline(options, model, Connectors.source(options), Connectors.sinks(options)).build(env);
            JobClient job = env.executeAsync("pql-scoring soak");
            String rest = "http://127.0.0.1:" + restPort;

            out.printf("soak: %.0f min at %.0f records/s (%d accounts signing up over ~%.0f days of event time; state settles after"
                    + " day %.0f), checkpoints every %d s, parallelism %d,"
                    + " %s; samples every %d s after System.gc(); max heap %d MB%n", o.minutes, o.rate, o.accounts, o.days, settledDay,
                    o.checkpointInterval.toSeconds(), o.parallelism,
                    o.jdbc ? "Kafka and PostgreSQL out" : "Kafka out", o.sampleSeconds,
                    Runtime.getRuntime().maxMemory() >> 20);

            Producer producer = new Producer(kafka.bootstrapServers(), o, retentionMs);
            Thread feeder = new Thread(producer, "soak-producer");
            feeder.setDaemon(true);
            feeder.start();

            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            List<Sample> samples = new ArrayList<>();
            long t0 = System.nanoTime();
            long end = t0 + (long) (o.minutes * 60e9);
            long lastProduced = 0;
            long lastT = t0;
            boolean analysedSettled = false;
            out.println(header());
            while (System.nanoTime() < end) {
                long next = t0 + (samples.size() + 1L) * o.sampleSeconds * 1_000_000_000L;
                Thread.sleep(Math.max(0, (Math.min(next, end) - System.nanoTime()) / 1_000_000));
                if (job.getJobStatus().get().isGloballyTerminalState()) {
                    out.println("the job ended: " + job.getJobStatus().get());
                    return 1;
                }
                System.gc();
                long heap = memory.getHeapMemoryUsage().getUsed();
                // per operator, from the savepoint itself: once when the warm-up ends, and at the end
                boolean last = System.nanoTime() + o.sampleSeconds * 1_000_000_000L > end;
                boolean analyse = last || (!analysedSettled && producer.eventDay() >= settledDay);
                analysedSettled |= analyse;
                long live = liveStateBytes(job, tmp.resolve("savepoints").resolve("sample-" + samples.size()),
                        analyse ? producer : null, model, o.parallelism, out);
                JsonNode cp = get(rest, "/jobs/" + job.getJobID() + "/checkpoints");
                JsonNode latest = cp == null ? null : cp.path("latest").path("completed");
                long now = System.nanoTime();
                long produced = producer.sent.get();
                Sample s = new Sample((now - t0) / 60e9, produced, (produced - lastProduced) / ((now - lastT) / 1e9),
                        producer.eventDay(), heap,
                        latest == null ? 0 : latest.path("id").asLong(), latest == null ? 0 : latest.path("state_size").asLong(),
                        live, producer.entities(), lag(admin), latest == null ? 0 : latest.path("end_to_end_duration").asLong());
                lastProduced = produced;
                lastT = now;
                samples.add(s);
                out.println(row(s));
                if (producer.failure != null) {
                    out.println("the producer failed: " + producer.failure);
                    return 1;
                }
            }
            producer.stop.set(true);
            feeder.join(10_000);
            job.cancel().get(60, TimeUnit.SECONDS);
            awaitTerminal(job); // the sinks stop before the servers do

            String verdict = verdict(samples, o, settledDay);
            out.println(verdict);
            if (o.report != null) {
                StringBuilder md = new StringBuilder();
                md.append("\n### Soak of ").append(started).append(": ").append(String.format("%.0f min at %.0f records/s", o.minutes, o.rate))
                        .append("\n\n`").append(String.join(" ", commandLine(o))).append("`; ")
                        .append(String.format("%d accounts signing up over %.0f days of event time; checkpoints every %d s;"
                                + " parallelism %d; %s; JVM max heap %d MB; %d CPUs", o.accounts, o.days, o.checkpointInterval.toSeconds(), o.parallelism, o.jdbc ? "Kafka and PostgreSQL out" : "Kafka out",
                                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors()))
                        .append("\n\n```\n").append(header()).append('\n');
                samples.forEach(s -> md.append(row(s)).append('\n'));
                md.append(verdict).append("\n```\n");
                Files.writeString(Path.of(o.report), md, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            return verdict.contains("FAILED") ? 1 : 0;
        } finally {
            deleteQuietly(tmp);
        }
    }

    /**
     * Bytes on disk of a canonical savepoint taken now (deleted afterwards), or 0 if it failed;
     * with a producer, also prints the savepoint's state per operator (the benchmark's
     * {@link StateSizeMeasurement#analyse}) over the entities in state.
     */
    static long liveStateBytes(JobClient job, Path dir, Producer analyseFor, ScoringModel model, int parallelism,
            PrintStream out) {
        try {
            String location = job.triggerSavepoint(dir.toUri().toString(), SavepointFormatType.CANONICAL).get(5, TimeUnit.MINUTES);
            Path p = Path.of(URI.create(location.startsWith("file:") ? location : "file://" + location));
            long bytes;
            try (var walk = Files.walk(p)) {
                bytes = walk.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
            }
            if (analyseFor != null) {
                SyntheticEvents.Stats stats = new SyntheticEvents.Stats();
                long[] inState = analyseFor.entitiesByKind();
                stats.accounts = (int) inState[0];
                stats.users = (int) inState[1];
                out.printf("%n-- state per operator at event day %.0f (canonical savepoint, %d accounts and %d users in state) --%n",
                        analyseFor.eventDay(), inState[0], inState[1]);
                try {
                    StateSizeMeasurement.analyse(p, model, stats, parallelism, analyseFor.maxEventTime);
                } catch (Exception e) {
                    out.println("soak: could not analyse the savepoint: " + e);
                }
                out.println(header());
            }
            deleteQuietly(dir);
            return bytes;
        } catch (Exception e) {
            System.err.println("soak: savepoint failed: " + e);
            return 0;
        }
    }

    private static void awaitTerminal(JobClient job) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            try {
                if (job.getJobStatus().get().isGloballyTerminalState()) {
                    return;
                }
            } catch (Exception e) {
                return; // the local MiniCluster shuts down with its job
            }
            Thread.sleep(100);
        }
    }

    private static List<String> commandLine(Options o) {
        List<String> l = new ArrayList<>(List.of("scripts/soak.sh", "--minutes", fmt(o.minutes), "--rate", fmt(o.rate),
                "--days", fmt(o.days)));
        if (!o.jdbc) {
            l.add("--no-jdbc");
        }
        return l;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    static String header() {
        return String.format("%7s %11s %8s %7s %12s %6s %11s %11s %9s %13s %9s %8s", "minute", "produced", "rec/s", "day",
                "heap-after-GC", "chk", "chk-size", "live-state", "entities", "live/entity", "lag", "chk-ms");
    }

    static String row(Sample s) {
        return String.format("%7.1f %,11d %8.0f %7.1f %10.1fMB %6d %9.1fMB %9.1fMB %,9d %11.0f B %,9d %8d", s.minute(), s.produced(),
                s.rateNow(), s.eventDay(), s.heapAfterGc() / 1048576.0, s.checkpointId(), s.stateBytes() / 1048576.0,
                s.liveBytes() / 1048576.0, s.entities(), s.bytesPerEntity(), s.lag(),
                s.checkpointMs());
    }

    /** The growth checks over the samples after the warm-up. */
    static String verdict(List<Sample> all, Options o, double settledDay) {
        int skip = (int) Math.ceil(all.size() * o.warmup);
        while (skip < all.size() && all.get(skip).eventDay() < settledDay) {
            skip++; // entities still filling their windows, none forgotten yet
        }
        List<Sample> s = all.subList(Math.min(skip, all.size()), all.size());
        if (s.size() < 3) {
            return "soak verdict: FAILED (only " + s.size() + " samples after the warm-up: run longer or sample more often)";
        }
        List<Sample> withState = s.stream().filter(x -> x.liveBytes() > 0 && x.entities() > 0).toList();
        StringBuilder b = new StringBuilder("soak verdict over minutes " + String.format("%.1f-%.1f", s.get(0).minute(),
                s.get(s.size() - 1).minute()) + String.format(", event days %.0f-%.0f", s.get(0).eventDay(), s.get(s.size() - 1).eventDay())
                + " (after " + skip + " warm-up samples):\n");
        boolean ok = true;
        Fit heap = Fit.of(s, Sample::minute, x -> x.heapAfterGc());
        ok &= line(b, "heap after GC", heap, o.maxGrowthPercent, 1048576.0, "MB");
        Fit state = Fit.of(withState, Sample::minute, Sample::bytesPerEntity);
        ok &= line(b, "state per entity", state, o.maxGrowthPercent, 1, "B");
        Fit lag = Fit.of(s, Sample::minute, x -> x.lag());
        double allowed = o.rate * o.checkpointInterval.toSeconds();
        boolean lagOk = lag.growth() <= allowed;
        ok &= lagOk;
        b.append(String.format("  %-17s median %,.0f records, trend %+,.0f records over the window (allowed: one checkpoint interval,"
                + " %,.0f): %s%n", "consumer lag", lag.median, lag.growth(), allowed, lagOk ? "ok" : "GREW"));
        double achieved = (s.get(s.size() - 1).produced() - s.get(0).produced())
                / ((s.get(s.size() - 1).minute() - s.get(0).minute()) * 60);
        b.append(String.format("  input rate achieved %.0f records/s (asked %.0f)%n", achieved, o.rate));
        b.append("soak ").append(ok ? "PASSED" : "FAILED");
        return b.toString();
    }

    private static boolean line(StringBuilder b, String what, Fit f, double maxPercent, double unit, String unitName) {
        double percent = f.median == 0 ? 0 : 100 * f.growth() / f.median;
        boolean ok = percent <= maxPercent;
        b.append(String.format("  %-17s median %,.1f %s, trend %+,.1f %s over the window (%+.1f %%, allowed %.0f %%): %s%n", what,
                f.median / unit, unitName, f.growth() / unit, unitName, percent, maxPercent, ok ? "ok" : "GREW"));
        return ok;
    }

    /**
     * A Theil-Sen line through (x, y): the slope is the median of the slopes between every pair of
     * samples, the level the median of y. A least-squares line let one transient sample decide the
     * verdict: in a run of 2026-11-24 one heap sample of 538 MB among 214-223 MB (something briefly
     * live at that System.gc(), gone a minute later) made a flat heap a "+19 %" trend, 1 % short of
     * failing. A leak rises sample after sample, which the median of the pairwise slopes keeps.
     */
    static final class Fit {
        double slope;
        double median;
        double span;

        static Fit of(List<Sample> s, java.util.function.ToDoubleFunction<Sample> x, java.util.function.ToDoubleFunction<Sample> y) {
            Fit f = new Fit();
            int n = s.size();
            if (n < 2) {
                return f;
            }
            double[] xs = s.stream().mapToDouble(x).toArray();
            double[] ys = s.stream().mapToDouble(y).toArray();
            double[] slopes = new double[n * (n - 1) / 2];
            int k = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    if (xs[j] != xs[i]) {
                        slopes[k++] = (ys[j] - ys[i]) / (xs[j] - xs[i]);
                    }
                }
            }
            f.slope = median(Arrays.copyOf(slopes, k));
            f.median = median(ys.clone());
            f.span = xs[n - 1] - xs[0];
            return f;
        }

        private static double median(double[] v) {
            if (v.length == 0) {
                return 0;
            }
            Arrays.sort(v);
            int m = v.length / 2;
            return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
        }

        /** What the line rises over the window. */
        double growth() {
            return slope * span;
        }
    }

    /** The longest time window of the model's signals (distinct windows, sequence and usage {@code within}). */
    static long longestWindowMs(ScoringModel model) {
        long longest = 0;
        for (io.pqlscore.model.Signal s : model.signals()) {
            longest = Math.max(longest, Math.max(s.windowMs(), s.withinMs()));
        }
        return longest;
    }

    /**
     * Writes generated records to Kafka at the rate, and counts the entities in state: those whose
     * latest record is within retention of the latest event time sent.
     */
    static final class Producer implements Runnable {
        static final long START = Instant.parse("2026-03-02T00:00:00Z").toEpochMilli();
        final AtomicLong sent = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        volatile Throwable failure;
        private final String bootstrap;
        private final Options o;
        private final long retentionMs;
        /** entity (account, or account|user) -> event time of its latest record; guarded by this. */
        private final Map<String, Long> lastSeen = new java.util.HashMap<>();
        private volatile long maxEventTime = START;

        Producer(String bootstrap, Options o, long retentionMs) {
            this.bootstrap = bootstrap;
            this.o = o;
            this.retentionMs = retentionMs;
        }

        /** Entities in state now; forgets (here too) those past retention. */
        synchronized long entities() {
            long horizon = maxEventTime - retentionMs;
            lastSeen.values().removeIf(t -> t < horizon);
            return lastSeen.size();
        }

        double eventDay() {
            return (maxEventTime - START) / 86_400_000.0;
        }

        /** {accounts, users} in state. */
        synchronized long[] entitiesByKind() {
            entities();
            long users = lastSeen.keySet().stream().filter(k -> k.indexOf('|') >= 0).count();
            return new long[] {lastSeen.size() - users, users};
        }

        private synchronized void seen(String entity, long eventTime) {
            lastSeen.merge(entity, eventTime, Math::max);
        }

        @Override
        public void run() {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
            p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
            // sign-ups spread over a little more than the run's span, so arrivals stay steady to the end,
            // and none before the start: the generator's default front-loads 40 % of its accounts
            // (signed up before the start), a population that then shrinks for months
            GeneratorConfig cfg = new GeneratorConfig().accounts(o.accounts).existingRatio(0).start(Instant.ofEpochMilli(START))
                    .days(o.days * 1.25).events((long) (o.rate * o.minutes * 60 * 2 + 1_000_000)).seed(20260302L).quiet(true);
            Iterator<GeneratedRecord> it = EventGenerator.records(cfg);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
                long t0 = System.nanoTime();
                long n = 0;
                while (!stop.get() && it.hasNext()) {
                    GeneratedRecord r = it.next();
                    String json = r.json();
                    producer.send(new ProducerRecord<>(INPUT, r.key() == null ? null : r.key().getBytes(StandardCharsets.UTF_8),
                            json.getBytes(StandardCharsets.UTF_8)));
                    n++;
                    if (r.kind() == GeneratedRecord.Kind.VALID && r.key() != null) {
                        long t = r.eventTime();
                        if (t > maxEventTime) {
                            maxEventTime = t;
                        }
                        seen(r.key(), t);
                        int u = json.indexOf("\"userId\":\"");
                        if (u >= 0) {
                            int e = json.indexOf('"', u + 10);
                            if (e > 0) {
                                seen(r.key() + "|" + json.substring(u + 10, e), t);
                            }
                        }
                    }
                    sent.set(n);
                    // pace: n records are due at t0 + n / rate
                    long ahead = t0 + (long) (n / o.rate * 1e9) - System.nanoTime();
                    if (ahead > 2_000_000) {
                        Thread.sleep(ahead / 1_000_000);
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }
    }

    /** Records in the input topic beyond the offsets the job committed with its last checkpoint. */
    static long lag(Admin admin) {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("soak")
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (int p = 0; p < 3; p++) {
                latest.put(new TopicPartition(INPUT, p), OffsetSpec.latest());
            }
            long lag = 0;
            for (var e : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += e.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        } catch (Exception e) {
            return -1;
        }
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static JsonNode get(String rest, String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(rest + path)).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JsonValues.MAPPER.readTree(r.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }
}
