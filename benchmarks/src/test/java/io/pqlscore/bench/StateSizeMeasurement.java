package io.pqlscore.bench;

import io.pqlscore.config.JobOptions;
import io.pqlscore.metrics.Metrics;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import io.pqlscore.pipeline.EventSource;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.pipeline.ScoringStreams;
import io.pqlscore.pipeline.ScoringTopology;
import io.pqlscore.sources.FileEventSource;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.cep.nfa.ComputationState;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.state.CompositeKeySerializationUtils;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.StateObject;
import org.apache.flink.runtime.state.StateSerializerProvider;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.runtime.state.restore.FullSnapshotRestoreOperation;
import org.apache.flink.runtime.state.restore.KeyGroup;
import org.apache.flink.runtime.state.restore.KeyGroupEntry;
import org.apache.flink.runtime.state.restore.SavepointRestoreResult;
import org.apache.flink.runtime.state.restore.ThrowingIterator;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamGraphHasherV2;

/**
 * Measures the keyed state each operator of the real job holds after a long run. A measurement
 * tool, not a test (surefire does not pick it up: no {@code *Test} name, no JUnit annotations).
 * Results and how to read them: {@code docs/measurements/state-size.md}.
 *
 * <ol>
 *   <li>Generates {@code EVENTS} synthetic events over {@code ACCOUNTS} accounts
 *       ({@link SyntheticEvents}, fixed seed) into a temp directory, followed by a short
 *       "watermark tail" of one extra account that carries the watermark past the last event
 *       (a file source emits watermarks periodically, never when a split ends).</li>
 *   <li>Runs the job ({@link ScoringPipeline}, default model, file source in
 *       {@code --continuous} mode so it never ends and the final watermark never clears state)
 *       on a local MiniCluster with RocksDB, outputs into discarding sinks.</li>
 *   <li>Waits until every record is read, the scorer's watermark has passed the last synthetic
 *       event, and for 10 s no operator has taken or emitted a record and no task was busy.</li>
 *   <li>Takes a full (non-incremental) canonical savepoint, cancels the job, and reads the
 *       savepoint back: per operator the total bytes, and for keyed state, per state, the entries,
 *       distinct keys and bytes, read with Flink's own full-snapshot reader; timers by due time;
 *       for CEP operators each key's {@code NFAState}, to count partial matches and their age.
 *       The tail account's entries are left out of every number.</li>
 * </ol>
 *
 * <pre>mvn -q test-compile exec:exec -Dexec.mainClass=io.pqlscore.bench.StateSizeMeasurement \
 *     -Dexec.argline="10000 1000000 2"</pre>
 *
 * Arguments: ACCOUNTS (10000) EVENTS (1000000) PARALLELISM (2) [SEED (42)]. Or
 * {@code --analyse SAVEPOINT_DIR WATERMARK ACCOUNTS EVENTS PARALLELISM [SEED]} to read the
 * savepoint of an earlier run again (the run prints this line).
 */
public final class StateSizeMeasurement {
    private static final Duration QUIET = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofHours(3);
    /** Records of the watermark tail ({@link SyntheticEvents#generate(int, long, long, Path, int)}). */
    private static final int TAIL_RECORDS = 20_000;

    private StateSizeMeasurement() {}

    public static void main(String[] args) {
        int status = 0;
        try {
            run(args);
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        }
        // a MiniCluster that failed half-way can leave non-daemon threads behind
        System.exit(status);
    }

    private static void run(String[] args) throws Exception {
        if (args.length == 1 && args[0].trim().contains(" ")) {
            args = args[0].trim().split("\\s+"); // an exec plugin that passes exec.argline as one argument
        }
        if (args.length > 0 && args[0].equals("--analyse")) {
            analyseOnly(args);
            return;
        }
        int accounts = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        long events = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000L;
        int parallelism = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 42L;
        long started = System.nanoTime();

        Path work = Files.createTempDirectory("pqlscore-state-size-");
        Path inputDir = Files.createDirectories(work.resolve("input"));
        Path input = inputDir.resolve("events.jsonl");
        long t0 = System.nanoTime();
        SyntheticEvents.Stats stats = SyntheticEvents.generate(accounts, events, seed, input, TAIL_RECORDS);
        System.out.printf(Locale.ROOT, "generated %s (%s) in %.1f s%n  %s%n", input, bytes(Files.size(input)),
                secs(t0), stats);

        ScoringModel model = ModelLoader.loadDefault();
        Path checkpoints = Files.createDirectories(work.resolve("checkpoints"));
        Path savepoints = Files.createDirectories(work.resolve("savepoints"));
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("execution.runtime-mode", "STREAMING");
        settings.put("state.backend.type", "rocksdb");
        settings.put("state.backend.rocksdb.timer-service.factory", "ROCKSDB");
        settings.put("execution.checkpointing.incremental", "false");
        settings.put("execution.checkpointing.dir", checkpoints.toUri().toString());
        settings.put("execution.checkpointing.savepoint-dir", savepoints.toUri().toString());
        settings.put("pipeline.max-parallelism", "720");
        settings.put("rest.bind-port", "0"); // any free port: other local clusters may hold 8081
        Configuration conf = Configuration.fromMap(settings);
        InMemoryReporter reporter = InMemoryReporter.create();
        reporter.addToConfiguration(conf);

        String savepoint;
        long watermark;
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(parallelism).build());
        try {
            cluster.start();
            StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
            JobOptions options = JobOptions.parse("--input", inputDir.toString(), "--parallelism",
                    Integer.toString(parallelism), "--continuous", "--monitor-interval", "1s");
            ScoringStreams streams = new ScoringPipeline(options, model,
                    new FileEventSource(options.inputs, options.monitorInterval), null).build(env);
            streams.transitions.sinkTo(new DiscardingSink<>()).uid("bench-discard-transitions")
                    .name("discard transitions");
            streams.scores.sinkTo(new DiscardingSink<>()).uid("bench-discard-scores").name("discard scores");
            streams.deadLetters.sinkTo(new DiscardingSink<>()).uid("bench-discard-dead-letters")
                    .name("discard dead letters");
            StreamGraph graph = env.getStreamGraph();
            graph.setJobName("pqlscore state-size measurement");
            long t1 = System.nanoTime();
            JobID job = cluster.submitJob(graph).get().getJobID();
            watermark = waitUntilQuiet(cluster, reporter, job, stats.events + stats.tailRecords, stats.maxTimestamp);
            System.out.printf(Locale.ROOT, "job processed the input in %.1f s (including %d s of quiet wait)%n",
                    secs(t1), QUIET.toSeconds());
            printCounters(reporter, job);
            long t2 = System.nanoTime();
            savepoint = cluster.triggerSavepoint(job, savepoints.toUri().toString(), false,
                    SavepointFormatType.CANONICAL).get();
            System.out.printf(Locale.ROOT, "savepoint %s in %.1f s%n", savepoint, secs(t2));
            cluster.cancelJob(job).get();
        } finally {
            cluster.close();
        }

        long t3 = System.nanoTime();
        Path savepointDir = Paths.get(URI.create(savepoint.startsWith("file:") ? savepoint : "file:" + savepoint));
        System.out.printf("(to analyse this savepoint again: --analyse %s %s %d %d %d %d)%n", savepointDir,
                Instant.ofEpochMilli(watermark), accounts, events, parallelism, seed);
        analyse(savepointDir, model, stats, parallelism, watermark);
        System.out.printf(Locale.ROOT, "savepoint analysed in %.1f s; whole run %.1f s; work dir %s%n", secs(t3),
                secs(started), work);
    }

    // ---------------------------------------------------------------------------------------
    // Waiting for the job to take in everything

    /**
     * Returns once every record has been read, the scorer's watermark has passed the last
     * synthetic event (so the sequencer has released every synthetic record), and for
     * {@link #QUIET} no operator has taken or emitted a record, no task has been busy and the
     * watermark has not moved. Should the watermark stop short of the last event (the file source
     * emits watermarks periodically, never when a split ends; the tail of the input is there to
     * carry it past), it gives up waiting after six quiet periods and says so.
     */
    private static long waitUntilQuiet(MiniCluster cluster, InMemoryReporter reporter, JobID job, long events,
            long lastEventTime) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long lastActivity = -1;
        long lastWatermark = Long.MIN_VALUE;
        long quietSince = System.nanoTime();
        long lastPrint = 0;
        while (true) {
            if (cluster.getJobStatus(job).get().isGloballyTerminalState()) {
                throw new IllegalStateException("the job ended: " + cluster.requestJobResult(job).get()
                        .getSerializedThrowable().map(t -> t.getFullStringifiedStackTrace()).orElse("no error"));
            }
            long in = sumCounters(reporter, job, "pqlscore\\.events_in$");
            long rejected = sumCounters(reporter, job, "pqlscore\\.reason\\.[a-z_]+\\.rejected$");
            long activity = sumCounters(reporter, job, "numRecords(In|Out)$");
            // a task firing a long run of timers takes no records for a while, but is busy
            double busy = maxGauge(reporter, job, "busyTimeMsPerSecond$");
            long watermark = minGauge(reporter, job, Pattern.quote(Metrics.ACCOUNTS_OPERATOR) + "\\.\\d+\\.currentInputWatermark$");
            long now = System.nanoTime();
            if (activity != lastActivity || watermark != lastWatermark || busy > 100) {
                lastActivity = activity;
                lastWatermark = watermark;
                quietSince = now;
            }
            boolean allRead = in + rejected >= events;
            if (now - lastPrint > 30_000_000_000L) {
                lastPrint = now;
                System.out.printf(Locale.ROOT, "  ... %3.0f s: events_in=%d rejected=%d records into operators=%d "
                        + "max busy=%.0f ms/s scorer watermark=%s%n", (now - deadline + TIMEOUT.toNanos()) / 1e9, in,
                        rejected, activity, busy, instant(watermark));
            }
            boolean passed = watermark != Long.MIN_VALUE && watermark >= lastEventTime;
            long quiet = now - quietSince;
            if (allRead && (passed ? quiet >= QUIET.toNanos() : quiet >= 6 * QUIET.toNanos())) {
                System.out.printf(Locale.ROOT, "all %d records read; scorer watermark %s %s the last synthetic event "
                        + "(%s)%n", in + rejected, instant(watermark), passed ? "has passed" : "STOPPED SHORT OF",
                        instant(lastEventTime));
                return watermark;
            }
            if (now > deadline) {
                throw new IllegalStateException("the job did not take in all records within " + TIMEOUT
                        + ": events_in=" + in + " rejected=" + rejected + " watermark=" + instant(watermark));
            }
            Thread.sleep(500);
        }
    }

    private static void printCounters(InMemoryReporter reporter, JobID job) {
        System.out.printf(Locale.ROOT, "counters: events_in=%d rejected=%d duplicates=%d transitions=%d "
                + "late_after_shuffle=%d%n",
                sumCounters(reporter, job, "pqlscore\\.events_in$"),
                sumCounters(reporter, job, "pqlscore\\.reason\\.[a-z_]+\\.rejected$"),
                sumCounters(reporter, job, "pqlscore\\.duplicates$"),
                sumCounters(reporter, job, "pqlscore\\.transitions$"),
                sumCounters(reporter, job, "pqlscore\\.reason\\.late_after_shuffle\\.rejected$"));
    }

    /**
     * The job's metrics whose identifier matches {@code regex} (find). Not
     * {@code InMemoryReporter#findMetrics}: it fails on the identical identifiers a chain's head
     * operator and its task share (e.g. numRecordsIn).
     */
    static List<Metric> metrics(InMemoryReporter reporter, JobID job, String regex) {
        Pattern p = Pattern.compile(regex);
        String id = job.toString();
        List<Metric> found = new ArrayList<>();
        for (Map.Entry<MetricGroup, Map<String, Metric>> g : reporter.getMetricsByGroup().entrySet()) {
            if (!id.equals(g.getKey().getAllVariables().get("<job_id>"))) {
                continue;
            }
            for (Map.Entry<String, Metric> m : g.getValue().entrySet()) {
                if (p.matcher(g.getKey().getMetricIdentifier(m.getKey())).find()) {
                    found.add(m.getValue());
                }
            }
        }
        return found;
    }

    static long sumCounters(InMemoryReporter reporter, JobID job, String regex) {
        long sum = 0;
        for (Metric m : metrics(reporter, job, regex)) {
            if (m instanceof Counter) {
                sum += ((Counter) m).getCount();
            }
        }
        return sum;
    }

    static double maxGauge(InMemoryReporter reporter, JobID job, String regex) {
        double max = 0;
        for (Metric m : metrics(reporter, job, regex)) {
            if (m instanceof Gauge && ((Gauge<?>) m).getValue() instanceof Number) {
                double v = ((Number) ((Gauge<?>) m).getValue()).doubleValue();
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        return max;
    }

    static long minGauge(InMemoryReporter reporter, JobID job, String regex) {
        long min = Long.MAX_VALUE;
        boolean any = false;
        for (Metric m : metrics(reporter, job, regex)) {
            if (m instanceof Gauge && ((Gauge<?>) m).getValue() instanceof Number) {
                min = Math.min(min, ((Number) ((Gauge<?>) m).getValue()).longValue());
                any = true;
            }
        }
        return any ? min : Long.MIN_VALUE;
    }

    // ---------------------------------------------------------------------------------------
    // Reading the savepoint

    /** What the job's operators are, by uid, with the number of keys they are expected to hold. */
    private static Map<OperatorID, String> knownUids(ScoringModel model) {
        List<String> uids = new ArrayList<>(List.of(EventSource.UID, ScoringTopology.UID_ROUTER,
                ScoringTopology.UID_IDENTITY, ScoringTopology.UID_ACCOUNTS, ScoringTopology.UID_TIER_CENSUS,
                "bench-discard-transitions", "bench-discard-scores", "bench-discard-dead-letters"));
        Map<OperatorID, String> byId = new HashMap<>();
        for (String uid : uids) {
            byId.put(operatorId(uid), uid);
        }
        return byId;
    }

    /** The OperatorID Flink derives from a user-specified uid (StreamGraphHasherV2: murmur3_128, seed 0). */
    static OperatorID operatorId(String uid) {
        return new OperatorID(StreamGraphHasherV2.generateUserSpecifiedHash(uid));
    }

    /** Per state of one keyed operator: what the savepoint holds. */
    private static final class StateStats {
        final String name;
        final String type;
        long entries;
        long keyBytes;
        long valueBytes;
        final Set<String> keys = new HashSet<>();
        /** Timers only: how many are due within each of {@link #DUE_BUCKETS} after the watermark. */
        final long[] due = new long[DUE_BUCKETS.length + 1];

        StateStats(String name, String type) {
            this.name = name;
            this.type = type;
        }

        long bytes() {
            return keyBytes + valueBytes + 8 * entries; // + the two int length prefixes per entry
        }
    }

    /** Upper ends of the timer due-time buckets, relative to the watermark at the savepoint. */
    static final long[] DUE_BUCKETS = {0, 3_600_000L, 86_400_000L, 14 * 86_400_000L, 30 * 86_400_000L,
        90 * 86_400_000L};
    static final String[] DUE_LABELS = {"<=0 (overdue)", "<=1h", "<=1d", "<=14d", "<=30d", "<=90d", ">90d"};

    /** Per CEP operator: partial matches found in the keys' NFAState. */
    private static final class NfaStats {
        long keys;
        long partialMatches;
        long startStates;
        long completedMatches;
        long max;
        /** The oldest partial match: watermark minus its first event's time. */
        long maxAgeMs = Long.MIN_VALUE;
        /** Partial matches whose first event is more than {@code within} behind the watermark. */
        long olderThanWithin;
        Long withinMs;
        final TreeMap<Long, Long> histogram = new TreeMap<>();
    }

    private static final class OperatorReport {
        String uid;
        String name;
        long total;
        long keyed;
        long operatorState;
        long coordinator;
        int undecodedKeys;
        /** Bytes of the watermark-tail account's entries, left out of every number. */
        long tailBytes;
        final Map<String, StateStats> states = new LinkedHashMap<>();
        final Map<String, Long> bytesPerKey = new HashMap<>();
        NfaStats nfa;
    }

    /**
     * {@code --analyse SAVEPOINT_DIR WATERMARK ACCOUNTS EVENTS PARALLELISM [SEED]}: reads a savepoint of an
     * earlier run again (the input's statistics are regenerated, deterministically).
     */
    private static void analyseOnly(String[] args) throws Exception {
        Path savepointDir = Paths.get(args[1]);
        long watermark = Instant.parse(args[2]).toEpochMilli();
        int accounts = Integer.parseInt(args[3]);
        long events = Long.parseLong(args[4]);
        int parallelism = Integer.parseInt(args[5]);
        long seed = args.length > 6 ? Long.parseLong(args[6]) : 42L;
        Path tmp = Files.createTempFile("pqlscore-events-", ".jsonl");
        SyntheticEvents.Stats stats;
        try {
            stats = SyntheticEvents.generate(accounts, events, seed, tmp, TAIL_RECORDS);
        } finally {
            Files.deleteIfExists(tmp);
        }
        System.out.println("  " + stats);
        analyse(savepointDir, ModelLoader.loadDefault(), stats, parallelism, watermark);
    }

    /**
     * Reads a canonical savepoint of the job, prints the per-operator and per-state tables and
     * returns the totals (the benchmark, {@link Benchmark}, records them). Entries of
     * {@link SyntheticEvents#TAIL_ACCOUNT} are left out of every number.
     */
    static Summary analyse(Path savepointDir, ScoringModel model, SyntheticEvents.Stats stats, int parallelism,
            long watermark) throws Exception {
        CheckpointMetadata metadata;
        try (InputStream in = Files.newInputStream(savepointDir.resolve("_metadata"))) {
            metadata = Checkpoints.loadCheckpointMetadata(new DataInputStream(in),
                    StateSizeMeasurement.class.getClassLoader(), savepointDir.toUri().toString());
        }
        Map<OperatorID, String> known = knownUids(model);
        Map<String, Long> withinByUid = new HashMap<>();
        int fromMetadata = 0;
        int byHashToo = 0;
        List<OperatorReport> reports = new ArrayList<>();
        for (OperatorState op : metadata.getOperatorStates()) {
            OperatorReport r = new OperatorReport();
            String byHash = known.get(op.getOperatorID());
            fromMetadata += op.getOperatorUid().filter(u -> !u.isEmpty()).isPresent() ? 1 : 0;
            byHashToo += byHash != null ? 1 : 0;
            r.uid = op.getOperatorUid().filter(u -> !u.isEmpty()).orElse(byHash != null ? byHash : op.getOperatorID()
                    + " (unknown uid)");
            if (byHash != null && !byHash.equals(r.uid)) {
                r.uid += " (hash says " + byHash + ")";
            }
            r.name = op.getOperatorName().orElse("");
            r.total = op.getStateSize();
            r.coordinator = op.getCoordinatorState() == null ? 0 : op.getCoordinatorState().getStateSize();
            List<KeyedStateHandle> keyedHandles = new ArrayList<>();
            for (OperatorSubtaskState s : op.getStates()) {
                r.keyed += size(s.getManagedKeyedState()) + size(s.getRawKeyedState());
                r.operatorState += size(s.getManagedOperatorState()) + size(s.getRawOperatorState());
                keyedHandles.addAll(s.getManagedKeyedState());
            }
            if (!keyedHandles.isEmpty()) {
                readKeyed(r, keyedHandles, op.getMaxParallelism(), watermark, withinByUid.get(r.uid));
                r.keyed -= r.tailBytes;
                r.total -= r.tailBytes;
            }
            reports.add(r);
        }
        reports.sort((a, b) -> Long.compare(b.total, a.total));
        System.out.printf("operator uids: %d of %d operators carry their uid in the savepoint metadata; %d match the "
                + "OperatorID hashed from a uid of the job (StreamGraphHasherV2), with no disagreement unless flagged%n",
                fromMetadata, reports.size(), byHashToo);
        return print(reports, stats, parallelism, savepointDir, watermark);
    }

    private static long size(Collection<? extends StateObject> handles) {
        long n = 0;
        for (StateObject h : handles) {
            n += h == null ? 0 : h.getStateSize();
        }
        return n;
    }

    private static void readKeyed(OperatorReport r, List<KeyedStateHandle> handles, int maxParallelism,
            long watermark, Long withinMs) throws Exception {
        int prefix = CompositeKeySerializationUtils.computeRequiredBytesInKeyGroupPrefix(maxParallelism);
        FullSnapshotRestoreOperation<String> restore = new FullSnapshotRestoreOperation<>(
                KeyGroupRange.of(0, maxParallelism - 1), StateSizeMeasurement.class.getClassLoader(), handles,
                StateSerializerProvider.fromNewRegisteredSerializer(StringSerializer.INSTANCE));
        DataInputDeserializer in = new DataInputDeserializer();
        Map<String, long[]> partialByKey = new HashMap<>();
        long maxAge = Long.MIN_VALUE;
        long olderThanWithin = 0;
        try (ThrowingIterator<SavepointRestoreResult> results = restore.restore()) {
            while (results.hasNext()) {
                SavepointRestoreResult result = results.next();
                List<StateMetaInfoSnapshot> metas = result.getStateMetaInfoSnapshots();
                StateStats[] byId = new StateStats[metas.size()];
                TypeSerializer<?>[] nfaSerializer = new TypeSerializer<?>[metas.size()];
                for (int i = 0; i < metas.size(); i++) {
                    StateMetaInfoSnapshot m = metas.get(i);
                    byId[i] = r.states.computeIfAbsent(m.getName(), n -> new StateStats(n, m.getBackendStateType()
                            .name()));
                    if ("nfaStateName".equals(m.getName())) {
                        nfaSerializer[i] = m.getTypeSerializerSnapshot(
                                StateMetaInfoSnapshot.CommonSerializerKeys.VALUE_SERIALIZER).restoreSerializer();
                    }
                }
                try (ThrowingIterator<KeyGroup> groups = result.getRestoredKeyGroups()) {
                    while (groups.hasNext()) {
                        try (ThrowingIterator<KeyGroupEntry> entries = groups.next().getKeyGroupEntries()) {
                            while (entries.hasNext()) {
                                KeyGroupEntry e = entries.next();
                                int id = e.getKvStateId();
                                StateStats st = byId[id];
                                byte[] k = e.getKey();
                                byte[] v = e.getValue();
                                st.entries++;
                                st.keyBytes += k.length;
                                st.valueBytes += v.length;
                                // timers (priority queues) are [key group][timestamp][key][namespace]
                                int offset = prefix + ("PRIORITY_QUEUE".equals(st.type) ? Long.BYTES : 0);
                                String key;
                                try {
                                    in.setBuffer(k, offset, k.length - offset);
                                    key = StringSerializer.INSTANCE.deserialize(in);
                                } catch (IOException | RuntimeException ex) {
                                    r.undecodedKeys++;
                                    continue;
                                }
                                if (key.contains(SyntheticEvents.TAIL_ACCOUNT)) {
                                    st.entries--;
                                    st.keyBytes -= k.length;
                                    st.valueBytes -= v.length;
                                    r.tailBytes += k.length + v.length + 8;
                                    continue;
                                }
                                st.keys.add(key);
                                if ("PRIORITY_QUEUE".equals(st.type) && k.length >= prefix + Long.BYTES) {
                                    in.setBuffer(k, prefix, Long.BYTES);
                                    long due = in.readLong() ^ Long.MIN_VALUE; // TimerSerializer flips the sign bit
                                    int b = 0;
                                    while (b < DUE_BUCKETS.length && due - watermark > DUE_BUCKETS[b]) {
                                        b++;
                                    }
                                    st.due[b]++;
                                }
                                r.bytesPerKey.merge(key, (long) k.length + v.length + 8, Long::sum);
                                if (nfaSerializer[id] != null) {
                                    in.setBuffer(v);
                                    NFAState nfa = (NFAState) nfaSerializer[id].deserialize(in);
                                    long partial = 0;
                                    long start = 0;
                                    for (ComputationState c : nfa.getPartialMatches()) {
                                        if (c.getPreviousBufferEntry() == null) {
                                            start++;
                                        } else {
                                            partial++;
                                            long age = watermark - c.getStartTimestamp();
                                            maxAge = Math.max(maxAge, age);
                                            if (withinMs != null && age > withinMs) {
                                                olderThanWithin++;
                                            }
                                        }
                                    }
                                    partialByKey.put(key, new long[] {partial, start, nfa.getCompletedMatches().size()});
                                }
                            }
                        }
                    }
                }
            }
        }
        if (!partialByKey.isEmpty()) {
            NfaStats n = new NfaStats();
            for (long[] p : partialByKey.values()) {
                n.keys++;
                n.partialMatches += p[0];
                n.startStates += p[1];
                n.completedMatches += p[2];
                n.max = Math.max(n.max, p[0]);
                n.histogram.merge(bucket(p[0]), 1L, Long::sum);
            }
            n.maxAgeMs = maxAge;
            n.olderThanWithin = olderThanWithin;
            n.withinMs = withinMs;
            r.nfa = n;
        }
    }

    private static long bucket(long n) {
        if (n <= 2) {
            return n;
        }
        long b = 4;
        while (b < n) {
            b *= 2;
        }
        return b; // 3-4, 5-8, 9-16, ...
    }

    // ---------------------------------------------------------------------------------------
    // Printing

    /** What {@link #analyse} found, in bytes: the whole savepoint on disk and each operator's state. */
    static final class Summary {
        long onDisk;
        long total;
        /** Tail account excluded; operators without state left out; largest first. */
        final Map<String, Long> byOperator = new LinkedHashMap<>();
        /** Distinct keys (accounts, (account, user), or (entity, metric)) with state, per operator. */
        final Map<String, Integer> keysByOperator = new LinkedHashMap<>();
    }

    private static Summary print(List<OperatorReport> reports, SyntheticEvents.Stats stats, int parallelism,
            Path savepointDir, long watermark) throws IOException {
        long onDisk;
        try (Stream<Path> files = Files.walk(savepointDir)) {
            onDisk = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "== State after %d events over %d accounts, %d identified users "
                + "(%d usage (user, metric) keys, %d usage (account, metric) keys), parallelism %d, RocksDB, "
                + "full canonical savepoint: %s on disk (tail account included); watermark at the savepoint %s%n",
                stats.events, stats.accounts, stats.users,
                stats.usageUserMetricKeys, stats.usageAccountMetricKeys, parallelism, bytes(onDisk), instant(watermark));
        System.out.println();
        System.out.println("| operator (uid) | total | keyed | operator/coord. | keys in state | bytes/key | "
                + "p99 bytes/key | max bytes/key | bytes/account | bytes/user |");
        System.out.println("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        long sum = 0;
        for (OperatorReport r : reports) {
            sum += r.total;
            if (r.total == 0) {
                continue;
            }
            long[] perKey = r.bytesPerKey.values().stream().mapToLong(Long::longValue).sorted().toArray();
            int keys = perKey.length;
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", r.uid,
                    bytes(r.total), bytes(r.keyed), bytes(r.operatorState + r.coordinator),
                    keys == 0 ? "-" : Integer.toString(keys),
                    keys == 0 ? "-" : Long.toString(r.keyed / keys),
                    keys == 0 ? "-" : Long.toString(perKey[(int) Math.min(keys - 1, Math.floor(keys * 0.99))]),
                    keys == 0 ? "-" : Long.toString(perKey[keys - 1]),
                    String.format(Locale.ROOT, "%.1f", (double) r.total / stats.accounts),
                    String.format(Locale.ROOT, "%.1f", (double) r.total / stats.users));
        }
        System.out.printf(Locale.ROOT, "| **all operators** | %s | | | | | | | %.1f | %.1f |%n", bytes(sum),
                (double) sum / stats.accounts, (double) sum / stats.users);
        List<String> noState = new ArrayList<>();
        for (OperatorReport r : reports) {
            if (r.total == 0) {
                noState.add(r.uid);
            }
        }
        System.out.println("operators without state: " + String.join(", ", noState));
        long tail = reports.stream().mapToLong(r -> r.tailBytes).sum();
        System.out.printf(Locale.ROOT, "(left out of all numbers: %s of state of the watermark-tail account %s)%n",
                bytes(tail), SyntheticEvents.TAIL_ACCOUNT);

        System.out.println();
        System.out.println("| operator (uid) | state | kind | entries | distinct keys | key bytes | value bytes | "
                + "bytes/entry |");
        System.out.println("|---|---|---|--:|--:|--:|--:|--:|");
        for (OperatorReport r : reports) {
            for (StateStats s : r.states.values()) {
                System.out.printf(Locale.ROOT, "| %s | %s | %s | %d | %d | %s | %s | %s |%n", r.uid, s.name,
                        s.type.equals("PRIORITY_QUEUE") ? "timers" : "keyed", s.entries, s.keys.size(),
                        bytes(s.keyBytes), bytes(s.valueBytes),
                        s.entries == 0 ? "-" : Long.toString(s.bytes() / s.entries));
            }
            if (r.undecodedKeys > 0) {
                System.out.printf("(%s: %d keys could not be decoded as strings)%n", r.uid, r.undecodedKeys);
            }
        }

        System.out.println();
        System.out.println("| operator (uid) | timers | due after the watermark: " + String.join(" / ", DUE_LABELS)
                + " |");
        System.out.println("|---|--:|---|");
        for (OperatorReport r : reports) {
            for (StateStats s : r.states.values()) {
                if (s.type.equals("PRIORITY_QUEUE") && s.entries > 0) {
                    StringBuilder d = new StringBuilder();
                    for (long n : s.due) {
                        d.append(d.length() == 0 ? "" : " / ").append(n);
                    }
                    System.out.printf(Locale.ROOT, "| %s | %d | %s |%n", r.uid, s.entries, d);
                }
            }
        }

        System.out.println();
        System.out.println("| CEP operator (uid) | keys with NFA state | partial matches | per key | max per key | "
                + "keys by partial matches (0 / 1 / 2 / 3-4 / 5-8 / ...) | completed, not yet emitted | "
                + "oldest partial match | older than within |");
        System.out.println("|---|--:|--:|--:|--:|---|--:|--:|--:|");
        for (OperatorReport r : reports) {
            if (r.nfa == null) {
                continue;
            }
            NfaStats n = r.nfa;
            StringBuilder h = new StringBuilder();
            for (Map.Entry<Long, Long> e : n.histogram.entrySet()) {
                h.append(h.length() == 0 ? "" : ", ").append(label(e.getKey())).append(": ").append(e.getValue());
            }
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %.2f | %d | %s | %d | %s | %s |%n", r.uid, n.keys,
                    n.partialMatches, (double) n.partialMatches / n.keys, n.max, h, n.completedMatches,
                    n.maxAgeMs == Long.MIN_VALUE ? "-" : String.format(Locale.ROOT, "%.1f d", n.maxAgeMs / 86_400_000.0),
                    n.withinMs == null ? "no within" : n.olderThanWithin + " (within "
                    + Duration.ofMillis(n.withinMs).toDays() + " d)");
        }
        System.out.println();
        System.out.println("(sizes: total = all state handles of the operator in the savepoint; keyed = its keyed-state "
                + "files; bytes/key = keyed / distinct keys found in its state; a key is an account, an "
                + "(account, user), or for usage patterns an (entity, metric) pair; bytes/account and bytes/user "
                + "divide the total by all accounts / identified users of the input; timers are RocksDB timers, "
                + "part of keyed state)");
        Summary summary = new Summary();
        summary.onDisk = onDisk;
        summary.total = sum;
        for (OperatorReport r : reports) {
            if (r.total > 0) {
                summary.byOperator.put(r.uid, r.total);
                summary.keysByOperator.put(r.uid, r.bytesPerKey.size());
            }
        }
        return summary;
    }

    private static String label(long bucket) {
        if (bucket <= 2) {
            return Long.toString(bucket);
        }
        return (bucket / 2 + 1) + "-" + bucket;
    }

    private static String bytes(long n) {
        if (n < 10_000) {
            return n + " B";
        }
        if (n < 10_000_000) {
            return String.format(Locale.ROOT, "%.1f KB", n / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f MB", n / 1e6);
    }

    private static String instant(long ms) {
        if (ms == Long.MIN_VALUE || ms == Long.MAX_VALUE) {
            return ms == Long.MIN_VALUE ? "none" : "max";
        }
        return Instant.ofEpochMilli(ms).toString();
    }

    private static double secs(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
