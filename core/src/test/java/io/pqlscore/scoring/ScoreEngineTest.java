package io.pqlscore.scoring;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.testing.EngineDriver;
import io.pqlscore.testing.InMemoryAccountStore;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The plain-Java {@link ScoreEngine} on small models, one rule each (SPEC 2, 3, 5, 6, 7):
 * signal kinds, caps, pattern firings, transition fields and model changes. Ticks, hysteresis,
 * the PQA gate and retention are in {@link ScoreEngineTicksTest}; traits and routing in
 * {@link ScoreEngineTraitsTest}. Every expected number is worked out by hand in a comment.
 */
class ScoreEngineTest {

    // ================================================================ shared fixtures

    static final String ACC = "acc";
    static final long M = 60_000L;
    static final long H = 3_600_000L;
    static final long D = 86_400_000L;
    /** 2024-01-01T00:00:00Z: a multiple of the hour and of the day. */
    static final long T0 = 1_704_067_200_000L;
    static final double EPS = 1e-9;

    static final String HEADER = "id: t\nversion: \"1\"\n";

    /** Users: engaged 20 / pql 40 (4 h) / hot 70 (1 h); accounts: pqa 50 (4 h); h = 5, no gate. */
    static final String SCORES = """
            scores:
              pql:
                hysteresis: 5
                tiers:
                  - {name: engaged, min: 20, route: self_serve}
                  - {name: pql, min: 40, route: sales, sla: 4h}
                  - {name: hot, min: 70, route: sales_priority, sla: 1h}
              pqa:
                hysteresis: 5
                tiers:
                  - {name: pqa, min: 50, route: am, sla: 4h}
            """;

    /** Tiers nobody reaches: for tests that only read scores. */
    static final String HIGH_SCORES = """
            scores:
              pql:
                tiers:
                  - {name: engaged, min: 10000, route: self_serve}
              pqa:
                tiers:
                  - {name: pqa, min: 10000, route: am}
            """;

    /** A model from a signals block (and optional other blocks) with {@link #SCORES}. */
    static String model(String signals) {
        return HEADER + signals + SCORES;
    }

    static String ts(long t) {
        return Instant.ofEpochMilli(t).toString();
    }

    static String rec(String type, String id, String ts, String user, String nameKey, String nameVal, String objKey,
            String objJson) {
        StringBuilder b = new StringBuilder("{\"type\":\"").append(type).append('"');
        if (id != null) {
            b.append(",\"messageId\":\"").append(id).append('"');
        }
        b.append(",\"timestamp\":\"").append(ts).append('"');
        b.append(",\"context\":{\"groupId\":\"").append(ACC).append("\"}");
        if (user != null) {
            b.append(",\"userId\":\"").append(user).append('"');
        }
        if (nameKey != null) {
            b.append(",\"").append(nameKey).append("\":\"").append(nameVal).append('"');
        }
        if (objJson != null) {
            b.append(",\"").append(objKey).append("\":").append(objJson);
        }
        return b.append('}').toString();
    }

    static String track(String id, long t, String user, String event) {
        return track(id, t, user, event, null);
    }

    static String track(String id, long t, String user, String event, String props) {
        return rec("track", id, ts(t), user, "event", event, "properties", props);
    }

    static String trackAt(String id, String ts, String user, String event, String props) {
        return rec("track", id, ts, user, "event", event, "properties", props);
    }

    static String page(String id, long t, String user, String name) {
        return rec("page", id, ts(t), user, "name", name, null, null);
    }

    static String group(String id, long t, String traits) {
        return rec("group", id, ts(t), null, null, null, "traits", traits);
    }

    static String identify(String id, long t, String user, String traits) {
        return rec("identify", id, ts(t), user, null, null, "traits", traits);
    }

    static UsageEvent parse(EventParser parser, String json, long line) {
        ParsedRecord r = parser.parse(json.getBytes(UTF_8), new SourcePosition("t", 0, line));
        assertThat(r.isValid()).as("record %s: %s", json, r.deadLetter == null ? "" : r.deadLetter.toString()).isTrue();
        return r.event;
    }

    /**
     * Drives one account's engine directly (apply / wake) like the Flink operator, keeping the
     * store, the outputs and the registered wake-ups inspectable. Records must be given in SPEC 3
     * order; wake-ups strictly before a record's time run first, those at its time after it.
     */
    static final class Harness implements ScoringOutput {
        final ScoringModel model;
        final EventParser parser;
        final ScoreEngine engine;
        final InMemoryAccountStore store = new InMemoryAccountStore(ACC);
        final List<Transition> transitions = new ArrayList<>();
        final List<CurrentScore> scores = new ArrayList<>();
        private long line;

        Harness(String yaml) {
            this(yaml, ScoreEngine.DEFAULT_TOP_SIGNALS);
        }

        Harness(String yaml, int topSignals) {
            this(ModelLoader.parse(yaml, "test"), topSignals);
        }

        Harness(ScoringModel model, int topSignals) {
            this.model = model;
            this.parser = new EventParser(model);
            this.engine = new ScoreEngine(model, topSignals, () -> 42L);
        }

        @Override
        public void transition(Transition t) {
            transitions.add(t);
        }

        @Override
        public void score(CurrentScore s) {
            scores.add(s);
        }

        UsageEvent parse(String json) {
            return ScoreEngineTest.parse(parser, json, ++line);
        }

        Harness apply(String json, SignalFiring... firings) {
            return apply(parse(json), firings);
        }

        Harness apply(UsageEvent e, SignalFiring... firings) {
            advanceTo(e.timestamp);
            engine.apply(store, e, List.of(firings), this);
            return this;
        }

        /** Runs every wake-up strictly before {@code t}. */
        Harness advanceTo(long t) {
            while (!store.timers.isEmpty() && store.timers.first() < t) {
                long w = store.timers.pollFirst();
                engine.wake(store, w, this);
                store.agenda.remove(w);
            }
            return this;
        }

        Harness finish() {
            return advanceTo(Long.MAX_VALUE);
        }

        int index(String signalId) {
            for (Signal s : model.signals()) {
                if (s.id().equals(signalId)) {
                    return s.index();
                }
            }
            throw new IllegalArgumentException(signalId);
        }

        /** The last current-score row of an entity (user null: the account) at {@code asOf}. */
        CurrentScore row(String user, long asOf) {
            CurrentScore found = null;
            for (CurrentScore s : scores) {
                if (Objects.equals(s.userId, user) && s.asOf == asOf) {
                    found = s;
                }
            }
            assertThat(found).as("a score row for %s at %s", user, ts(asOf)).isNotNull();
            return found;
        }

        double scoreAt(String user, long asOf) {
            return row(user, asOf).score;
        }

        List<CurrentScore> rows(String user) {
            return scores.stream().filter(s -> Objects.equals(s.userId, user)).collect(Collectors.toList());
        }

        List<Transition> transitions(String user) {
            return transitions.stream().filter(t -> Objects.equals(t.userId, user)).collect(Collectors.toList());
        }

        /** The wake-up times registered for a user in the store's agenda. */
        TreeSet<Long> userWakeUps(String user) {
            TreeSet<Long> out = new TreeSet<>();
            store.agenda.forEach((t, ids) -> {
                if (ids.contains(user)) {
                    out.add(t);
                }
            });
            return out;
        }

        /** The live wake-up of a user: the one its state says, which must be registered in the store. */
        long userWakeUp(String user) {
            long at = store.user(user).scheduledAt;
            assertThat(userWakeUps(user)).as("registered wake-ups of %s", user).contains(at);
            return at;
        }

        /** The live wake-up of the account, checked to be registered as a timer. */
        long accountWakeUp() {
            long at = store.account().entity.scheduledAt;
            assertThat(store.timers).as("registered timers").contains(at);
            return at;
        }
    }

    static String tiersOf(List<Transition> ts) {
        return ts.stream().map(t -> t.tierFrom + ">" + t.tierTo + "@" + ts(t.occurredAt) + "/" + t.cause)
                .collect(Collectors.joining(" "));
    }

    // ================================================================ event points

    @Test
    void eventPointsDecayWithHalfLife() {
        Harness h = new Harness(HEADER + """
                signals:
                  - {id: ping, category: main, match: {event: Ping}, points: 40, half-life: 1d}
                """ + HIGH_SCORES);
        h.apply(track("m1", T0, "u1", "Ping"));
        h.apply(track("m2", T0 + 12 * H, "u1", "Noop"));
        h.apply(track("m3", T0 + 3 * D, "u1", "Noop"));
        // at the event: 40
        assertThat(h.scoreAt("u1", T0)).isCloseTo(40, within(EPS));
        // 12 h later: 40 * 2^(-12/24) = 40 / sqrt(2) = 28.2842712...
        assertThat(h.scoreAt("u1", T0 + 12 * H)).isCloseTo(28.284271247461902, within(EPS));
        // 3 half-lives later: 40 / 8 = 5; the account (scope both) sees the same event
        assertThat(h.scoreAt("u1", T0 + 3 * D)).isCloseTo(5, within(EPS));
        assertThat(h.scoreAt(null, T0 + 3 * D)).isCloseTo(5, within(EPS));

        // two events sum their decayed contributions: a second ping at 3 d adds 40 -> 5 + 40 = 45,
        // and one day later (45) / 2 = 22.5
        h.apply(track("m4", T0 + 3 * D, "u1", "Ping"));
        h.apply(track("m5", T0 + 4 * D, "u1", "Noop"));
        assertThat(h.scoreAt("u1", T0 + 3 * D)).isCloseTo(45, within(EPS));
        assertThat(h.scoreAt("u1", T0 + 4 * D)).isCloseTo(22.5, within(EPS));
    }

    @Test
    void eventPointsWithoutHalfLifeNeverDecay() {
        Harness h = new Harness(HEADER + """
                signals:
                  - {id: block, category: main, match: {event: Block}, points: 20}
                """ + HIGH_SCORES);
        h.apply(track("m1", T0, "u1", "Block"));
        h.apply(track("m2", T0 + 30 * D, "u1", "Noop"));
        h.apply(track("m3", T0 + 30 * D + 1, "u1", "Block"));
        // 20 at the event, still 20 after 30 days; a second event adds 20 more: 40
        assertThat(h.scoreAt("u1", T0)).isEqualTo(20);
        assertThat(h.scoreAt("u1", T0 + 30 * D)).isEqualTo(20);
        assertThat(h.scoreAt("u1", T0 + 30 * D + 1)).isEqualTo(40);
        assertThat(h.scoreAt(null, T0 + 30 * D + 1)).isEqualTo(40);
    }

    @Test
    void onceCountsOnlyTheFirstMatchingEventPerEntity() {
        Harness h = new Harness(HEADER + """
                signals:
                  - {id: pong, category: main, match: {event: Pong}, points: 10, once: true}
                  - {id: ping, category: main, match: {event: Pong}, points: 1}
                """ + HIGH_SCORES);
        h.apply(track("m1", T0, "u1", "Pong"));
        h.apply(track("m2", T0 + H, "u1", "Pong"));
        h.apply(track("m3", T0 + 2 * H, "u2", "Pong"));
        h.apply(track("m4", T0 + 3 * H, null, "Pong"));
        // u1: pong once (10) + ping twice (2) = 12
        assertThat(h.scoreAt("u1", T0 + H)).isEqualTo(12);
        // u2: its own first pong counts: 10 + 1 = 11
        assertThat(h.scoreAt("u2", T0 + 2 * H)).isEqualTo(11);
        // the account: its first pong only (10) + four pings (4) = 14
        assertThat(h.scoreAt(null, T0 + H)).isEqualTo(12);
        assertThat(h.scoreAt(null, T0 + 2 * H)).isEqualTo(13);
        assertThat(h.scoreAt(null, T0 + 3 * H)).isEqualTo(14);
    }

    // ================================================================ distinct counts

    /** A distinct signal whose tiers give points = count, for counts 1..4. */
    static String countSignal(String id, String scope, String distinct, String window, String match) {
        return "  - id: " + id + "\n    category: main\n    scope: " + scope + "\n    distinct: " + distinct
                + "\n    window: " + window + "\n    match: " + match
                + "\n    tiers: [{min: 1, points: 1}, {min: 2, points: 2}, {min: 3, points: 3}, {min: 4, points: 4}]\n";
    }

    @Test
    void distinctDayCountsUtcCalendarDates() {
        Harness h = new Harness(HEADER + "signals:\n" + countSignal("days", "both", "day", "7d", "{event: Visit}")
                + HIGH_SCORES);
        // 2024-01-01T10:00Z: UTC date 01-01 -> 1
        h.apply(trackAt("m1", "2024-01-01T10:00:00+00:00", "u1", "Visit", null));
        // 2024-01-01T23:00-05:00 = 2024-01-02T04:00Z: same local date, UTC date 01-02 -> 2
        h.apply(trackAt("m2", "2024-01-01T23:00:00-05:00", "u1", "Visit", null));
        // 2024-01-03T01:00+03:00 = 2024-01-02T22:00Z: another local date, but UTC 01-02 again -> 2
        h.apply(trackAt("m3", "2024-01-03T01:00:00+03:00", "u1", "Visit", null));
        // 2024-01-03T00:30Z -> 01-03 -> 3
        h.apply(trackAt("m4", "2024-01-03T00:30:00Z", "u1", "Visit", null));
        assertThat(h.scoreAt("u1", T0 + 10 * H)).isEqualTo(1);
        assertThat(h.scoreAt("u1", T0 + D + 4 * H)).isEqualTo(2);
        assertThat(h.scoreAt("u1", T0 + D + 22 * H)).isEqualTo(2);
        assertThat(h.scoreAt("u1", T0 + 2 * D + 30 * M)).isEqualTo(3);
        assertThat(h.scoreAt(null, T0 + 2 * D + 30 * M)).isEqualTo(3);
    }

    @Test
    void distinctUserCountsIdentifiedUsersInAccountScope() {
        Harness h = new Harness(HEADER + "signals:\n" + countSignal("users", "account", "user", "7d",
                "{type: [track, page]}") + HIGH_SCORES);
        h.apply(track("m1", T0, "u1", "Any"));
        h.apply(track("m2", T0 + H, null, "Any")); // no userId: adds nothing
        h.apply(page("m3", T0 + 2 * H, "u2", "Home"));
        h.apply(track("m4", T0 + 3 * H, "u1", "Any")); // u1 again: still 2
        h.apply(track("m5", T0 + 4 * H, null, "Any"));
        assertThat(h.scoreAt(null, T0)).isEqualTo(1);
        assertThat(h.scoreAt(null, T0 + H)).isEqualTo(1);
        assertThat(h.scoreAt(null, T0 + 2 * H)).isEqualTo(2);
        assertThat(h.scoreAt(null, T0 + 3 * H)).isEqualTo(2);
        assertThat(h.scoreAt(null, T0 + 4 * H)).isEqualTo(2);
        // scope account: users score nothing from it
        assertThat(h.scoreAt("u1", T0 + 3 * H)).isZero();
    }

    @Test
    void distinctPropertyComparesJsonValues() {
        Harness h = new Harness(HEADER + "signals:\n" + countSignal("vals", "both", "properties.v", "7d",
                "{event: Set}") + HIGH_SCORES);
        String[] props = {"{\"v\":50}", "{\"v\":50.0}", "{\"v\":\"50\"}", null, "{\"v\":null}", "{\"w\":1}",
            "{\"v\":true}", "{\"v\":1}"};
        // 50 -> 1; 50.0 is the same value -> 1; "50" a string -> 2; no properties, null, missing path -> 2;
        // true -> 3; 1 is not true -> 4
        int[] expected = {1, 1, 2, 2, 2, 2, 3, 4};
        for (int i = 0; i < props.length; i++) {
            h.apply(track("m" + i, T0 + i * H, "u1", "Set", props[i]));
            assertThat(h.scoreAt("u1", T0 + i * H)).as("after %s", props[i]).isEqualTo(expected[i]);
        }
    }

    @Test
    void distinctWindowIsOpenAtItsStart() {
        Harness h = new Harness(HEADER + """
                signals:
                  - id: feat
                    category: main
                    distinct: properties.f
                    window: 1d
                    match: {event: Feature}
                    tiers: [{min: 1, points: 5}]
                """ + HIGH_SCORES);
        h.apply(track("m1", T0, "u1", "Feature", "{\"f\":\"a\"}"));
        h.apply(track("m2", T0 + D - 1, "u1", "Noop"));
        h.apply(track("m3", T0 + D, "u1", "Noop"));
        // (t - 1d, t]: at T0 + 1d - 1 ms the event at T0 is inside -> 5; at exactly T0 + 1d it is out -> 0
        assertThat(h.scoreAt("u1", T0 + D - 1)).isEqualTo(5);
        assertThat(h.scoreAt("u1", T0 + D)).isZero();
    }

    @Test
    void distinctTiersPickTheHighestMinAtMostTheCount() {
        Harness h = new Harness(HEADER + """
                signals:
                  - id: feat
                    category: main
                    distinct: properties.f
                    window: 30d
                    match: {event: Feature}
                    tiers: [{min: 1, points: 5}, {min: 3, points: 15}, {min: 5, points: 30}]
                """ + HIGH_SCORES);
        // counts 1..6 -> 5, 5, 15, 15, 30, 30
        double[] expected = {5, 5, 15, 15, 30, 30};
        for (int i = 0; i < 6; i++) {
            h.apply(track("m" + i, T0 + i * H, "u1", "Feature", "{\"f\":\"v" + i + "\"}"));
            assertThat(h.scoreAt("u1", T0 + i * H)).as("count %d", i + 1).isEqualTo(expected[i]);
        }
    }

    @Test
    void distinctStateKeepsAtMostTheHighestTierMinValues() {
        Harness h = new Harness(HEADER + """
                signals:
                  - id: feat
                    category: main
                    distinct: properties.f
                    window: 10d
                    match: {event: Feature}
                    tiers: [{min: 1, points: 5}, {min: 2, points: 10}, {min: 3, points: 15}]
                """ + HIGH_SCORES);
        int feat = h.index("feat");
        // v1..v10 at T0 + 0d .. 9d
        for (int k = 1; k <= 10; k++) {
            h.apply(track("m" + k, T0 + (k - 1) * D, "u1", "Feature", "{\"f\":\"v" + k + "\"}"));
            assertThat(h.store.user("u1").signals[feat].keys.length).isLessThanOrEqualTo(3);
            assertThat(h.store.account().entity.signals[feat].keys.length).isLessThanOrEqualTo(3);
        }
        assertThat(h.store.user("u1").signals[feat].keys).hasSize(3);
        assertThat(h.store.user("u1").signals[feat].times).containsExactlyInAnyOrder(T0 + 7 * D, T0 + 8 * D, T0 + 9 * D);
        assertThat(h.scoreAt("u1", T0 + 9 * D)).isEqualTo(15); // 10 values in the window, capped at tier 3
        // v1 again at 10d: the window (0d, 10d] holds v2..v10 and v1 -> still 15
        h.apply(track("r1", T0 + 10 * D, "u1", "Feature", "{\"f\":\"v1\"}"));
        assertThat(h.scoreAt("u1", T0 + 10 * D)).isEqualTo(15);
        assertThat(h.store.user("u1").signals[feat].keys).hasSize(3);
        // at 17d + 1h the window (7d+1h, 17d+1h] holds v9 (8d), v10 (9d), v1 (10d) -> 3 -> 15
        h.apply(track("n1", T0 + 17 * D + H, "u1", "Noop"));
        assertThat(h.scoreAt("u1", T0 + 17 * D + H)).isEqualTo(15);
        // at 18d + 1h: v10, v1 -> 2 -> 10
        h.apply(track("n2", T0 + 18 * D + H, "u1", "Noop"));
        assertThat(h.scoreAt("u1", T0 + 18 * D + H)).isEqualTo(10);
        // at 19d + 1h: v1 -> 1 -> 5
        h.apply(track("n3", T0 + 19 * D + H, "u1", "Noop"));
        assertThat(h.scoreAt("u1", T0 + 19 * D + H)).isEqualTo(5);
        // at 20d: (10d, 20d] excludes v1 at 10d -> 0
        h.apply(track("n4", T0 + 20 * D, "u1", "Noop"));
        assertThat(h.scoreAt("u1", T0 + 20 * D)).isZero();
        assertThat(h.scoreAt(null, T0 + 18 * D + H)).isEqualTo(10);
    }

    // ================================================================ categories

    @Test
    void categoryCapsCapTheSumPerCategory() {
        Harness h = new Harness(HEADER + """
                categories:
                  capped: {cap: 30}
                  open: {}
                signals:
                  - {id: a, category: capped, match: {event: A}, points: 20}
                  - {id: b, category: capped, match: {event: B}, points: 20}
                  - {id: c, category: open, match: {event: C}, points: 20}
                  - {id: d, category: open, match: {event: D}, points: 20}
                  - {id: e, category: other, match: {event: E}, points: 7}
                """ + HIGH_SCORES);
        h.apply(track("m1", T0, "u1", "A"));
        h.apply(track("m2", T0 + 1, "u1", "B"));
        h.apply(track("m3", T0 + 2, "u1", "C"));
        h.apply(track("m4", T0 + 3, "u1", "D"));
        h.apply(track("m5", T0 + 4, "u1", "E"));
        // capped: min(20 + 20, 30) = 30; open: 20 + 20 = 40 (no cap); other (not listed): 7
        assertThat(h.scoreAt("u1", T0 + 1)).isEqualTo(30);
        assertThat(h.scoreAt("u1", T0 + 4)).isEqualTo(77);
        CurrentScore row = h.row("u1", T0 + 4);
        assertThat(row.breakdownCategories).containsExactly("capped", "open", "other");
        assertThat(row.breakdownPoints).containsExactly(30, 40, 7);
    }

    // ================================================================ usage and pattern firings

    static final String USAGE_MODEL = HEADER + """
            signals:
              - id: quota
                category: main
                usage:
                  match: {event: Usage}
                  metric: properties.metric
                  used: properties.used
                  limit: properties.limit
                at: 0.8
                points: 10
            """ + HIGH_SCORES;

    static String reading(String id, long t, String user, String metric, double used, double limit) {
        String m = metric == null ? "" : "\"metric\":\"" + metric + "\",";
        return track(id, t, user, "Usage", "{" + m + "\"used\":" + used + ",\"limit\":" + limit + "}");
    }

    @Test
    void usageFirstReadingFiresOnTheEngineSide() {
        Harness h = new Harness(USAGE_MODEL);
        h.apply(reading("r1", T0, "u1", "a", 9, 10)); // first reading of a, 0.9 >= 0.8: fires -> 10
        h.apply(reading("r2", T0 + 1, "u1", "a", 9.5, 10)); // second reading of a: not by itself -> 10
        h.apply(reading("r3", T0 + 2, "u1", "b", 5, 10)); // first of b below at -> 10
        h.apply(reading("r4", T0 + 3, "u1", "b", 9, 10)); // second of b: a crossing is CEP's job -> 10
        h.apply(reading("r5", T0 + 4, "u1", "c", 8, 10)); // first of c exactly at 0.8 -> 20
        h.apply(reading("r6", T0 + 5, "u1", null, 9, 10)); // the unnamed metric, first -> 30
        double[] expected = {10, 10, 10, 10, 20, 30};
        for (int i = 0; i < expected.length; i++) {
            assertThat(h.scoreAt("u1", T0 + i)).as("user after r%d", i + 1).isEqualTo(expected[i]);
            assertThat(h.scoreAt(null, T0 + i)).as("account after r%d", i + 1).isEqualTo(expected[i]);
        }
        // u2's first reading of a fires for u2 (10); the account has read a before: stays 30
        h.apply(reading("r7", T0 + 6, "u2", "a", 9, 10));
        assertThat(h.scoreAt("u2", T0 + 6)).isEqualTo(10);
        assertThat(h.scoreAt(null, T0 + 6)).isEqualTo(30);
    }

    @Test
    void firingsAddPointsOncePerSignalAndEntityPerRecordAndSequencesOnceEver() {
        Harness h = new Harness(HEADER + """
                signals:
                  - id: seq
                    category: main
                    sequence:
                      - {event: A}
                      - {event: B}
                    within: 1d
                    points: 30
                  - id: quota
                    category: main
                    usage:
                      match: {event: Usage}
                      used: properties.used
                      limit: properties.limit
                    at: 0.8
                    points: 10
                """ + HIGH_SCORES);
        int seq = h.index("seq");
        int quota = h.index("quota");
        // r1: quota fired twice for u1 and once for the account -> u1 10, account 10
        h.apply(track("r1", T0, "u1", "Noop"), new SignalFiring(quota, ACC, "u1", "r1", T0),
                new SignalFiring(quota, ACC, "u1", "r1", T0), new SignalFiring(quota, ACC, null, "r1", T0));
        assertThat(h.scoreAt("u1", T0)).isEqualTo(10);
        assertThat(h.scoreAt(null, T0)).isEqualTo(10);
        // r2: another record, another firing -> 20 each
        h.apply(track("r2", T0 + 1, "u1", "Noop"), new SignalFiring(quota, ACC, "u1", "r2", T0 + 1),
                new SignalFiring(quota, ACC, null, "r2", T0 + 1));
        assertThat(h.scoreAt("u1", T0 + 1)).isEqualTo(20);
        assertThat(h.scoreAt(null, T0 + 1)).isEqualTo(20);
        // r3: the sequence completes (duplicated firing) -> +30 once: 50
        h.apply(track("r3", T0 + 2, "u1", "B"), new SignalFiring(seq, ACC, "u1", "r3", T0 + 2),
                new SignalFiring(seq, ACC, "u1", "r3", T0 + 2), new SignalFiring(seq, ACC, null, "r3", T0 + 2));
        assertThat(h.scoreAt("u1", T0 + 2)).isEqualTo(50);
        assertThat(h.scoreAt(null, T0 + 2)).isEqualTo(50);
        // r4: a sequence is a milestone: a second firing adds nothing -> 50
        h.apply(track("r4", T0 + 3, "u1", "B"), new SignalFiring(seq, ACC, "u1", "r4", T0 + 3),
                new SignalFiring(seq, ACC, null, "r4", T0 + 3));
        assertThat(h.scoreAt("u1", T0 + 3)).isEqualTo(50);
        assertThat(h.scoreAt(null, T0 + 3)).isEqualTo(50);
        // r5: a first reading at 0.9 plus a CEP firing of the same signal on the same record -> +10 once: 60
        h.apply(track("r5", T0 + 4, "u1", "Usage", "{\"used\":9,\"limit\":10}"),
                new SignalFiring(quota, ACC, "u1", "r5", T0 + 4), new SignalFiring(quota, ACC, null, "r5", T0 + 4));
        assertThat(h.scoreAt("u1", T0 + 4)).isEqualTo(60);
        assertThat(h.scoreAt(null, T0 + 4)).isEqualTo(60);
    }

    // ================================================================ transition fields

    /** Five signals, all without decay; users are `engaged` from 35. */
    static final String FIELDS_MODEL = HEADER + """
            categories:
              intent: {cap: 10}
            signals:
              - {id: alpha, category: depth, match: {event: A}, points: 12}
              - {id: gamma, category: intent, match: {event: G}, points: 8}
              - {id: delta, category: intent, match: {event: D}, points: 8}
              - {id: beta, category: depth, match: {event: B}, points: 12}
              - {id: eps, category: main, match: {event: E}, points: 1}
            scores:
              pql:
                tiers:
                  - {name: engaged, min: 35, route: self_serve}
              pqa:
                tiers:
                  - {name: pqa, min: 35, route: am}
            """;

    static Harness fieldsRun(int top) {
        Harness h = new Harness(FIELDS_MODEL, top);
        h.apply(track("e1", T0, "u1", "A")); // 12
        h.apply(track("e2", T0 + H, "u1", "G")); // 12 + 8 = 20
        h.apply(track("e3", T0 + 2 * H, "u1", "D")); // 12 + min(16, 10) = 22
        h.apply(track("e4", T0 + 3 * H, "u1", "B")); // 24 + 10 = 34
        h.apply(track("e5", T0 + 4 * H, "u1", "E")); // 24 + 10 + 1 = 35 -> engaged
        return h;
    }

    @Test
    void transitionBreakdownIsTheCappedSumPerCategory() {
        Harness h = fieldsRun(3);
        List<Transition> up = h.transitions("u1");
        assertThat(up).hasSize(1);
        Transition t = up.get(0);
        assertThat(t.score).isEqualTo(35);
        // categories in first-mention order: the categories block (intent), then signals (depth, main)
        assertThat(t.breakdownCategories).containsExactly("intent", "depth", "main");
        assertThat(t.breakdownPoints).containsExactly(10, 24, 1);
        assertThat(t.kind).isEqualTo("pql");
        assertThat(t.accountId).isEqualTo(ACC);
        assertThat(t.tierFrom).isEqualTo("none");
        assertThat(t.tierTo).isEqualTo("engaged");
        assertThat(t.direction).isEqualTo("up");
        assertThat(t.occurredAt).isEqualTo(T0 + 4 * H);
        assertThat(t.cause).isEqualTo("event");
        assertThat(t.emittedAt).isEqualTo(42L);
        assertThat(t.modelId).isEqualTo("t");
        assertThat(t.modelVersion).isEqualTo("1");
        assertThat(t.activeUsers7d).isEqualTo(-1); // users carry none
    }

    @Test
    void topSignalsAreOrderedByPointsThenIdAndLimitedToN() {
        // per-signal points: alpha 12 (seen T0), beta 12 (T0+3h), delta 8 (T0+2h), gamma 8 (T0+1h), eps 1
        Transition two = fieldsRun(2).transitions("u1").get(0);
        assertThat(two.topSignals).extracting(s -> s.signal).containsExactly("alpha", "beta");
        assertThat(two.topSignals).extracting(s -> s.points).containsExactly(12.0, 12.0);
        assertThat(two.topSignals).extracting(s -> s.lastSeen).containsExactly(T0, T0 + 3 * H);
        assertThat(two.topSignals).extracting(s -> s.category).containsExactly("depth", "depth");

        Transition four = fieldsRun(4).transitions("u1").get(0);
        assertThat(four.topSignals).extracting(s -> s.signal).containsExactly("alpha", "beta", "delta", "gamma");
        assertThat(four.topSignals).extracting(s -> s.lastSeen).containsExactly(T0, T0 + 3 * H, T0 + 2 * H, T0 + H);

        // with room for all, a signal with 0 points is not listed
        Harness h = new Harness(FIELDS_MODEL, 10);
        h.apply(track("e1", T0, "u1", "A"));
        h.apply(track("e2", T0 + 1, "u1", "B"));
        h.apply(track("e3", T0 + 2, "u1", "G"));
        h.apply(track("e4", T0 + 3, "u1", "D"));
        assertThat(h.transitions("u1")).isEmpty(); // 24 + 10 = 34 < 35: no transition yet
        h.apply(track("e5", T0 + 4, "u1", "E"));
        Transition all = h.transitions("u1").get(0);
        assertThat(all.topSignals).extracting(s -> s.signal).containsExactly("alpha", "beta", "delta", "gamma", "eps");
    }

    static String uuid5(String name) throws Exception {
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(new byte[16]);
        byte[] h = sha1.digest(name.getBytes(UTF_8));
        h[6] = (byte) ((h[6] & 0x0f) | 0x50);
        h[8] = (byte) ((h[8] & 0x3f) | 0x80);
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            hex.append(String.format("%02x", h[i]));
            if (i == 3 || i == 5 || i == 7 || i == 9) {
                hex.append('-');
            }
        }
        return hex.toString();
    }

    @Test
    void eventIdIsADeterministicNameBasedUuid() throws Exception {
        Transition a = fieldsRun(3).transitions("u1").get(0);
        Transition b = fieldsRun(3).transitions("u1").get(0);
        assertThat(a.eventId).isEqualTo(b.eventId);
        // SPEC 7: v5, nil namespace, model_id|model_version|kind|account_id|user_id|occurred_at ms|tier_to|trigger
        String name = "t|1|pql|acc|u1|" + (T0 + 4 * H) + "|engaged|e5";
        assertThat(a.eventId).isEqualTo(uuid5(name));
        assertThat(UUID.fromString(a.eventId).version()).isEqualTo(5);

        // same everything but the trigger's messageId -> another id
        Harness h = new Harness(FIELDS_MODEL, 3);
        h.apply(track("e1", T0, "u1", "A"));
        h.apply(track("e2", T0 + H, "u1", "G"));
        h.apply(track("e3", T0 + 2 * H, "u1", "D"));
        h.apply(track("e4", T0 + 3 * H, "u1", "B"));
        h.apply(track("x5", T0 + 4 * H, "u1", "E"));
        Transition c = h.transitions("u1").get(0);
        assertThat(c.occurredAt).isEqualTo(a.occurredAt);
        assertThat(c.tierTo).isEqualTo(a.tierTo);
        assertThat(c.eventId).isNotEqualTo(a.eventId).isEqualTo(uuid5("t|1|pql|acc|u1|" + (T0 + 4 * H) + "|engaged|x5"));
        // the account's transition at the same instant: kind pqa, empty user id
        Transition acc = h.transitions(null).get(0);
        assertThat(acc.eventId).isEqualTo(uuid5("t|1|pqa|acc||" + (T0 + 4 * H) + "|pqa|x5"));
    }

    @Test
    void eventIdOfTickAndRetentionTransitionsUsesTheCause() throws Exception {
        Harness h = new Harness(HEADER + """
                time: {retention: 10d}
                signals:
                  - {id: ping, category: main, match: {event: Ping}, points: 50, half-life: 1d}
                  - {id: base, category: main, match: {event: Base}, points: 20}
                """ + SCORES);
        h.apply(track("m1", T0, "u1", "Base"));
        h.apply(track("m2", T0, "u1", "Ping")).finish();
        // m1: 20 -> engaged; m2: 70 -> hot; 20 + 50 * 2^(-x/24h) < 65 at x > 24 * log2(50/45) = 3.65 h
        // -> tick at T0 + 4h to pql (64.55); < 35 at x > 41.69 h -> tick at T0 + 42h to engaged (20 stays)
        List<Transition> ts = h.transitions("u1");
        assertThat(tiersOf(ts)).isEqualTo("none>engaged@" + ts(T0) + "/event engaged>hot@" + ts(T0) + "/event "
                + "hot>pql@" + ts(T0 + 4 * H) + "/tick pql>engaged@" + ts(T0 + 42 * H)
                + "/tick engaged>none@" + ts(T0 + 10 * D) + "/retention");
        assertThat(ts.get(2).cause).isEqualTo("tick");
        assertThat(ts.get(2).occurredAt).isEqualTo(T0 + 4 * H);
        assertThat(ts.get(2).eventId).isEqualTo(uuid5("t|1|pql|acc|u1|" + (T0 + 4 * H) + "|pql|tick"));
        Transition last = ts.get(ts.size() - 1);
        // 20 points stay: engaged until the retention instant T0 + 10d
        assertThat(last.cause).isEqualTo("retention");
        assertThat(last.occurredAt).isEqualTo(T0 + 10 * D);
        assertThat(last.eventId).isEqualTo(uuid5("t|1|pql|acc|u1|" + (T0 + 10 * D) + "|none|retention"));
    }

    @Test
    void activeUsers7dCountsIdentifiedUsersActiveInTheLast7Days() {
        String yaml = HEADER + """
                signals:
                  - {id: big, category: main, scope: account, match: {event: Big}, points: 60}
                """ + SCORES;
        // u1 at T0, u2 at T0+2d, u3 (existing, active at T0+7d) triggers the account at T0+8d:
        // (T0+1d, T0+8d] holds u2 and u3, not u1 -> 2
        Harness h = new Harness(yaml);
        h.apply(track("m1", T0, "u1", "Noop"));
        h.apply(track("m2", T0 + 2 * D, "u2", "Noop"));
        h.apply(track("m3", T0 + 7 * D, "u3", "Noop"));
        h.apply(track("m4", T0 + 8 * D, "u3", "Big"));
        Transition t = h.transitions(null).get(0);
        assertThat(t.tierTo).isEqualTo("pqa");
        assertThat(t.activeUsers7d).isEqualTo(2);

        // the same, but the triggering user is new (its first record): still u2 and u3 -> 2
        Harness g = new Harness(yaml);
        g.apply(track("m1", T0, "u1", "Noop"));
        g.apply(track("m2", T0 + 2 * D, "u2", "Noop"));
        g.apply(track("m4", T0 + 8 * D, "u3", "Big"));
        Transition n = g.transitions(null).get(0);
        assertThat(n.tierTo).isEqualTo("pqa");
        assertThat(n.activeUsers7d).as("u2 and the new user u3").isEqualTo(2);
    }

    @Test
    void currentScoreRowsAreEmittedAtEveryEvaluationWithAsOf() {
        Harness h = new Harness(HEADER + """
                signals:
                  - {id: ping, category: main, match: {event: Ping}, points: 50, half-life: 1d}
                """ + SCORES);
        h.apply(track("m1", T0, "u1", "Ping")); // account + u1
        h.apply(track("m2", T0 + H, "u2", "Noop")); // account + u2
        h.apply(track("m3", T0 + 2 * H, null, "Noop")); // account only
        h.apply(identify("m4", T0 + 3 * H, "u1", "{}")); // account + u1
        h.apply(group("m5", T0 + 4 * H, "{}")); // account, then every user: u1, u2
        assertThat(h.scores).extracting(s -> s.userId + "@" + (s.asOf - T0) / H).containsExactly(
                "null@0", "u1@0", "null@1", "u2@1", "null@2", "null@3", "u1@3", "null@4", "u1@4", "u2@4");
        CurrentScore r = h.row("u1", T0);
        assertThat(r.kind).isEqualTo("pql");
        assertThat(r.accountId).isEqualTo(ACC);
        assertThat(r.tier).isEqualTo("pql");
        assertThat(r.score).isEqualTo(50);
        assertThat(r.forgotten).isFalse();
        assertThat(h.row(null, T0).kind).isEqualTo("pqa");
        assertThat(h.row(null, T0).tier).isEqualTo("pqa");
        // the first tick: the account falls below 45 at x > 24 * log2(50/45) = 3.65 h, but the group at
        // T0 + 4h already evaluated it there (50 * 2^(-4/24) = 44.545 < 45 -> none); u1 falls below 35 at x > 12.35 h -> T0 + 13h
        h.advanceTo(T0 + 13 * H + 1);
        CurrentScore tick = h.row("u1", T0 + 13 * H);
        // 50 * 2^(-13/24) = 34.3888...
        assertThat(tick.score).isCloseTo(50 * Math.pow(2, -13.0 / 24), within(EPS));
        assertThat(tick.tier).isEqualTo("engaged");
        assertThat(h.row(null, T0 + 4 * H).tier).isEqualTo("none");
    }

    // ================================================================ model change

    @Test
    void aModelChangeRemapsSignalStateBySignalId() {
        String ab = HEADER + """
                signals:
                  - {id: a, category: main, match: {event: A}, points: 10}
                  - {id: b, category: main, match: {event: B}, points: 20}
                """ + HIGH_SCORES;
        String bc = HEADER + """
                signals:
                  - {id: b, category: main, match: {event: B}, points: 20}
                  - {id: c, category: main, match: {event: C}, points: 5}
                """ + HIGH_SCORES;
        Harness first = new Harness(ab);
        first.apply(track("m1", T0, "u1", "A"));
        first.apply(track("m2", T0 + 1, "u1", "B"));
        assertThat(first.scoreAt("u1", T0 + 1)).isEqualTo(30);
        SignalState oldB = first.store.user("u1").signals[1];

        // the same stored state, a new model [b, c]
        Harness second = new Harness(ModelLoader.parse(bc, "test"), 3);
        InMemoryAccountStore store = first.store;
        UsageEvent e = second.parse(track("m3", T0 + 2, "u1", "Noop"));
        second.engine.apply(store, e, List.of(), second);
        EntityState u = store.user("u1");
        assertThat(u.signalIds).containsExactly("b", "c");
        assertThat(u.signals[0]).isSameAs(oldB);
        assertThat(u.signals[0].value).isEqualTo(20);
        assertThat(u.signals[1].value).isZero();
        assertThat(u.signals[1].fired).isFalse();
        assertThat(u.signals[1].lastSeen).isEqualTo(Long.MIN_VALUE);
        assertThat(store.account().entity.signalIds).containsExactly("b", "c");
        // a (10) is gone, b (20) stays: 20
        assertThat(second.scoreAt("u1", T0 + 2)).isEqualTo(20);
        assertThat(second.scoreAt(null, T0 + 2)).isEqualTo(20);
        // c now scores from empty: 20 + 5 = 25
        second.engine.apply(store, second.parse(track("m4", T0 + 3, "u1", "C")), List.of(), second);
        assertThat(second.scoreAt("u1", T0 + 3)).isEqualTo(25);
    }

    // ================================================================ end to end (EngineDriver)

    @Test
    void engineDriverRunEndsEveryEntityInNone() {
        ScoringModel m = ModelLoader.parse(HEADER + """
                signals:
                  - {id: ping, category: main, match: {event: Ping}, points: 75, half-life: 1d}
                """ + SCORES, "test");
        EventParser p = new EventParser(m);
        List<UsageEvent> events = new ArrayList<>();
        // given out of order; the driver sorts, and drops the duplicate m1
        events.add(parse(p, track("m2", T0 + 2 * D, "u1", "Ping"), 1));
        events.add(parse(p, track("m1", T0, "u1", "Ping"), 2));
        events.add(parse(p, track("m1", T0 + H, "u1", "Ping"), 3));
        EngineDriver d = new EngineDriver(new ScoreEngine(m)).run(events);
        assertThat(d.duplicates).isEqualTo(1);
        List<Transition> u = d.transitions.stream().filter(t -> "u1".equals(t.userId)).collect(Collectors.toList());
        // 75 at T0 -> hot. Falls below 65 at x > 24 log2(75/65) = 4.95 h -> tick 5h (pql);
        // below 35 at x > 24 log2(75/35) = 26.39 h -> tick 27h (engaged); below 15 at x > 55.73 h,
        // but the second ping at 48h comes first: 75 * 2^-2 + 75 = 93.75 -> hot (event).
        // Then 93.75 * 2^(-x/24h): < 65 at x > 12.68 h (2d+13h), < 35 at x > 34.12 h (2d+35h),
        // < 15 at x > 63.45 h (2d+64h): none by a tick.
        assertThat(tiersOf(u)).isEqualTo("none>hot@" + ts(T0) + "/event hot>pql@" + ts(T0 + 5 * H)
                + "/tick pql>engaged@" + ts(T0 + 27 * H) + "/tick engaged>hot@" + ts(T0 + 2 * D)
                + "/event hot>pql@" + ts(T0 + 2 * D + 13 * H) + "/tick pql>engaged@" + ts(T0 + 2 * D + 35 * H)
                + "/tick engaged>none@" + ts(T0 + 2 * D + 64 * H) + "/tick");
        assertThat(d.transitions.get(d.transitions.size() - 1).tierTo).isEqualTo("none");
    }
}
