package io.pqlscore.backtest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.pqlscore.backtest.BacktestReport.Report;
import io.pqlscore.backtest.ModelComparison.Comparison;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ModelValidationException;
import io.pqlscore.model.ScoringModel;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
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
 * ({@code backtest.html}). Progress goes to standard error while the job runs. See the README
 * section "Backtest and calibration" and docs/BACKTEST.md.
 */
public final class Backtest {
    public static final String JSON_FILE = "backtest.json";
    public static final String HTML_FILE = "backtest.html";

    public static final String USAGE = String.join("\n",
            "Usage: Backtest --events PATH --outcomes FILE [options]",
            "",
            "Runs the scoring job over a history of usage events (bounded, on a local MiniCluster) and",
            "reports how its tiers and scores line up with closed-won outcomes.",
            "",
            "  --events PATH            JSON-lines file or directory of usage events; repeatable",
            "  --outcomes FILE          closed outcomes, CSV (header account_id,outcome,closed_at) or",
            "                           JSON lines with those keys; outcome won or lost; closed_at an",
            "                           ISO-8601 instant with offset or a date (start of that UTC day)",
            "  --model PATH             scoring model YAML (default classpath:/models/default.yaml);",
            "                           give it twice to compare: the first is the baseline, the",
            "                           second the candidate",
            "  --out DIR                where backtest.json and backtest.html go (default out/backtest)",
            "  --target-precision P     suggest the lowest threshold with precision >= P (0 < P <= 1)",
            "  --target-weekly-leads N  suggest the lowest threshold giving at most N leads a week",
            "                           (without either: the threshold with the best F1)",
            "  --only-closed            count only accounts with an outcome (default: every scored",
            "                           account; those without an outcome count as not won)",
            "  --parallelism N          job parallelism (default 2)",
            "  --state-backend B        hashmap (heap, default) or rocksdb",
            "  --progress-interval D    progress line every D (default 10s; units ms s m)",
            "  --quiet                  no progress lines",
            "  --help                   this text",
            "",
            "Exit codes: 0 report written, 2 bad arguments, model or outcomes (every problem listed),",
            "1 the run failed.",
            "");

    /** Parsed command line. */
    static final class Options {
        final List<String> events = new ArrayList<>();
        String outcomes;
        final List<String> models = new ArrayList<>();
        String out = "out/backtest";
        Double targetPrecision;
        Double targetWeeklyLeads;
        boolean onlyClosed;
        int parallelism = 2;
        String stateBackend = "hashmap";
        Duration progressInterval = Duration.ofSeconds(10);
        boolean quiet;
    }

    /** The whole report: what went in and one {@link Report} per model, plus the comparison of two. */
    public record Result(String generatedAt, Inputs inputs, BacktestReport.Settings settings, List<Report> models,
            Comparison comparison) {}

    public record Inputs(List<String> events, String outcomes, int outcomeRows, int outcomesWon, int outcomesLost) {}

    static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private Backtest() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /** The command; returns its exit code. The report's paths and headline go to {@code out}, progress to {@code err}. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, null);
    }

    /** The command on a given environment (tests: a shared MiniCluster); null: a local MiniCluster per run. */
    static int run(String[] args, PrintStream out, PrintStream err,
            java.util.function.Supplier<org.apache.flink.streaming.api.environment.StreamExecutionEnvironment> environment) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                out.print(USAGE);
                return 0;
            }
        }
        Options o;
        List<ScoringModel> models = new ArrayList<>();
        Outcomes outcomes;
        try {
            o = parse(args);
            for (String m : o.models) {
                models.add(ModelLoader.load(m));
            }
            outcomes = Outcomes.read(Paths.get(o.outcomes));
        } catch (UsageException e) {
            err.println("Backtest: " + e.getMessage());
            err.println("Run with --help for the options.");
            return 2;
        } catch (ModelValidationException | Outcomes.OutcomesException e) {
            err.println(e.getMessage());
            return 2;
        }
        try {
            Result result = backtest(o, models, outcomes, o.quiet ? null : err, environment);
            Path dir = Paths.get(o.out);
            Files.createDirectories(dir);
            String json = json(result);
            Files.writeString(dir.resolve(JSON_FILE), json, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(HTML_FILE), HtmlReport.render(json, title(result)), StandardCharsets.UTF_8);
            out.print(headline(result));
            out.println("report: " + dir.resolve(JSON_FILE).toAbsolutePath());
            out.println("page:   " + dir.resolve(HTML_FILE).toAbsolutePath());
            return 0;
        } catch (Exception e) {
            err.println("Backtest failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.isEmpty()) {
                continue; // exec:exec passes an empty argument for an empty argline
            }
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (name.equals("only-closed") || name.equals("quiet")) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                if (name.equals("quiet")) {
                    o.quiet = true;
                } else {
                    o.onlyClosed = true;
                }
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("--" + name + " needs a value");
                }
                value = args[++i];
            }
            switch (name) {
                case "events": o.events.add(value); break;
                case "outcomes": o.outcomes = value; break;
                case "model": o.models.add(value); break;
                case "out": o.out = value; break;
                case "target-precision":
                    o.targetPrecision = number(name, value);
                    if (!(o.targetPrecision > 0 && o.targetPrecision <= 1)) {
                        throw new UsageException("--target-precision is a share in (0, 1], e.g. 0.25, not " + value);
                    }
                    break;
                case "target-weekly-leads":
                    o.targetWeeklyLeads = number(name, value);
                    if (!(o.targetWeeklyLeads > 0)) {
                        throw new UsageException("--target-weekly-leads must be positive, not " + value);
                    }
                    break;
                case "parallelism":
                    double p = number(name, value);
                    if (p < 1 || p != Math.floor(p) || p > 64) {
                        throw new UsageException("--parallelism takes a whole number in 1..64, not " + value);
                    }
                    o.parallelism = (int) p;
                    break;
                case "state-backend":
                    String b = value.toLowerCase(Locale.ROOT);
                    if (!b.equals("hashmap") && !b.equals("rocksdb")) {
                        throw new UsageException("--state-backend is hashmap or rocksdb, not " + value);
                    }
                    o.stateBackend = b;
                    break;
                case "progress-interval": o.progressInterval = duration(name, value); break;
                default:
                    throw new UsageException("unknown option --" + name);
            }
        }
        if (o.events.isEmpty()) {
            throw new UsageException("--events is required (a JSON-lines file or directory of usage events)");
        }
        for (String e : o.events) {
            if (!e.contains("://") && !Files.exists(Paths.get(e))) {
                throw new UsageException("--events " + e + ": no such file or directory");
            }
        }
        if (o.outcomes == null) {
            throw new UsageException("--outcomes is required (CSV or JSON lines: account_id, outcome, closed_at)");
        }
        if (o.targetPrecision != null && o.targetWeeklyLeads != null) {
            throw new UsageException("give --target-precision or --target-weekly-leads, not both");
        }
        if (o.models.isEmpty()) {
            o.models.add(ModelLoader.DEFAULT_MODEL);
        }
        if (o.models.size() > 2) {
            throw new UsageException("--model at most twice (a baseline and a candidate)");
        }
        return o;
    }

    private static double number(String option, String v) {
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + option + " takes a number, not '" + v + "'");
        }
    }

    private static Duration duration(String option, String v) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)").matcher(v.strip());
        if (!m.matches()) {
            throw new UsageException("--" + option + " takes a duration like 10s, 500ms or 1m, not '" + v + "'");
        }
        double n = Double.parseDouble(m.group(1));
        long ms = Math.round(n * (m.group(2).equals("ms") ? 1 : m.group(2).equals("s") ? 1000 : 60_000));
        return Duration.ofMillis(Math.max(100, ms));
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
