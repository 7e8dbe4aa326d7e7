package io.pqlscore.cli;

import io.pqlscore.ScoringJob;
import io.pqlscore.backtest.BacktestCommand;
import io.pqlscore.command.Commands;
import io.pqlscore.command.ProjectVersion;
import io.pqlscore.command.Tool;
import io.pqlscore.generator.GenerateCommand;
import io.pqlscore.jdbc.SchemaCommand;
import io.pqlscore.model.ValidateCommand;
import io.pqlscore.inspector.InspectCommand;
import io.pqlscore.migration.MigrateSavepoint;
import java.io.PrintStream;
import picocli.CommandLine.Command;

/**
 * The {@code pqlscore} tool: one command line for the job and everything around it, each command
 * defined beside what it runs. Its own package, above the job and the tools it lists, so that
 * nothing below depends on it. The
 * {@code ./pqlscore} script at the repository root runs it from the sources; from the tools jar it
 * is {@code java -jar pql-scoring-tools.jar ...} (the commands that run a job need Flink on the
 * class path: a local run, the backtest, the inspector). The job jar does not hold it.
 */
@Command(name = "pqlscore", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        description = "Real-time PQL/PQA scoring on Apache Flink: the job and its tools.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {ScoringJob.class, ValidateCommand.class, BacktestCommand.class, GenerateCommand.class,
            InspectCommand.class, SchemaCommand.class, MigrateSavepoint.class},
        commandListHeading = "%nCommands:%n",
        footer = {"", "Run 'pqlscore COMMAND --help' for a command's options. Durations are written as in the model"
                + " file: a number and one of ms, s, m, h, d (30s, 5m, 90d)."},
        exitCodeList = {"0:done", "1:the work failed (the job, the database, the output); validate: the model is invalid",
            "2:nothing ran: a bad command line, or an input it names that cannot be used"})
public final class PqlScore extends Tool {

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The tool with these arguments; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return Commands.execute(new PqlScore(), args, out, err);
    }

    /** {@code pqlscore} without a command. */
    @Override
    public Integer call() {
        throw usageError("give a command: " + String.join(", ", spec.subcommands().keySet()));
    }
}
