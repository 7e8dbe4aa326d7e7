package io.pqlscore;

import io.pqlscore.command.Commands;
import io.pqlscore.command.ExitCodes;
import io.pqlscore.command.ProjectVersion;
import io.pqlscore.command.Tool;
import io.pqlscore.config.JobOptions;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ModelValidationException;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.ScoringPipeline;
import java.io.PrintStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The job, {@code pqlscore run}: parses its options ({@link JobOptions}), loads and validates the
 * model, and hands both to {@link ScoringPipeline}. {@link #main} is the job jar's Main-Class and
 * the FlinkDeployment's {@code entryClass}, for {@code flink run}.
 *
 * <p>Everything that can be wrong before the job runs (the command line, the model, a secret file,
 * the checkpointing exactly-once output needs) is reported as one line per problem on standard
 * error, never as a stack trace, and the exit code is 2.
 */
@Command(name = "run", header = "Run the scoring job: locally, or submitted to a Flink cluster.",
        mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class, abbreviateSynopsis = true,
        description = {"Runs the scoring job: on an embedded MiniCluster (--local), on the cluster of `flink run`,"
                + " or else in this JVM. Reads usage events from JSON-lines files (--input) or Kafka topics"
                + " (--kafka-topics), writes transitions, current scores and dead letters to files (--output),"
                + " Kafka topics and PostgreSQL tables (--jdbc-url), or prints the transitions.",
            "Durations are a number and one of ms, s, m, h, d (30s, 5m, 90d), as in the model file."},
        exitCodeList = {"0:the input ended and the job finished (a bounded replay)",
            "1:the job failed",
            "2:nothing ran: a bad command line, model or secret file"})
public final class ScoringJob extends Tool {
    @Mixin
    JobOptions options = new JobOptions();

    /** The job, built on its environment, ready to execute. */
    public record Prepared(StreamExecutionEnvironment env, String jobName) {}

    /**
     * {@code pqlscore run} for {@code flink run} and the Kubernetes operator. The job runs here,
     * outside picocli, so that whatever Flink throws out of {@code execute} (a failed job, the
     * cluster's own control flow) reaches Flink as before; and a successful run returns instead of
     * calling {@code System.exit}, which would stop the JobManager the job's main runs in.
     */
    public static void main(String[] args) throws Exception {
        ScoringJob run = new ScoringJob();
        int parsed = Commands.parse(run, args, System.out, System.err);
        if (parsed != Commands.PROCEED) {
            if (parsed != ExitCodes.OK) {
                System.exit(parsed);
            }
            return;
        }
        Prepared job = prepare(run.options, System.err);
        if (job == null) {
            System.exit(ExitCodes.USAGE);
            return;
        }
        job.env().execute(job.jobName());
    }

    @Override
    public Integer call() throws Exception {
        Prepared job = prepare(options, stderr);
        if (job == null) {
            return ExitCodes.USAGE;
        }
        job.env().execute(job.jobName());
        return ExitCodes.OK;
    }

    /** {@link #prepare(JobOptions, PrintStream)} of a command line; null when it is not good. */
    public static Prepared prepare(String[] args, PrintStream err) {
        ScoringJob run = new ScoringJob();
        if (Commands.parse(run, args, err, err) != Commands.PROCEED) {
            return null;
        }
        return prepare(run.options, err);
    }

    /**
     * Options checked together, model, environment and the job graph on it; or null, after printing
     * on {@code err} why the job cannot start (one line per problem, no stack trace).
     */
    public static Prepared prepare(JobOptions options, PrintStream err) {
        ScoringModel model;
        StreamExecutionEnvironment env;
        try {
            options.validate();
            model = ModelLoader.load(options.model);
            env = options.local
                    ? LocalCluster.environment(options.flinkConf)
                    : StreamExecutionEnvironment.getExecutionEnvironment();
        } catch (ModelValidationException e) {
            e.report().forEach(err::println);
            return null;
        } catch (JobOptions.UsageException e) {
            reportUsage(err, e);
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
            reportUsage(err, e);
            return null;
        }
        return new Prepared(env, options.jobName);
    }

    /** As the command line reports its own errors (Commands): what is wrong, and where the options are. */
    private static void reportUsage(PrintStream err, JobOptions.UsageException e) {
        err.println("pqlscore run: " + e.getMessage());
        err.println("Try 'pqlscore run --help' for the options.");
    }
}
