package io.pqlscore.savepoints;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.migration.MigrateSavepoint;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * State compatibility with released jobs, on savepoints written by earlier builds and checked in
 * (see {@code docs/SAVEPOINTS.md}):
 *
 * <ul>
 *   <li>{@value #V3}: a savepoint of the current state layout (the account stage) must restore with
 *       the current code as it is and resume exactly as it did when it was written. A change that
 *       breaks the state (an operator uid, a state name, a serializer or encoding without a way to
 *       read the old form, the max parallelism) fails the restore; a change that restores but reads
 *       the state differently changes the output.</li>
 *   <li>{@value #V2}: a savepoint of the account stage's first release (entity format 2, each user
 *       an entry of its own) must restore, its users moved into their accounts' values, and
 *       resume exactly as it did when it was written.</li>
 *   <li>{@value #V1} and {@value #V1_LAST}: savepoints of the earlier, multi-operator topology
 *       (sequencer, one CEP operator per pattern signal and scope, scorer), written by its first and
 *       its last release, are converted by the documented command ({@link MigrateSavepoint}) and
 *       the converted savepoint must resume with the transitions the v1 job emitted when resumed
 *       from it, i.e. those of an uninterrupted run.</li>
 * </ul>
 *
 * <p>Each fixture was written mid-stream by {@link SavepointFixtureGenerator} (conformance case
 * {@code 11-generated}, first 2000 records, parallelism 2, RocksDB, canonical format). Each test
 * restores a copy, adds the rest of the case as a new file of the watched directory, ends the job
 * as a bounded replay ends (draining stop: final watermark) and compares the transitions with the
 * fixture's expected file, every SPEC-fixed field and {@code event_id} included: at parallelism 2
 * on RocksDB (as written), and rescaled to 3 on the heap backend (the canonical format restores on
 * either).
 */
class CommittedSavepointTest {
    /** The fixture of the current state layout; bump the version for an intended break (docs/SAVEPOINTS.md). */
    static final String FIXTURE = "/savepoints/v3";
    static final String V3 = FIXTURE;
    /** The account stage's first release (users as entries of their own). */
    static final String V2 = "/savepoints/v2";
    /** The fixture of the earlier topology, restored through the conversion: written by its first release. */
    static final String V1 = "/savepoints/v1";
    /** The same, written by its last release (610ef53: compact users, usage patterns matched on arrival). */
    static final String V1_LAST = "/savepoints/v1-610ef53";

    /** The heap state backend: the canonical savepoint format restores on either backend. */
    private static final Map<String, String> HEAP = Map.of("state.backend.type", "hashmap");

    private static final InMemoryReporter REPORTER = InMemoryReporter.create();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    @TempDir
    Path work;

    @Test
    void theCurrentLayoutRestoresAsWrittenAtParallelismTwoOnRocksDb() throws Exception {
        restoresAsWritten(V3, 2, SavepointFixtureGenerator.ROCKSDB);
    }

    @Test
    void theCurrentLayoutRestoresRescaledToThreeSubtasksOnTheHeapBackend() throws Exception {
        restoresAsWritten(V3, 3, HEAP);
    }

    @Test
    void theAccountStagesFirstReleaseRestoresItsUsersMovedIntoTheirAccountsAtParallelismTwoOnRocksDb() throws Exception {
        restoresAsWritten(V2, 2, SavepointFixtureGenerator.ROCKSDB);
    }

    @Test
    void theAccountStagesFirstReleaseRestoresRescaledToOneSubtaskOnTheHeapBackend() throws Exception {
        restoresAsWritten(V2, 1, HEAP);
    }

    @Test
    void theV1SavepointConvertedResumesAsAnUninterruptedRunAtParallelismTwoOnRocksDb() throws Exception {
        resumesConverted(V1, 2, SavepointFixtureGenerator.ROCKSDB);
    }

    @Test
    void theV1SavepointConvertedResumesRescaledToThreeSubtasksOnTheHeapBackend() throws Exception {
        resumesConverted(V1, 3, HEAP);
    }

    @Test
    void theLastV1ReleasesSavepointConvertedResumesAsAnUninterruptedRun() throws Exception {
        resumesConverted(V1_LAST, 2, SavepointFixtureGenerator.ROCKSDB);
    }

    /** A fixture of the account stage restored as it is (a copy), at this parallelism and state backend. */
    private void restoresAsWritten(String name, int parallelism, Map<String, String> backend) throws Exception {
        Path fixture = fixture(name);
        resumeAndCompare(name, fixture, copy(fixture), parallelism, backend);
    }

    /** A fixture of the earlier topology converted by {@link MigrateSavepoint}, then restored. */
    private void resumesConverted(String name, int parallelism, Map<String, String> backend) throws Exception {
        Path fixture = fixture(name);
        resumeAndCompare(name, fixture, convert(fixture, work.resolve("converted")), parallelism, backend);
    }

    /**
     * The converted savepoint keeps the v1 file source's state: the job watches the directory the
     * v1 job read its first part from, again holding those files (as a live directory would) and
     * the rest as a new file, and reads only the new file. (The other tests publish into a new
     * directory, where a lost source state would go unnoticed.)
     */
    @Test
    void theConvertedSavepointsFileSourceSkipsTheFilesTheV1JobHadRead() throws Exception {
        Path fixture = fixture(V1);
        Path firstPart = firstPartDirectory(fixture.resolve("savepoint"));
        // that directory is a fixed path under /tmp: builds of other checkouts on this machine take turns
        try (java.nio.channels.FileChannel lock = java.nio.channels.FileChannel.open(
                firstPart.getParent().resolveSibling(firstPart.getParent().getFileName() + ".lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                java.nio.channels.FileLock held = lock.lock()) {
            SavepointJobs.deleteRecursively(firstPart.getParent()); // a run that died half-way
            Files.createDirectories(firstPart);
            List<byte[]> lines = SavepointJobs.lines(io.pqlscore.testing.Shared.conformance().resolve("cases")
                    .resolve(SavepointFixtureGenerator.CASE + ".events.jsonl"));
            SavepointJobs.publishSpread(firstPart, "part-1", lines.subList(0, SavepointFixtureGenerator.RECORDS_BEFORE),
                    SavepointFixtureGenerator.PARALLELISM);
            try {
                resumeAndCompare(V1, fixture, convert(fixture, work.resolve("converted")), 2, HEAP, firstPart);
            } finally {
                SavepointJobs.deleteRecursively(firstPart.getParent());
            }
        }
    }

    /** The directory of the files the job that wrote a savepoint had read, as its file source's state names them. */
    private static Path firstPartDirectory(Path savepoint) throws Exception {
        String metadata = new String(Files.readAllBytes(savepoint.resolve("_metadata")), StandardCharsets.ISO_8859_1);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("file:(/[A-Za-z0-9._/-]+?)/part-1-0\\.jsonl")
                .matcher(metadata);
        assertThat(m.find()).as("the first part's file in the source state of %s", savepoint).isTrue();
        return Paths.get(m.group(1));
    }

    private Path copy(Path fixture) throws Exception {
        Path savepoint = work.resolve("savepoint");
        SavepointJobs.copyRecursively(fixture.resolve("savepoint"), savepoint);
        return savepoint;
    }

    /**
     * Converts a v1 fixture's savepoint with the command ({@code MigrateSavepoint --from --to
     * --model}, on this test's cluster) and returns the converted savepoint.
     */
    static Path convert(Path fixture, Path to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = MigrateSavepoint.run(new String[] {"--from", fixture.resolve("savepoint").toString(), "--to",
            to.toString(), "--model", fixture.resolve("model.yaml").toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as("MigrateSavepoint exit status; stderr: %s", err.toString(StandardCharsets.UTF_8)).isZero();
        System.out.print(out.toString(StandardCharsets.UTF_8));
        return to;
    }

    private void resumeAndCompare(String name, Path fixture, Path savepoint, int parallelism, Map<String, String> backend)
            throws Exception {
        resumeAndCompare(name, fixture, savepoint, parallelism, backend, Files.createDirectories(work.resolve("input")));
    }

    /** Resumes {@code savepoint} watching {@code dir}, publishes the fixture's input there, drains, compares. */
    private void resumeAndCompare(String name, Path fixture, Path savepoint, int parallelism, Map<String, String> backend,
            Path dir) throws Exception {
        long t0 = System.nanoTime();
        Path modelPath = fixture.resolve("model.yaml");
        ScoringModel model = ModelLoader.load(modelPath);
        List<byte[]> input = SavepointJobs.lines(fixture.resolve("input.jsonl"));
        List<String> expected = Files.readAllLines(fixture.resolve("expected-resumed.transitions.jsonl"),
                StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).collect(Collectors.toList());

        SavepointJobs.Run run = null;
        try {
            run = SavepointJobs.start("committed savepoint " + name + " at p" + parallelism, model,
                    SavepointJobs.continuous(modelPath, dir, parallelism), savepoint.toUri().toString(), backend);
            SavepointJobs.publish(dir, "input.jsonl", input);
            SavepointJobs.awaitRead(REPORTER, run, SavepointJobs.records(input));
            Thread.sleep(1000); // five scans of the watched directory: time to read anything else it would
            assertThat(SavepointJobs.recordsRead(REPORTER, run.id())).as("records read: the new file's only")
                    .isEqualTo(SavepointJobs.records(input));
            SavepointJobs.drain(run, work.resolve("final"));
        } catch (IllegalStateException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError("the committed savepoint " + name + " does not restore with this code: a "
                    + "state-incompatible change? If intended, see docs/SAVEPOINTS.md (regenerating the fixture). "
                    + e.getMessage(), e);
        } finally {
            if (run != null) {
                run.cancelIfRunning();
            }
        }

        List<String> actual = run.out.transitions();
        assertThat(SavepointJobs.diff(expected, actual))
                .as("transitions after restoring the committed savepoint %s at parallelism %d differ from %s; if the "
                        + "output changed on purpose, re-record it (docs/SAVEPOINTS.md)", name, parallelism,
                        name + "/expected-resumed.transitions.jsonl")
                .isEmpty();
        assertThat(SavepointJobs.sorted(actual)).containsExactlyElementsOf(SavepointJobs.sorted(expected));
        System.out.printf("committed savepoint %s: restored at parallelism %d, %d transitions as expected, %d ms%n", name,
                parallelism, actual.size(), (System.nanoTime() - t0) / 1_000_000);
    }

    static Path fixture(String name) throws Exception {
        URL props = CommittedSavepointTest.class.getResource(name + "/fixture.properties");
        assertThat(props).as("the savepoint fixture %s on the test classpath (tools/src/test/resources)", name).isNotNull();
        return Paths.get(props.toURI()).getParent();
    }
}
