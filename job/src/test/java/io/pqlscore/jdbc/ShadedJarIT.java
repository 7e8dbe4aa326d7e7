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
import java.util.jar.JarFile;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands of the shaded job jar as an operator runs them, {@code java -cp <job jar> ...}, in
 * a JVM of their own with nothing but the jar on the class path (maven-failsafe, after
 * {@code package}): {@link ApplySchema} migrates a real PostgreSQL with the Flyway inside the jar
 * (its plugins found through the merged service files, the scripts read from the jar), records a
 * database of before Flyway as version 1, and {@code ValidateModel} reads the shipped model with
 * the relocated SnakeYAML and Jackson; the jar holds none of the tools (the tools jar has them and
 * the {@code pqlscore} command line, checked by {@code ToolsJarIT} in the tools module).
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
     * The job jar holds the job and what it runs on (core, connectors, CEP, the schema command),
     * and none of the tools: no generator, backtest, inspector or command line (they are in the
     * tools jar), no State Processor API. Its Main-Class is the job: {@code pqlscore run}'s options.
     */
    @Test
    void theJobJarHoldsTheJobWithoutTheTools() throws Exception {
        List<String> entries;
        try (JarFile z = new JarFile(jar().toFile())) {
            entries = z.stream().map(e -> e.getName()).toList();
            assertThat(z.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("io.pqlscore.ScoringJob");
        }
        assertThat(entries).contains("io/pqlscore/ScoringJob.class", "io/pqlscore/scoring/ScoreEngine.class",
                "io/pqlscore/model/ModelLoader.class", "io/pqlscore/kafka/KafkaSinks.class", "io/pqlscore/jdbc/JdbcSinks.class",
                "io/pqlscore/jdbc/ApplySchema.class", "io/pqlscore/version.properties", "models/default.yaml",
                "org/apache/flink/cep/CEP.class", "org/apache/flink/connector/kafka/sink/KafkaSink.class",
                "io/pqlscore/shaded/jackson/databind/ObjectMapper.class");
        for (String tool : List.of("io/pqlscore/generator/", "io/pqlscore/backtest/", "io/pqlscore/inspector/",
                "io/pqlscore/cli/", "io/pqlscore/demo/", "io/pqlscore/bench/", "io/pqlscore/testing/",
                "org/apache/flink/state/api/", "backtest/report.html")) {
            assertThat(entries).as("the job jar holds no " + tool).noneMatch(e -> e.startsWith(tool));
        }
        assertThat(entries).as("no Flink runtime (provided by the cluster)")
                .doesNotContain("org/apache/flink/streaming/api/environment/StreamExecutionEnvironment.class");
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
