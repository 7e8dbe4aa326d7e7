package io.pqlscore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.testing.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands of the shaded job jar as an operator runs them, {@code java -cp <job jar> ...}, in
 * a JVM of their own with nothing but the jar on the class path (maven-failsafe, after
 * {@code package}): {@link ApplySchema} migrates a real PostgreSQL with the Flyway inside the jar
 * (its plugins found through the merged service files, the scripts read from the jar), records a
 * database of before Flyway as version 1, and {@code ValidateModel} reads the shipped model with
 * the relocated SnakeYAML and Jackson; the {@code pqlscore} command line works without Flink.
 */
class ShadedJarIT {

    @TempDir
    Path tmp;

    static Path jar() {
        Path jar = Path.of(System.getProperty("job.jar", "target/pql-scoring-job-" + io.pqlscore.command.ProjectVersion.get() + ".jar"));
        assertThat(jar).as("the shaded job jar (mvn package)").isRegularFile();
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

    @Test
    void applySchemaMigratesWithTheFlywayInsideTheJar() throws Exception {
        try (ZipFile z = new ZipFile(jar().toFile())) {
            assertThat(z.getEntry("db/migration/V1__create_tables.sql")).isNotNull();
            assertThat(z.getEntry("org/flywaydb/core/Flyway.class")).as("Flyway, not relocated").isNotNull();
            assertThat(z.getEntry("org/slf4j/LoggerFactory.class")).as("no logging API in the jar").isNull();
        }
        try (EmbeddedPostgres pg = EmbeddedPostgres.launch()) {
            Path password = tmp.resolve("password");
            Files.writeString(password, pg.password());
            String[] db = {"--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--jdbc-password-file", password.toString()};

            String[] first = java("io.pqlscore.jdbc.ApplySchema", db);
            assertThat(first[0]).as(first[1]).isEqualTo("0");
            assertThat(first[1]).contains("migration V1 (create tables): applied in")
                    .contains("schema migrated to version 1: 1 migration applied").doesNotContain(pg.password());
            String[] second = java("io.pqlscore.jdbc.ApplySchema", db);
            assertThat(second[0]).as(second[1]).isEqualTo("0");
            assertThat(second[1]).contains("schema up to date at version 1: nothing to apply");

            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA before_flyway");
                s.execute("SET search_path = before_flyway");
                LegacySchema.apply(c, sql -> true);
            }
            String[] legacy = java("io.pqlscore.jdbc.ApplySchema", "--jdbc-url", pg.jdbcUrl() + "?currentSchema=before_flyway",
                    "--jdbc-user", pg.user(), "--jdbc-password-file", password.toString());
            assertThat(legacy[0]).as(legacy[1]).isEqualTo("0");
            assertThat(legacy[1]).contains("recording it as version 1 (baseline)");
        }
    }

    /**
     * The command line from the jar, where Flink is absent (a cluster provides it): the commands
     * that need no Flink work, and every command's help prints, so picocli's reading of the
     * commands touches no Flink type.
     */
    @Test
    void theToolRunsFromTheJarWithoutFlink() throws Exception {
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

    @Test
    void validateModelReadsTheShippedModel() throws Exception {
        String[] r = java("io.pqlscore.model.ValidateModel", "classpath:/models/default.yaml");
        assertThat(r[0]).as(r[1]).isEqualTo("0");
        assertThat(r[1]).startsWith("OK: model default version 1");
    }
}
