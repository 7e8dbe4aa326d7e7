package io.pqlscore.migration;

import io.pqlscore.command.Commands;
import io.pqlscore.command.ProjectVersion;
import io.pqlscore.command.Tool;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code pqlscore migrate}: converts a savepoint of the v1 (multi-operator) job into one the
 * current job restores (docs/SAVEPOINTS.md, "Upgrading from v1"). Only parses and reports: the
 * conversion is {@link SavepointMigration#migrate}. Its {@code main} is the same command, for
 * {@code flink run -c io.pqlscore.migration.MigrateSavepoint}.
 */
@Command(name = "migrate", header = "Convert a savepoint of the v1 job to the current state layout.",
        mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        description = {"Reads a savepoint of the earlier, multi-operator job (sequencer, one Flink CEP operator per"
                + " pattern signal, scorer) with Flink's State Processor API and writes one the current job restores:"
                + " each account's and user's state, open pattern matches, kept messageIds and waiting records, in"
                + " the account stage's layout; the source and sink state as it was."},
        exitCodeList = {"0:converted", "1:the savepoint could not be read or converted (the reason on standard error)",
            "2:nothing ran: a bad command line, or a savepoint/model this conversion refuses"})
public final class MigrateSavepoint extends Tool {
    static final int DEFAULT_MAX_PARALLELISM = 720;

    @Option(names = "--from", paramLabel = "SAVEPOINT", required = true,
            description = "savepoint of the v1 job (canonical format: flink stop's default; path or URI)")
    String from;

    @Option(names = "--to", paramLabel = "DIR", required = true,
            description = "directory for the converted savepoint (must not exist, or be empty)")
    String to;

    @Option(names = "--model", paramLabel = "PATH", required = true,
            description = "the scoring model the v1 job ran with (a path, or classpath:/...)")
    String model;

    @Option(names = "--max-parallelism", paramLabel = "N", converter = MaxParallelism.class,
            description = "the job's max parallelism, the savepoint's (default: ${DEFAULT-VALUE})")
    int maxParallelism = DEFAULT_MAX_PARALLELISM;

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs the command; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return Commands.execute(new MigrateSavepoint(), args, out, err);
    }

    @Override
    public Integer call() {
        for (String[] o : new String[][] {{"--from", from}, {"--to", to}, {"--model", model}}) {
            if (o[1].isBlank()) {
                throw usageError(o[0] + " is empty");
            }
        }
        ScoringModel m;
        try {
            m = ModelLoader.load(model);
        } catch (IllegalArgumentException e) { // a ModelValidationException
            stderr.println(e.getMessage());
            return 2;
        }
        long t0 = System.nanoTime();
        SavepointMigration.Result r;
        try {
            r = SavepointMigration.migrate(from, to, m, maxParallelism);
        } catch (IllegalArgumentException e) {
            stderr.println(e.getMessage());
            return 2;
        } catch (Exception e) {
            stderr.println("cannot convert savepoint " + from + ": " + reason(e));
            return 1;
        }
        stdout.printf("converted %s to %s in %.1f s%n", from, r.savepoint(), (System.nanoTime() - t0) / 1e9);
        for (Map.Entry<String, Long> c : r.counts().entrySet()) {
            stdout.printf("  %-90s %d%n", c.getKey(), c.getValue());
        }
        stdout.println("start the new job from it: flink run -s " + r.savepoint() + " ... (docs/SAVEPOINTS.md)");
        return 0;
    }

    /** {@code --max-parallelism}: Flink's range, 1 to 32768. */
    public static final class MaxParallelism implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String v) {
            try {
                int n = Integer.parseInt(v);
                if (n >= 1 && n <= 32768) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TypeConversionException("needs a number from 1 to 32768, got '" + v + "'");
        }
    }

    /** The reason a conversion failed: a refusal's own message, else the chain of causes. */
    private static String reason(Throwable t) {
        List<String> chain = new ArrayList<>();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof MigrationException) {
                return c.getMessage();
            }
            chain.add(c.getClass().getSimpleName() + ": " + c.getMessage());
        }
        return String.join(" <- ", chain);
    }
}
