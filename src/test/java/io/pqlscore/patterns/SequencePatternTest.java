package io.pqlscore.patterns;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import io.pqlscore.scoring.SignalFiring;
import io.pqlscore.testing.Shared;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.cep.operator.CepOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code sequence} signal (SPEC 2 kind 3, SPEC 7 "Signals") on the real Flink CEP operator,
 * built exactly as {@link PatternSignals} builds it through {@code CEP.pattern(...).inEventTime()
 * .process(...)} ({@link PatternSignalsAccess#eventTimeCep}), with PatternSignals' own key, input
 * filter, pattern and emitter.
 *
 * <p>Signals of {@code model-simple.yaml}: {@code onboarding} (user scope, Signup → Connect →
 * Dashboard within 2d) and {@code share_then_invite} (account scope, Share → Invite within 1d).
 * Watermarks are driven like the job's source does: bounded out-of-orderness of the model's 5m,
 * i.e. {@code max seen - 5m - 1ms} after each record, then a final watermark.
 */
class SequencePatternTest {

    static final long MINUTE = 60_000L;
    static final long HOUR = 60 * MINUTE;
    static final long DAY = 24 * HOUR;
    static final long T0 = Instant.parse("2026-03-02T09:00:00Z").toEpochMilli();

    static ScoringModel simple;

    private Cep cep;
    private Cep other;

    @BeforeAll
    static void loadModel() {
        simple = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
    }

    @AfterEach
    void close() throws Exception {
        if (cep != null) {
            cep.close();
        }
        if (other != null) {
            other.close();
        }
    }

    // ------------------------------------------------------------------ firing

    @Test
    void stepsInOrderFireOnceAtTheCompletingRecord() throws Exception {
        cep = Cep.of(simple, "onboarding", true);
        cep.record("s1", T0, "u1", "a1", "Signup");
        cep.record("x1", T0 + MINUTE, "u1", "a1", "Visit"); // other events in between: never reach CEP
        cep.record("c1", T0 + HOUR, "u1", "a1", "Connect");
        cep.record("d1", T0 + 2 * HOUR, "u1", "a1", "Dashboard");
        cep.record("d2", T0 + 3 * HOUR, "u1", "a1", "Dashboard"); // the chain is used up: no second firing
        cep.finish();

        List<StreamRecord<? extends SignalFiring>> out = cep.harness.extractOutputStreamRecords();
        assertThat(out).hasSize(1);
        SignalFiring f = out.get(0).getValue();
        assertThat(f.signal).isEqualTo(cep.signal.index());
        assertThat(f.accountId).isEqualTo("a1");
        assertThat(f.userId).isEqualTo("u1");
        assertThat(f.messageId).isEqualTo("d1");
        assertThat(f.timestamp).isEqualTo(T0 + 2 * HOUR);
        assertThat(out.get(0).getTimestamp()).as("the firing travels at the completing record's time").isEqualTo(T0 + 2 * HOUR);
    }

    @Test
    void stepsArrivingOutOfOrderWithinTheBoundStillFire() throws Exception {
        cep = Cep.of(simple, "onboarding", true);
        // event order Signup (T0+1m) < Connect (T0+2m) < Dashboard (T0+3m); arrival order reversed,
        // all within the 5m bound so the watermark (max - 5m - 1ms) never passes any of them
        cep.record("d1", T0 + 3 * MINUTE, "u1", "a1", "Dashboard");
        cep.record("c1", T0 + 2 * MINUTE, "u1", "a1", "Connect");
        cep.record("s1", T0 + MINUTE, "u1", "a1", "Signup");
        assertThat(cep.firings()).as("nothing before the watermark passes the records").isEmpty();
        cep.watermark(T0 + 3 * MINUTE);

        assertThat(cep.firings()).extracting(f -> f.messageId + "@" + f.timestamp + "/" + f.userId)
                .containsExactly("d1@" + (T0 + 3 * MINUTE) + "/u1");
        assertThat(cep.lateDropped()).as("no record was dropped as late").isZero();
    }

    @Test
    void perUserPatternNeverMixesTheUsersOfAnAccount() throws Exception {
        cep = Cep.of(simple, "onboarding", true);
        cep.record("s1", T0, "u1", "a1", "Signup");
        cep.record("c2", T0 + HOUR, "u2", "a1", "Connect");
        cep.record("d1", T0 + 2 * HOUR, "u1", "a1", "Dashboard");
        cep.finish();
        assertThat(cep.firings()).isEmpty();
    }

    @Test
    void accountPatternCombinesStepsOfDifferentUsers() throws Exception {
        cep = Cep.of(simple, "share_then_invite", false);
        cep.record("sh6", T0, "u6", "a2", "Share");
        cep.record("in7", T0 + HOUR, "u7", "a2", "Invite");
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.accountId + "/" + f.userId + " " + f.messageId + "@" + f.timestamp)
                .containsExactly("a2/null in7@" + (T0 + HOUR));
    }

    @Test
    void accountPatternCountsRecordsWithoutAUserAsSteps() throws Exception {
        cep = Cep.of(simple, "share_then_invite", false);
        cep.record("sh", T0, null, "a2", "Share");
        cep.record("in", T0 + HOUR, null, "a2", "Invite");
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.messageId).containsExactly("in");
    }

    @Test
    void equalTimestampsAreOrderedByMessageIdNotByArrival() throws Exception {
        cep = Cep.of(simple, "onboarding", true);
        long t = T0 + HOUR;
        // u1: Connect "m-b" sorts before Dashboard "m-c": Connect then Dashboard, fires
        cep.record("m-a1", T0, "u1", "a1", "Signup");
        cep.record("m-c", t, "u1", "a1", "Dashboard"); // arrives first, still applied second
        cep.record("m-b", t, "u1", "a1", "Connect");
        // u2: Dashboard "m-b" sorts before Connect "m-c": Dashboard then Connect, no firing
        cep.record("m-a2", T0, "u2", "a1", "Signup");
        cep.record("m-c", t, "u2", "a1", "Connect");
        cep.record("m-b", t, "u2", "a1", "Dashboard");
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.userId + " " + f.messageId + "@" + f.timestamp)
                .containsExactly("u1 m-c@" + t);
    }

    @Test
    void messageIdTiesCompareByCodePointNotUtf16() throws Exception {
        cep = Cep.of(simple, "onboarding", true);
        long t = T0 + HOUR;
        // U+1F600 (surrogates D83D DE00) sorts after U+FF5E by code point, before it in UTF-16 units
        String emoji = "m\uD83D\uDE00";
        String fullwidth = "m\uFF5E";
        cep.record("m-0", T0, "u1", "a1", "Signup");
        cep.record(emoji, t, "u1", "a1", "Dashboard"); // arrives first, sorts last by code point
        cep.record(fullwidth, t, "u1", "a1", "Connect");
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.messageId).containsExactly(emoji);
    }

    @Test
    void aGapOfExactlyWithinCompletesTheSequence() throws Exception {
        cep = Cep.of(simple, "onboarding", true);
        cep.record("s1", T0, "u1", "a1", "Signup");
        cep.record("c1", T0 + DAY, "u1", "a1", "Connect");
        cep.record("d1", T0 + 2 * DAY, "u1", "a1", "Dashboard");
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.messageId + "@" + f.timestamp).containsExactly("d1@" + (T0 + 2 * DAY));
    }

    @Test
    void aGapOfWithinPlusOneMillisecondDoesNotComplete() throws Exception {
        cep = Cep.of(simple, "onboarding", true);
        cep.record("s1", T0, "u1", "a1", "Signup");
        cep.record("c1", T0 + DAY, "u1", "a1", "Connect");
        cep.record("d1", T0 + 2 * DAY + 1, "u1", "a1", "Dashboard");
        cep.finish();
        assertThat(cep.firings()).isEmpty();
    }

    @Test
    void theLatestUsableStartCounts() throws Exception {
        cep = Cep.of(simple, "onboarding", true);
        // Signup d0 is too early for a Dashboard at d4 (4d > 2d); Signup d3 starts the chain
        cep.record("e1", T0, "u1", "a1", "Signup");
        cep.record("e2", T0 + 3 * DAY, "u1", "a1", "Signup");
        cep.record("e3", T0 + 3 * DAY, "u1", "a1", "Connect"); // same instant: e2 < e3, so after the Signup
        cep.record("e4", T0 + 4 * DAY, "u1", "a1", "Dashboard");
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.messageId + "@" + f.timestamp).containsExactly("e4@" + (T0 + 4 * DAY));
    }

    // ------------------------------------------------------------------ one record, one step

    static final String TWO_A = String.join("\n",
            "id: two-a",
            "version: '1'",
            "signals:",
            "  - id: twice",
            "    category: main",
            "    scope: user",
            "    sequence:",
            "      - {event: A}",
            "      - {event: A}",
            "    within: 1d",
            "    points: 10",
            "scores:",
            "  pql: {tiers: [{name: pql, min: 40, route: sales}]}",
            "  pqa: {tiers: [{name: pqa, min: 50, route: enterprise}]}",
            "");

    static final String A_THEN_A_OR_B = String.join("\n",
            "id: a-then-ab",
            "version: '1'",
            "signals:",
            "  - id: a_then_ab",
            "    category: main",
            "    scope: user",
            "    sequence:",
            "      - {event: A}",
            "      - {event: [A, B]}",
            "    within: 1d",
            "    points: 10",
            "scores:",
            "  pql: {tiers: [{name: pql, min: 40, route: sales}]}",
            "  pqa: {tiers: [{name: pqa, min: 50, route: enterprise}]}",
            "");

    @Test
    void oneRecordMatchingBothStepsCompletesOnlyOneOfThem() throws Exception {
        ScoringModel model = ModelLoader.parse(TWO_A, "test");
        cep = Cep.of(model, "twice", true);
        UsageEvent a = cep.parse("a1", T0, "u1", "acc", "A", null);
        assertThat(a.hitSteps[a.hitIndex(cep.signal.index())]).as("the parser marks both steps").isEqualTo(0b11L);
        cep.offer(a);
        cep.watermark(T0 + HOUR);
        assertThat(cep.firings()).as("a single A").isEmpty();

        cep.record("a2", T0 + 2 * HOUR, "u1", "acc", "A");
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.messageId + "@" + f.timestamp).containsExactly("a2@" + (T0 + 2 * HOUR));
    }

    @Test
    void aRecordMatchingTheFirstAndLastStepDoesNotCompleteTheSequenceAlone() throws Exception {
        ScoringModel model = ModelLoader.parse(A_THEN_A_OR_B, "test");
        cep = Cep.of(model, "a_then_ab", true);
        cep.record("a1", T0, "u1", "acc", "A");
        cep.watermark(T0 + HOUR);
        assertThat(cep.firings()).as("one A can be step 1 or step 2, not both").isEmpty();
        cep.record("b1", T0 + 2 * HOUR, "u1", "acc", "B");
        // a B alone (another user) is no start
        cep.record("b2", T0 + 2 * HOUR, "u2", "acc", "B");
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.userId + " " + f.messageId).containsExactly("u1 b1");
    }

    // ------------------------------------------------------------------ state

    @Test
    void partialMatchesOlderThanWithinAreDroppedFromState() throws Exception {
        // `cep`: u1 starts a partial match; `other`: u9 sends a Connect, which starts none.
        // Both see the same watermarks; once the watermark is past start + within (+1ms, CEP's
        // exclusive bound) the partial match must be gone and u1's state no bigger than u9's.
        cep = Cep.of(simple, "onboarding", true);
        other = Cep.of(simple, "onboarding", true);
        cep.record("s1", T0, "u1", "a1", "Signup");
        other.record("c9", T0, "u9", "a1", "Connect");
        cep.watermark(T0 + HOUR);
        other.watermark(T0 + HOUR);
        String u1 = PatternKeys.entity(cep.parse("k", T0, "u1", "a1", "Signup", null), true);
        String u9 = PatternKeys.entity(other.parse("k", T0, "u9", "a1", "Connect", null), true);
        assertThat(cep.hasPartialMatch(u1)).as("u1's Signup is a partial match").isTrue();
        assertThat(other.hasPartialMatch(u9)).as("a Connect alone starts nothing").isFalse();
        int whilePartial = cep.harness.numKeyedStateEntries();
        int neverStarted = other.harness.numKeyedStateEntries();
        assertThat(whilePartial).isGreaterThan(neverStarted);

        cep.watermark(T0 + 2 * DAY + 1);
        other.watermark(T0 + 2 * DAY + 1);
        assertThat(cep.hasPartialMatch(u1)).as("partial match expired at start + within").isFalse();
        assertThat(cep.harness.numKeyedStateEntries())
                .as("keyed state entries of an expired partial match vs a key that never started one")
                .isEqualTo(other.harness.numKeyedStateEntries());

        // the expired Signup can no longer be the start of a chain
        cep.record("c1", T0 + 2 * DAY + HOUR, "u1", "a1", "Connect");
        cep.record("d1", T0 + 2 * DAY + 2 * HOUR, "u1", "a1", "Dashboard");
        cep.finish();
        assertThat(cep.firings()).isEmpty();
    }

    // ------------------------------------------------------------------ the harness

    /**
     * One CEP operator for one signal and scope, exactly as {@link PatternSignals} wires it, in a
     * keyed test harness. Also used by {@link UsageApproachPatternTest}.
     */
    static final class Cep implements AutoCloseable {
        final Signal signal;
        final boolean perUser;
        final EventParser parser;
        final KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, SignalFiring> harness;
        final CepOperator<UsageEvent, String, SignalFiring> operator;
        private final FilterFunction<UsageEvent> filter;
        private final long bound;
        private long maxSeen = Long.MIN_VALUE;
        private long watermark = Long.MIN_VALUE;
        private long line;

        private Cep(ScoringModel model, Signal signal, boolean perUser) throws Exception {
            this.signal = signal;
            this.perUser = perUser;
            this.parser = new EventParser(model);
            this.bound = model.time().maxOutOfOrdernessMs();
            int layout = model.signalLayout();
            this.filter = PatternSignals.inputFilter(signal, perUser, layout);
            this.operator = signal.kind() == SignalKind.USAGE ? PatternSignalsAccess.usageOperator(signal, perUser, model)
                    : PatternSignalsAccess.eventTimeCep(signal, perUser, model);
            this.harness = new KeyedOneInputStreamOperatorTestHarness<>(operator, PatternSignals.key(signal, perUser),
                    Types.STRING);
            harness.open();
        }

        static Cep of(ScoringModel model, String signalId, boolean perUser) throws Exception {
            Signal s = model.signals().stream().filter(x -> x.id().equals(signalId)).findFirst().orElseThrow();
            return new Cep(model, s, perUser);
        }

        UsageEvent parse(String messageId, long t, String userId, String accountId, String event, String propertiesJson) {
            StringBuilder json = new StringBuilder("{\"type\":\"track\",\"messageId\":").append(quote(messageId))
                    .append(",\"timestamp\":").append(quote(Instant.ofEpochMilli(t).toString()))
                    .append(",\"context\":{\"groupId\":").append(quote(accountId)).append('}')
                    .append(",\"event\":").append(quote(event));
            if (userId != null) {
                json.append(",\"userId\":").append(quote(userId));
            }
            if (propertiesJson != null) {
                json.append(",\"properties\":").append(propertiesJson);
            }
            json.append('}');
            ParsedRecord r = parser.parse(json.toString().getBytes(UTF_8), new SourcePosition("t", 0, ++line));
            assertThat(r.isValid()).as("test record %s is valid: %s", json, r.deadLetter).isTrue();
            return r.event;
        }

        /** Parses a track record and offers it, then advances the watermark as the source would. */
        boolean record(String messageId, long t, String userId, String accountId, String event) throws Exception {
            return record(messageId, t, userId, accountId, event, null);
        }

        boolean record(String messageId, long t, String userId, String accountId, String event, String propertiesJson)
                throws Exception {
            boolean taken = offer(parse(messageId, t, userId, accountId, event, propertiesJson));
            maxSeen = Math.max(maxSeen, t);
            watermark(maxSeen - bound - 1);
            return taken;
        }

        /** Through PatternSignals' input filter: records that hit the signal (and have a user, per user). */
        boolean offer(UsageEvent e) throws Exception {
            if (!filter.filter(e)) {
                return false;
            }
            harness.processElement(e, e.timestamp);
            return true;
        }

        /** Advances the watermark (never backwards, as Flink's watermarks). */
        void watermark(long w) throws Exception {
            if (w > watermark) {
                watermark = w;
                harness.processWatermark(w);
            }
        }

        /** The end of a bounded input: Flink's final watermark. */
        void finish() throws Exception {
            watermark(Long.MAX_VALUE);
        }

        List<SignalFiring> firings() {
            return new ArrayList<>(harness.extractOutputValues());
        }

        /** CEP's own test hook: whether the key's shared buffer holds a partial match. */
        boolean hasPartialMatch(String key) throws Exception {
            java.lang.reflect.Method m = CepOperator.class.getDeclaredMethod("hasNonEmptySharedBuffer", Object.class);
            m.setAccessible(true);
            return (Boolean) m.invoke(operator, key);
        }

        /** CEP's counter of records dropped as late (at or behind its watermark). */
        long lateDropped() throws Exception {
            java.lang.reflect.Method m = CepOperator.class.getDeclaredMethod("getLateRecordsNumber");
            m.setAccessible(true);
            return (Long) m.invoke(operator);
        }

        @Override
        public void close() throws Exception {
            harness.close();
        }

        private static String quote(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') {
                    b.append('\\');
                }
                b.append(c);
            }
            return b.append('"').toString();
        }
    }
}
