package io.pqlscore;

import io.pqlscore.config.JobOptions;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ModelValidationException;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.ScoringPipeline;
import java.io.PrintStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job's entry point, for {@code flink run} and for {@code --local} runs: parses options,
 * loads and validates the model, and hands both to {@link ScoringPipeline}.
 *
 * <p>Everything that can be wrong before the job runs (the command line, the model, a secret file,
 * the checkpointing exactly-once output needs) is reported as one line per problem on standard
 * error, never as a stack trace, and the process exits with 2.
 */
public final class ScoringJob {
    private ScoringJob() {}

    /** The job, built on its environment, ready to execute. */
    public record Prepared(StreamExecutionEnvironment env, String jobName) {}

    public static void main(String[] args) throws Exception {
        Prepared job = prepare(args, System.err);
        if (job == null) {
            System.exit(2);
            return;
        }
        job.env().execute(job.jobName());
    }

    /**
     * Options, model, environment and the job graph on it; or null, after printing on {@code err}
     * why the job cannot start (one line per problem, no stack trace).
     */
    public static Prepared prepare(String[] args, PrintStream err) {
        JobOptions options;
        ScoringModel model;
        StreamExecutionEnvironment env;
        try {
            options = JobOptions.parse(args);
            model = ModelLoader.load(options.model);
            env = options.local
                    ? LocalCluster.environment(options.flinkConf)
                    : StreamExecutionEnvironment.getExecutionEnvironment();
        } catch (ModelValidationException e) {
            e.report().forEach(err::println);
            return null;
        } catch (JobOptions.UsageException e) {
            err.println(e.getMessage());
            return null;
        } catch (RuntimeException | StackOverflowError e) {
            // not expected: ModelLoader turns every problem of a model into a ModelValidationException
            err.println("cannot start: " + ModelLoader.describe(e) + " (a bug: please report it with the model file)");
            return null;
        }
        if (options.exactlyOnce() && (options.transitionsTopic != null || options.deadLettersTopic != null)
                && !env.getCheckpointConfig().isCheckpointingEnabled()) {
            // exactly-once Kafka output commits its transactions on checkpoints: without them
            // nothing would ever become visible to read_committed consumers
            err.println("exactly-once Kafka output needs checkpointing: set execution.checkpointing.interval"
                    + " (flink-conf/config.yaml) or use --delivery at-least-once");
            return null;
        }
        try {
            // the sinks read their secrets (password file, Kafka properties file) here
            new ScoringPipeline(options, model, Connectors.source(options), Connectors.sinks(options)).build(env);
        } catch (JobOptions.UsageException e) {
            err.println(e.getMessage());
            return null;
        }
        return new Prepared(env, options.jobName);
    }
}
