package io.pqlscore.model;

import io.pqlscore.command.Commands;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A valid model in one line ({@link #summary}), and the entry point of before the command line:
 * {@code java -cp job.jar io.pqlscore.model.ValidateModel model.yaml} is
 * {@code pqlscore validate model.yaml} ({@link ValidateCommand}).
 */
public final class ValidateModel {

    private ValidateModel() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** {@code pqlscore validate} with these arguments; returns its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return Commands.execute(new ValidateCommand(), args, out, err);
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
