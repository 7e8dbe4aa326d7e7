package io.pqlscore.scoring;

import static io.pqlscore.scoring.ScoreEngineTest.D;
import static io.pqlscore.scoring.ScoreEngineTest.EPS;
import static io.pqlscore.scoring.ScoreEngineTest.H;
import static io.pqlscore.scoring.ScoreEngineTest.HEADER;
import static io.pqlscore.scoring.ScoreEngineTest.M;
import static io.pqlscore.scoring.ScoreEngineTest.SCORES;
import static io.pqlscore.scoring.ScoreEngineTest.T0;
import static io.pqlscore.scoring.ScoreEngineTest.group;
import static io.pqlscore.scoring.ScoreEngineTest.tiersOf;
import static io.pqlscore.scoring.ScoreEngineTest.track;
import static io.pqlscore.scoring.ScoreEngineTest.ts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoreScale;
import io.pqlscore.scoring.ScoreEngineTest.Harness;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Tiers with hysteresis, the PQA gate, evaluation ticks and retention (SPEC 2, 3, 7), on the
 * plain-Java engine. Users: engaged 20 / pql 40 / hot 70, accounts: pqa 50, h = 5, interval 1 h.
 */
class ScoreEngineTicksTest {

    // ================================================================ tiers and hysteresis

    @Test
    void decideMovesUpToTheHighestTierAndDownOneTierAtATimeWhileBelowMinMinusH() {
        ScoreScale s = ModelLoader.parse(ScoreEngineTest.model("signals:\n  - {id: a, category: c, match: {event: A},"
                + " points: 1}\n"), "test").pql();
        // up: straight to the highest tier whose min <= s
        assertThat(s.decide(0, 70)).isEqualTo(3);
        assertThat(s.decide(1, 45)).isEqualTo(2);
        assertThat(s.decide(0, 19.999)).isZero();
        // down while s < min - h: hot (70) stays at exactly 65, falls below it
        assertThat(s.decide(3, 65)).isEqualTo(3);
        assertThat(s.decide(3, 64.999)).isEqualTo(2);
        // 30: hot -> pql (30 < 65) -> engaged (30 < 35) -> stays (30 >= 15)
        assertThat(s.decide(3, 30)).isEqualTo(1);
        assertThat(s.decide(3, 10)).isZero();
        // pql at 36 stays (36 >= 35) even though it is below 40
        assertThat(s.decide(2, 36)).isEqualTo(2);
        assertThat(s.decide(2, 15)).isEqualTo(1);
    }

    @Test
    void upJumpsStraightToTheHighestTier() {
        Harness h = new Harness(ScoreEngineTest.model("""
                signals:
                  - {id: big, category: main, match: {event: Big}, points: 75}
                """));
        h.apply(track("m1", T0, "u1", "Big"));
        // 75 >= 70: none -> hot in one transition
        assertThat(h.transitions("u1")).hasSize(1);
        Transition t = h.transitions("u1").get(0);
        assertThat(t.tierFrom).isEqualTo("none");
        assertThat(t.tierTo).isEqualTo("hot");
        assertThat(t.direction).isEqualTo("up");
        assertThat(t.score).isEqualTo(75);
    }

    @Test
    void aMultiTierDropIsOneTransition() {
        // base 25 (no decay) + flash 50 (half-life 1 min), both on the same event at T0 + 30m: 75 -> hot.
        // The first tick, T0 + 1h: 25 + 50 * 2^-30 = 25.00000005: hot -> pql -> engaged (25 >= 15), one transition.
        Harness h = new Harness(ScoreEngineTest.model("""
                signals:
                  - {id: base, category: main, match: {event: Go}, points: 25}
                  - {id: flash, category: main, match: {event: Go}, points: 50, half-life: 1m}
                """));
        h.apply(track("m1", T0 + 30 * M, "u1", "Go"));
        assertThat(h.userWakeUp("u1")).isEqualTo(T0 + H);
        h.advanceTo(T0 + H + 1);
        assertThat(tiersOf(h.transitions("u1"))).isEqualTo("none>hot@" + ts(T0 + 30 * M) + "/event hot>engaged@"
                + ts(T0 + H) + "/tick");
        assertThat(h.transitions("u1").get(1).score).isCloseTo(25 + 50 * Math.pow(2, -30), within(EPS));
        assertThat(h.transitions("u1").get(1).direction).isEqualTo("down");

        // flash alone: hot -> none in one transition
        Harness g = new Harness(ScoreEngineTest.model("""
                signals:
                  - {id: flash, category: main, match: {event: Go}, points: 75, half-life: 1m}
                """));
        g.apply(track("m1", T0 + 30 * M, "u1", "Go")).finish();
        assertThat(tiersOf(g.transitions("u1"))).isEqualTo("none>hot@" + ts(T0 + 30 * M) + "/event hot>none@"
                + ts(T0 + H) + "/tick");
    }

    static final String WINDOWED = """
            signals:
              - {id: base, category: main, match: {event: Go}, points: %s}
              - id: recent
                category: main
                distinct: day
                window: 1h
                match: {event: Go}
                tiers: [{min: 1, points: %s}]
            """;

    @Test
    void aScoreExactlyAtMinMinusHysteresisDoesNotMoveDown() {
        // 65 + 5 = 70 at T0 -> hot; from T0 + 1h the window (t - 1h, t] is empty: exactly 65 = 70 - 5 stays hot
        Harness h = new Harness(ScoreEngineTest.model(String.format(WINDOWED, "65", "5")));
        h.apply(track("m1", T0, "u1", "Go"));
        assertThat(h.scoreAt("u1", T0)).isEqualTo(70);
        // no tick ever moves it: the only wake-up is the retention instant
        assertThat(h.userWakeUp("u1")).isEqualTo(T0 + 90 * D);
        assertThat(h.store.user("u1").tickAt).isEqualTo(Long.MAX_VALUE);
        h.apply(track("m2", T0 + 2 * H, "u1", "Noop"));
        assertThat(h.scoreAt("u1", T0 + 2 * H)).isEqualTo(65);
        assertThat(h.row("u1", T0 + 2 * H).tier).isEqualTo("hot");
        h.finish();
        assertThat(tiersOf(h.transitions("u1"))).isEqualTo("none>hot@" + ts(T0) + "/event hot>none@"
                + ts(T0 + 2 * H + 90 * D) + "/retention");
        assertThat(h.transitions("u1").get(1).score).isEqualTo(65);

        // 64.5 + 5.5: at T0 + 1h 64.5 < 65 -> pql by a tick, then it stays (64.5 >= 35)
        Harness g = new Harness(ScoreEngineTest.model(String.format(WINDOWED, "64.5", "5.5")));
        g.apply(track("m1", T0, "u1", "Go"));
        assertThat(g.userWakeUp("u1")).isEqualTo(T0 + H);
        g.finish();
        assertThat(tiersOf(g.transitions("u1"))).isEqualTo("none>hot@" + ts(T0) + "/event hot>pql@" + ts(T0 + H)
                + "/tick pql>none@" + ts(T0 + 90 * D) + "/retention");
        assertThat(g.transitions("u1").get(1).score).isEqualTo(64.5);
    }

    // ================================================================ the PQA gate

    static final String GATED = HEADER + """
            signals:
              - {id: big, category: main, scope: account, match: {event: Big}, points: 60}
            scores:
              pql:
                tiers:
                  - {name: engaged, min: 20, route: self_serve}
              pqa:
                hysteresis: 5
                min-active-users: 2
                tiers:
                  - {name: pqa, min: 50, route: am, sla: 4h}
            """;

    @Test
    void belowMinActiveUsersTheAccountDecidesAsZeroButTransitionsShowTheRealScore() {
        Harness h = new Harness(GATED);
        h.apply(track("m1", T0 + 30 * M, "u1", "Big"));
        // 60 points but one active user: decided as 0 -> stays none; the row shows 60
        assertThat(h.transitions(null)).isEmpty();
        assertThat(h.row(null, T0 + 30 * M).score).isEqualTo(60);
        assertThat(h.row(null, T0 + 30 * M).tier).isEqualTo("none");
        h.apply(track("m2", T0 + D, "u2", "Noop"));
        // the second active user opens the gate: none -> pqa with the real score 60
        assertThat(tiersOf(h.transitions(null))).isEqualTo("none>pqa@" + ts(T0 + D) + "/event");
        assertThat(h.transitions(null).get(0).score).isEqualTo(60);
        assertThat(h.transitions(null).get(0).activeUsers7d).isEqualTo(2);
        // u1's activity at T0 + 30m leaves (t - 7d, t] once t >= T0 + 7d + 30m: the first hour there is T0 + 7d + 1h
        assertThat(h.accountWakeUp()).isEqualTo(T0 + 7 * D + H);
        h.advanceTo(T0 + 7 * D + H + 1);
        assertThat(tiersOf(h.transitions(null))).endsWith("pqa>none@" + ts(T0 + 7 * D + H) + "/tick");
        Transition down = h.transitions(null).get(1);
        assertThat(down.score).as("the real score, not the gated 0").isEqualTo(60);
        assertThat(down.activeUsers7d).isEqualTo(1);
    }

    @Test
    void activeUsersAreCountedInTheHalfOpenSevenDayWindow() {
        Harness h = new Harness(GATED);
        h.apply(track("m1", T0, "u1", "Big"));
        h.apply(track("m2", T0 + D, "u2", "Noop"));
        // at T0 + 7d - 1 ms u1 (T0) is inside (t - 7d, t]: still pqa
        h.apply(track("m3", T0 + 7 * D - 1, "u2", "Noop"));
        assertThat(h.transitions(null)).hasSize(1);
        // at exactly T0 + 7d it is out: the record's evaluation closes the gate (and replaces the tick there)
        h.apply(track("m4", T0 + 7 * D, "u2", "Noop"));
        h.advanceTo(T0 + 8 * D);
        assertThat(tiersOf(h.transitions(null))).isEqualTo("none>pqa@" + ts(T0 + D) + "/event pqa>none@"
                + ts(T0 + 7 * D) + "/event");
        assertThat(h.transitions(null).get(1).score).isEqualTo(60);
    }

    // ================================================================ ticks

    /** Half-lives spread over orders of magnitude, so that falls come minutes, hours and weeks apart. */
    static long logUniform(Random rnd, long lo, long hi) {
        return (long) Math.exp(Math.log(lo) + rnd.nextDouble() * (Math.log(hi) - Math.log(lo)));
    }

    /** A one-signal model: {@code points} decaying with {@code halfLife} ms. */
    static String decayModel(double points, long halfLife) {
        return ScoreEngineTest.model("signals:\n  - {id: ping, category: main, match: {event: Ping}, points: " + points
                + ", half-life: " + halfLife + "ms}\n");
    }

    /** SPEC 2: the sum of each event's decayed points at {@code t}. */
    static double refScore(double[] pts, long[] times, long halfLife, long t) {
        double s = 0;
        for (int i = 0; i < pts.length; i++) {
            if (times[i] <= t) {
                s += pts[i] * Math.pow(2, -(double) (t - times[i]) / halfLife);
            }
        }
        return s;
    }

    /** Brute force: the first hour strictly after {@code t0} (before retention) where the tier falls. */
    static long bruteFirstFall(ScoreScale scale, int tier, double[] pts, long[] times, long halfLife, long t0,
            long retentionAt) {
        if (tier == 0) {
            return retentionAt;
        }
        for (long k = Math.floorDiv(t0, H) + 1; k * H < retentionAt; k++) {
            if (scale.decide(tier, refScore(pts, times, halfLife, k * H)) < tier) {
                return k * H;
            }
        }
        return retentionAt;
    }

    /**
     * Brute force of SPEC 3 for one entity: records evaluate at their time; while above none the
     * entity is evaluated at every hour after its last evaluation (a record on the hour replaces
     * the tick there); forgotten at last record + retention (no tick there).
     */
    static List<String> bruteTransitions(ScoreScale scale, double[] pts, long[] times, long halfLife, long retention) {
        List<String> out = new ArrayList<>();
        int tier = 0;
        int next = 0;
        long lastRecord = Long.MIN_VALUE;
        long lastEval = Long.MIN_VALUE;
        while (true) {
            long nextEvent = next < times.length ? times[next] : Long.MAX_VALUE;
            long retentionAt = next == 0 ? Long.MAX_VALUE : lastRecord + retention;
            long nextTick = tier > 0 ? (Math.floorDiv(lastEval, H) + 1) * H : Long.MAX_VALUE;
            long t;
            String cause;
            if (nextEvent <= nextTick && nextEvent <= retentionAt && nextEvent != Long.MAX_VALUE) {
                t = nextEvent;
                cause = "event";
                lastRecord = t;
                next++;
            } else if (nextTick < retentionAt) {
                t = nextTick;
                cause = "tick";
            } else {
                if (tier > 0) {
                    out.add(scale.name(tier) + ">none@" + ts(retentionAt) + "/retention");
                }
                return out;
            }
            int to = scale.decide(tier, refScore(pts, times, halfLife, t));
            if (to != tier) {
                out.add(scale.name(tier) + ">" + scale.name(to) + "@" + ts(t) + "/" + cause);
            }
            tier = to;
            lastEval = t;
        }
    }

    @Test
    void theWakeUpIsTheFirstAlignedHourWhereDecideFalls_bruteForce() {
        Random rnd = new Random(20240101L);
        for (int c = 0; c < 60; c++) {
            double p = (2000 + rnd.nextInt(13000)) / 100.0; // 20.00 .. 149.99
            long hl = logUniform(rnd, 10 * M, 40 * D);
            long t0 = T0 + (long) (rnd.nextDouble() * 3 * D);
            String label = "points " + p + " half-life " + hl + " ms at " + ts(t0);
            Harness h = new Harness(decayModel(p, hl));
            h.apply(track("m1", t0, "u1", "Ping"));
            double[] pts = {p};
            long[] times = {t0};
            ScoreScale pql = h.model.pql();
            ScoreScale pqa = h.model.pqa();
            long retentionAt = t0 + 90 * D;
            // the registered wake-up: the first falling hour, or the retention instant when none falls before
            assertThat(h.userWakeUp("u1")).as("user: " + label)
                    .isEqualTo(bruteFirstFall(pql, pql.decide(0, p), pts, times, hl, t0, retentionAt));
            assertThat(h.accountWakeUp()).as("account: " + label)
                    .isEqualTo(bruteFirstFall(pqa, pqa.decide(0, p), pts, times, hl, t0, retentionAt));
            // and the whole chain down to none equals evaluating every hour
            h.finish();
            assertThat(tiersOf(h.transitions("u1"))).as("user: " + label)
                    .isEqualTo(String.join(" ", bruteTransitions(pql, pts, times, hl, 90 * D)));
            assertThat(tiersOf(h.transitions(null))).as("account: " + label)
                    .isEqualTo(String.join(" ", bruteTransitions(pqa, pts, times, hl, 90 * D)));
            for (Transition t : h.transitions) {
                assertThat(t.score).as(label).isCloseTo(refScore(pts, times, hl, t.occurredAt), within(1e-9));
            }
            assertNeverRisesBetweenRecords(h, Set.of(t0));
        }
    }

    @Test
    void twoRecordsThenTicks_bruteForce() {
        Random rnd = new Random(7L);
        for (int c = 0; c < 40; c++) {
            double p1 = (1000 + rnd.nextInt(9000)) / 100.0;
            double p2 = (1000 + rnd.nextInt(9000)) / 100.0;
            long hl = logUniform(rnd, 10 * M, 5 * D);
            long t0 = T0 + (long) (rnd.nextDouble() * D);
            // every third case puts the second record exactly on an hour
            long t1 = c % 3 == 0 ? (Math.floorDiv(t0, H) + 1 + rnd.nextInt(72)) * H : t0 + (long) (rnd.nextDouble() * 3 * D);
            String label = p1 + "@" + ts(t0) + " + " + p2 + "@" + ts(t1) + " half-life " + hl + " ms";
            Harness h = new Harness(ScoreEngineTest.model("signals:\n  - {id: ping, category: main, match: {event: "
                    + "Ping}, points: 1, half-life: " + hl + "ms}\n  - {id: p1, category: main, match: {event: P1},"
                    + " points: " + p1 + ", half-life: " + hl + "ms}\n  - {id: p2, category: main, match: {event: P2},"
                    + " points: " + p2 + ", half-life: " + hl + "ms}\n"));
            h.apply(track("m1", t0, "u1", "P1"));
            h.apply(track("m2", t1, "u1", "P2")).finish();
            double[] pts = {p1, p2};
            long[] times = {t0, t1};
            assertThat(tiersOf(h.transitions("u1"))).as("user: " + label)
                    .isEqualTo(String.join(" ", bruteTransitions(h.model.pql(), pts, times, hl, 90 * D)));
            assertThat(tiersOf(h.transitions(null))).as("account: " + label)
                    .isEqualTo(String.join(" ", bruteTransitions(h.model.pqa(), pts, times, hl, 90 * D)));
            // one transition per entity and instant at most
            assertThat(h.transitions.stream().map(t -> t.userId + "@" + t.occurredAt).distinct().count())
                    .as(label).isEqualTo(h.transitions.size());
            assertNeverRisesBetweenRecords(h, Set.of(t0, t1));
        }
    }

    /** Rows of a user between records (ticks, retention) never show a higher score than the row before. */
    static void assertNeverRisesBetweenRecords(Harness h, Set<Long> recordTimes) {
        for (String user : new String[] {"u1", null}) {
            double prev = Double.POSITIVE_INFINITY;
            for (CurrentScore r : h.rows(user)) {
                if (!recordTimes.contains(r.asOf)) {
                    assertThat(r.score).as("%s at %s", user, ts(r.asOf)).isLessThanOrEqualTo(prev);
                }
                prev = r.score;
            }
        }
    }

    @Test
    void aRecordExactlyOnTheTickReplacesIt() {
        Harness h = new Harness(decayModel(50, D));
        h.apply(track("m1", T0 + 30 * M, "u1", "Ping"));
        // 50 -> pql; below 35 at x > 24 h * log2(50/35) = 12.35 h, i.e. after T0 + 12.85 h -> tick at T0 + 13h
        assertThat(h.userWakeUp("u1")).isEqualTo(T0 + 13 * H);
        // the account (50 -> pqa) falls below 45 at x > 24 h * log2(50/45) = 3.65 h -> T0 + 5h
        assertThat(h.accountWakeUp()).isEqualTo(T0 + 5 * H);
        // a record of u1 exactly at T0 + 13h: 50 * 2^(-12.5/24) = 34.84 -> engaged, by the record
        h.apply(track("m2", T0 + 13 * H, "u1", "Noop"));
        h.advanceTo(T0 + 13 * H + 1); // the stale wake-up at T0 + 13h runs: nothing more
        List<Transition> at13 = h.transitions("u1").stream().filter(t -> t.occurredAt == T0 + 13 * H)
                .collect(Collectors.toList());
        assertThat(at13).hasSize(1);
        assertThat(at13.get(0).cause).isEqualTo("event");
        assertThat(at13.get(0).tierTo).isEqualTo("engaged");
        assertThat(at13.get(0).score).isCloseTo(50 * Math.pow(2, -12.5 / 24), within(EPS));
        // next: below 15 at x > 24 h * log2(50/15) = 41.69 h, after T0 + 42.19 h -> T0 + 43h
        assertThat(h.userWakeUp("u1")).isEqualTo(T0 + 43 * H);
        h.finish();
        assertThat(tiersOf(h.transitions("u1"))).isEqualTo("none>pql@" + ts(T0 + 30 * M) + "/event pql>engaged@"
                + ts(T0 + 13 * H) + "/event engaged>none@" + ts(T0 + 43 * H) + "/tick");
        assertThat(tiersOf(h.transitions(null))).isEqualTo("none>pqa@" + ts(T0 + 30 * M) + "/event pqa>none@"
                + ts(T0 + 5 * H) + "/tick");
    }

    @Test
    void betweenRecordsTheScoreNeverRises() {
        // decay, a distinct-days window and an account trait together, sampled every 10 minutes
        Harness h = new Harness(HEADER + """
                signals:
                  - {id: ping, category: main, match: {event: Ping}, points: 30, half-life: 2d}
                  - id: days
                    category: main
                    distinct: day
                    window: 3d
                    match: {type: track}
                    tiers: [{min: 1, points: 5}, {min: 2, points: 10}, {min: 3, points: 20}]
                  - id: big
                    category: fit
                    trait: {of: account, path: employees, gte: 100}
                    points: 10
                """ + SCORES);
        long[] times = {T0 + H, T0 + D + 2 * H, T0 + 2 * D + 5 * H, T0 + 2 * D + 7 * H, T0 + 6 * D};
        h.apply(group("g", T0, "{\"employees\":500}"));
        long prevT = T0;
        for (int i = 0; i < times.length; i++) {
            assertSampledNonIncreasing(h, prevT, times[i]);
            h.apply(track("m" + i, times[i], "u1", "Ping"));
            prevT = times[i];
        }
        assertSampledNonIncreasing(h, prevT, prevT + 20 * D);
        // and the rows emitted by ticks agree
        h.finish();
        Set<Long> records = new TreeSet<>();
        for (long t : times) {
            records.add(t);
        }
        records.add(T0);
        assertNeverRisesBetweenRecords(h, records);
    }

    private static void assertSampledNonIncreasing(Harness h, long from, long to) {
        if (h.store.user("u1") == null) {
            return;
        }
        double prevUser = Double.POSITIVE_INFINITY;
        double prevAcc = Double.POSITIVE_INFINITY;
        for (long t = from; t < to; t += 10 * M) {
            h.advanceTo(t);
            double u = h.engine.score(h.store.account(), h.store.user("u1"), false, t, null);
            double a = h.engine.score(h.store.account(), h.store.account().entity, true, t, null);
            assertThat(u).as("user at %s", ts(t)).isLessThanOrEqualTo(prevUser);
            assertThat(a).as("account at %s", ts(t)).isLessThanOrEqualTo(prevAcc);
            prevUser = u;
            prevAcc = a;
        }
    }

    // ================================================================ retention

    static final String RETAINED = HEADER + """
            time: {retention: 10d}
            signals:
              - {id: slow, category: main, match: {event: Slow}, points: 50, half-life: 1000d}
              - {id: small, category: main, match: {event: Small}, points: 10}
              - {id: pong, category: main, match: {event: Pong}, points: 50, once: true}
            """ + SCORES;

    @Test
    void anEntityAboveNoneIsForgottenWithARetentionTransition() {
        Harness h = new Harness(RETAINED);
        long t0 = T0 + 30 * M;
        h.apply(track("m1", t0, "u1", "Slow"));
        // 50 -> pql and pqa; no tick falls (the score stays near 50): the wake-up is the retention instant
        assertThat(h.userWakeUp("u1")).isEqualTo(t0 + 10 * D);
        assertThat(h.accountWakeUp()).isEqualTo(t0 + 10 * D);
        h.advanceTo(t0 + 10 * D);
        assertThat(h.transitions).hasSize(2); // nothing before the instant
        h.advanceTo(t0 + 10 * D + 1);
        // at the instant: 50 * 2^(-10/1000) = 49.6546..., users first, then the account
        double s = 50 * Math.pow(2, -10.0 / 1000);
        assertThat(h.transitions).hasSize(4);
        Transition u = h.transitions.get(2);
        Transition a = h.transitions.get(3);
        assertThat(u.userId).isEqualTo("u1");
        assertThat(a.userId).isNull();
        for (Transition t : List.of(u, a)) {
            assertThat(t.tierTo).isEqualTo("none");
            assertThat(t.cause).isEqualTo("retention");
            assertThat(t.occurredAt).isEqualTo(t0 + 10 * D);
            assertThat(t.score).isCloseTo(s, within(EPS));
            assertThat(t.direction).isEqualTo("down");
            assertThat(t.route).isEqualTo("none");
        }
        assertThat(u.tierFrom).isEqualTo("pql");
        assertThat(a.tierFrom).isEqualTo("pqa");
        // state cleared: the store is empty
        assertThat(h.store.account()).isNull();
        assertThat(h.store.users).isEmpty();
        assertThat(h.store.agenda).isEmpty();
        assertThat(h.row("u1", t0 + 10 * D).forgotten).isTrue();
        assertThat(h.row(null, t0 + 10 * D).forgotten).isTrue();
    }

    @Test
    void anEntityInNoneIsForgottenSilently() {
        Harness h = new Harness(RETAINED);
        h.apply(track("m1", T0, "u1", "Small")); // 10: none
        h.advanceTo(T0 + 10 * D + 1);
        assertThat(h.transitions).isEmpty();
        assertThat(h.store.account()).isNull();
        assertThat(h.store.users).isEmpty();
        assertThat(h.row("u1", T0 + 10 * D).forgotten).isTrue();
    }

    @Test
    void aRecordExactlyAtTheRetentionInstantKeepsTheEntity() {
        Harness h = new Harness(RETAINED);
        h.apply(track("m1", T0, "u1", "Slow"));
        h.apply(track("m2", T0 + 10 * D, "u1", "Noop")); // exactly at the retention instant: comes first
        h.advanceTo(T0 + 10 * D + 1);
        assertThat(h.transitions).extracting(t -> t.cause).containsOnly("event");
        assertThat(h.store.user("u1")).isNotNull();
        assertThat(h.store.user("u1").tier).isEqualTo(2); // still pql
        assertThat(h.userWakeUp("u1")).isEqualTo(T0 + 20 * D);
        h.finish();
        assertThat(tiersOf(h.transitions("u1"))).isEqualTo("none>pql@" + ts(T0) + "/event pql>none@"
                + ts(T0 + 20 * D) + "/retention");
    }

    @Test
    void aGroupKeepsTheAccountAliveButNotItsUsers() {
        Harness h = new Harness(RETAINED);
        h.apply(track("m1", T0, "u1", "Slow"));
        h.apply(group("g1", T0 + 5 * D, "{}"));
        h.advanceTo(T0 + 10 * D + 1);
        // u1's last record is T0: forgotten at T0 + 10d; the account's is the group at T0 + 5d
        assertThat(tiersOf(h.transitions("u1"))).isEqualTo("none>pql@" + ts(T0) + "/event pql>none@"
                + ts(T0 + 10 * D) + "/retention");
        assertThat(h.store.users).isEmpty();
        assertThat(h.store.account()).isNotNull();
        assertThat(h.store.account().entity.tier).isEqualTo(1);
        h.finish();
        assertThat(tiersOf(h.transitions(null))).isEqualTo("none>pqa@" + ts(T0) + "/event pqa>none@"
                + ts(T0 + 15 * D) + "/retention");
        assertThat(h.store.account()).isNull();
    }

    @Test
    void forgettingAnAccountForgetsItsUsers() {
        Harness h = new Harness(RETAINED);
        h.apply(track("m1", T0, "u1", "Slow"));
        h.apply(track("m2", T0, "u2", "Small"));
        h.apply(track("m3", T0 + D, null, "Noop")); // keeps only the account alive: until T0 + 11d
        h.advanceTo(T0 + 11 * D + 1);
        // u1 (pql) and u2 (none) at T0 + 10d, the account (pqa, 60) at T0 + 11d
        assertThat(tiersOf(h.transitions)).isEqualTo("none>pqa@" + ts(T0) + "/event none>pql@" + ts(T0)
                + "/event pql>none@" + ts(T0 + 10 * D) + "/retention pqa>none@" + ts(T0 + 11 * D) + "/retention");
        assertThat(h.store.account()).isNull();
        assertThat(h.store.users).isEmpty();
    }

    @Test
    void anAccountAndItsUsersForgottenAtTheSameInstant() {
        Harness h = new Harness(RETAINED);
        h.apply(track("m1", T0, "u1", "Slow"));
        h.apply(track("m2", T0, "u2", "Slow"));
        h.finish();
        // 50 + 50 = 100 for the account; all three forgotten at T0 + 10d, users first
        assertThat(h.transitions.subList(3, 6)).extracting(t -> t.userId + ":" + t.cause + "@" + ts(t.occurredAt))
                .containsExactly("u1:retention@" + ts(T0 + 10 * D), "u2:retention@" + ts(T0 + 10 * D),
                        "null:retention@" + ts(T0 + 10 * D));
        assertThat(h.store.account()).isNull();
        assertThat(h.store.users).isEmpty();
    }

    @Test
    void aForgottenEntityStartsFresh() {
        Harness h = new Harness(RETAINED);
        h.apply(track("m1", T0, "u1", "Pong"));
        h.apply(track("m2", T0 + 20 * D, "u1", "Pong"));
        // the once-signal counts again after the forgetting at T0 + 10d
        assertThat(tiersOf(h.transitions("u1"))).isEqualTo("none>pql@" + ts(T0) + "/event pql>none@"
                + ts(T0 + 10 * D) + "/retention none>pql@" + ts(T0 + 20 * D) + "/event");
        assertThat(tiersOf(h.transitions(null))).isEqualTo("none>pqa@" + ts(T0) + "/event pqa>none@"
                + ts(T0 + 10 * D) + "/retention none>pqa@" + ts(T0 + 20 * D) + "/event");
        assertThat(h.scoreAt("u1", T0 + 20 * D)).isEqualTo(50);
    }

    @Test
    void atTheRetentionInstantThereIsNoTick() {
        // points 50, half-life 465 h, retention 10d = 240 h, event at T0.
        // 50 * 2^(-239/465) = 35.0017 (stays pql), 50 * 2^(-240/465) = 34.9496: the first falling hour is
        // the retention instant itself, so one retention transition pql -> none, not pql -> engaged first.
        Harness h = new Harness(HEADER + """
                time: {retention: 10d}
                signals:
                  - {id: ping, category: main, match: {event: Ping}, points: 50, half-life: 465h}
                """ + SCORES);
        h.apply(track("m1", T0, "u1", "Ping"));
        assertThat(h.userWakeUp("u1")).isEqualTo(T0 + 240 * H);
        h.finish();
        assertThat(tiersOf(h.transitions("u1"))).isEqualTo("none>pql@" + ts(T0) + "/event pql>none@"
                + ts(T0 + 240 * H) + "/retention");
        assertThat(h.transitions("u1").get(1).score).isCloseTo(50 * Math.pow(2, -240.0 / 465), within(EPS));
        // the account: below 45 at x > 465 h * log2(50/45) = 70.68 h -> tick at T0 + 71h
        assertThat(tiersOf(h.transitions(null))).isEqualTo("none>pqa@" + ts(T0) + "/event pqa>none@"
                + ts(T0 + 71 * H) + "/tick");
    }
}
