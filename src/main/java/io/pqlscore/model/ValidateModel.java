package io.pqlscore.model;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a scoring model without starting the job:
 * {@code java -cp job.jar io.pqlscore.model.ValidateModel model.yaml} (or {@code classpath:/models/default.yaml}).
 * Exit code 0: valid (a one-line summary on stdout); 1: invalid (each problem on stderr);
 * 2: usage error.
 */
public final class ValidateModel {

    static final String USAGE = "usage: ValidateModel <model.yaml | classpath:/models/default.yaml>";

    private ValidateModel() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            out.println(USAGE);
            return 0;
        }
        if (args.length != 1 || args[0].isBlank()) {
            err.println(USAGE);
            return 2;
        }
        try {
            ScoringModel model = ModelLoader.load(args[0]);
            out.println(summary(model));
            return 0;
        } catch (ModelValidationException e) {
            e.report().forEach(err::println);
            return 1;
        } catch (RuntimeException | StackOverflowError e) {
            // not expected: ModelLoader turns every problem of a model into a ModelValidationException
            err.println(args[0] + ": cannot check the model: " + ModelLoader.describe(e) + " (a bug: please report it with the model file)");
            err.println("model refused: 1 problem");
            return 1;
        }
    }

    /** One line describing a valid model, e.g. for start-up logs. */
    public static String summary(ScoringModel model) {
        Map<SignalKind, Integer> kinds = new EnumMap<>(SignalKind.class);
        for (Signal s : model.signals()) {
            kinds.merge(s.kind(), 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        for (Map.Entry<SignalKind, Integer> e : kinds.entrySet()) {
            parts.add(e.getValue() + " " + kindLabel(e.getKey()));
        }
        int n = model.signals().size();
        StringBuilder sb = new StringBuilder("OK: model ").append(model.id()).append(" version ")
                .append(model.version()).append(": ").append(n).append(n == 1 ? " signal (" : " signals (")
                .append(String.join(", ", parts)).append("), pql tiers ").append(tiers(model.pql()))
                .append(", pqa tiers ").append(tiers(model.pqa()));
        if (model.pqa().minActiveUsers() > 0) {
            sb.append(" with min-active-users ").append(model.pqa().minActiveUsers());
        }
        return sb.toString();
    }

    private static String kindLabel(SignalKind kind) {
        switch (kind) {
            case POINTS:
                return "event points";
            case DISTINCT:
                return "distinct";
            case SEQUENCE:
                return "sequence";
            case USAGE:
                return "usage";
            default:
                return "trait";
        }
    }

    private static String tiers(ScoreScale scale) {
        List<String> out = new ArrayList<>();
        for (TierDef t : scale.tiers()) {
            out.add(t.name() + " >= " + BigDecimal.valueOf(t.min()).stripTrailingZeros().toPlainString());
        }
        return "[" + String.join(", ", out) + "]";
    }
}
