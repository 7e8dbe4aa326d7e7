package io.pqlscore.savepoints;

import io.pqlscore.events.Timestamps;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.Shared;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.util.TestStreamEnvironment;

/**
 * Writes the committed savepoint fixture of the current state layout that {@link
 * CommittedSavepointTest} restores ({@value #DEFAULT_FIXTURE}, see {@code docs/SAVEPOINTS.md}). A
 * tool, not a test: run it from the repository root with
 *
 * <pre>
 * mvn -q test-compile exec:exec -Dexec.mainClass=io.pqlscore.savepoints.SavepointFixtureGenerator
 * mvn -q test-compile exec:exec -Dexec.mainClass=io.pqlscore.savepoints.SavepointFixtureGenerator -Dexec.argline=--expected-only
 * </pre>
 *
 * <p>The first form makes a new fixture (for an intended break of state compatibility, or a new
 * version directory): the job (production pipeline, RocksDB state backend with RocksDB timers, as
 * deployed; parallelism 2; a watched directory) reads the first {@value #RECORDS_BEFORE} records
 * of conformance case {@code 11-generated} and is stopped with a canonical savepoint, not drained.
 * The records arrive as two files, one per source reader. The fixture directory then holds:
 *
 * <ul>
 *   <li>{@code savepoint/}: the savepoint (relocatable: its files are referenced relative to it);</li>
 *   <li>{@code model.yaml}: the model the job ran with ({@code contract/model-format.yaml});</li>
 *   <li>{@code input.jsonl}: the rest of the case, the input of a resumed run;</li>
 *   <li>{@code before-savepoint.transitions.jsonl}: what the job emitted before the savepoint;</li>
 *   <li>{@code expected-resumed.transitions.jsonl}: what a job resumed from the savepoint emits for
 *       {@code input.jsonl}, ended like a bounded replay (final watermark);</li>
 *   <li>{@code fixture.properties}: how it was made.</li>
 * </ul>
 *
 * Before anything is replaced, the staged copy of the savepoint is resumed (its first input file
 * deleted, so a savepoint still holding an unfinished split would fail here) and the two
 * transition files together are checked to equal an uninterrupted bounded run of the whole case.
 *
 * <p>{@code --expected-only} keeps the committed savepoint and only re-records
 * {@code expected-resumed.transitions.jsonl} by resuming it with the current code: for an intended
 * change of scoring output that keeps the state compatible (the old savepoint must still restore).
 * A fixture of the earlier topology ({@code --fixture tools/src/test/resources/savepoints/v1}: its
 * {@code fixture.properties} names no {@value #LAYOUT_KEY}) is converted first, by the command
 * operators run ({@code io.pqlscore.migration.MigrateSavepoint}), and resumed from the result.
 *
 * <p>Options: {@code --fixture DIR} (default {@value #DEFAULT_FIXTURE}), {@code --shared DIR}
 * (default {@code -Dshared.dir} or {@code contract}).
 */
public final class SavepointFixtureGenerator {
    static final String DEFAULT_FIXTURE = "tools/src/test/resources" + CommittedSavepointTest.FIXTURE;
    /** The fixture property naming the state layout; absent in fixtures of the earlier topology (v1). */
    static final String LAYOUT_KEY = "state-layout";
    static final String LAYOUT = "v3 (account-stage: one keyed operator per account, its users inside its value)";
    static final String CASE = "11-generated";
    static final int RECORDS_BEFORE = 2000;
    static final int PARALLELISM = 2;
    /** State backend of the job that writes the savepoint: RocksDB with its timers, as deployed. */
    static final Map<String, String> ROCKSDB = Map.of(
            "state.backend.type", "rocksdb",
            "state.backend.rocksdb.timer-service.factory", "ROCKSDB");

    private SavepointFixtureGenerator() {}

    public static void main(String[] args) {
        int status = 0;
        try {
            Path fixture = Paths.get(DEFAULT_FIXTURE);
            boolean expectedOnly = false;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--fixture":
                        fixture = Paths.get(args[++i]);
                        break;
                    case "--shared":
                        System.setProperty("shared.dir", args[++i]);
                        break;
                    case "--expected-only":
                        expectedOnly = true;
                        break;
                    default:
                        throw new IllegalArgumentException("unknown argument " + args[i]
                                + "; usage: [--fixture DIR] [--shared DIR] [--expected-only]");
                }
            }
            run(fixture.toAbsolutePath().normalize(), expectedOnly);
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        }
        System.exit(status); // a MiniCluster that failed half-way can leave non-daemon threads behind
    }

    static void run(Path fixture, boolean expectedOnly) throws Exception {
        long t0 = System.nanoTime();
        InMemoryReporter reporter = InMemoryReporter.create();
        Configuration conf = reporter.addToConfiguration(new Configuration());
        conf.set(RestOptions.BIND_PORT, "0");
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(4).build());
        Path work = Files.createTempDirectory("pqlscore-savepoint-fixture-");
        try {
            cluster.start();
            TestStreamEnvironment.setAsContext(cluster, PARALLELISM);
            if (expectedOnly) {
                List<String> resumed = resume(reporter, fixture, work, isV1(fixture));
                write(fixture.resolve("expected-resumed.transitions.jsonl"), SavepointJobs.sorted(resumed));
                System.out.printf(Locale.ROOT, "re-recorded %s: %d transitions after resuming the committed savepoint "
                        + "(%.1f s)%n", fixture.resolve("expected-resumed.transitions.jsonl"), resumed.size(), secs(t0));
            } else {
                generate(reporter, fixture, work);
                System.out.printf(Locale.ROOT, "fixture written to %s in %.1f s: %s in all%n", fixture, secs(t0),
                        bytes(size(fixture)));
            }
        } finally {
            TestStreamEnvironment.unsetAsContext();
            cluster.close();
            SavepointJobs.deleteRecursively(work);
        }
    }

    private static void generate(InMemoryReporter reporter, Path fixture, Path work) throws Exception {
        Path modelPath = Shared.dir().resolve("model-format.yaml");
        ScoringModel model = ModelLoader.load(modelPath);
        Path events = Shared.conformance().resolve("cases").resolve(CASE + ".events.jsonl");
        List<byte[]> lines = SavepointJobs.lines(events);
        List<byte[]> first = lines.subList(0, RECORDS_BEFORE);
        List<byte[]> rest = lines.subList(RECORDS_BEFORE, lines.size());

        // 1. the job on the first records, stopped with a savepoint (no drain)
        SavepointJobs.Settled settled = SavepointJobs.startAndSettle(reporter, "savepoint fixture: first part", model, modelPath,
                work, first, PARALLELISM, Duration.ofSeconds(1), ROCKSDB);
        SavepointJobs.Run run = settled.run();
        Path input = settled.input();
        long cut = settled.cut();
        String savepoint = SavepointJobs.stopWithSavepoint(run, work.resolve("savepoints"));
        SavepointJobs.deleteRecursively(input); // a restore must never need the first part's file
        List<String> before = run.out.transitions();

        // 2. the fixture, staged
        Path staging = work.resolve("fixture");
        SavepointJobs.copyRecursively(SavepointJobs.localPath(savepoint), staging.resolve("savepoint"));
        Files.write(staging.resolve("model.yaml"), Files.readAllBytes(modelPath)); // not Files.copy: keeps no read-only mode
        SavepointJobs.publish(staging, "input.jsonl", rest);
        write(staging.resolve("before-savepoint.transitions.jsonl"), SavepointJobs.sorted(before));

        // 3. resume the staged copy as the test does: the expected output
        List<String> resumed = resume(reporter, staging, work, false);

        // 4. before + resumed must be an uninterrupted run's output
        CollectingSinks reference = SavepointJobs.runBounded("savepoint fixture: uninterrupted reference", model,
                SavepointJobs.bounded(modelPath, events, PARALLELISM));
        List<String> diff = SavepointJobs.diff(reference.transitions(), SavepointJobs.concat(before, resumed));
        if (!diff.isEmpty()) {
            throw new IllegalStateException("the fixture's transitions before and after the savepoint differ from an "
                    + "uninterrupted run's; nothing written:\n  " + String.join("\n  ", diff));
        }
        write(staging.resolve("expected-resumed.transitions.jsonl"), SavepointJobs.sorted(resumed));
        write(staging.resolve("fixture.properties"), List.of(
                "# The committed savepoint fixture: see docs/SAVEPOINTS.md. Written by",
                "# io.pqlscore.savepoints.SavepointFixtureGenerator; do not edit by hand.",
                "generated-at=" + Instant.now(),
                "flink-version=" + org.apache.flink.runtime.util.EnvironmentInformation.getVersion(),
                "input=contract/conformance/cases/" + CASE + ".events.jsonl",
                "records-before-savepoint=" + RECORDS_BEFORE,
                "records-after-savepoint=" + SavepointJobs.records(rest),
                "parallelism=" + PARALLELISM,
                "max-parallelism=720",
                "state-backend=rocksdb (timers in RocksDB)",
                "savepoint-format=CANONICAL, stop without drain",
                LAYOUT_KEY + "=" + LAYOUT,
                "scorer-watermark-at-savepoint=" + Timestamps.format(cut),
                "transitions-before-savepoint=" + before.size(),
                "transitions-after-savepoint=" + resumed.size()));

        // 5. replace the fixture
        SavepointJobs.deleteRecursively(fixture);
        SavepointJobs.copyRecursively(staging, fixture);
        System.out.printf(Locale.ROOT, "savepoint after %d records at scorer watermark %s: %d transitions before, %d "
                + "after; savepoint %s%n", RECORDS_BEFORE, Timestamps.format(cut), before.size(), resumed.size(),
                bytes(size(fixture.resolve("savepoint"))));
    }

    /**
     * Resumes the fixture's savepoint with its rest of the input, ended by the final watermark; a
     * savepoint of the earlier topology is converted first.
     */
    private static List<String> resume(InMemoryReporter reporter, Path fixture, Path work, boolean v1) throws Exception {
        Path modelPath = fixture.resolve("model.yaml");
        List<byte[]> rest = SavepointJobs.lines(fixture.resolve("input.jsonl"));
        Path input = Files.createDirectories(work.resolve("resumed-input"));
        Path savepoint = v1 ? CommittedSavepointTest.convert(fixture, work.resolve("converted"))
                : fixture.resolve("savepoint");
        SavepointJobs.Run run = SavepointJobs.start("savepoint fixture: resumed", ModelLoader.load(modelPath),
                SavepointJobs.continuous(modelPath, input, PARALLELISM), savepoint.toUri().toString(), null);
        SavepointJobs.publish(input, "input.jsonl", rest);
        SavepointJobs.awaitRead(reporter, run, SavepointJobs.records(rest));
        SavepointJobs.drain(run, work.resolve("final"));
        return run.out.transitions();
    }

    /** A fixture of the earlier topology: its properties name no state layout. */
    static boolean isV1(Path fixture) throws IOException {
        java.util.Properties p = new java.util.Properties();
        try (var in = Files.newInputStream(fixture.resolve("fixture.properties"))) {
            p.load(in);
        }
        return p.getProperty(LAYOUT_KEY) == null;
    }

    private static void write(Path file, List<String> lines) throws IOException {
        Files.write(file, new ArrayList<>(lines), StandardCharsets.UTF_8);
    }

    static long size(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static String bytes(long n) {
        return n < 1024 * 1024 ? String.format(Locale.ROOT, "%.1f KB", n / 1024.0)
                : String.format(Locale.ROOT, "%.2f MB", n / 1024.0 / 1024.0);
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
