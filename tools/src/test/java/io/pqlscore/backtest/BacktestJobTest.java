package io.pqlscore.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.config.JobOptions;
import io.pqlscore.generator.EventGenerator;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.pipeline.ScoringStreams;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.Transition;
import io.pqlscore.sinks.OutputJson;
import io.pqlscore.sources.FileEventSource;
import io.pqlscore.testing.JobRun;
import io.pqlscore.testing.PassDriver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backtest runs the scoring job itself: its per-account summaries equal what the streaming
 * job's own outputs (transitions, current scores) say up to each account's close, and the one
 * engine setting it adds (per-signal points on current scores) changes none of the job's outputs.
 * A generated history of 60 accounts over two weeks (about 20,000 records), three small job runs.
 */
class BacktestJobTest {
    /** One MiniCluster for the class (a local environment per run would start one per job). */
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @TempDir
    static Path dir;
    static Path events;
    static Outcomes outcomes;
    static ScoringModel model;
    static JobRun job;
    /**
     * The account stage's own code without Flink on the same history: a current-score row for every
     * evaluation, which the backtest folds (the streaming job writes the latest per entity and
     * watermark step). Checked to give exactly the job's transitions.
     */
    static PassDriver reference;

    @BeforeAll
    static void generateAndRunTheJob() throws Exception {
        events = dir.resolve("events.jsonl");
        Path crm = dir.resolve("outcomes.csv");
        int code = EventGenerator.run(new String[] {"--accounts", "60", "--days", "14", "--convert-ratio", "0.15",
                "--quiet", "--out", events.toString(), "--outcomes", crm.toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
        assertThat(code).isZero();
        outcomes = Outcomes.read(crm);
        model = ModelLoader.loadDefault();
        job = JobRun.run(model, events, 2);
        reference = new PassDriver(model).runLines(java.nio.file.Files.readAllLines(events));
        assertThat(reference.transitions.stream().map(t -> t.eventId).sorted().collect(java.util.stream.Collectors.toList()))
                .as("the job's transitions, without Flink")
                .isEqualTo(job.transitions.stream().map(t -> t.eventId).sorted().collect(java.util.stream.Collectors.toList()));
    }

    @Test
    void summariesAgreeWithTheStreamingJobsOwnOutputsUpToEachClose() throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        BacktestJob.ModelRun run = BacktestJob.run(model, "default v1", "classpath:/models/default.yaml",
                List.of(events.toString()), outcomes, new BacktestJob.Settings().parallelism(2)
                        .environment(StreamExecutionEnvironment::getExecutionEnvironment)
                        .progress(new PrintStream(progress, true, StandardCharsets.UTF_8), java.time.Duration.ofMillis(200)));
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("[default v1] done: ").contains(" records in ");
        assertThat(run.records).isGreaterThan(5_000);
        assertThat(run.valid).isEqualTo(run.records);
        assertThat(run.bytes).isEqualTo(java.nio.file.Files.size(events));
        assertThat(run.firstEventTime).isLessThan(run.lastEventTime);

        // what the job's outputs say, per account (every evaluation: the reference's rows)
        Map<String, List<CurrentScore>> scores = new TreeMap<>();
        for (CurrentScore s : reference.scores) {
            scores.computeIfAbsent(s.accountId, k -> new ArrayList<>()).add(s);
        }
        assertThat(run.accounts).extracting(a -> a.accountId).containsExactlyElementsOf(scores.keySet());
        int won = 0;
        int withTiers = 0;
        for (AccountSummary a : run.accounts) {
            long close = outcomes.closedAt(a.accountId);
            assertThat(a.closedAt).isEqualTo(close);
            assertThat(a.outcome).isEqualTo(outcomes.outcome(a.accountId));
            won += a.won() ? 1 : 0;
            double accountMax = -1;
            Map<String, Double> userMax = new HashMap<>();
            long first = Long.MAX_VALUE;
            for (CurrentScore s : scores.get(a.accountId)) {
                first = Math.min(first, s.asOf);
                if (s.asOf >= close) {
                    continue;
                }
                if (s.userId == null) {
                    accountMax = Math.max(accountMax, s.score);
                } else {
                    userMax.merge(s.userId, s.score, Math::max);
                }
            }
            assertThat(a.firstScoredAt).isEqualTo(first);
            assertThat(a.accountMaxScore).as(a.accountId).isEqualTo(accountMax);
            double[] expectedUsers = userMax.values().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            assertThat(a.userMaxScores).as(a.accountId).containsExactly(expectedUsers);

            // first time before close in each tier, from the transitions (up moves only reach new tiers)
            long[] pqa = new long[] {AccountSummary.NEVER};
            long[] pql = new long[] {AccountSummary.NEVER, AccountSummary.NEVER, AccountSummary.NEVER};
            Map<String, long[]> perUser = new HashMap<>();
            for (Transition t : job.transitions) {
                if (!t.accountId.equals(a.accountId) || !"up".equals(t.direction) || t.occurredAt >= close) {
                    continue;
                }
                if (t.userId == null) {
                    pqa[0] = Math.min(pqa[0], t.occurredAt);
                } else {
                    int to = List.of("engaged", "pql", "hot").indexOf(t.tierTo);
                    long[] u = perUser.computeIfAbsent(t.userId, k -> new long[] {AccountSummary.NEVER, AccountSummary.NEVER,
                            AccountSummary.NEVER});
                    for (int k = 0; k <= to; k++) {
                        u[k] = Math.min(u[k], t.occurredAt);
                        pql[k] = Math.min(pql[k], t.occurredAt);
                    }
                }
            }
            assertThat(a.accountTierAt).as(a.accountId).containsExactly(pqa);
            assertThat(a.usersTierAt).as(a.accountId).containsExactly(pql);
            for (int k = 0; k < 3; k++) {
                final int tier = k;
                assertThat(a.usersReachedTier[k]).as(a.accountId + " tier " + k)
                        .isEqualTo((int) perUser.values().stream().filter(u -> u[tier] != AccountSummary.NEVER).count());
            }
            withTiers += a.usersReachedTier[0] > 0 ? 1 : 0;
        }
        assertThat(won).isGreaterThan(0);
        assertThat(withTiers).isGreaterThan(5);

        // and the report over it is complete
        BacktestReport.Report r = BacktestReport.compute(run, outcomes, BacktestReport.Settings.defaults());
        assertThat(r.population().accounts()).isEqualTo(run.accounts.size());
        assertThat(r.curves().get("pql").auc()).isBetween(0.0, 1.0);
        assertThat(r.signals()).hasSize(model.signals().size());
        assertThat(r.signals().stream().mapToInt(s -> s.firedWon() + s.firedRest()).sum()).isGreaterThan(0);
    }

    @Test
    void perSignalPointsOnCurrentScoresChangeNothingTheJobWrites() throws Exception {
        JobOptions options = JobOptions.parse("--input", events.toString(), "--parallelism", "2");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ScoringStreams streams = new ScoringPipeline(options, model, new FileEventSource(options.inputs, null), null)
                .forBacktest().build(env);
        CloseableIterator<Transition> t = streams.transitions.collectAsync();
        CloseableIterator<CurrentScore> s = streams.scores.collectAsync();
        env.executeAsync("backtest engine setting");
        // drain both while the job runs: a collect sink waits for its client once its buffer is full
        List<Transition> transitions = new ArrayList<>();
        List<CurrentScore> withPoints = new ArrayList<>();
        Thread drain = new Thread(() -> t.forEachRemaining(transitions::add), "drain-transitions");
        drain.start();
        s.forEachRemaining(withPoints::add);
        drain.join();

        assertThat(lines(transitions)).isEqualTo(linesOf(job.transitions));
        assertThat(scoreLines(withPoints)).isEqualTo(scoreLines(reference.scores));
        assertThat(job.scores).allSatisfy(c -> assertThat(c.signalPoints).isNull());
        // the points are each signal's: per category, capped, they are the breakdown
        List<Signal> signals = model.signals();
        for (CurrentScore c : withPoints) {
            assertThat(c.signalPoints).hasSize(signals.size());
            double[] byCategory = new double[c.breakdownCategories.length];
            for (int i = 0; i < signals.size(); i++) {
                assertThat(c.signalPoints[i]).isGreaterThanOrEqualTo(0);
                byCategory[Arrays.asList(c.breakdownCategories).indexOf(signals.get(i).category())] += c.signalPoints[i];
            }
            double total = 0;
            for (int k = 0; k < byCategory.length; k++) {
                Double cap = model.cap(c.breakdownCategories[k]);
                double capped = cap == null ? byCategory[k] : Math.min(cap, byCategory[k]);
                assertThat(capped).isCloseTo(c.breakdownPoints[k], within(1e-9));
                total += capped;
            }
            assertThat(total).isCloseTo(c.score, within(1e-9));
        }
    }

    private static List<String> linesOf(List<Transition> ts) {
        return lines(ts);
    }

    private static List<String> lines(List<Transition> ts) {
        List<String> out = new ArrayList<>();
        for (Transition t : ts) {
            ObjectNode n = OutputJson.transition(t);
            n.remove("emitted_at");
            out.add(n.toString());
        }
        out.sort(null);
        return out;
    }

    private static List<String> scoreLines(List<CurrentScore> ss) {
        List<String> out = new ArrayList<>();
        for (CurrentScore c : ss) {
            out.add(OutputJson.currentScore(c).toString());
        }
        out.sort(null);
        return out;
    }
}
