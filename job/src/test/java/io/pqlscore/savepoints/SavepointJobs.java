package io.pqlscore.savepoints;

import io.pqlscore.Connectors;
import io.pqlscore.config.JobOptions;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.EventSource;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.pipeline.ScoringTopology;
import io.pqlscore.testing.PunctuatedSource;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs the real job (the production {@link ScoringPipeline} with the file source of
 * {@link Connectors}) for the savepoint tests and the fixture generator, and watches it through
 * Flink's own operator metrics, found by operator uid (uids never change, metric names of ours may).
 *
 * <p>The input is a directory watched with {@code --continuous}: a job never ends by itself, so it
 * can be stopped with a savepoint mid-stream (no drain: pending timers stay pending), and a job
 * restored from that savepoint picks up new files. A first job gets its input spread over one
 * file per source reader ({@link #publishSpread}), so that every reader has a watermark without
 * source idleness, which is off ({@link #IDLE_TIMEOUT}). A resumed job gets one file and is ended
 * with a <em>draining</em> stop-with-savepoint: the sources emit the final watermark first, so
 * every pending tick and retention fires exactly as at the end of a bounded replay, which is what
 * an uninterrupted bounded run of the whole input is compared with.
 *
 * <p>Why not a far-future record per reader instead: a file source emits watermarks only
 * periodically, per split, and forgets a split's watermark when the split ends, so the watermark of
 * a one-line file read within one period never reaches the operators.
 */
final class SavepointJobs {
    /** How often the watched directory is scanned. */
    static final String MONITOR_INTERVAL = "200ms";
    /**
     * No source idleness: a reader never goes idle within a test. Idleness is not needed (the
     * first job's input is spread over one file per reader, and later jobs end with the final
     * watermark), and a reader that went idle while another still had a file to read could find
     * that file's records late, which is what idleness means but not what these tests check.
     * Idle and active switches have their own test ({@code IdleSourcesTest}).
     */
    static final String IDLE_TIMEOUT = "1h";
    /**
     * Periodic watermarks every millisecond. A file source emits a split's watermark only
     * periodically and forgets it when the split (file) ends, and a test file of a few thousand
     * records is emitted in a few milliseconds: at the default 200 ms (even at 20 ms) the first
     * job's watermark often never left the source, so nothing was scored before the savepoint.
     * At 1 ms only the records of the file's last millisecond are not covered.
     */
    static final Duration WATERMARK_INTERVAL = Duration.ofMillis(1);
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private SavepointJobs() {}

    /** The job's options: the model, a watched input directory, a parallelism. */
    static JobOptions continuous(Path model, Path inputDir, int parallelism) {
        return JobOptions.parse("--model", model.toString(), "--input", inputDir.toString(), "--continuous",
                "--monitor-interval", MONITOR_INTERVAL, "--idle-timeout", IDLE_TIMEOUT,
                "--parallelism", Integer.toString(parallelism));
    }

    /** A bounded replay of {@code input} (file or directory): the uninterrupted reference run. */
    static JobOptions bounded(Path model, Path input, int parallelism) {
        return JobOptions.parse("--model", model.toString(), "--input", input.toString(),
                "--parallelism", Integer.toString(parallelism));
    }

    /** A running job and the outputs it has written so far. */
    static final class Run {
        final JobClient job;
        final CollectingSinks out;

        Run(JobClient job, CollectingSinks out) {
            this.job = job;
            this.out = out;
        }

        JobID id() {
            return job.getJobID();
        }

        /** Cancels the job unless it has ended (after a failed test: no job outlives its input). */
        void cancelIfRunning() {
            try {
                if (!job.getJobStatus().get().isGloballyTerminalState()) {
                    job.cancel().get(30, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                // the job has ended or the cluster is gone: nothing to cancel
            }
        }
    }

    /**
     * Starts the job on the current (test or generator) MiniCluster, restored from
     * {@code restoreFrom} when given; {@code extra} settings go into the job's configuration (e.g.
     * a state backend). Returns once the job runs.
     */
    static Run start(String tag, ScoringModel model, JobOptions options, String restoreFrom, Map<String, String> extra)
            throws Exception {
        Configuration conf = Configuration.fromMap(extra == null ? Map.of() : extra);
        conf.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, WATERMARK_INTERVAL);
        if (restoreFrom != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        CollectingSinks out = new CollectingSinks(tag);
        // a watermark after each record: a file a reader reads between two periodic emits would
        // otherwise leave the watermark behind (its split ends and takes the watermark with it)
        EventSource source = options.inputs != null && !options.inputs.isEmpty()
                ? PunctuatedSource.keepingParallelism(Connectors.source(options), model.time().maxOutOfOrdernessMs(),
                        options.idleTimeout == null || options.idleTimeout.isZero() ? null : options.idleTimeout)
                : Connectors.source(options);
        new ScoringPipeline(options, model, source, out).build(env);
        JobClient job = env.executeAsync(tag);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            JobStatus s = job.getJobStatus().get();
            if (s == JobStatus.RUNNING) {
                return new Run(job, out);
            }
            if (s.isGloballyTerminalState()) {
                throw new IllegalStateException(tag + " ended before running: " + failure(job));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(tag + " not running after " + TIMEOUT + " (" + s + ")");
            }
            Thread.sleep(50);
        }
    }

    /** Runs a bounded job to its end and returns its outputs. */
    static CollectingSinks runBounded(String tag, ScoringModel model, JobOptions options) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        CollectingSinks out = new CollectingSinks(tag);
        new ScoringPipeline(options, model, Connectors.source(options), out).build(env);
        env.execute(tag);
        return out;
    }

    // ---------------------------------------------------------------- waiting

    /**
     * Waits until every source reader of the job is up (its metrics registered) and has had time
     * to ask for a file, so that files published now are spread one per reader.
     */
    static void awaitReaders(InMemoryReporter reporter, Run run, int parallelism) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (operatorMetrics(reporter, run.id(), ScoringTopology.UID_ROUTER, "numRecordsIn").size() < parallelism) {
            checkAlive(run, deadline, parallelism + " source readers");
            Thread.sleep(50);
        }
        Thread.sleep(500);
    }

    /**
     * Waits until the job has read {@code records} records (the router's {@code numRecordsIn},
     * summed over its subtasks: every non-blank line is one record, valid or not).
     */
    static void awaitRead(InMemoryReporter reporter, Run run, long records) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            long read = recordsRead(reporter, run.id());
            if (read == records) {
                return;
            }
            if (read > records) {
                throw new IllegalStateException("read " + read + " records, expected " + records);
            }
            checkAlive(run, deadline, "reading " + records + " records (read " + read + ")");
            Thread.sleep(50);
        }
    }

    /**
     * After {@link #awaitRead}: waits until the watermark the sources emitted last (the smallest
     * over the readers) has reached the scorer and nothing has moved since for {@code quiet} (no new output, watermarks unchanged),
     * i.e. every record the watermark has passed is scored and its outputs are written. Returns the
     * scorer's watermark: the job has emitted everything up to that event time, nothing after it.
     */
    /** A first job that has read its records and settled: its input directory and its scorer's watermark. */
    record Settled(Run run, Path input, long cut) {}

    static final int SETTLE_ATTEMPTS = 6;
    static final Duration FIRST_WATERMARK_WAIT = Duration.ofSeconds(3);
    private static final java.util.regex.Pattern TIMESTAMP = java.util.regex.Pattern.compile("\"timestamp\":\"([^\"]+)\"");

    /** The {@code timestamp} of a test record. */
    static long eventTime(byte[] record) {
        java.util.regex.Matcher m = TIMESTAMP.matcher(new String(record, java.nio.charset.StandardCharsets.UTF_8));
        if (!m.find()) {
            throw new IllegalArgumentException("no timestamp in " + new String(record, java.nio.charset.StandardCharsets.UTF_8));
        }
        return java.time.Instant.parse(m.group(1)).toEpochMilli();
    }

    /**
     * Starts a continuous job on a new input directory, publishes {@code records} spread over
     * {@code readers} files, waits until they are read and the job is quiet ({@link #awaitQuiet}),
     * and returns it running. A file source emits a split's watermark only periodically and drops
     * it when the split (file) ends; on a fast, idle machine with a warm JIT a reader reads its
     * whole file in a millisecond or two, so the last periodic emit may come early in the file (or
     * never), the sources' watermark stays near the first records and almost nothing is scored:
     * "quiet" would hold with nothing done. That is the test setup failing, not the job, so unless
     * the sources' watermark reaches the middle record's time, the attempt is cancelled and made
     * again on a fresh job and directory (at most {@value #SETTLE_ATTEMPTS} times), saying so.
     */
    static Settled startAndSettle(InMemoryReporter reporter, String tag, ScoringModel model, Path modelPath, Path work,
            List<byte[]> records, int readers, Duration quiet, Map<String, String> extra) throws Exception {
        for (int attempt = 1; ; attempt++) {
            Path input = Files.createDirectories(work.resolve("input-" + attempt));
            Run run = start(attempt == 1 ? tag : tag + " (attempt " + attempt + ")", model, continuous(modelPath, input, readers),
                    null, extra);
            boolean settled = false;
            try {
                awaitReaders(reporter, run, readers);
                publishSpread(input, "part-1", records, readers);
                awaitRead(reporter, run, records(records));
                long middle = eventTime(records.get(records.size() / 2));
                long deadline = System.nanoTime() + FIRST_WATERMARK_WAIT.toNanos();
                while (sourceWatermark(reporter, run.id()) < middle && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                if (sourceWatermark(reporter, run.id()) >= middle) {
                    long cut = awaitQuiet(reporter, run, quiet);
                    settled = true;
                    return new Settled(run, input, cut);
                }
                if (attempt == SETTLE_ATTEMPTS) {
                    throw new IllegalStateException("no watermark left the file sources in " + attempt + " attempts");
                }
                System.out.printf("%s: every record read but the sources' watermark stayed at %d, before the middle record's"
                        + " time %d (file splits ended between periodic emits); again on a fresh job%n", tag,
                        sourceWatermark(reporter, run.id()), middle);
            } finally {
                if (!settled) {
                    run.cancelIfRunning();
                }
            }
        }
    }

    static long awaitQuiet(InMemoryReporter reporter, Run run, Duration quiet) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String last = null;
        long since = System.nanoTime();
        while (true) {
            long source = sourceWatermark(reporter, run.id());
            long wm = scorerWatermark(reporter, run.id());
            int out = run.out.transitions().size() + run.out.scores().size();
            String now = source + "/" + wm + "/" + out;
            long t = System.nanoTime();
            if (!now.equals(last)) {
                last = now;
                since = t;
            } else if (wm >= source && t - since >= quiet.toNanos()) {
                return wm;
            }
            checkAlive(run, deadline, "the job to settle (source watermark " + source + ", scorer watermark " + wm
                    + ", outputs " + out + ")");
            Thread.sleep(50);
        }
    }

    private static void checkAlive(Run run, long deadline, String what) throws Exception {
        JobStatus s = run.job.getJobStatus().get();
        if (s.isGloballyTerminalState()) {
            throw new IllegalStateException("the job ended (" + s + ") while waiting for " + what + ": " + failure(run.job));
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException("timed out waiting for " + what);
        }
    }

    private static String failure(JobClient job) {
        try {
            job.getJobExecutionResult().get(10, TimeUnit.SECONDS);
            return "no error";
        } catch (Exception e) {
            Throwable t = e;
            StringBuilder b = new StringBuilder();
            while (t != null) {
                b.append(t).append(" <- ");
                t = t.getCause();
            }
            return b.toString();
        }
    }

    // ---------------------------------------------------------------- stopping

    /**
     * Stop-with-savepoint <em>without</em> draining (as {@code flink stop} without {@code --drain}):
     * pending timers stay pending in the savepoint. Returns the savepoint's path.
     */
    static String stopWithSavepoint(Run run, Path dir) throws Exception {
        return stop(run, dir, false);
    }

    /**
     * Ends a job as a bounded replay ends: a draining stop-with-savepoint emits the final watermark
     * from the sources, so every pending timer (ticks, retention) fires before the job finishes.
     */
    static void drain(Run run, Path dir) throws Exception {
        stop(run, dir, true);
    }

    /**
     * A job reports RUNNING before every task is (a restoring RocksDB task takes a moment), and a
     * savepoint is refused until then: such refusals are retried.
     */
    private static String stop(Run run, Path dir, boolean drain) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                String path = run.job.stopWithSavepoint(drain, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                run.job.getJobExecutionResult().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                return path;
            } catch (ExecutionException e) {
                if (!tasksNotYetRunning(e) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private static boolean tasksNotYetRunning(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("Not all required tasks are currently running")) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- metrics

    /** Records the router has taken from the source, over all subtasks. */
    static long recordsRead(InMemoryReporter reporter, JobID job) {
        long sum = 0;
        for (Metric m : operatorMetrics(reporter, job, ScoringTopology.UID_ROUTER, "numRecordsIn")) {
            sum += ((Counter) m).getCount();
        }
        return sum;
    }

    /** The smallest watermark the source subtasks have emitted (as the routers, chained to them, forward it). */
    static long sourceWatermark(InMemoryReporter reporter, JobID job) {
        long min = Long.MAX_VALUE;
        boolean any = false;
        for (Metric m : operatorMetrics(reporter, job, ScoringTopology.UID_ROUTER, "currentOutputWatermark")) {
            Object v = ((Gauge<?>) m).getValue();
            if (v instanceof Number) {
                min = Math.min(min, ((Number) v).longValue());
                any = true;
            }
        }
        return any ? min : Long.MIN_VALUE;
    }

    /** The smallest input watermark of the scorer's subtasks; {@code Long.MIN_VALUE} when none yet. */
    static long scorerWatermark(InMemoryReporter reporter, JobID job) {
        long min = Long.MAX_VALUE;
        boolean any = false;
        for (Metric m : operatorMetrics(reporter, job, ScoringTopology.UID_ACCOUNTS, "currentInputWatermark")) {
            Object v = ((Gauge<?>) m).getValue();
            if (v instanceof Number) {
                min = Math.min(min, ((Number) v).longValue());
                any = true;
            }
        }
        return any ? min : Long.MIN_VALUE;
    }

    private static List<Metric> operatorMetrics(InMemoryReporter reporter, JobID job, String uid, String name) {
        String operatorId = OperatorIdentifier.forUid(uid).getOperatorId().toString();
        String jobId = job.toString();
        List<Metric> found = new ArrayList<>();
        for (Map.Entry<MetricGroup, Map<String, Metric>> g : reporter.getMetricsByGroup().entrySet()) {
            Map<String, String> vars = g.getKey().getAllVariables();
            if (jobId.equals(vars.get("<job_id>")) && operatorId.equals(vars.get("<operator_id>"))) {
                Metric m = g.getValue().get(name);
                if (m != null) {
                    found.add(m);
                }
            }
        }
        return found;
    }

    // ---------------------------------------------------------------- input files

    /** The file's lines split on LF, bytes untouched (a trailing empty line dropped). */
    static List<byte[]> lines(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= all.length; i++) {
            if (i == all.length || all[i] == '\n') {
                if (i < all.length || i > start) {
                    out.add(Arrays.copyOfRange(all, start, i));
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** How many of these lines are records (not blank). */
    static long records(List<byte[]> lines) {
        return lines.stream().filter(l -> !new String(l, StandardCharsets.UTF_8).isBlank()).count();
    }

    /**
     * Spreads the lines over {@code files} new files of a watched directory, line {@code i} into
     * file {@code i % files} (named {@code <prefix>-<n>.jsonl}): one file per source reader, so
     * every reader has a watermark. Each file is a subsequence of the input, so it keeps the
     * input's arrival order within the out-of-orderness bound, and so does their merge.
     */
    static void publishSpread(Path dir, String prefix, List<byte[]> lines, int files) throws IOException {
        for (int f = 0; f < files; f++) {
            List<byte[]> part = new ArrayList<>();
            for (int i = f; i < lines.size(); i += files) {
                part.add(lines.get(i));
            }
            publish(dir, prefix + "-" + f + ".jsonl", part);
        }
    }

    /**
     * Writes the lines as a new file of a watched directory, atomically: written under a hidden name
     * (the file source skips names starting with '.') and then renamed.
     */
    static Path publish(Path dir, String name, List<byte[]> lines) throws IOException {
        Path tmp = dir.resolve("." + name + ".tmp");
        try (var out = Files.newOutputStream(tmp)) {
            for (byte[] l : lines) {
                out.write(l);
                out.write('\n');
            }
        }
        return Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    // ---------------------------------------------------------------- outputs

    /** Lines as a sorted multiset, for comparisons that ignore the order of subtasks. */
    static List<String> sorted(List<String> lines) {
        return lines.stream().sorted().collect(Collectors.toList());
    }

    /** Concatenation. */
    @SafeVarargs
    static List<String> concat(List<String>... parts) {
        List<String> all = new ArrayList<>();
        for (List<String> p : parts) {
            all.addAll(p);
        }
        return all;
    }

    /** {@code count} of each line, for messages about a difference. */
    static Map<String, Integer> counts(List<String> lines) {
        Map<String, Integer> m = new TreeMap<>();
        for (String l : lines) {
            m.merge(l, 1, Integer::sum);
        }
        return m;
    }

    /** What {@code actual} has too much and too little of, compared with {@code expected}. */
    static List<String> diff(List<String> expected, List<String> actual) {
        Map<String, Integer> e = counts(expected);
        Map<String, Integer> a = counts(actual);
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Integer> x : e.entrySet()) {
            int n = x.getValue() - a.getOrDefault(x.getKey(), 0);
            if (n > 0) {
                out.add("missing x" + n + ": " + x.getKey());
            }
        }
        for (Map.Entry<String, Integer> x : a.entrySet()) {
            int n = x.getValue() - e.getOrDefault(x.getKey(), 0);
            if (n > 0) {
                out.add("extra   x" + n + ": " + x.getKey());
            }
        }
        return out;
    }

    /** A savepoint path as Flink returns it ({@code file:/...}) as a local path. */
    static Path localPath(String savepoint) {
        return Paths.get(URI.create(savepoint.startsWith("file:") ? savepoint : "file:" + savepoint));
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static void copyRecursively(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(d).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
