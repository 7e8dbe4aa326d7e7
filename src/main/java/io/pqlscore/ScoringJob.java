package io.pqlscore;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ModelValidationException;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.ops.Connectors;
import io.pqlscore.ops.JobOptions;
import io.pqlscore.ops.LocalCluster;
import io.pqlscore.pipeline.ScoringPipeline;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job's entry point, for {@code flink run} and for {@code --local} runs: parses options,
 * loads and validates the model, and hands both to {@link ScoringPipeline}.
 */
public final class ScoringJob {
    private ScoringJob() {}

    public static void main(String[] args) throws Exception {
        JobOptions options;
        ScoringModel model;
        StreamExecutionEnvironment env;
        try {
            options = JobOptions.parse(args);
            model = ModelLoader.load(options.model);
            env = options.local
                    ? LocalCluster.environment(options.flinkConf)
                    : StreamExecutionEnvironment.getExecutionEnvironment();
        } catch (JobOptions.UsageException | ModelValidationException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (options.exactlyOnce() && (options.transitionsTopic != null || options.deadLettersTopic != null)
                && !env.getCheckpointConfig().isCheckpointingEnabled()) {
            // exactly-once Kafka output commits its transactions on checkpoints: without them
            // nothing would ever become visible to read_committed consumers
            System.err.println("exactly-once Kafka output needs checkpointing: set execution.checkpointing.interval"
                    + " (flink-conf/config.yaml) or use --delivery at-least-once");
            System.exit(2);
            return;
        }
        new ScoringPipeline(options, model, Connectors.source(options), Connectors.sinks(options)).build(env);
        env.execute(options.jobName);
    }
}
