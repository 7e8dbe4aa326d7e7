package io.pqlscore.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link RecordRouter} alone: valid records pass, rejections and late records become dead letters. */
class RecordRouterHarnessTest {
    private static final long T = Timestamps.parseMillis("2026-03-02T09:00:00.000Z");

    private static EventParser parser;

    private OneInputStreamOperatorTestHarness<ParsedRecord, UsageEvent> harness;

    @BeforeAll
    static void loadModel() {
        ScoringModel model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        parser = new EventParser(model);
    }

    @BeforeEach
    void openHarness() throws Exception {
        harness = ProcessFunctionTestHarnesses.forProcessFunction(new RecordRouter());
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    private static String ping(String messageId, long at) {
        return "{\"type\":\"track\",\"event\":\"Ping\",\"userId\":\"u1\",\"messageId\":\"" + messageId
                + "\",\"timestamp\":\"" + Timestamps.format(at) + "\",\"context\":{\"groupId\":\"a1\"}}";
    }

    private static ParsedRecord parse(String json, String source, int partition, long offset) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8), new SourcePosition(source, partition, offset));
    }

    private void send(ParsedRecord r) throws Exception {
        harness.processElement(r, r.isValid() ? r.event.timestamp : Long.MIN_VALUE);
    }

    private List<DeadLetter> deadLetters() {
        List<DeadLetter> out = new ArrayList<>();
        if (harness.getSideOutput(RecordRouter.DEAD_LETTERS) != null) {
            for (StreamRecord<DeadLetter> r : harness.getSideOutput(RecordRouter.DEAD_LETTERS)) {
                out.add(r.getValue());
            }
        }
        return out;
    }

    @Test
    void aValidRecordPasses() throws Exception {
        ParsedRecord r = parse(ping("m1", T), "events", 3, 17);
        assertThat(r.isValid()).isTrue();
        send(r);
        assertThat(harness.extractOutputValues()).extracting(e -> e.messageId, e -> e.accountId, e -> e.timestamp)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("m1", "a1", T));
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void aRejectedRecordGoesToDeadLettersWithItsPayloadAndCoordinates() throws Exception {
        String payload = "{\"type\":\"track\",\"event\":\"Ping\",\"timestamp\":\"yesterday\",\"context\":{\"groupId\":\"a1\"}}";
        send(parse(payload, "events", 2, 41));
        send(parse("not json", "events", 2, 42));
        assertThat(harness.extractOutputValues()).isEmpty();
        List<DeadLetter> dead = deadLetters();
        assertThat(dead).extracting(d -> d.reason).containsExactly("bad_timestamp", "bad_json");
        assertThat(dead.get(0).payload).isEqualTo(payload);
        assertThat(dead.get(0).source).isEqualTo("events");
        assertThat(dead.get(0).partition).isEqualTo(2);
        assertThat(dead.get(0).offset).isEqualTo(41);
        assertThat(dead.get(1).payload).isEqualTo("not json");
        assertThat(dead.get(1).offset).isEqualTo(42);
    }

    @Test
    void aValidRecordAtOrBehindTheWatermarkIsRejectedAsLate() throws Exception {
        harness.processWatermark(T);
        String atWatermark = ping("m-at", T);
        String behind = ping("m-behind", T - 1);
        String ahead = ping("m-ahead", T + 1);
        send(parse(atWatermark, "events", 0, 7));
        send(parse(behind, "events", 1, 8));
        send(parse(ahead, "events", 0, 9));

        assertThat(harness.extractOutputValues()).extracting(e -> e.messageId).containsExactly("m-ahead");
        List<DeadLetter> dead = deadLetters();
        assertThat(dead).extracting(d -> d.reason).containsExactly("late", "late");
        assertThat(dead.get(0).payload).isEqualTo(atWatermark);
        assertThat(dead.get(0).payloadBase64).isNull();
        assertThat(dead.get(0).source).isEqualTo("events");
        assertThat(dead.get(0).partition).isEqualTo(0);
        assertThat(dead.get(0).offset).isEqualTo(7);
        assertThat(dead.get(1).payload).isEqualTo(behind);
        assertThat(dead.get(1).partition).isEqualTo(1);
        assertThat(dead.get(1).offset).isEqualTo(8);
    }

    @Test
    void aRejectedRecordIsReportedWithItsOwnReasonEvenBehindTheWatermark() throws Exception {
        // SPEC 1: late applies only to records that pass every other check
        harness.processWatermark(T);
        send(parse("{\"type\":\"track\",\"event\":\"Ping\",\"timestamp\":\"2026-03-01T00:00:00Z\"}", "events", 0, 1));
        assertThat(deadLetters()).extracting(d -> d.reason).containsExactly("missing_account");
    }
}
