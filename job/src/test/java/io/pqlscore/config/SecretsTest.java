package io.pqlscore.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where credentials come from (files, environment) and that the command line refuses them. */
class SecretsTest {

    @Test
    void kafkaPropertiesComeFromTheFileThenTheEnvironmentThenTheCommandLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("kafka.properties");
        Files.writeString(file, "security.protocol=SSL\nsasl.mechanism=PLAIN\nssl.truststore.password=from-file\n");
        JobOptions o = JobOptions.parse("--kafka-topics", "t", "--kafka-bootstrap-servers", "k:9092",
                "--kafka-properties-file", file.toString(), "--kafka-property", "sasl.mechanism=SCRAM-SHA-512",
                "--kafka-property", "client.dns.lookup=use_all_dns_ips");
        Properties p = Secrets.kafkaProperties(o, Map.of(
                "PQLSCORE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "PQLSCORE_KAFKA_SASL_JAAS_CONFIG", "jaas",
                "PQLSCORE_KAFKA_SASL_MECHANISM", "OAUTHBEARER",
                "PQLSCORE_KAFKA_SOME__ODD_KEY", "x",
                "PQLSCORE_KAFKA_", "ignored",
                "OTHER_SASL_JAAS_CONFIG", "ignored"));
        assertThat(p).containsEntry("security.protocol", "SASL_SSL") // env over the file
                .containsEntry("sasl.jaas.config", "jaas")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512") // the command line over both
                .containsEntry("ssl.truststore.password", "from-file")
                .containsEntry("some_odd.key", "x")
                .containsEntry("client.dns.lookup", "use_all_dns_ips")
                .hasSize(6);
    }

    @Test
    void secretKafkaKeysAreRefusedOnTheCommandLine() {
        for (String key : new String[] {"sasl.jaas.config", "ssl.truststore.password", "ssl.keystore.password", "ssl.key.password",
            "ssl.keystore.key", "sasl.oauthbearer.client.credentials.client.secret", "SASL.JAAS.CONFIG"}) {
            assertThatThrownBy(() -> JobOptions.parse("--kafka-topics", "t", "--kafka-bootstrap-servers", "k:9092",
                    "--kafka-property", key + "=s3cret"))
                    .isInstanceOf(JobOptions.UsageException.class)
                    .hasMessageContaining("holds a secret")
                    .hasMessageContaining("--kafka-properties-file")
                    .hasMessageNotContaining("s3cret");
        }
        assertThatThrownBy(() -> JobOptions.parse("--kafka-topics", "t", "--kafka-bootstrap-servers", "k:9092",
                "--kafka-property", "sasl.jaas.config=x"))
                .hasMessageContaining("PQLSCORE_KAFKA_SASL_JAAS_CONFIG");
        // not secrets
        JobOptions.parse("--kafka-topics", "t", "--kafka-bootstrap-servers", "k:9092", "--kafka-property",
                "security.protocol=SASL_SSL", "--kafka-property", "sasl.mechanism=PLAIN", "--kafka-property",
                "ssl.truststore.location=/etc/ca.pem");
    }

    @Test
    void theDatabasePasswordFileWinsAndIsTrimmed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pw");
        Files.writeString(file, "  pw-from-file \n");
        JobOptions o = JobOptions.parse("--input", "x", "--jdbc-url", "jdbc:postgresql://h/db", "--jdbc-password-file", file.toString(),
                "--jdbc-password-env", "PATH");
        assertThat(Secrets.jdbcPassword(o)).isEqualTo("pw-from-file");
        JobOptions env = JobOptions.parse("--input", "x", "--jdbc-url", "jdbc:postgresql://h/db", "--jdbc-password-env", "PATH");
        assertThat(Secrets.jdbcPassword(env)).isEqualTo(System.getenv("PATH"));
        JobOptions missing = JobOptions.parse("--input", "x", "--jdbc-password-file", dir.resolve("nope").toString());
        assertThatThrownBy(() -> Secrets.jdbcPassword(missing)).isInstanceOf(JobOptions.UsageException.class)
                .hasMessageContaining("cannot read secret file");
    }
}
