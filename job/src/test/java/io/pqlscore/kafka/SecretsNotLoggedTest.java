package io.pqlscore.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.jdbc.ApplySchema;
import io.pqlscore.testing.EmbeddedKafka;
import io.pqlscore.testing.EmbeddedPostgres;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets (issue 7): a real run of the job's {@code main} (a separate JVM, {@code --local}, Flink's
 * and Kafka's logging at INFO into a log file and the console) against a Kafka broker that
 * requires SASL and a PostgreSQL that requires a password, with the credentials given the ways
 * the job reads them: the SASL JAAS config and security protocol as {@code PQLSCORE_KAFKA_*}
 * environment variables, the SASL mechanism and an SSL truststore password in a
 * {@code --kafka-properties-file}, the database password in {@code PQL_JDBC_PASSWORD}. The run
 * must work (case {@code 11-generated}: its 378 transitions committed to Kafka over SASL and
 * written to PostgreSQL), and none of the three secret values may appear in its standard output,
 * standard error or log file, while the log does hold the Kafka clients' configuration dumps
 * (with the secrets as {@code [hidden]}), so the check looked where a leak would be.
 */
class SecretsNotLoggedTest {

    @TempDir
    Path tmp;

    @Test
    void aRunWithSecretsLogsNoneOfThem() throws Exception {
        String kafkaPassword = "kafka-pw-" + random();
        String dbPassword = "db-pw-" + random();
        String truststorePassword = "truststore-pw-" + random();
        GeneratedCase generated = GeneratedCase.load();
        try (EmbeddedKafka kafka = new EmbeddedKafka().withSaslPlainUser("pqljob", kafkaPassword).start();
                EmbeddedPostgres pg = EmbeddedPostgres.builder().password(dbPassword).launch()) {
            kafka.createTopic("usage-events", 3);
            kafka.createTopic("transitions", 3);
            kafka.createTopic("dead-letters", 1);
            kafka.produce("usage-events", generated.lines, GeneratedCase::accountKey);
            Path pwFile = tmp.resolve("owner-password");
            Files.writeString(pwFile, dbPassword);
            assertThat(ApplySchema.run(new String[] {"--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(),
                "--jdbc-password-file", pwFile.toString()}, System.out, System.err)).isZero();
            Files.delete(pwFile);

            Path kafkaProperties = tmp.resolve("kafka.properties");
            Files.writeString(kafkaProperties, "sasl.mechanism=PLAIN\nssl.truststore.password=" + truststorePassword + "\n");
            Path conf = flinkConf();
            Path logFile = tmp.resolve("job.log");
            Path log4j = tmp.resolve("log4j2.properties");
            Files.writeString(log4j, String.join("\n",
                    "rootLogger.level = INFO",
                    "rootLogger.appenderRef.console.ref = console",
                    "rootLogger.appenderRef.file.ref = file",
                    "appender.console.type = Console",
                    "appender.console.name = console",
                    "appender.console.target = SYSTEM_ERR",
                    "appender.console.layout.type = PatternLayout",
                    "appender.console.layout.pattern = %d %-5p %c - %m%n",
                    "appender.file.type = File",
                    "appender.file.name = file",
                    "appender.file.fileName = " + logFile,
                    "appender.file.layout.type = PatternLayout",
                    "appender.file.layout.pattern = %d %-5p %c - %m%n%throwable",
                    ""));

            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "-Dlog4j.configurationFile=file:" + log4j));
            for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (a.startsWith("--add-opens") || a.startsWith("--add-exports")) {
                    cmd.add(a);
                }
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.pqlscore.ScoringJob",
                    "--local", "--flink-conf", conf.toString(),
                    "--model", generated.modelPath.toString(),
                    "--kafka-bootstrap-servers", kafka.saslBootstrapServers(),
                    "--kafka-topics", "usage-events",
                    "--kafka-starting-offsets", "earliest",
                    "--kafka-stop-at-latest",
                    "--kafka-properties-file", kafkaProperties.toString(),
                    "--transitions-topic", "transitions",
                    "--dead-letters-topic", "dead-letters",
                    "--transactional-id-prefix", "secrets-test",
                    "--jdbc-url", pg.jdbcUrl(),
                    "--jdbc-user", pg.user(),
                    "--idle-timeout", "1h",
                    "--parallelism", "2"));
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .redirectOutput(tmp.resolve("stdout.txt").toFile())
                    .redirectError(tmp.resolve("stderr.txt").toFile());
            Map<String, String> env = pb.environment();
            env.put("PQLSCORE_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
            env.put("PQLSCORE_KAFKA_SASL_JAAS_CONFIG",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"pqljob\" password=\""
                            + kafkaPassword + "\";");
            env.put("PQL_JDBC_PASSWORD", dbPassword);
            long t0 = System.nanoTime();
            Process p = pb.start();
            boolean done = p.waitFor(6, TimeUnit.MINUTES);
            if (!done) {
                p.destroyForcibly();
            }
            String stdout = Files.readString(tmp.resolve("stdout.txt"));
            String stderr = Files.readString(tmp.resolve("stderr.txt"));
            String log = Files.exists(logFile) ? Files.readString(logFile) : "";
            System.out.printf("secrets test: the job ran %.1f s, exit %s; %d lines of log, %d of stderr, %d of stdout%n",
                    (System.nanoTime() - t0) / 1e9, done ? Integer.toString(p.exitValue()) : "(killed)", log.lines().count(),
                    stderr.lines().count(), stdout.lines().count());
            assertThat(done).as("the job finished in time").isTrue();
            assertThat(p.exitValue()).as("exit code; stderr ends: " + tail(stderr)).isZero();

            // the credentials worked: Kafka over SASL, PostgreSQL with the password
            generated.assertTransitions(kafka.consumeCommitted("transitions", generated.expected.size(), Duration.ofSeconds(30)));
            try (Connection c = pg.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM pql_transitions")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(generated.expected.size());
            }

            // the check looked where a leak would be: client configurations are logged, secrets hidden
            assertThat(log).contains("ConsumerConfig values:").contains("ProducerConfig values:")
                    .contains("sasl.jaas.config = [hidden]").contains("ssl.truststore.password = [hidden]");
            for (String secret : List.of(kafkaPassword, dbPassword, truststorePassword)) {
                String what = secret.substring(0, secret.indexOf("-pw-"));
                assertThat(log).as("the " + what + " password in the log file").doesNotContain(secret);
                assertThat(stderr).as("the " + what + " password on stderr").doesNotContain(secret);
                assertThat(stdout).as("the " + what + " password on stdout").doesNotContain(secret);
            }
        }
    }

    /** flink-conf/config.yaml with this test's checkpoint directories and no fixed ports. */
    private Path flinkConf() throws Exception {
        String conf = Files.readString(Path.of("flink-conf", "config.yaml"), StandardCharsets.UTF_8)
                .replace("file:///tmp/pqlscore/checkpoints", tmp.resolve("checkpoints").toUri().toString())
                .replace("file:///tmp/pqlscore/savepoints", tmp.resolve("savepoints").toUri().toString())
                .replace("bind-port: 8081-8089", "bind-port: \"0\"")
                .replace("port: 9249", "port: 9300-9399")
                .replace("interval: 30 s", "interval: 2 s")
                .replace("min-pause: 10 s", "min-pause: 1 s");
        Path dir = tmp.resolve("flink-conf");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.yaml"), conf);
        return dir;
    }

    private static String random() {
        byte[] b = new byte[9];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String tail(String s) {
        return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
    }
}
