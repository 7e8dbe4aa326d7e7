package io.pqlscore.patterns;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.Timestamps;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The model's sequence and usage signals as Flink CEP NFAs run by {@link PatternMachines}, on
 * records already in SPEC 3 order (the account stage's order), with model-simple.yaml:
 * {@code onboarding} (user scope: Signup, Connect, Dashboard within 2 d), {@code share_then_invite}
 * (account scope: Share, Invite within 1 d) and {@code quota} (usage crossing 0.8 per metric).
 */
class PatternMachinesTest {
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;
    private static final long T0 = Timestamps.parseMillis("2026-03-02T09:00:00.000Z");

    private static ScoringModel model;
    private static EventParser parser;
    private static int onboarding;
    private static int shareThenInvite;
    private static int quota;

    private PatternMachines machines;
    /** Pattern states per entity ("account" or "account/user"). */
    private final Map<String, Map<String, PatternState>> states = new HashMap<>();
    private final Map<String, boolean[]> done = new HashMap<>();
    private int line;

    @BeforeAll
    static void loadModel() {
        model = ModelLoader.load(io.pqlscore.testing.Shared.conformance().resolve("model-simple.yaml"));
        parser = new EventParser(model);
        for (Signal s : model.signals()) {
            switch (s.id()) {
                case "onboarding": onboarding = s.index(); break;
                case "share_then_invite": shareThenInvite = s.index(); break;
                case "quota": quota = s.index(); break;
                default: break;
            }
        }
    }

    @BeforeEach
    void open() {
        machines = new PatternMachines(model);
    }

    @AfterEach
    void close() throws Exception {
        machines.close();
    }

    private UsageEvent event(String type, String name, String user, long t, String properties) {
        String json = "{\"type\":\"" + type + "\",\"event\":\"" + name + "\",\"messageId\":\"m" + (++line) + "\","
                + (user == null ? "" : "\"userId\":\"" + user + "\",") + "\"timestamp\":\"" + Timestamps.format(t)
                + "\",\"context\":{\"groupId\":\"a1\"}" + (properties == null ? "" : ",\"properties\":" + properties) + "}";
        ParsedRecord r = parser.parse(json.getBytes(StandardCharsets.UTF_8), new SourcePosition("t", 0, line));
        assertThat(r.isValid()).as(json).isTrue();
        return r.event;
    }

    /** Runs a record through an entity's patterns (the user's when {@code user}), returns what fired. */
    private boolean[] run(UsageEvent e, boolean user) throws Exception {
        String entity = user ? e.accountId + "/" + e.userId : e.accountId;
        Map<String, PatternState> map = states.computeIfAbsent(entity, k -> new LinkedHashMap<>());
        boolean[] fired = new boolean[model.signals().size()];
        boolean[] doneHere = done.computeIfAbsent(entity, k -> new boolean[model.signals().size()]);
        machines.process(e, user, new PatternMachines.States() {
            @Override
            public PatternState get(String key) {
                return map.get(key);
            }

            @Override
            public void put(String key, PatternState s) {
                map.put(key, s);
            }

            @Override
            public void remove(String key) {
                map.remove(key);
            }
        }, doneHere, fired);
        return fired;
    }

    private boolean step(String name, String user, long t) throws Exception {
        return run(event("track", name, user, t, null), true)[onboarding];
    }

    private boolean accountStep(String name, String user, long t) throws Exception {
        return run(event("track", name, user, t, null), false)[shareThenInvite];
    }

    private boolean reading(String metric, double used, long t) throws Exception {
        return run(event("track", "Usage", null, t,
                "{\"metric\":\"" + metric + "\",\"used\":" + used + ",\"limit\":100}"), false)[quota];
    }

    // ------------------------------------------------------------------ sequences

    @Test
    void stepsInOrderFireAtTheCompletingRecord() throws Exception {
        assertThat(step("Signup", "u1", T0)).isFalse();
        assertThat(step("Connect", "u1", T0 + HOUR)).isFalse();
        assertThat(step("Dashboard", "u1", T0 + 2 * HOUR)).isTrue();
    }

    @Test
    void aStepBeforeAnEarlierStepDoesNotCount() throws Exception {
        assertThat(step("Connect", "u1", T0)).isFalse();
        assertThat(step("Signup", "u1", T0 + HOUR)).isFalse();
        assertThat(step("Dashboard", "u1", T0 + 2 * HOUR)).isFalse();
        assertThat(step("Connect", "u1", T0 + 3 * HOUR)).isFalse();
        assertThat(step("Dashboard", "u1", T0 + 4 * HOUR)).isTrue();
    }

    /**
     * A pattern state carries its signal's definition fingerprint and is dropped when it differs: it
     * must be the same in every JVM (a failover or a resume on a cluster reads it in another one),
     * so it is pinned here. (It once hashed an enum, whose hash code differs between JVMs.)
     */
    @Test
    void theDefinitionFingerprintIsTheSameInEveryJvm() {
        assertThat(PatternMachines.definition(model.signals().get(onboarding))).isEqualTo(1527949863);
        assertThat(PatternMachines.definition(model.signals().get(shareThenInvite))).isEqualTo(911283628);
        assertThat(PatternMachines.definition(model.signals().get(quota))).isEqualTo(1673898778);
    }

    @Test
    void aMigratedRecordTakesTheOutcomeItsEarlierPatternOperatorHad() throws Exception {
        step("Signup", "u1", T0);
        UsageEvent connect = event("track", "Connect", "u1", T0 + HOUR, null);
        connect.patternsRan = 1L << onboarding; // ran there without a match: not run again here
        assertThat(run(connect, true)[onboarding]).isFalse();
        assertThat(step("Dashboard", "u1", T0 + 2 * HOUR)).as("the carried-over Connect did not advance the NFA here")
                .isFalse();
        UsageEvent matched = event("track", "Dashboard", "u2", T0 + 3 * HOUR, null);
        matched.patternsRan = 1L << onboarding;
        matched.userFired = 1L << onboarding;
        assertThat(run(matched, true)[onboarding]).as("the match it had there").isTrue();
        assertThat(run(matched, false)[onboarding]).as("not the account's (user scope)").isFalse();
    }

    @Test
    void perUserPatternsNeverMixTheUsersOfAnAccount() throws Exception {
        step("Signup", "u1", T0);
        step("Connect", "u2", T0 + HOUR);
        assertThat(step("Dashboard", "u1", T0 + 2 * HOUR)).isFalse();
    }

    @Test
    void accountPatternsCombineStepsOfDifferentUsersAndRecordsWithoutAUser() throws Exception {
        assertThat(accountStep("Share", "u1", T0)).isFalse();
        assertThat(accountStep("Invite", "u2", T0 + HOUR)).isTrue();
        states.clear();
        assertThat(accountStep("Share", null, T0 + 2 * HOUR)).isFalse();
        assertThat(accountStep("Invite", "u3", T0 + 3 * HOUR)).isTrue();
    }

    @Test
    void aGapOfExactlyWithinCompletesTheSequence() throws Exception {
        step("Signup", "u1", T0);
        step("Connect", "u1", T0 + DAY);
        assertThat(step("Dashboard", "u1", T0 + 2 * DAY)).isTrue();
    }

    @Test
    void aGapOfWithinPlusOneMillisecondDoesNotComplete() throws Exception {
        step("Signup", "u1", T0);
        step("Connect", "u1", T0 + DAY);
        assertThat(step("Dashboard", "u1", T0 + 2 * DAY + 1)).isFalse();
    }

    @Test
    void theLatestUsableStartCounts() throws Exception {
        step("Signup", "u1", T0);
        step("Signup", "u1", T0 + DAY + HOUR);
        step("Connect", "u1", T0 + 2 * DAY);
        // 2d + 2h after the first start: only the second one is usable
        assertThat(step("Dashboard", "u1", T0 + 2 * DAY + 2 * HOUR)).isTrue();
    }

    @Test
    void partialMatchesOlderThanWithinArePrunedAndTheStateGoesWhenIdle() throws Exception {
        step("Signup", "u1", T0);
        step("Connect", "u1", T0 + HOUR);
        Map<String, PatternState> user = states.get("a1/u1");
        assertThat(user).containsKey(PatternMachines.key(onboarding, null));
        long expiry = machines.prune(user, T0 + DAY);
        assertThat(expiry).as("when the oldest partial match is too old").isEqualTo(T0 + 2 * DAY + 1);
        assertThat(machines.prune(user, expiry)).isEqualTo(Long.MAX_VALUE);
        assertThat(user).as("nothing left but the start: not kept").isEmpty();
    }

    // ------------------------------------------------------------------ usage approach

    @Test
    void aCrossingFromBelowToAtOrAboveFiresAndStayingAboveDoesNot() throws Exception {
        assertThat(reading("rows", 50, T0)).isFalse();
        assertThat(reading("rows", 80, T0 + HOUR)).as("exactly at the threshold").isTrue();
        assertThat(reading("rows", 95, T0 + 2 * HOUR)).isFalse();
        assertThat(reading("rows", 70, T0 + 3 * HOUR)).isFalse();
        assertThat(reading("rows", 90, T0 + 4 * HOUR)).as("re-armed below, fires again").isTrue();
    }

    @Test
    void theFirstReadingAtOrAboveIsTheEnginesToDecide() throws Exception {
        assertThat(reading("rows", 90, T0)).isFalse();
    }

    @Test
    void readingsOfAnotherMetricDoNotInterfere() throws Exception {
        reading("rows", 50, T0);
        assertThat(reading("seats", 90, T0 + HOUR)).isFalse();
        assertThat(reading("rows", 85, T0 + 2 * HOUR)).isTrue();
        // a first reading at or above starts nothing: the metric keeps no pattern state
        assertThat(states.get("a1")).doesNotContainKey(PatternMachines.key(quota, "s:seats"));
        assertThat(reading("seats", 10, T0 + 3 * HOUR)).isFalse();
        assertThat(states.get("a1")).containsKey(PatternMachines.key(quota, "s:seats"));
    }
}
