package io.pqlscore.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.testing.Shared;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line of the conversion: its exit codes and the savepoints and models it refuses
 * before running anything. A conversion that runs is {@code CommittedSavepointTest}'s.
 */
class MigrateSavepointTest {
    @TempDir
    Path work;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return MigrateSavepoint.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static Path fixture(String name) throws Exception {
        URL props = MigrateSavepointTest.class.getResource("/savepoints/" + name + "/fixture.properties");
        return Paths.get(props.toURI()).getParent();
    }

    @Test
    void helpPrintsTheUsage() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--from", "--to", "--model", "--max-parallelism");
    }

    @Test
    void missingOrUnknownArgumentsAreExitCodeTwo() {
        assertThat(run("--from", "x")).isEqualTo(2);
        assertThat(err()).contains("Missing required options").contains("--to").contains("--model");
        assertThat(run("--from", "x", "--to", "y", "--model", "z", "--frmo", "x")).isEqualTo(2);
        assertThat(run("--from", "x", "--to", "y", "--model", "z", "--max-parallelism", "0")).isEqualTo(2);
    }

    @Test
    void aModelThatDoesNotLoadIsExitCodeTwo() {
        assertThat(run("--from", "x", "--to", work.resolve("out").toString(), "--model", work.resolve("none.yaml").toString()))
                .isEqualTo(2);
    }

    @Test
    void aTargetDirectoryWithFilesInItIsExitCodeTwo() throws Exception {
        Path v1 = fixture("v1");
        Files.writeString(work.resolve("something"), "x");
        assertThat(run("--from", v1.resolve("savepoint").toString(), "--to", work.toString(), "--model",
                v1.resolve("model.yaml").toString())).isEqualTo(2);
        assertThat(err()).contains("is not empty");
    }

    @Test
    void aSavepointThatCannotBeReadIsExitCodeOne() {
        assertThat(run("--from", work.resolve("no-such-savepoint").toString(), "--to", work.resolve("out").toString(),
                "--model", Shared.dir().resolve("model-format.yaml").toString())).isEqualTo(1);
        assertThat(err()).startsWith("cannot convert savepoint");
    }

    @Test
    void aSavepointOfTheCurrentLayoutNeedsNoConversion() throws Exception {
        Path v2 = fixture("v2");
        assertThat(run("--from", v2.resolve("savepoint").toString(), "--to", work.resolve("out").toString(), "--model",
                v2.resolve("model.yaml").toString())).isEqualTo(1);
        assertThat(err()).contains("already has the account stage");
    }

    @Test
    void aModelWithPatternSignalsTheV1JobDidNotRunIsRefused() throws Exception {
        Path v1 = fixture("v1");
        assertThat(run("--from", v1.resolve("savepoint").toString(), "--to", work.resolve("out").toString(), "--model",
                Shared.conformance().resolve("model-simple.yaml").toString())).isEqualTo(1);
        assertThat(err()).contains("convert with the model the v1 job ran with");
    }

    @Test
    void anotherMaxParallelismIsRefused() throws Exception {
        Path v1 = fixture("v1");
        assertThat(run("--from", v1.resolve("savepoint").toString(), "--to", work.resolve("out").toString(), "--model",
                v1.resolve("model.yaml").toString(), "--max-parallelism", "128")).isEqualTo(1);
        assertThat(err()).contains("max parallelism is 720");
    }
}
