package io.pqlscore.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.Transition;
import io.pqlscore.testing.JobRun;
import io.pqlscore.testing.PassDriver;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sequence and usage-approach signals through the whole job (file replay, router, sequencer, the
 * account stage, whose Flink CEP patterns run in {@code PatternMachines}), with the example model
 * {@code contract/model-format.yaml}: the transitions a firing causes land exactly at the
 * completing record, and only because of it.
 *
 * <p>Scores worked out by hand from {@code model-format.yaml} and SPEC 2; only signals without
 * decay are used before the firing, so the numbers are exact:
 * <ul>
 *   <li>{@code active_days} (frequency, cap 30): distinct UTC days with activity in 7d, tiers
 *       1 → 5, 3 → 15, 5 → 30;</li>
 *   <li>{@code onboarding_completed} (activation, cap 25): 5, once;</li>
 *   <li>{@code primary_activation} (activation): sequence Data Source Connected → Dashboard
 *       Created within 14d, 15 points, half-life 60d, scope both;</li>
 *   <li>{@code active_users} (team, accounts): distinct users in 7d, tiers 2 → 10, 5 → 20;</li>
 *   <li>{@code feature_depth} (depth): distinct {@code properties.feature} in 30d, 3 → 8, 6 → 15;</li>
 *   <li>{@code usage_limit_approach} (intent, cap 10): crossing 0.8, 10 points, half-life 14d;</li>
 *   <li>{@code icp_company_size} 5 (employees 50..5000) + {@code icp_industry} 3 (software,
 *       fintech, ecommerce): fit 8 for the account and, through account traits, for its users.</li>
 * </ul>
 * Users: engaged 20, pql 40, hot 70. Accounts: pqa 50 with at least 3 users active in 7d.
 */
class PatternSignalsJobTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    static final int PARALLELISM = 4;

    static ScoringModel model;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadModel() {
        model = ModelLoader.load(Shared.dir().resolve("model-format.yaml"));
    }

    // ------------------------------------------------------------------ (a) a user reaches pql by a sequence

    /**
     * User u1 of account acme (employees 200, software: fit 8).
     * <pre>
     * 03-02 10:00 App Opened            days 1 → 5;  fit 8                          = 13  none
     * 03-02 10:30 Onboarding Completed  + activation 5                              = 18  none
     * 03-03 10:00 App Opened            days 2 → 5                                  = 18  none
     * 03-04 10:00 App Opened            days 3 → 15: 15 + 5 + 8                     = 28  engaged
     * 03-04 11:00 Data Source Connected (same day: days 3)                          = 28  engaged
     * 03-05 10:00 Dashboard Created     days 4 → 15; sequence +15 (gap 23h ≤ 14d):
     *                                   15 + (5 + 15) + 8                           = 43  pql
     * </pre>
     * Without the Data Source Connected record (its day still has activity) the Dashboard record
     * scores 15 + 5 + 8 = 28: engaged, never pql.
     */
    private List<String> sequenceUser(boolean withDataSourceConnected) {
        List<String> r = new ArrayList<>();
        r.add(group("g1", "2026-03-02T09:00:00Z", "acme", "{\"employees\":200,\"industry\":\"software\"}"));
        r.add(track("a01", "2026-03-02T10:00:00Z", "acme", "u1", "App Opened", null));
        r.add(track("a02", "2026-03-02T10:30:00Z", "acme", "u1", "Onboarding Completed", null));
        r.add(track("a03", "2026-03-03T10:00:00Z", "acme", "u1", "App Opened", null));
        r.add(track("a04", "2026-03-04T10:00:00Z", "acme", "u1", "App Opened", null));
        if (withDataSourceConnected) {
            r.add(track("a05", "2026-03-04T11:00:00Z", "acme", "u1", "Data Source Connected", null));
        }
        r.add(track("a06", "2026-03-05T10:00:00Z", "acme", "u1", "Dashboard Created", null));
        return r;
    }

    @Test
    void aUserReachesPqlExactlyAtTheRecordCompletingTheSequence() throws Exception {
        JobRun run = JobRun.run(model, write("a-with.jsonl", sequenceUser(true)), PARALLELISM);

        List<Transition> ups = ups(run, "acme", "u1");
        assertThat(ups).extracting(PatternSignalsJobTest::describe).containsExactly(
                "none->engaged @2026-03-04T10:00:00Z event 28.00",
                "engaged->pql @2026-03-05T10:00:00Z event 43.00");
        Transition pql = ups.get(1);
        assertThat(pql.score).isCloseTo(43.0, within(0.01));
        assertThat(category(pql.breakdownCategories, pql.breakdownPoints, "activation"))
                .as("onboarding 5 + primary_activation 15").isCloseTo(20.0, within(0.01));
        assertThat(Arrays.stream(pql.topSignals).map(s -> s.signal + "=" + Math.round(s.points)).collect(Collectors.toList()))
                .contains("primary_activation=15");
        assertThat(pql.eventId).isEqualTo(expectedEventId(pql, "a06"));
        assertThat(run.deadLetters).isEmpty();
    }

    @Test
    void withoutTheFirstStepTheSameUserNeverReachesPql() throws Exception {
        JobRun run = JobRun.run(model, write("a-without.jsonl", sequenceUser(false)), PARALLELISM);

        assertThat(ups(run, "acme", "u1")).extracting(PatternSignalsJobTest::describe)
                .containsExactly("none->engaged @2026-03-04T10:00:00Z event 28.00");
        assertThat(run.transitions).noneMatch(t -> "pql".equals(t.tierTo) || "hot".equals(t.tierTo));
        CurrentScore atDashboard = score(run, "acme", "u1", "2026-03-05T10:00:00Z");
        assertThat(atDashboard.score).isCloseTo(28.0, within(0.01));
        assertThat(atDashboard.tier).isEqualTo("engaged");
    }

    // ------------------------------------------------------------------ (c) a milestone fires once

    /**
     * As (a), then the same user completes the sequence a second time on the same UTC day (so
     * {@code active_days} stays at 4 days → 15):
     * <pre>
     * 03-05 11:00 Data Source Connected
     * 03-05 13:00 Dashboard Created     activation = 5 + 15·2^(-3h/60d) = 5 + 15·2^(-1/480)
     *                                              = 5 + 14.97836 = 19.97836
     *                                   score = 15 + 19.97836 + 8 = 42.97836
     * </pre>
     * Had it fired twice: activation = min(25, 5 + 14.97836 + 15) = 25, score 48.
     */
    @Test
    void aSequenceFiresOncePerUserEvenWhenCompletedTwice() throws Exception {
        List<String> r = sequenceUser(true);
        r.add(track("a07", "2026-03-05T11:00:00Z", "acme", "u1", "Data Source Connected", null));
        r.add(track("a08", "2026-03-05T13:00:00Z", "acme", "u1", "Dashboard Created", null));
        JobRun run = JobRun.run(model, write("c.jsonl", r), 2);

        double activation = 5 + 15 * Math.pow(2, -1.0 / 480);
        CurrentScore second = score(run, "acme", "u1", "2026-03-05T13:00:00Z");
        assertThat(category(second.breakdownCategories, second.breakdownPoints, "activation")).isCloseTo(activation, within(0.01));
        assertThat(second.score).isCloseTo(15 + activation + 8, within(0.01));
        assertThat(ups(run, "acme", "u1")).extracting(PatternSignalsJobTest::describe).containsExactly(
                "none->engaged @2026-03-04T10:00:00Z event 28.00",
                "engaged->pql @2026-03-05T10:00:00Z event 43.00");
    }

    // ------------------------------------------------------------------ (b) usage approach moves an account up

    /**
     * Account globex (employees 200, fintech: fit 8), users u1, u2, u3.
     * <pre>
     * 03-02 10:00 u1 App Opened
     * 03-02 10:30 u1 Onboarding Completed    activation 5 (account: once)
     * 03-02 11:00 u1 Feature Used f1
     * 03-02 12:00 u1 Feature Used f2
     * 03-03 10:00 u2 Feature Used f3         depth: 3 features → 8
     * 03-04 10:00 u3 App Opened              days 3 → 15; users 3 → team 10; gate: 3 active users
     *                                        15 + 5 + 10 + 8 + 8                          = 46  none
     * 03-04 12:00 u1 Usage Reported 50/100   first reading of api_calls, below 0.8: no firing = 46
     * 03-05 10:00 u1 Usage Reported 85/100   days 4 → 15; crossing (0.5 → 0.85) +10 intent
     *                                        15 + 5 + 10 + 8 + 10 + 8                     = 56  pqa
     * </pre>
     * The gate at 03-05 10:00: u1 (03-05), u2 (03-03), u3 (03-04) are active in (t - 7d, t].
     * With a second reading of 50/100 instead, the score stays 46: never pqa.
     */
    private List<String> usageAccount(double secondUsed) {
        List<String> r = new ArrayList<>();
        r.add(group("g1", "2026-03-02T09:00:00Z", "globex", "{\"employees\":200,\"industry\":\"fintech\"}"));
        r.add(track("b01", "2026-03-02T10:00:00Z", "globex", "u1", "App Opened", null));
        r.add(track("b02", "2026-03-02T10:30:00Z", "globex", "u1", "Onboarding Completed", null));
        r.add(track("b03", "2026-03-02T11:00:00Z", "globex", "u1", "Feature Used", "{\"feature\":\"f1\"}"));
        r.add(track("b04", "2026-03-02T12:00:00Z", "globex", "u1", "Feature Used", "{\"feature\":\"f2\"}"));
        r.add(track("b05", "2026-03-03T10:00:00Z", "globex", "u2", "Feature Used", "{\"feature\":\"f3\"}"));
        r.add(track("b06", "2026-03-04T10:00:00Z", "globex", "u3", "App Opened", null));
        r.add(track("b07", "2026-03-04T12:00:00Z", "globex", "u1", "Usage Reported",
                "{\"metric\":\"api_calls\",\"used\":50,\"limit\":100}"));
        r.add(track("b08", "2026-03-05T10:00:00Z", "globex", "u1", "Usage Reported",
                "{\"metric\":\"api_calls\",\"used\":" + secondUsed + ",\"limit\":100}"));
        return r;
    }

    @Test
    void anUpwardUsageCrossingMovesTheAccountToPqaAtThatRecord() throws Exception {
        JobRun run = JobRun.run(model, write("b-cross.jsonl", usageAccount(85)), PARALLELISM);

        CurrentScore before = score(run, "globex", null, "2026-03-04T12:00:00Z");
        assertThat(before.score).as("just below the pqa threshold").isCloseTo(46.0, within(0.01));
        List<Transition> ups = ups(run, "globex", null);
        assertThat(ups).extracting(PatternSignalsJobTest::describe).containsExactly("none->pqa @2026-03-05T10:00:00Z event 56.00");
        Transition pqa = ups.get(0);
        assertThat(pqa.kind).isEqualTo("pqa");
        assertThat(pqa.activeUsers7d).isEqualTo(3);
        assertThat(category(pqa.breakdownCategories, pqa.breakdownPoints, "intent")).isCloseTo(10.0, within(0.01));
        assertThat(pqa.eventId).isEqualTo(expectedEventId(pqa, "b08"));
    }

    /**
     * The other half of the usage signal, decided by the scorer: without the 03-04 reading of
     * 50/100, the 85/100 reading on 03-05 is the first reading of api_calls, at/above 0.8: it
     * fires too, and the account crosses at the same record with the same 56.
     */
    @Test
    void aFirstReadingAtOrAboveMovesTheAccountToPqaAtThatRecord() throws Exception {
        List<String> r = usageAccount(85);
        r.removeIf(l -> l.contains("\"b07\""));
        JobRun run = JobRun.run(model, write("b-first.jsonl", r), PARALLELISM);
        assertThat(ups(run, "globex", null)).extracting(PatternSignalsJobTest::describe)
                .containsExactly("none->pqa @2026-03-05T10:00:00Z event 56.00");
    }

    @Test
    void aSecondReadingBelowTheThresholdLeavesTheAccountBelowPqa() throws Exception {
        JobRun run = JobRun.run(model, write("b-below.jsonl", usageAccount(50)), PARALLELISM);

        assertThat(run.transitions).noneMatch(t -> "pqa".equals(t.kind));
        CurrentScore after = score(run, "globex", null, "2026-03-05T10:00:00Z");
        assertThat(after.score).isCloseTo(46.0, within(0.01));
        assertThat(after.tier).isEqualTo("none");
    }

    @Test
    void withoutTheUsageRecordsTheAccountStaysBelowPqa() throws Exception {
        List<String> r = usageAccount(85);
        r.removeIf(l -> l.contains("Usage Reported"));
        JobRun run = JobRun.run(model, write("b-none.jsonl", r), PARALLELISM);
        assertThat(run.transitions).noneMatch(t -> "pqa".equals(t.kind));
        assertThat(score(run, "globex", null, "2026-03-04T10:00:00Z").score).isCloseTo(46.0, within(0.01));
    }

    // ------------------------------------------------------------------ helpers

    private static String track(String messageId, String ts, String account, String user, String event, String properties) {
        return "{\"type\":\"track\",\"messageId\":\"" + messageId + "\",\"timestamp\":\"" + ts + "\",\"userId\":\"" + user
                + "\",\"context\":{\"groupId\":\"" + account + "\"},\"event\":\"" + event + "\""
                + (properties == null ? "" : ",\"properties\":" + properties) + "}";
    }

    private static String group(String messageId, String ts, String account, String traits) {
        return "{\"type\":\"group\",\"messageId\":\"" + messageId + "\",\"timestamp\":\"" + ts + "\",\"groupId\":\"" + account
                + "\",\"traits\":" + traits + "}";
    }

    /** The lines of the file last written: the score checks replay them without Flink. */
    private List<String> written;

    private Path write(String name, List<String> lines) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, lines, StandardCharsets.UTF_8);
        written = lines;
        return p;
    }

    private static List<Transition> ups(JobRun run, String account, String user) {
        return run.transitions.stream()
                .filter(t -> t.accountId.equals(account) && java.util.Objects.equals(t.userId, user) && "up".equals(t.direction))
                .sorted(Comparator.comparingLong(t -> t.occurredAt))
                .collect(Collectors.toList());
    }

    private static String describe(Transition t) {
        return t.tierFrom + "->" + t.tierTo + " @" + Instant.ofEpochMilli(t.occurredAt) + " " + t.cause + " "
                + String.format(java.util.Locale.ROOT, "%.2f", t.score);
    }

    /**
     * The score of an entity evaluated at {@code at} (the last evaluation at that instant). The job
     * writes one current-score row per entity and watermark step, so the evaluation of each record
     * is read from the same account-stage code run without Flink ({@link PassDriver}), after
     * checking that it gives exactly the job's transitions.
     */
    private CurrentScore score(JobRun run, String account, String user, String at) throws Exception {
        PassDriver driver = new PassDriver(model).runLines(written);
        assertThat(driver.transitions.stream().map(PatternSignalsJobTest::describe).sorted())
                .as("transitions without Flink").containsExactlyElementsOf(
                        run.transitions.stream().map(PatternSignalsJobTest::describe).sorted().collect(Collectors.toList()));
        long t = Instant.parse(at).toEpochMilli();
        List<CurrentScore> rows = driver.scores.stream()
                .filter(s -> s.accountId.equals(account) && java.util.Objects.equals(s.userId, user) && s.asOf == t)
                .collect(Collectors.toList());
        assertThat(rows).as("score rows of %s/%s at %s", account, user, at).isNotEmpty();
        return rows.get(rows.size() - 1);
    }

    private static double category(String[] names, double[] points, String name) {
        int i = Arrays.asList(names).indexOf(name);
        assertThat(i).as("category " + name).isNotNegative();
        return points[i];
    }

    /** SPEC 7: UUID v5 (nil namespace) of model_id|model_version|kind|account_id|user_id|occurred_at ms|tier_to|trigger. */
    private static String expectedEventId(Transition t, String trigger) throws Exception {
        String name = String.join("|", model.id(), model.version(), t.kind, t.accountId, t.userId == null ? "" : t.userId,
                Long.toString(t.occurredAt), t.tierTo, trigger);
        java.security.MessageDigest sha1 = java.security.MessageDigest.getInstance("SHA-1");
        sha1.update(new byte[16]);
        byte[] h = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        h[6] = (byte) ((h[6] & 0x0f) | 0x50);
        h[8] = (byte) ((h[8] & 0x3f) | 0x80);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(h);
        return new java.util.UUID(b.getLong(), b.getLong()).toString();
    }
}
