package io.pqlscore.savepoints;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
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
 * State compatibility with the released job: a savepoint written by an earlier build and checked
 * in ({@value #FIXTURE}, see {@code docs/SAVEPOINTS.md}) must restore with the current code and
 * resume exactly as it did when it was written. A change that breaks the state (an operator uid, a
 * state name, a state type, a POJO field changing type, a serializer without a compatible
 * snapshot, the max parallelism) fails the restore; a change that restores but reads the state
 * differently changes the output. Either way this test fails, and the build with it.
 *
 * <p>The fixture was written mid-stream by {@link SavepointFixtureGenerator} (conformance case
 * {@code 11-generated}, first 2000 records, parallelism 2, RocksDB, canonical format). Each test
 * restores a copy of it, adds the rest of the case as a new file of the watched directory, ends
 * the job as a bounded replay ends (draining stop: final watermark) and compares the transitions
 * with the expected file, every SPEC-fixed field and {@code event_id} included: at parallelism 2
 * on RocksDB (as written), and rescaled to 3 on the heap backend (the canonical format restores on
 * either).
 */
class CommittedSavepointTest {
    /** The fixture's classpath directory; bump the version for an intended break (docs/SAVEPOINTS.md). */
    static final String FIXTURE = "/savepoints/v1";

    private static final InMemoryReporter REPORTER = InMemoryReporter.create();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    @TempDir
    Path work;

    @Test
    void restoresAsWrittenAtParallelismTwoOnRocksDb() throws Exception {
        resumeAndCompare(2, SavepointFixtureGenerator.ROCKSDB);
    }

    @Test
    void restoresRescaledToThreeSubtasksOnTheHeapBackend() throws Exception {
        resumeAndCompare(3, Map.of("state.backend.type", "hashmap"));
    }

    private void resumeAndCompare(int parallelism, Map<String, String> backend) throws Exception {
        long t0 = System.nanoTime();
        Path fixture = fixture();
        Path savepoint = work.resolve("savepoint");
        SavepointJobs.copyRecursively(fixture.resolve("savepoint"), savepoint);
        Path modelPath = fixture.resolve("model.yaml");
        ScoringModel model = ModelLoader.load(modelPath);
        List<byte[]> input = SavepointJobs.lines(fixture.resolve("input.jsonl"));
        List<String> expected = Files.readAllLines(fixture.resolve("expected-resumed.transitions.jsonl"),
                StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).collect(Collectors.toList());

        Path dir = Files.createDirectories(work.resolve("input"));
        SavepointJobs.Run run = null;
        try {
            run = SavepointJobs.start("committed savepoint at p" + parallelism, model,
                    SavepointJobs.continuous(modelPath, dir, parallelism), savepoint.toUri().toString(), backend);
            SavepointJobs.publish(dir, "input.jsonl", input);
            SavepointJobs.awaitRead(REPORTER, run, SavepointJobs.records(input));
            SavepointJobs.drain(run, work.resolve("final"));
        } catch (IllegalStateException | java.util.concurrent.ExecutionException e) {
            throw new AssertionError("the committed savepoint " + FIXTURE + " does not restore with this code: a "
                    + "state-incompatible change? If intended, see docs/SAVEPOINTS.md (regenerating the fixture). "
                    + e.getMessage(), e);
        } finally {
            if (run != null) {
                run.cancelIfRunning();
            }
        }

        List<String> actual = run.out.transitions();
        assertThat(SavepointJobs.diff(expected, actual))
                .as("transitions after restoring the committed savepoint at parallelism %d differ from %s; if the "
                        + "output changed on purpose, re-record it (docs/SAVEPOINTS.md)", parallelism,
                        FIXTURE + "/expected-resumed.transitions.jsonl")
                .isEmpty();
        assertThat(SavepointJobs.sorted(actual)).containsExactlyElementsOf(SavepointJobs.sorted(expected));
        System.out.printf("committed savepoint: restored at parallelism %d, %d transitions as expected, %d ms%n",
                parallelism, actual.size(), (System.nanoTime() - t0) / 1_000_000);
    }

    static Path fixture() throws Exception {
        URL props = CommittedSavepointTest.class.getResource(FIXTURE + "/fixture.properties");
        assertThat(props).as("the savepoint fixture %s on the test classpath (src/test/resources)", FIXTURE).isNotNull();
        return Paths.get(props.toURI()).getParent();
    }
}
