package io.pqlscore.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Credentials come from files (mounted Kubernetes Secrets) or the environment, never from
 * arguments, which end up in logs (Flink logs the program arguments of an application, and
 * {@code ps} shows them); values read here are never logged.
 *
 * <ul>
 *   <li><b>Database password</b>: {@code --jdbc-password-file FILE} (trimmed), else the variable
 *       named by {@code --jdbc-password-env} (default {@code PQL_JDBC_PASSWORD}).
 *   <li><b>Kafka client settings</b> (SASL, SSL): {@code --kafka-properties-file FILE}
 *       (java.util.Properties), then variables {@code PQLSCORE_KAFKA_<KEY>} over it, the key in
 *       capitals with dots as underscores ({@code PQLSCORE_KAFKA_SASL_JAAS_CONFIG} is
 *       {@code sasl.jaas.config}; a double underscore is an underscore), then
 *       {@code --kafka-property KEY=VALUE} over both, which refuses the keys that hold secrets
 *       ({@link #isSecretKafkaKey}). Kafka's clients log their settings at start-up, showing the
 *       password-type ones ({@code sasl.jaas.config}, {@code ssl.*.password}, ...) as
 *       {@code [hidden]}.
 * </ul>
 */
public final class Secrets {
    private Secrets() {}

    /** Environment variables with this prefix are Kafka client properties. */
    public static final String KAFKA_ENV_PREFIX = "PQLSCORE_KAFKA_";

    private static final Pattern SECRET_KEY = Pattern.compile(
            "(?i).*(password|jaas|secret|credential|token|ssl\\.keystore\\.key|ssl\\.keystore\\.certificate).*");

    /** The database password: the file wins over the variable; null when neither is set. */
    public static String jdbcPassword(JobOptions o) {
        if (o.jdbcPasswordFile != null) {
            return readTrimmed(o.jdbcPasswordFile);
        }
        return o.jdbcPasswordEnv == null ? null : System.getenv(o.jdbcPasswordEnv);
    }

    /** Kafka client properties: the properties file, the PQLSCORE_KAFKA_* variables over it, each --kafka-property over both. */
    public static Properties kafkaProperties(JobOptions o) {
        return kafkaProperties(o, System.getenv());
    }

    static Properties kafkaProperties(JobOptions o, Map<String, String> env) {
        Properties p = new Properties();
        if (o.kafkaPropertiesFile != null) {
            try (Reader r = Files.newBufferedReader(Paths.get(o.kafkaPropertiesFile), StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new JobOptions.UsageException("cannot read --kafka-properties-file " + o.kafkaPropertiesFile
                        + ": " + e.getClass().getSimpleName());
            }
        }
        // sorted, so that two variables naming the same key resolve the same way every time
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (e.getKey().startsWith(KAFKA_ENV_PREFIX) && e.getKey().length() > KAFKA_ENV_PREFIX.length()) {
                p.setProperty(kafkaKey(e.getKey()), e.getValue());
            }
        }
        for (Map.Entry<String, String> e : o.kafkaProperties.entrySet()) {
            p.setProperty(e.getKey(), e.getValue());
        }
        return p;
    }

    /** {@code PQLSCORE_KAFKA_SASL_JAAS_CONFIG} to {@code sasl.jaas.config}; {@code __} is {@code _}. */
    static String kafkaKey(String variable) {
        String rest = variable.substring(KAFKA_ENV_PREFIX.length()).toLowerCase(Locale.ROOT);
        return rest.replace("__", "\u0000").replace('_', '.').replace('\u0000', '_');
    }

    /** Kafka client keys whose values are secrets: they may come from a file or the environment only. */
    public static boolean isSecretKafkaKey(String key) {
        return SECRET_KEY.matcher(key).matches();
    }

    private static String readTrimmed(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new JobOptions.UsageException("cannot read secret file " + file + ": " + e.getClass().getSimpleName());
        }
    }
}
