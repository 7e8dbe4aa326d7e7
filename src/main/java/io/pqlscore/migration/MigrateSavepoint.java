package io.pqlscore.migration;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The command line of {@link SavepointMigration}: converts a savepoint of the v1 (multi-operator)
 * job into one the current job restores (docs/SAVEPOINTS.md, "Upgrading from v1").
 *
 * <pre>
 * MigrateSavepoint --from V1_SAVEPOINT --to NEW_DIR --model MODEL.yaml [--max-parallelism 720]
 * </pre>
 *
 * Exit status: 0 converted, 1 the savepoint could not be read or converted (the reason on standard
 * error), 2 bad arguments or a refused model. Only parses and reports: the conversion is {@link
 * SavepointMigration#migrate}, for other front ends.
 */
public final class MigrateSavepoint {
    static final int DEFAULT_MAX_PARALLELISM = 720;
    static final String USAGE = "usage: MigrateSavepoint --from V1_SAVEPOINT --to DIR --model MODEL.yaml"
            + " [--max-parallelism N]\n"
            + "  --from             savepoint of the v1 job (canonical format: flink stop's default; path or URI)\n"
            + "  --to               directory for the converted savepoint (must not exist, or be empty)\n"
            + "  --model            the scoring model the v1 job ran with (a path, or classpath:/...)\n"
            + "  --max-parallelism  the job's max parallelism, the savepoint's (default " + DEFAULT_MAX_PARALLELISM + ")";

    private MigrateSavepoint() {}

    public static void main(String[] args) throws Exception {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** The parsed command line; null for --help. */
    record Options(String from, String to, String model, int maxParallelism) {}

    /** Runs the command; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        ScoringModel model;
        try {
            o = parse(args);
            if (o == null) {
                out.println(USAGE);
                return 0;
            }
            model = ModelLoader.load(o.model());
        } catch (IllegalArgumentException e) { // bad arguments, or a ModelValidationException
            err.println(e.getMessage());
            return 2;
        }
        long t0 = System.nanoTime();
        SavepointMigration.Result r;
        try {
            r = SavepointMigration.migrate(o.from(), o.to(), model, o.maxParallelism());
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("cannot convert savepoint " + o.from() + ": " + reason(e));
            return 1;
        }
        out.printf("converted %s to %s in %.1f s%n", o.from(), r.savepoint(), (System.nanoTime() - t0) / 1e9);
        for (Map.Entry<String, Long> c : r.counts().entrySet()) {
            out.printf("  %-90s %d%n", c.getKey(), c.getValue());
        }
        out.println("start the new job from it: flink run -s " + r.savepoint() + " ... (docs/SAVEPOINTS.md)");
        return 0;
    }

    static Options parse(String[] args) {
        String from = null;
        String to = null;
        String model = null;
        int maxParallelism = DEFAULT_MAX_PARALLELISM;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                return null;
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            }
            if (value == null) {
                throw new IllegalArgumentException(a + " needs a value\n" + USAGE);
            }
            switch (name) {
                case "--from" -> from = value;
                case "--to" -> to = value;
                case "--model" -> model = value;
                case "--max-parallelism" -> maxParallelism = maxParallelism(value);
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'\n" + USAGE);
            }
        }
        List<String> missing = new ArrayList<>();
        if (from == null || from.isBlank()) {
            missing.add("--from");
        }
        if (to == null || to.isBlank()) {
            missing.add("--to");
        }
        if (model == null || model.isBlank()) {
            missing.add("--model");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", missing) + " required\n" + USAGE);
        }
        return new Options(from, to, model, maxParallelism);
    }

    private static int maxParallelism(String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= 32768) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--max-parallelism is a number from 1 to 32768, got '" + v + "'");
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
