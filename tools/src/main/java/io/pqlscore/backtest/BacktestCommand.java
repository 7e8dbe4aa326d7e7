package io.pqlscore.backtest;

import io.pqlscore.command.ExitCodes;
import io.pqlscore.command.ProjectVersion;
import io.pqlscore.command.Tool;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ModelValidationException;
import io.pqlscore.model.ScoringModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pqlscore backtest}: the scoring job over a history of usage events, joined with closed
 * outcomes, reported as {@code backtest.json} and {@code backtest.html} ({@link Backtest} does the
 * work; docs/BACKTEST.md defines every number).
 */
@Command(name = "backtest", header = "Backtest one model, or two side by side, against closed-won outcomes.",
        mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        description = {"Runs the scoring job over a history of usage events (bounded, on a local MiniCluster) and"
                + " reports how its tiers and scores line up with closed-won outcomes, for one model or two side by side:"
                + " backtest.json and backtest.html in --out. Progress goes to standard error."},
        exitCodeList = {"0:the report is written", "1:the run failed",
            "2:nothing ran: a bad command line, model or outcomes file (every problem listed)"})
public final class BacktestCommand extends Tool {
    @Option(names = "--events", paramLabel = "PATH", required = true,
            description = "JSON-lines file or directory of usage events; repeatable")
    List<String> events = new ArrayList<>();

    @Option(names = "--outcomes", paramLabel = "FILE", required = true,
            description = "closed outcomes, CSV (header account_id,outcome,closed_at) or JSON lines with those keys;"
                    + " outcome won or lost; closed_at an ISO-8601 instant with offset or a date (start of that UTC day)")
    String outcomes;

    @Option(names = "--model", paramLabel = "PATH",
            description = "scoring model YAML (default: " + ModelLoader.DEFAULT_MODEL + "); give it twice to compare:"
                    + " the first is the baseline, the second the candidate")
    List<String> models = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "where backtest.json and backtest.html go (default: ${DEFAULT-VALUE})")
    String outDir = "out/backtest";

    @Option(names = "--target-precision", paramLabel = "P",
            description = "suggest the lowest threshold with precision >= P (0 < P <= 1)")
    Double targetPrecision;

    @Option(names = "--target-weekly-leads", paramLabel = "N",
            description = "suggest the lowest threshold giving at most N leads a week (without either: the threshold with"
                    + " the best F1)")
    Double targetWeeklyLeads;

    @Option(names = "--only-closed",
            description = "count only accounts with an outcome (default: every scored account; those without an outcome"
                    + " count as not won)")
    boolean onlyClosed;

    @Option(names = "--parallelism", paramLabel = "N", description = "job parallelism, 1..64 (default: ${DEFAULT-VALUE})")
    int parallelism = 2;

    @Option(names = "--state-backend", paramLabel = "BACKEND",
            description = "hashmap (heap) or rocksdb (default: ${DEFAULT-VALUE})")
    String stateBackend = "hashmap";

    @Option(names = "--progress-interval", paramLabel = "DURATION",
            description = "a progress line this often, at least 100ms (default: ${DEFAULT-VALUE})")
    Duration progressInterval = Duration.ofSeconds(10);

    @Option(names = "--quiet", description = "no progress lines")
    boolean quiet;

    /** Where the job runs: by default a local MiniCluster per run; tests share one. */
    Supplier<org.apache.flink.streaming.api.environment.StreamExecutionEnvironment> environment;

    @Override
    public Integer call() throws Exception {
        Backtest.Options o = options();
        List<ScoringModel> loaded = new ArrayList<>();
        Outcomes closed;
        try {
            for (String m : o.models) {
                loaded.add(ModelLoader.load(m));
            }
            closed = Outcomes.read(Paths.get(o.outcomes));
        } catch (ModelValidationException | Outcomes.OutcomesException e) {
            stderr.println(e.getMessage());
            return ExitCodes.USAGE;
        }
        Backtest.Result result = Backtest.backtest(o, loaded, closed, o.quiet ? null : stderr, environment);
        Path dir = Paths.get(o.out);
        Files.createDirectories(dir);
        String json = Backtest.json(result);
        Files.writeString(dir.resolve(Backtest.JSON_FILE), json, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(Backtest.HTML_FILE), HtmlReport.render(json, Backtest.title(result)), StandardCharsets.UTF_8);
        stdout.print(Backtest.headline(result));
        stdout.println("report: " + dir.resolve(Backtest.JSON_FILE).toAbsolutePath());
        stdout.println("page:   " + dir.resolve(Backtest.HTML_FILE).toAbsolutePath());
        return ExitCodes.OK;
    }

    /** The options checked together; a usage error (exit code 2) if they do not fit. */
    Backtest.Options options() {
        for (String e : events) {
            if (!e.contains("://") && !Files.exists(Paths.get(e))) {
                throw usageError("--events " + e + ": no such file or directory");
            }
        }
        if (targetPrecision != null && !(targetPrecision > 0 && targetPrecision <= 1)) {
            throw usageError("--target-precision is a share in (0, 1], e.g. 0.25, not " + targetPrecision);
        }
        if (targetWeeklyLeads != null && !(targetWeeklyLeads > 0)) {
            throw usageError("--target-weekly-leads must be positive, not " + targetWeeklyLeads);
        }
        if (targetPrecision != null && targetWeeklyLeads != null) {
            throw usageError("give --target-precision or --target-weekly-leads, not both");
        }
        if (parallelism < 1 || parallelism > 64) {
            throw usageError("--parallelism takes a whole number in 1..64, not " + parallelism);
        }
        String backend = stateBackend.toLowerCase(Locale.ROOT);
        if (!backend.equals("hashmap") && !backend.equals("rocksdb")) {
            throw usageError("--state-backend is hashmap or rocksdb, not " + stateBackend);
        }
        if (models.size() > 2) {
            throw usageError("--model at most twice (a baseline and a candidate)");
        }
        Backtest.Options o = new Backtest.Options();
        o.events.addAll(events);
        o.outcomes = outcomes;
        o.models.addAll(models.isEmpty() ? List.of(ModelLoader.DEFAULT_MODEL) : models);
        o.out = outDir;
        o.targetPrecision = targetPrecision;
        o.targetWeeklyLeads = targetWeeklyLeads;
        o.onlyClosed = onlyClosed;
        o.parallelism = parallelism;
        o.stateBackend = backend;
        // a progress line more often than this would only slow the run down
        o.progressInterval = progressInterval.compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : progressInterval;
        o.quiet = quiet;
        return o;
    }
}
