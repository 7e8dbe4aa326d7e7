package io.pqlscore.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pqlscore.Connectors;
import io.pqlscore.config.JobOptions;
import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.RejectReason;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.scoring.Transition;
import io.pqlscore.testing.Schemas;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/** Record keys of the Kafka sinks, and the job graph they add (no broker needed). */
class KafkaSinksTest {

    @Test
    void transitionKeyIsTheEntity() {
        assertThat(KafkaSinks.entityKey(transition("pql", "acme", "u-maria"))).isEqualTo("pql|acme|u-maria");
        assertThat(KafkaSinks.entityKey(transition("pqa", "acme", null))).isEqualTo("pqa|acme|");
    }

    @Test
    void separatorsInsideIdsAreEncodedSoDistinctEntitiesNeverShareAKey() {
        String a = KafkaSinks.entityKey(transition("pql", "a|b", "c"));
        String b = KafkaSinks.entityKey(transition("pql", "a", "b|c"));
        assertThat(a).isEqualTo("pql|a%7Cb|c");
        assertThat(b).isEqualTo("pql|a|b%7Cc");
        assertThat(KafkaSinks.entityKey(transition("pql", "100%|x", "u"))).isEqualTo("pql|100%25%7Cx|u");
    }

    @Test
    void deadLetterKeyIsItsSourceCoordinates() {
        DeadLetter d = new DeadLetter();
        d.source = "usage-events";
        d.partition = 2;
        d.offset = 1041;
        assertThat(KafkaSinks.coordinatesKey(d)).isEqualTo("usage-events|2|1041");
    }

    @Test
    void sinksHaveTheirFixedUidsForBothDeliveryGuarantees() {
        for (String delivery : new String[] {"exactly-once", "at-least-once"}) {
            JobOptions options = JobOptions.parse("--kafka-bootstrap-servers", "127.0.0.1:9",
                    "--kafka-topics", "in", "--transitions-topic", "out", "--dead-letters-topic", "dlq",
                    "--delivery", delivery);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            new ScoringPipeline(options, ModelLoader.loadDefault(), Connectors.source(options), Connectors.sinks(options))
                    .build(env);
            List<String> uids = env.getStreamGraph().getStreamNodes().stream().map(StreamNode::getTransformationUID)
                    .collect(Collectors.toList());
            assertThat(uids).as(delivery).contains(KafkaSinks.TRANSITIONS_UID, KafkaSinks.DEAD_LETTERS_UID);
        }
    }

    @Test
    void onlyTheConfiguredTopicGetsASink() {
        JobOptions options = JobOptions.parse("--kafka-bootstrap-servers", "127.0.0.1:9",
                "--kafka-topics", "in", "--dead-letters-topic", "dlq");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        new ScoringPipeline(options, ModelLoader.loadDefault(), Connectors.source(options), Connectors.sinks(options))
                .build(env);
        List<String> uids = env.getStreamGraph().getStreamNodes().stream().map(StreamNode::getTransformationUID)
                .collect(Collectors.toList());
        assertThat(uids).contains(KafkaSinks.DEAD_LETTERS_UID).doesNotContain(KafkaSinks.TRANSITIONS_UID);
    }

    @Test
    void stopAtLatestNeedsKafkaInput() {
        assertThatThrownBy(() -> JobOptions.parse("--input", "x.jsonl", "--kafka-stop-at-latest"))
                .isInstanceOf(JobOptions.UsageException.class).hasMessageContaining("--kafka-stop-at-latest");
        assertThat(JobOptions.parse("--kafka-bootstrap-servers", "h:9092", "--kafka-topics", "in", "--kafka-stop-at-latest")
                .kafkaStopAtLatest).isTrue();
    }

    private static Transition transition(String kind, String account, String user) {
        Transition t = new Transition();
        t.kind = kind;
        t.accountId = account;
        t.userId = user;
        return t;
    }

    /**
     * A dead letter too big for a Kafka message is cut to fit (payload_truncated, record_bytes),
     * and what goes to the topic still matches schemas/dead-letter.schema.json, whether it fitted
     * as it was, was cut, or had bytes that are not UTF-8 (its base64 copy cut with it).
     */
    @Test
    void deadLettersCutToFitAKafkaMessageStillMatchTheirSchema() throws Exception {
        byte[] big = ("{\"type\":\"track\",\"event\":\"" + "\u00e9".repeat(20_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] notUtf8 = new byte[30_000];
        java.util.Arrays.fill(notUtf8, (byte) 0xff);
        List<DeadLetter> letters = List.of(
                EventParser.deadLetter(RejectReason.BAD_TYPE, "small", "{}".getBytes(StandardCharsets.UTF_8),
                        new SourcePosition("usage-events", 0, 1L)),
                EventParser.deadLetter(RejectReason.BAD_FIELD, "big", big, new SourcePosition("usage-events", 3, 42L)),
                EventParser.deadLetter(RejectReason.BAD_JSON, "not UTF-8", notUtf8, new SourcePosition("usage-events", 1, 7L)));
        int cut = 0;
        for (DeadLetter d : letters) {
            byte[] key = KafkaSinks.coordinatesKey(d).getBytes(StandardCharsets.UTF_8);
            String value = new String(KafkaSinks.fit(d, key.length, 8192), StandardCharsets.UTF_8);
            assertThat(key.length + value.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(8192);
            Schemas.assertValid(Schemas.DEAD_LETTER, value, "dead letter on Kafka");
            cut += value.contains("\"payload_truncated\":true") ? 1 : 0;
        }
        assertThat(cut).isEqualTo(2);
    }
}
