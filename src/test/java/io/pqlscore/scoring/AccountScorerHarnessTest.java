package io.pqlscore.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.Timestamps;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.sinks.OutputJson;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@link AccountScorer} operator on Flink's keyed test harness (heap state, real event-time
 * timers): records wait for the watermark, the single bisected down-tick timer, retention clearing
 * all keyed state, the current-score side output, and snapshot/restore equivalence.
 */
class AccountScorerHarnessTest {
    private static final long MINUTE = 60_000L;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;
    private static final long T = Timestamps.parseMillis("2026-03-02T09:00:00.000Z");

    private static ScoringModel model;
    private static EventParser parser;
    private long line;

    @BeforeAll
    static void loadModel() {
        model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        parser = new EventParser(model);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> newHarness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new AccountScorer(new ScoreEngine(model))), in -> in.accountId(), Types.STRING);
    }

    private UsageEvent parse(String json) {
        ParsedRecord r = parser.parse(json.getBytes(StandardCharsets.UTF_8), new SourcePosition("t", 0, ++line));
        assertThat(r.isValid()).as("test record %s is valid: %s", json, r.deadLetter).isTrue();
        return r.event;
    }

    private UsageEvent track(String account, String user, String event, String messageId, long at) {
        return parse("{\"type\":\"track\",\"event\":\"" + event + "\",\"userId\":\"" + user + "\",\"messageId\":\""
                + messageId + "\",\"timestamp\":\"" + Timestamps.format(at) + "\",\"context\":{\"groupId\":\"" + account
                + "\"}}");
    }

    private UsageEvent group(String account, String messageId, long at, String traitsJson) {
        return parse("{\"type\":\"group\",\"groupId\":\"" + account + "\",\"messageId\":\"" + messageId
                + "\",\"timestamp\":\"" + Timestamps.format(at) + "\",\"traits\":" + traitsJson + "}");
    }

    private UsageEvent identify(String account, String user, String messageId, long at, String traitsJson) {
        return parse("{\"type\":\"identify\",\"userId\":\"" + user + "\",\"messageId\":\"" + messageId
                + "\",\"timestamp\":\"" + Timestamps.format(at) + "\",\"context\":{\"groupId\":\"" + account
                + "\"},\"traits\":" + traitsJson + "}");
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h, UsageEvent e)
            throws Exception {
        h.processElement(ScorerInput.of(e), e.timestamp);
    }

    private static List<Transition> drain(KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h) {
        List<Transition> out = new ArrayList<>(h.extractOutputValues());
        h.getOutput().clear();
        return out;
    }

    private static List<CurrentScore> scores(KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h) {
        List<CurrentScore> out = new ArrayList<>();
        if (h.getSideOutput(AccountScorer.CURRENT_SCORES) != null) {
            for (StreamRecord<CurrentScore> r : h.getSideOutput(AccountScorer.CURRENT_SCORES)) {
                out.add(r.getValue());
            }
            h.getSideOutput(AccountScorer.CURRENT_SCORES).clear();
        }
        return out;
    }

    // ------------------------------------------------------------------ (a), (b), (d)

    @Test
    void aRecordWaitsForTheWatermarkThenTheBisectedDownTickFiresExactlyOnTheHour() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h = newHarness()) {
            h.open();
            send(h, track("a1", "u1", "Ping", "m1", T));

            // (a) buffered, not applied: one timer at its own instant, no output at all
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            assertThat(drain(h)).isEmpty();
            assertThat(scores(h)).isEmpty();
            h.processWatermark(T - 1);
            assertThat(drain(h)).isEmpty();
            assertThat(scores(h)).isEmpty();

            h.processWatermark(T);
            List<Transition> up = drain(h);
            assertThat(up).hasSize(1);
            Transition t = up.get(0);
            assertThat(t.kind).isEqualTo("pql");
            assertThat(t.accountId).isEqualTo("a1");
            assertThat(t.userId).isEqualTo("u1");
            assertThat(t.tierFrom).isEqualTo("none");
            assertThat(t.tierTo).isEqualTo("engaged");
            assertThat(t.direction).isEqualTo("up");
            assertThat(t.score).isEqualTo(25.0);
            assertThat(t.occurredAt).isEqualTo(T);
            assertThat(t.cause).isEqualTo("event");
            assertThat(t.route).isEqualTo("self_serve");

            // (d) current scores: the account (below the PQA gate) and the user, as of the record
            List<CurrentScore> rows = scores(h);
            assertThat(rows).extracting(s -> s.kind + "/" + s.userId + "/" + s.tier + "/" + s.score + "@" + s.asOf)
                    .containsExactlyInAnyOrder("pqa/null/none/25.0@" + T, "pql/u1/engaged/25.0@" + T);

            // (b) the user's down tick: first epoch hour where 25 * 2^(-dt/1d) < 20 - 5, i.e. 2026-03-03T03:00Z
            // (dt = 18 h gives 14.87; 17 h would give 15.43). The account waits only for its retention.
            long tick = Timestamps.parseMillis("2026-03-03T03:00:00.000Z");
            assertThat(25 * Math.pow(2, -(double) (tick - HOUR - T) / DAY)).isGreaterThanOrEqualTo(15);
            assertThat(25 * Math.pow(2, -(double) (tick - T) / DAY)).isLessThan(15);
            assertThat(h.numEventTimeTimers()).as("one down-tick timer and one retention timer, no hourly timers")
                    .isEqualTo(2);

            h.processWatermark(tick - 1);
            assertThat(drain(h)).isEmpty();
            assertThat(scores(h)).as("no evaluation at intermediate hours").isEmpty();
            assertThat(h.numEventTimeTimers()).isEqualTo(2);

            h.processWatermark(tick);
            List<Transition> down = drain(h);
            assertThat(down).hasSize(1);
            Transition d = down.get(0);
            assertThat(d.userId).isEqualTo("u1");
            assertThat(d.tierFrom).isEqualTo("engaged");
            assertThat(d.tierTo).isEqualTo("none");
            assertThat(d.direction).isEqualTo("down");
            assertThat(d.cause).isEqualTo("tick");
            assertThat(d.occurredAt).isEqualTo(tick);
            assertThat(d.score).isCloseTo(14.87, org.assertj.core.data.Offset.offset(0.005));
            assertThat(d.route).isEqualTo("none");
            assertThat(scores(h)).extracting(s -> s.userId + "/" + s.tier + "@" + s.asOf)
                    .containsExactly("u1/none@" + tick);

            // in none again: only the retention instant is left (user and account share it)
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            h.processWatermark(T + 90 * DAY);
            assertThat(drain(h)).as("entities in none are forgotten silently").isEmpty();
            assertThat(scores(h)).extracting(s -> s.kind + "/" + s.forgotten).containsExactlyInAnyOrder("pqa/true", "pql/true");
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    // ------------------------------------------------------------------ (c)

    @Test
    void retentionEmitsOneTransitionToNoneAndClearsAllKeyedState() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h = newHarness()) {
            h.open();
            // Block: 20 points that never decay, so the user stays engaged until retention
            send(h, track("a1", "u1", "Block", "m1", T));
            send(h, track("a1", "u1", "Pong", "m2", T + HOUR));
            h.processWatermark(T + HOUR);
            assertThat(drain(h)).extracting(t -> t.tierFrom + "->" + t.tierTo + "@" + t.occurredAt)
                    .containsExactly("none->engaged@" + T);
            assertThat(h.numKeyedStateEntries()).isPositive();

            long retention = T + HOUR + 90 * DAY;
            h.processWatermark(retention - 1);
            assertThat(drain(h)).isEmpty();
            scores(h);
            h.processWatermark(retention);
            List<Transition> out = drain(h);
            assertThat(out).hasSize(1);
            Transition t = out.get(0);
            assertThat(t.kind).isEqualTo("pql");
            assertThat(t.userId).isEqualTo("u1");
            assertThat(t.tierFrom).isEqualTo("engaged");
            assertThat(t.tierTo).isEqualTo("none");
            assertThat(t.cause).isEqualTo("retention");
            assertThat(t.occurredAt).isEqualTo(retention);
            assertThat(t.score).isEqualTo(30.0);
            assertThat(scores(h)).allSatisfy(s -> assertThat(s.forgotten).isTrue()).hasSize(2);

            assertThat(h.numKeyedStateEntries()).as("keyed state after retention").isZero();
            assertThat(h.numEventTimeTimers()).isZero();

            // the account starts afresh afterwards
            send(h, track("a1", "u1", "Block", "m3", retention + DAY));
            h.processWatermark(retention + DAY);
            assertThat(drain(h)).extracting(x -> x.tierFrom + "->" + x.tierTo + " " + x.score)
                    .containsExactly("none->engaged 20.0");
        }
    }

    // ------------------------------------------------------------------ (e)

    /** One step of a script: a record, or a watermark when {@code event} is null. */
    private static final class Step {
        final UsageEvent event;
        final long watermark;

        Step(UsageEvent event, long watermark) {
            this.event = event;
            this.watermark = watermark;
        }
    }

    /** Records arrive out of order within 5 minutes, with the watermark trailing them. */
    private List<Step> script() {
        List<UsageEvent> records = List.of(
                group("a9", "g1", T - HOUR, "{\"employees\":5000}"),
                track("a9", "u2", "Ping", "m0003", T),
                track("a9", "u1", "Ping", "m0002", T + 17 * MINUTE),
                track("a9", "u2", "Ping", "m0004", T + 30 * MINUTE),
                track("a8", "u1", "Block", "b1", T + 31 * MINUTE),
                track("a8", "u1", "Pong", "b0", T + 31 * MINUTE),
                track("a9", "u3", "Visit", "v1", T + 2 * HOUR),
                track("a9", "u1", "Visit", "v2", T + 2 * HOUR - 3 * MINUTE),
                identify("a9", "u1", "i1", T + 2 * HOUR + MINUTE, "{\"role\":\"admin\"}"),
                track("a9", "u1", "Visit", "v3", T + DAY + 5 * HOUR),
                track("a8", "u2", "Block", "b2", T + DAY + 5 * HOUR + 2 * MINUTE),
                track("a9", "u3", "Visit", "v4", T + 2 * DAY),
                group("a9", "g2", T + 2 * DAY + MINUTE, "{\"employees\":10}"),
                track("a9", "u2", "Ping", "m0005", T + 3 * DAY),
                track("a8", "u1", "Ping", "b3", T + 3 * DAY + 4 * MINUTE),
                track("a9", "u1", "Ping", "m0006", T + 3 * DAY + 2 * MINUTE));
        List<Step> steps = new ArrayList<>();
        long max = Long.MIN_VALUE;
        for (UsageEvent e : records) {
            steps.add(new Step(e, 0));
            max = Math.max(max, e.timestamp);
            steps.add(new Step(null, max - 5 * MINUTE - 1));
        }
        steps.add(new Step(null, Long.MAX_VALUE));
        return steps;
    }

    private static String json(Transition t) {
        ObjectNode n = OutputJson.transition(t);
        n.remove("emitted_at"); // wall clock
        return OutputJson.text(n);
    }

    private static String json(CurrentScore s) {
        return OutputJson.text(OutputJson.currentScore(s));
    }

    private static final class Outputs {
        final List<String> transitions = new ArrayList<>();
        final List<String> scores = new ArrayList<>();

        void collect(KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h) {
            drain(h).forEach(t -> transitions.add(json(t)));
            scores(h).forEach(s -> scores.add(json(s)));
        }
    }

    private static void play(KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h, List<Step> steps,
            Outputs out) throws Exception {
        for (Step s : steps) {
            if (s.event != null) {
                send(h, s.event);
            } else if (s.watermark > h.getCurrentWatermark()) {
                h.processWatermark(s.watermark);
            }
            out.collect(h);
        }
    }

    @Test
    void restoringFromASnapshotMidwayGivesTheSameOutputsAsAnUninterruptedRun() throws Exception {
        List<Step> steps = script();
        Outputs uninterrupted = new Outputs();
        try (KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h = newHarness()) {
            h.open();
            play(h, steps, uninterrupted);
        }
        assertThat(uninterrupted.transitions).hasSizeGreaterThan(8);
        assertThat(uninterrupted.transitions).anyMatch(s -> s.contains("\"cause\":\"tick\""));
        assertThat(uninterrupted.transitions).anyMatch(s -> s.contains("\"cause\":\"retention\""));
        assertThat(uninterrupted.transitions).anyMatch(s -> s.contains("\"kind\":\"pqa\""));

        // several cut points: with records pending (ahead of the watermark) and ticks outstanding
        for (int cut : new int[] {3, 8, 14, 21, steps.size() - 1}) {
            // fresh events: the heap backend keeps references, runs must not share objects
            List<Step> fresh = script();
            Outputs restored = new Outputs();
            OperatorSubtaskState snapshot;
            int pendingTimers;
            try (KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h = newHarness()) {
                h.open();
                play(h, fresh.subList(0, cut), restored);
                pendingTimers = h.numEventTimeTimers();
                snapshot = h.snapshot(0, 0);
            }
            try (KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h = newHarness()) {
                h.setup();
                h.initializeState(snapshot);
                h.open();
                assertThat(h.numEventTimeTimers()).as("timers restored at cut %d", cut).isEqualTo(pendingTimers);
                play(h, fresh.subList(cut, fresh.size()), restored);
            }
            assertThat(restored.transitions).as("transitions, restored at step %d", cut)
                    .containsExactlyElementsOf(uninterrupted.transitions);
            assertThat(restored.scores).as("current scores, restored at step %d", cut)
                    .containsExactlyElementsOf(uninterrupted.scores);
        }
    }

    @Test
    void theScriptIsOrderedWithinTheBound() {
        // guard for the test above: no record of the script is late
        long max = Long.MIN_VALUE;
        for (Step s : script()) {
            if (s.event != null) {
                if (max != Long.MIN_VALUE) {
                    assertThat(s.event.timestamp).isGreaterThan(max - 5 * MINUTE - 1);
                }
                max = Math.max(max, s.event.timestamp);
            }
        }
        assertThat(script().stream().filter(s -> s.event != null).map(s -> s.event.messageId).collect(Collectors.toSet()))
                .hasSize(16);
    }
}
