package io.pqlscore.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateModelTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return ValidateModel.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void validModelPrintsASummaryAndExitsZero() {
        Path file = ModelLoaderTest.sharedDir().resolve("model-format.yaml");
        assertThat(run(file.toString())).isZero();
        assertThat(out()).isEqualTo("OK: model example version 1: 14 signals (5 event points, 3 distinct, 2 sequence,"
                + " 1 usage, 3 trait), pql tiers [engaged >= 20, pql >= 40, hot >= 70], pqa tiers [pqa >= 50]"
                + " with min-active-users 3" + System.lineSeparator());
        assertThat(err()).isEmpty();
    }

    @Test
    void theDefaultModelFromTheClasspath() {
        assertThat(run("classpath:/models/default.yaml")).isZero();
        assertThat(out()).startsWith("OK: model default version 1: 14 signals");
    }

    @Test
    void invalidModelPrintsEachProblemAndExitsOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                id: bad
                version: 1
                signals:
                  - {id: a, category: c, match: {event: A}, points: -1}
                scores:
                  pql: {tiers: [{name: pql, min: 40, route: sales}]}
                  pqa: {tiers: [{name: pqa, min: 50, route: sales}]}
                """);
        assertThat(run(file.toString())).isEqualTo(1);
        assertThat(out()).isEmpty();
        String[] lines = err().split("\\R");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith(file + ": version: expected a string");
        assertThat(lines[1]).startsWith(file + ": signals[0] (id: a).points:");
        assertThat(lines[2]).isEqualTo("model refused: 2 problems");
    }

    @Test
    void missingFileExitsOne(@TempDir Path dir) {
        Path file = dir.resolve("nope.yaml");
        assertThat(run(file.toString())).isEqualTo(1);
        assertThat(err()).startsWith(file + ": cannot read the model: no such file");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(run()).isEqualTo(2);
        assertThat(err()).startsWith("pqlscore validate: Missing required parameter: 'MODEL'")
                .contains("Try 'pqlscore validate --help'");
        err.reset();
        assertThat(run("a.yaml", "b.yaml")).isEqualTo(2);
        assertThat(err()).startsWith("pqlscore validate: unexpected argument 'b.yaml'");
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("Usage: pqlscore validate [-hV] MODEL");
    }
}
