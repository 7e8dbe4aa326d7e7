package io.pqlscore;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ModelValidationException;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.ops.JobOptions;
import io.pqlscore.ops.LocalCluster;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.sinks.CombinedSinks;
import io.pqlscore.sinks.JsonLinesSinks;
import io.pqlscore.sinks.PrintSinks;
import io.pqlscore.sinks.ScoringSinks;
import io.pqlscore.sources.FileEventSource;
import java.util.ArrayList;
import java.util.List;
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
        new ScoringPipeline(options, model, new FileEventSource(options.inputs,
                options.continuous ? options.monitorInterval : null), sinks(options)).build(env);
        env.execute(options.jobName);
    }

    static ScoringSinks sinks(JobOptions options) {
        List<ScoringSinks> parts = new ArrayList<>();
        if (options.output != null) {
            parts.add(new JsonLinesSinks(options.output));
        }
        if (options.print || options.output == null) {
            parts.add(new PrintSinks());
        }
        return new CombinedSinks(parts);
    }
}
