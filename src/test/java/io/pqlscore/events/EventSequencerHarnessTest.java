package io.pqlscore.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link EventSequencer} alone, on Flink's keyed operator test harness: SPEC 3 order (event
 * time, ties by messageId in code point order), release only once the watermark passes, SPEC 4
 * deduplication measured from the kept record, the purge of kept ids, and the late side output;
 * and (as the {@link SequencerOperator} it runs in) that source idleness stops here.
 */
class EventSequencerHarnessTest {
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;
    private static final long T = Timestamps.parseMillis("2026-03-02T09:00:00.000Z");

    private static ScoringModel model;
    private static EventParser parser;

    private KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, UsageEvent> harness;
    private long line;

    @BeforeAll
    static void loadModel() {
        model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        parser = new EventParser(model);
    }

    @BeforeEach
    void openHarness() throws Exception {
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new SequencerOperator(new EventSequencer(DAY, 60_000)), e -> e.accountId, Types.STRING);
        harness.open();
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    private UsageEvent ping(String account, String messageId, long at) {
        String json = "{\"type\":\"track\",\"event\":\"Ping\",\"userId\":\"u1\",\"messageId\":\"" + messageId
                + "\",\"timestamp\":\"" + Timestamps.format(at) + "\",\"context\":{\"groupId\":\"" + account + "\"}}";
        ParsedRecord r = parser.parse(json.getBytes(StandardCharsets.UTF_8), new SourcePosition("t", 0, ++line));
        assertThat(r.isValid()).as("test record %s is valid: %s", json, r.deadLetter).isTrue();
        assertThat(r.event.messageId).isEqualTo(messageId);
        return r.event;
    }

    private void send(UsageEvent e) throws Exception {
        harness.processElement(e, e.timestamp);
    }

    /** Output records so far, as "messageId@time", and clears the output. */
    private List<String> drain() {
        List<String> out = harness.extractOutputValues().stream()
                .map(e -> e.messageId + "@" + Timestamps.format(e.timestamp)).collect(Collectors.toList());
        harness.getOutput().clear();
        return out;
    }

    private static String at(String messageId, long t) {
        return messageId + "@" + Timestamps.format(t);
    }

    /** The number of kept messageIds of an account, read straight from the operator's keyed state. */
    private int keptIds(String account) throws Exception {
        KeyedStateBackend<Object> backend = harness.getOperator().getKeyedStateBackend();
        backend.setCurrentKey(account);
        MapState<String, Long> kept = backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>("kept-message-ids", StringSerializer.INSTANCE, LongSerializer.INSTANCE));
        int n = 0;
        for (Map.Entry<String, Long> ignored : kept.entries()) {
            n++;
        }
        return n;
    }

    @Test
    void recordsOfAnInstantComeOutInCodePointOrderOnceTheWatermarkPassesThem() throws Exception {
        // U+1F600 is a surrogate pair (D83D DE00): it sorts before U+FFFD by UTF-16 unit, after it by code point
        String supplementary = "m\uD83D\uDE00";
        String highBmp = "m\uFFFD";
        assertThat(supplementary.compareTo(highBmp)).as("UTF-16 order").isNegative();
        assertThat(EventSequencer.CODE_POINT_ORDER.compare(supplementary, highBmp)).as("code point order").isPositive();

        send(ping("a1", supplementary, T));
        send(ping("a1", "mb", T));
        send(ping("a1", highBmp, T));
        send(ping("a1", "ma", T));
        send(ping("a1", "zz-earlier", T - 1));   // an earlier instant, arriving last
        send(ping("a2", "other-account", T));
        assertThat(drain()).as("nothing before any watermark").isEmpty();
        // one timer per (account, instant)
        assertThat(harness.numEventTimeTimers()).isEqualTo(3);

        harness.processWatermark(T - 2);
        assertThat(drain()).as("watermark behind every record").isEmpty();

        harness.processWatermark(T - 1);
        assertThat(drain()).containsExactly(at("zz-earlier", T - 1));

        harness.processWatermark(T);
        List<String> out = drain();
        List<String> a1 = out.stream().filter(s -> !s.startsWith("other-account")).collect(Collectors.toList());
        assertThat(a1).containsExactly(at("ma", T), at("mb", T), at(highBmp, T), at(supplementary, T));
        assertThat(out).contains(at("other-account", T)).hasSize(5);
        assertThat(harness.getSideOutput(EventSequencer.LATE)).isNullOrEmpty();
    }

    @Test
    void duplicatesAreDroppedWithinTheWindowOfTheKeptRecordAndKeptIdsArePurgedAfterIt() throws Exception {
        // kept at T; same instant copy dropped
        send(ping("a1", "dup", T));
        send(ping("a1", "dup", T));
        send(ping("a1", "solo", T + HOUR));
        harness.processWatermark(T + HOUR);
        assertThat(drain()).containsExactly(at("dup", T), at("solo", T + HOUR));
        assertThat(keptIds("a1")).isEqualTo(2);
        int entriesWithIds = harness.numKeyedStateEntries();
        assertThat(entriesWithIds).isPositive();

        // exactly 24 h after the kept record: still a duplicate (t - t_kept <= window)
        send(ping("a1", "dup", T + DAY));
        harness.processWatermark(T + DAY);
        assertThat(drain()).as("copy exactly 24h after the kept one").isEmpty();
        // the purge of the first "dup" ran right after that check: only "solo" is kept now
        assertThat(keptIds("a1")).isEqualTo(1);

        // 1 ms later than the window of the kept record: kept, although only 1 ms after the dropped copy
        send(ping("a1", "dup", T + DAY + 1));
        harness.processWatermark(T + DAY + 1);
        assertThat(drain()).containsExactly(at("dup", T + DAY + 1));
        assertThat(keptIds("a1")).isEqualTo(2);

        // its own window now runs from T + 24h + 1ms: a copy 24 h later is dropped, 24 h + 1 ms later is kept
        send(ping("a1", "dup", T + 2 * DAY + 1));
        harness.processWatermark(T + 2 * DAY + 1);
        assertThat(drain()).isEmpty();
        // "solo" (kept at T + 1h) was purged at T + 25h
        assertThat(keptIds("a1")).isEqualTo(1);
        send(ping("a1", "dup", T + 2 * DAY + 2));
        harness.processWatermark(T + 2 * DAY + 2);
        assertThat(drain()).containsExactly(at("dup", T + 2 * DAY + 2));

        // purge of the last kept id: on the first minute boundary at or after its window's end
        long lastPurge = T + 3 * DAY + 60_000;
        harness.processWatermark(lastPurge - 1);
        assertThat(keptIds("a1")).isEqualTo(1);
        harness.processWatermark(lastPurge);
        assertThat(keptIds("a1")).isZero();
        assertThat(harness.numKeyedStateEntries()).as("no keyed state left").isZero()
                .isLessThan(entriesWithIds);
        assertThat(harness.numEventTimeTimers()).isZero();

        // and once purged, the id is new again
        send(ping("a1", "dup", lastPurge + 1));
        harness.processWatermark(lastPurge + 1);
        assertThat(drain()).containsExactly(at("dup", lastPurge + 1));
    }

    @Test
    void keyedStateShrinksAsKeptIdsExpire() throws Exception {
        for (int i = 0; i < 3; i++) {
            send(ping("a" + i, "m" + i, T + i * HOUR));
        }
        harness.processWatermark(T + 2 * HOUR);
        assertThat(drain()).hasSize(3);
        int before = harness.numKeyedStateEntries();
        harness.processWatermark(T + DAY);          // a0's id purged
        int afterOne = harness.numKeyedStateEntries();
        harness.processWatermark(T + DAY + HOUR);   // a1's
        int afterTwo = harness.numKeyedStateEntries();
        harness.processWatermark(T + DAY + 2 * HOUR);
        int afterAll = harness.numKeyedStateEntries();
        assertThat(List.of(before, afterOne, afterTwo, afterAll)).isSortedAccordingTo((x, y) -> Integer.compare(y, x))
                .doesNotHaveDuplicates();
        assertThat(afterAll).isZero();
    }

    @Test
    void aRecordAtOrBehindTheWatermarkGoesToTheLateOutput() throws Exception {
        harness.processWatermark(T);
        send(ping("a1", "at-watermark", T));
        send(ping("a1", "behind", T - 1));
        send(ping("a1", "ahead", T + 1));
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        List<DeadLetter> late = new ArrayList<>();
        for (StreamRecord<DeadLetter> r : harness.getSideOutput(EventSequencer.LATE)) {
            late.add(r.getValue());
        }
        assertThat(late).extracting(d -> d.reason).containsExactly("late", "late");
        assertThat(late.get(0).detail).contains("at-watermark");
        assertThat(late.get(1).detail).contains("behind");
        assertThat(late).allSatisfy(d -> assertThat(d.source).isEqualTo("account:a1"));
        harness.processWatermark(T + 1);
        assertThat(drain()).containsExactly(at("ahead", T + 1));
    }

    @Test
    void idlenessOfTheSourcesIsNotPassedOnButWatermarksAre() throws Exception {
        send(ping("acct-1", "m1", T));
        harness.processWatermarkStatus(WatermarkStatus.IDLE);
        harness.processWatermark(T);
        harness.processWatermarkStatus(WatermarkStatus.ACTIVE);

        assertThat(harness.getOutput()).noneMatch(o -> o instanceof WatermarkStatus)
                .anyMatch(o -> o instanceof Watermark && ((Watermark) o).getTimestamp() == T);
        assertThat(drain()).containsExactly(at("m1", T));
    }
}
