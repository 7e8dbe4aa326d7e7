package io.pqlscore.ops;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Properties;

/**
 * Credentials come from files (mounted Kubernetes Secrets) or the environment, never from
 * arguments that end up in logs; values read here are never logged.
 */
public final class Secrets {
    private Secrets() {}

    /** The database password: the file wins over the variable; null when neither is set. */
    public static String jdbcPassword(JobOptions o) {
        if (o.jdbcPasswordFile != null) {
            return readTrimmed(o.jdbcPasswordFile);
        }
        return o.jdbcPasswordEnv == null ? null : System.getenv(o.jdbcPasswordEnv);
    }

    /** Kafka client properties: the properties file first, then each --kafka-property over it. */
    public static Properties kafkaProperties(JobOptions o) {
        Properties p = new Properties();
        if (o.kafkaPropertiesFile != null) {
            try (Reader r = Files.newBufferedReader(Paths.get(o.kafkaPropertiesFile), StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new JobOptions.UsageException("cannot read --kafka-properties-file " + o.kafkaPropertiesFile
                        + ": " + e.getClass().getSimpleName());
            }
        }
        for (Map.Entry<String, String> e : o.kafkaProperties.entrySet()) {
            p.setProperty(e.getKey(), e.getValue());
        }
        return p;
    }

    private static String readTrimmed(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new JobOptions.UsageException("cannot read secret file " + file + ": " + e.getClass().getSimpleName());
        }
    }
}
