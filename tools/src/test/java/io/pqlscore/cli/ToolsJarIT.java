package io.pqlscore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The shaded tools jar ({@code target/pql-scoring-tools-<version>.jar}) as a user runs it,
 * {@code java -jar <tools jar> COMMAND}, in a JVM of its own with nothing but the jar on the class
 * path (maven-failsafe, after {@code package}), where Flink is absent (a cluster provides it).
 */
class ToolsJarIT {

    static Path jar() {
        Path jar = Path.of(System.getProperty("tools.jar", "tools/target/pql-scoring-tools-"
                + io.pqlscore.command.ProjectVersion.get() + ".jar"));
        assertThat(jar).as("the shaded tools jar (mvn package)").isRegularFile();
        return jar;
    }

    /** Exit code and output (stdout and stderr together) of {@code java -cp <jar> <main> <args>}. */
    static String[] java(String main, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar().toString(), main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("PQL_JDBC_PASSWORD");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", main).isTrue();
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    /**
     * The command line from the jar: the commands that need no Flink work, and every command's
     * help prints, so picocli's reading of the commands touches no Flink type.
     */
    @Test
    void theToolRunsFromTheJarWithoutFlink() throws Exception {
        try (JarFile z = new JarFile(jar().toFile())) {
            assertThat(z.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("io.pqlscore.cli.PqlScore");
        }
        String[] help = java("io.pqlscore.cli.PqlScore", "--help");
        assertThat(help[0]).as(help[1]).isEqualTo("0");
        assertThat(help[1]).startsWith("Usage: pqlscore");
        for (String command : List.of("run", "validate", "backtest", "generate", "inspect", "schema")) {
            String[] r = java("io.pqlscore.cli.PqlScore", command, "--help");
            assertThat(r[0]).as(r[1]).isEqualTo("0");
            assertThat(r[1]).contains("Usage: pqlscore " + command);
        }
        String[] version = java("io.pqlscore.cli.PqlScore", "--version");
        assertThat(version[1].strip()).matches("pqlscore \\d+\\.\\d+\\.\\d+.*");
        String[] validate = java("io.pqlscore.cli.PqlScore", "validate", "classpath:/models/default.yaml");
        assertThat(validate[0]).as(validate[1]).isEqualTo("0");
        assertThat(validate[1]).startsWith("OK: model default version 1");
        String[] generate = java("io.pqlscore.cli.PqlScore", "generate", "--accounts", "5", "--events", "50", "--quiet");
        assertThat(generate[0]).as(generate[1]).isEqualTo("0");
        assertThat(generate[1].split("\n")).hasSize(50);
        String[] usage = java("io.pqlscore.ScoringJob", "--input");
        assertThat(usage[0]).as(usage[1]).isEqualTo("2");
        assertThat(usage[1]).startsWith("pqlscore run: Missing required parameter for option '--input'");
    }
}
