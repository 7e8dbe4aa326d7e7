package io.pqlscore.backtest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pqlscore.backtest.BacktestReport.Report;
import io.pqlscore.backtest.ModelComparison.Comparison;
import io.pqlscore.command.Commands;
import io.pqlscore.model.ScoringModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The backtest command: runs the scoring job in bounded mode over a history of usage events with
 * one model, or two side by side, joins what it scored with closed-won/lost outcomes, and writes
 * the calibration report as JSON ({@code backtest.json}) and as one self-contained HTML page
 * ({@code backtest.html}). Progress goes to standard error while the job runs. See
 * docs/BACKTEST.md.
 */
public final class Backtest {
    public static final String JSON_FILE = "backtest.json";
    public static final String HTML_FILE = "backtest.html";

    /** What to run, as the command line gave it ({@link BacktestCommand}). */
    static final class Options {
        final List<String> events = new ArrayList<>();
        String outcomes;
        final List<String> models = new ArrayList<>();
        String out;
        Double targetPrecision;
        Double targetWeeklyLeads;
        boolean onlyClosed;
        int parallelism;
        String stateBackend;
        Duration progressInterval;
        boolean quiet;
    }

    /** The whole report: what went in and one {@link Report} per model, plus the comparison of two. */
    public record Result(String generatedAt, Inputs inputs, BacktestReport.Settings settings, List<Report> models,
            Comparison comparison) {}

    public record Inputs(List<String> events, String outcomes, int outcomeRows, int outcomesWon, int outcomesLost) {}

    private Backtest() {}

    /** The entry point of before the command line: {@code pqlscore backtest} ({@link BacktestCommand}). */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** {@code pqlscore backtest} with these arguments; returns its exit code. The report's paths and headline go to {@code out}, progress to {@code err}. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, null);
    }

    /** The command on a given environment (tests: a shared MiniCluster); null: a local MiniCluster per run. */
    static int run(String[] args, PrintStream out, PrintStream err,
            java.util.function.Supplier<org.apache.flink.streaming.api.environment.StreamExecutionEnvironment> environment) {
        BacktestCommand command = new BacktestCommand();
        command.environment = environment;
        return Commands.execute(command, args, out, err);
    }

    /** Runs every model over the history (one after the other) and computes the report. */
    static Result backtest(Options o, List<ScoringModel> models, Outcomes outcomes, PrintStream progress,
            java.util.function.Supplier<org.apache.flink.streaming.api.environment.StreamExecutionEnvironment> environment)
            throws Exception {
        BacktestReport.Settings settings = new BacktestReport.Settings(o.onlyClosed, o.targetPrecision, o.targetWeeklyLeads);
        BacktestJob.Settings job = new BacktestJob.Settings().parallelism(o.parallelism).stateBackend(o.stateBackend)
                .progress(progress, o.progressInterval).environment(environment);
        List<String> labels = labels(models, o.models);
        List<BacktestJob.ModelRun> runs = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            if (progress != null) {
                progress.printf(Locale.ROOT, "[%s] backtest of model %s v%s (%s) over %s: parallelism %d, %s state%n",
                        labels.get(i), models.get(i).id(), models.get(i).version(), o.models.get(i),
                        String.join(", ", o.events), o.parallelism, o.stateBackend);
            }
            runs.add(BacktestJob.run(models.get(i), labels.get(i), o.models.get(i), o.events, outcomes, job));
        }
        return result(o.events, outcomes, settings, runs);
    }

    /** The report of finished runs (the first is the baseline). */
    public static Result result(List<String> events, Outcomes outcomes, BacktestReport.Settings settings,
            List<BacktestJob.ModelRun> runs) {
        List<Report> reports = new ArrayList<>();
        for (BacktestJob.ModelRun r : runs) {
            reports.add(BacktestReport.compute(r, outcomes, settings));
        }
        Comparison comparison = runs.size() == 2
                ? ModelComparison.compare(reports.get(0), runs.get(0).accounts, reports.get(1), runs.get(1).accounts, settings)
                : null;
        return new Result(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                new Inputs(List.copyOf(events), outcomes.source(), outcomes.size(), outcomes.won(), outcomes.lost()),
                settings, reports, comparison);
    }

    /** "id vN", or the file name when two models share id and version. */
    static List<String> labels(List<ScoringModel> models, List<String> sources) {
        List<String> labels = new ArrayList<>();
        for (ScoringModel m : models) {
            labels.add(m.id() + " v" + m.version());
        }
        if (labels.size() == 2 && labels.get(0).equals(labels.get(1))) {
            for (int i = 0; i < 2; i++) {
                String s = sources.get(i);
                labels.set(i, s.substring(Math.max(s.lastIndexOf('/'), s.lastIndexOf(':')) + 1));
            }
            if (labels.get(0).equals(labels.get(1))) {
                labels.set(0, "baseline " + labels.get(0));
                labels.set(1, "candidate " + labels.get(1));
            }
        }
        return labels;
    }

    static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    public static String json(Result r) {
        try {
            return JSON.writeValueAsString(r) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String title(Result r) {
        StringBuilder b = new StringBuilder("Backtest: ");
        for (int i = 0; i < r.models().size(); i++) {
            b.append(i > 0 ? " vs " : "").append(r.models().get(i).model().label());
        }
        return b.toString();
    }

    /** A few lines for the terminal: population, per model the AUCs and the tier conversions. */
    static String headline(Result r) {
        StringBuilder b = new StringBuilder();
        BacktestReport.Population p = r.models().get(0).population();
        b.append(String.format(Locale.ROOT, "population: %,d accounts, %,d won, %,d lost, base rate %.2f %%%n",
                p.accounts(), p.won(), p.lost(), p.baseRate() == null ? 0 : 100 * p.baseRate()));
        for (Report m : r.models()) {
            b.append(String.format(Locale.ROOT, "%s: AUC pql %s, pqa %s;", m.model().label(),
                    fmt(m.curves().get("pql").auc()), fmt(m.curves().get("pqa").auc())));
            for (BacktestReport.TierRow t : m.tiers()) {
                b.append(String.format(Locale.ROOT, " %s %,d accounts %s (lift %s);", t.tier(), t.accounts(),
                        t.conversionRate() == null ? "-" : String.format(Locale.ROOT, "%.1f %%", 100 * t.conversionRate()),
                        fmt(t.lift())));
            }
            b.setLength(b.length() - 1);
            b.append('\n');
        }
        return b.toString();
    }

    private static String fmt(Double d) {
        return d == null ? "-" : String.format(Locale.ROOT, "%.3f", d);
    }

    static String readFile(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
