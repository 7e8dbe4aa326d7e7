package io.pqlscore.backtest;

import io.pqlscore.config.JobOptions;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.EventSource;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.pipeline.ScoringStreams;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.sources.FileEventSource;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.CloseableIterator;

/**
 * One backtest run: the scoring job itself ({@link ScoringPipeline}: the same source, parser,
 * topology and {@code ScoreEngine} as the streaming job), in bounded mode over the history files,
 * on a local MiniCluster, with three additions around it that change nothing it computes:
 *
 * <pre>
 * files ─▶ ProgressTap ─▶ [ScoringTopology.defineWorkflow, unchanged] ─▶ transitions ─▶ (TierCensus)
 *                                                   │ current scores (+ per-signal points)
 *                                                   └─▶ OutcomeAggregator (keyed by account, no shuffle) ─▶ collect: AccountSummary
 *                                                   dead letters ─▶ DeadLetterCounter ─▶ discard
 * </pre>
 *
 * The only setting that differs is {@link ScoringPipeline#forBacktest}: a current-score row for
 * every evaluation, each carrying each signal's points. No checkpoints (a bounded run that fails is simply run
 * again), heap state by default (the whole history's state fits in memory for millions of
 * events, and is several times faster than RocksDB).
 */
public final class BacktestJob {
    public static final String UID_PROGRESS = "backtest-progress";
    public static final String UID_AGGREGATOR = "backtest-outcome-aggregator";
    public static final String UID_DEAD_LETTER_COUNT = "backtest-dead-letter-count";
    public static final String UID_DEAD_LETTER_DISCARD = "backtest-dead-letter-discard";

    private BacktestJob() {}

    /** How to run. */
    public static final class Settings {
        public int parallelism = 2;
        /** {@code hashmap} (heap, default) or {@code rocksdb}. */
        public String stateBackend = "hashmap";
        /** Where progress lines go; null: nowhere. */
        public PrintStream progress;
        public Duration progressEvery = Duration.ofSeconds(10);
        /** Where the job runs: by default a fresh local MiniCluster per run ({@link #environment}); tests share one. */
        public java.util.function.Supplier<StreamExecutionEnvironment> environment;

        public Settings parallelism(int p) {
            this.parallelism = p;
            return this;
        }

        public Settings stateBackend(String b) {
            this.stateBackend = b;
            return this;
        }

        public Settings environment(java.util.function.Supplier<StreamExecutionEnvironment> env) {
            this.environment = env;
            return this;
        }

        public Settings progress(PrintStream out, Duration every) {
            this.progress = out;
            this.progressEvery = every;
            return this;
        }
    }

    /** What one run produced. */
    public static final class ModelRun {
        public String label;
        public ScoringModel model;
        public String modelSource;
        public List<AccountSummary> accounts = new ArrayList<>();
        public long records;
        public long valid;
        public long bytes;
        public Map<String, Long> rejected = new TreeMap<>();
        /** Event time of the earliest and latest valid record; Long.MIN_VALUE without one. */
        public long firstEventTime = Long.MIN_VALUE;
        public long lastEventTime = Long.MIN_VALUE;
        public double seconds;
        public int parallelism;
        public String stateBackend;
    }

    /** The environment of a backtest: a MiniCluster in this JVM, no checkpoints, no restarts. */
    public static StreamExecutionEnvironment environment(Settings s) {
        Configuration conf = new Configuration();
        // STREAMING, as the job: BATCH mode would fire a key's timers only after all its records
        conf.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.STREAMING);
        conf.set(StateBackendOptions.STATE_BACKEND, s.stateBackend);
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, s.parallelism);
        conf.set(RestOptions.BIND_PORT, "0");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return StreamExecutionEnvironment.createLocalEnvironment(s.parallelism, conf);
    }

    /** Runs the job with {@code model} over {@code inputs} and returns one summary per scored account. */
    public static ModelRun run(ScoringModel model, String label, String modelSource, List<String> inputs,
            Outcomes outcomes, Settings settings) throws Exception {
        List<String> args = new ArrayList<>(List.of("--parallelism", Integer.toString(settings.parallelism)));
        for (String in : inputs) {
            args.add("--input");
            args.add(in);
        }
        JobOptions options = JobOptions.parse(args.toArray(new String[0]));
        StreamExecutionEnvironment env = settings.environment != null ? settings.environment.get() : environment(settings);
        String runId = UUID.randomUUID().toString();
        ProgressTap.Live live = ProgressTap.register(runId);
        try {
            EventSource source = new TappedSource(new FileEventSource(inputs, null), runId);
            ScoringStreams streams = new ScoringPipeline(options, model, source, null)
                    .forBacktest()
                    .build(env);
            // the scorer's current scores are partitioned by account already: no shuffle
            DataStream<AccountSummary> summaries = DataStreamUtils
                    .reinterpretAsKeyedStream(streams.scores, (CurrentScore s) -> s.accountId, Types.STRING)
                    .process(new OutcomeAggregator(model, outcomes))
                    .returns(AccountSummary.class)
                    .uid(UID_AGGREGATOR)
                    .name("backtest: summarise accounts up to their close");
            streams.deadLetters.map(new DeadLetterCounter()).returns(streams.deadLetters.getType())
                    .uid(UID_DEAD_LETTER_COUNT).name("backtest: count dead letters")
                    .sinkTo(new DiscardingSink<>()).uid(UID_DEAD_LETTER_DISCARD).name("backtest: discard dead letters");

            long totalBytes = inputBytes(inputs);
            long t0 = System.nanoTime();
            ModelRun run = new ModelRun();
            CloseableIterator<AccountSummary> it = summaries.collectAsync();
            JobClient client = env.executeAsync("pqlscore backtest " + label);
            Thread reporter = null;
            if (settings.progress != null) {
                reporter = new Thread(() -> report(settings, label, live, totalBytes, t0), "backtest-progress-" + label);
                reporter.setDaemon(true);
                reporter.start();
            }
            try {
                while (it.hasNext()) {
                    run.accounts.add(it.next());
                }
            } catch (RuntimeException e) {
                it.close(); // cancels the job; a drained iterator needs no close (the job has ended)
                throw e;
            }
            JobExecutionResult result = client.getJobExecutionResult().get();
            run.seconds = (System.nanoTime() - t0) / 1e9;
            if (reporter != null) {
                reporter.interrupt();
                reporter.join(1000);
            }
            long emitted = longAcc(result, OutcomeAggregator.SUMMARIES, -1);
            if (emitted != run.accounts.size()) {
                throw new IllegalStateException("the job summarised " + emitted + " accounts but " + run.accounts.size()
                        + " summaries arrived: run the backtest again");
            }
            run.label = label;
            run.model = model;
            run.modelSource = modelSource;
            run.parallelism = settings.parallelism;
            run.stateBackend = settings.stateBackend;
            run.records = longAcc(result, ProgressTap.RECORDS, 0);
            run.valid = longAcc(result, ProgressTap.VALID, 0);
            run.bytes = longAcc(result, ProgressTap.BYTES, 0);
            if (run.valid > 0) {
                run.firstEventTime = longAcc(result, ProgressTap.FIRST_EVENT, Long.MIN_VALUE);
                run.lastEventTime = longAcc(result, ProgressTap.LAST_EVENT, Long.MIN_VALUE);
            }
            for (Map.Entry<String, Object> e : result.getAllAccumulatorResults().entrySet()) {
                if (e.getKey().startsWith(DeadLetterCounter.PREFIX)) {
                    run.rejected.put(e.getKey().substring(DeadLetterCounter.PREFIX.length()), ((Number) e.getValue()).longValue());
                }
            }
            run.accounts.sort((a, b) -> a.accountId.compareTo(b.accountId));
            if (settings.progress != null) {
                settings.progress.printf(Locale.ROOT, "[%s] done: %,d records in %s (%,.0f records/s), %,d accounts scored%n",
                        label, run.records, duration(run.seconds), run.records / Math.max(run.seconds, 1e-9), run.accounts.size());
                settings.progress.flush();
            }
            return run;
        } finally {
            ProgressTap.unregister(runId);
        }
    }

    private static long longAcc(JobExecutionResult r, String name, long otherwise) {
        Object v = r.getAllAccumulatorResults().get(name);
        return v instanceof Number ? ((Number) v).longValue() : otherwise;
    }

    private static void report(Settings s, String label, ProgressTap.Live live, long totalBytes, long t0) {
        long every = Math.max(100, s.progressEvery.toMillis());
        boolean announcedEnd = false;
        long startedAt = 0; // when the first records were seen: job start-up is not reading speed
        long recordsThen = 0;
        long bytesThen = 0;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            double secs = (now - t0) / 1e9;
            long records = live.records();
            long bytes = live.bytes();
            if (startedAt == 0 && records > 0) {
                startedAt = now;
                recordsThen = records;
                bytesThen = bytes;
            }
            double reading = startedAt == 0 ? 0 : (now - startedAt) / 1e9;
            double rate = reading > 0 ? (records - recordsThen) / reading : 0;
            double byteRate = reading > 0 ? (bytes - bytesThen) / reading : 0;
            if (totalBytes > 0 && bytes >= totalBytes) {
                if (!announcedEnd) {
                    announcedEnd = true;
                    s.progress.printf(Locale.ROOT, "[%s] input read: %,d records in %s; running event time to its end"
                            + " (pending ticks and retention) and summarising accounts%n", label, records, duration(secs));
                } else {
                    s.progress.printf(Locale.ROOT, "[%s] finishing, %s%n", label, duration(secs));
                }
            } else if (records == 0) {
                s.progress.printf(Locale.ROOT, "[%s] starting the job, %s%n", label, duration(secs));
            } else {
                double frac = totalBytes > 0 ? (double) bytes / totalBytes : 0;
                String eta = byteRate > 0 && totalBytes > bytes
                        ? ", input read in about " + duration((totalBytes - bytes) / byteRate) : "";
                String speed = rate > 0 ? String.format(Locale.ROOT, ", %,.0f records/s", rate) : "";
                s.progress.printf(Locale.ROOT, "[%s] %,d records read, %s of %s (%.1f %%), %s%s%s%n", label,
                        records, size(bytes), size(totalBytes), 100 * frac, duration(secs), speed, eta);
            }
            s.progress.flush();
        }
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    static String size(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GB", bytes / (1024.0 * 1024 * 1024));
    }

    /** Bytes in the input files (directories: the files under them that Flink's file source reads). */
    static long inputBytes(List<String> inputs) {
        long total = 0;
        for (String in : inputs) {
            Path p = Paths.get(in.startsWith("file:") ? java.net.URI.create(in).getPath() : in);
            if (Files.isRegularFile(p)) {
                total += p.toFile().length();
            } else if (Files.isDirectory(p)) {
                try (Stream<Path> files = Files.walk(p)) {
                    total += files.filter(Files::isRegularFile)
                            .filter(f -> !hidden(p, f))
                            .mapToLong(f -> f.toFile().length()).sum();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return total;
    }

    private static boolean hidden(Path root, Path f) {
        for (Path part : root.relativize(f)) {
            String n = part.toString();
            if (n.startsWith(".") || n.startsWith("_")) {
                return true;
            }
        }
        return false;
    }

    /** The job's own source, with the {@link ProgressTap} chained behind it. */
    static final class TappedSource implements EventSource {
        private static final long serialVersionUID = 1L;

        private final EventSource inner;
        private final String runId;

        TappedSource(EventSource inner, String runId) {
            this.inner = inner;
            this.runId = runId;
        }

        @Override
        public DataStream<ParsedRecord> open(StreamExecutionEnvironment env, EventParser parser,
                WatermarkStrategy<ParsedRecord> watermarks) {
            return inner.open(env, parser, watermarks)
                    .map(new ProgressTap(runId)).returns(ParsedRecord.class)
                    .uid(UID_PROGRESS).name("progress"); // short: the chain's name stays under Flink's 80 characters
        }
    }
}
