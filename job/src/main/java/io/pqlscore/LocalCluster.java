package io.pqlscore;

import io.pqlscore.config.JobOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** A local MiniCluster environment configured from the project's {@code flink-conf/config.yaml}. */
public final class LocalCluster {
    private LocalCluster() {}

    public static StreamExecutionEnvironment environment(String flinkConfDir) {
        Path dir = Paths.get(flinkConfDir);
        if (!Files.isRegularFile(dir.resolve("config.yaml"))) {
            throw new JobOptions.UsageException("no config.yaml in " + dir.toAbsolutePath()
                    + " (set --flink-conf to the directory holding Flink's config.yaml)");
        }
        Configuration conf = GlobalConfiguration.loadConfiguration(dir.toAbsolutePath().toString());
        return StreamExecutionEnvironment.createLocalEnvironment(conf);
    }
}
