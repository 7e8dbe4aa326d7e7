package io.pqlscore.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.IdentityInput;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.Timestamps;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The identity stage ({@link IdentityOperator}) on Flink's keyed operator test harness: records held
 * until the watermark and read in SPEC 3 order whatever their arrival order, the identity kept in
 * keyed state and cleared (with its one wake-up) after the retention, rejections with their
 * payload, the late guard, a snapshot and restore in the middle of a membership (waiting records
 * and wake-ups in raw keyed state), and source idleness absorbed.
 */
class IdentityOperatorHarnessTest {
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;
    private static final long RETENTION = 90 * DAY;
    private static final long T = Timestamps.parseMillis("2026-03-02T09:00:00.000Z");

    private static EventParser parser;

    private KeyedOneInputStreamOperatorTestHarness<String, IdentityInput, UsageEvent> harness;
    private long line;

    @BeforeAll
    static void loadModel() {
        ScoringModel model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        parser = new EventParser(model);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, IdentityInput, UsageEvent> newHarness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new IdentityOperator(new IdentityResolver(RETENTION), 1000), IdentityInput::userId, Types.STRING);
    }

    @BeforeEach
    void openHarness() throws Exception {
        harness = newHarness();
        harness.open();
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    /** A record of user {@code user} at {@code at}; {@code fields} is JSON with ' for ". */
    private IdentityInput record(String user, String messageId, long at, String fields) {
        String json = ("{'userId':'" + user + "','messageId':'" + messageId + "','timestamp':'" + Timestamps.format(at) + "',"
                + fields + "}").replace('\'', '"');
        ParsedRecord r = parser.parse(json.getBytes(StandardCharsets.UTF_8), new SourcePosition("t", 0, ++line));
        assertThat(r.isValid()).as("valid: %s (%s)", json, r.deadLetter).isTrue();
        return IdentityInput.of(r);
    }

    private void send(IdentityInput in) throws Exception {
        harness.processElement(in, in.event.timestamp);
    }

    /** Output records so far as "messageId>account", cleared. */
    private List<String> drain() {
        List<String> out = harness.extractOutputValues().stream().map(e -> e.messageId + ">" + e.accountId)
                .collect(Collectors.toList());
        harness.getOutput().clear();
        return out;
    }

    private List<DeadLetter> deadLetters() {
        return harness.getSideOutput(IdentityOperator.DEAD_LETTERS) == null ? List.of()
                : harness.getSideOutput(IdentityOperator.DEAD_LETTERS).stream().map(r -> r.getValue())
                        .collect(Collectors.toList());
    }

    private int wakes() {
        return ((IdentityOperator) harness.getOperator()).pendingWakes();
    }

    private UserIdentity identityOf(String user) throws Exception {
        KeyedStateBackend<Object> backend = harness.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(user);
        ValueState<UserIdentity> state = backend.getPartitionedState(VoidNamespace.INSTANCE,
                VoidNamespaceSerializer.INSTANCE, new ValueStateDescriptor<>("identity", UserIdentitySerializer.INSTANCE));
        return state.value();
    }

    @Test
    void recordsAreReadInEventTimeOrderOnceTheWatermarkPassesThem() throws Exception {
        // arrival order: the track first, the group (earlier in event time) after it
        send(record("u", "t1", T + 1000, "'type':'track','event':'Ping'"));
        send(record("u", "g1", T, "'type':'group','groupId':'a'"));
        // the same instant: messageId order decides, so "g2" (group to b) comes before "t2"
        send(record("u", "t2", T + 2000, "'type':'track','event':'Ping'"));
        send(record("u", "g2", T + 2000, "'type':'group','groupId':'b'"));
        assertThat(drain()).as("nothing before the watermark").isEmpty();
        harness.processWatermark(new Watermark(T + 1000));
        assertThat(drain()).containsExactly("g1>a", "t1>a");
        harness.processWatermark(new Watermark(T + 2000));
        assertThat(drain()).containsExactly("g2>b", "t2>b");
        assertThat(deadLetters()).isEmpty();
        UserIdentity id = identityOf("u");
        assertThat(id.accounts).containsExactly("a", "b");
        assertThat(id.current).isEqualTo("b");
        assertThat(id.lastReadAt).isEqualTo(T + 2000);
    }

    @Test
    void activityOfAUserWithoutAnAccountIsADeadLetterWithItsPayload() throws Exception {
        IdentityInput track = record("loner", "t1", T, "'type':'track','event':'Ping'");
        send(track);
        harness.processWatermark(new Watermark(T));
        assertThat(drain()).isEmpty();
        assertThat(deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason).isEqualTo("missing_account");
            assertThat(d.detail).contains("user \"loner\" has no account").contains("no group call");
            assertThat(d.payload.getBytes(StandardCharsets.UTF_8)).isEqualTo(track.raw);
            assertThat(d.source).isEqualTo("t");
            assertThat(d.offset).isEqualTo(line);
        });
        // it was read: the identity lives on, to be forgotten 90 days later
        assertThat(identityOf("loner")).isNotNull();
    }

    @Test
    void theIdentityAndItsTimersAreGoneAfterTheRetention() throws Exception {
        send(record("u", "i1", T, "'type':'identify','traits':{'role':'vp'}"));
        send(record("u", "g1", T + HOUR, "'type':'group','groupId':'a'"));
        harness.processWatermark(new Watermark(T + HOUR));
        assertThat(drain()).containsExactly("g1>a");
        assertThat(harness.extractOutputValues()).isEmpty();
        // one wake-up per user, at the latest read + retention; nothing buffered
        assertThat(wakes()).isEqualTo(1);
        assertThat(((IdentityOperator) harness.getOperator()).bufferedRecords()).isZero();
        // a record exactly at the retention instant still resolves and keeps the identity
        send(record("u", "t1", T + HOUR + RETENTION, "'type':'track','event':'Ping'"));
        harness.processWatermark(new Watermark(T + HOUR + RETENTION));
        assertThat(drain()).containsExactly("t1>a");
        assertThat(identityOf("u")).isNotNull();
        assertThat(wakes()).isEqualTo(1);
        harness.processWatermark(new Watermark(T + HOUR + 2 * RETENTION - 1));
        assertThat(identityOf("u")).isNotNull();
        harness.processWatermark(new Watermark(T + HOUR + 2 * RETENTION));
        assertThat(identityOf("u")).as("forgotten").isNull();
        assertThat(wakes()).isZero();
        assertThat(harness.numKeyedStateEntries()).isZero();
    }

    @Test
    void aRecordBehindTheWatermarkIsADeadLetterNotDropped() throws Exception {
        harness.processWatermark(new Watermark(T));
        send(record("u", "late", T, "'type':'track','event':'Ping'"));
        harness.processWatermark(new Watermark(T + HOUR));
        assertThat(drain()).isEmpty();
        assertThat(deadLetters()).singleElement().satisfies(d -> assertThat(d.reason).isEqualTo("late"));
    }

    @Test
    void aSnapshotInTheMiddleOfAMembershipRestoresIt() throws Exception {
        send(record("u", "i1", T, "'type':'identify','traits':{'role':'vp'}"));
        send(record("u", "g1", T + 1, "'type':'group','groupId':'a'"));
        send(record("u", "t1", T + 2, "'type':'track','event':'Ping'"));
        harness.processWatermark(new Watermark(T + 1));
        assertThat(drain()).containsExactly("g1>a");
        OperatorSubtaskState snapshot = harness.snapshot(1, T + 10);
        harness.close();

        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        // the pending track and the membership both came back
        send(record("u", "i2", T + 3, "'type':'identify','traits':{'role':'cto'}"));
        harness.processWatermark(new Watermark(T + 3));
        assertThat(drain()).containsExactly("t1>a", "i2>a");
        assertThat(identityOf("u").traitValues).containsExactly("\"cto\"");
    }

    @Test
    void sourceIdlenessStopsHere() throws Exception {
        harness.processWatermarkStatus(WatermarkStatus.IDLE);
        assertThat(harness.getOutput()).isEmpty();
    }
}
