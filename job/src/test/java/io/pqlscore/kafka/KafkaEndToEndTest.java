package io.pqlscore.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.Connectors;
import io.pqlscore.config.JobOptions;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.testing.EmbeddedKafka;
import java.time.Duration;
import java.util.List;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole job from Kafka to Kafka, on a real (in-process) broker: conformance case
 * {@code 11-generated} is written to a 3-partition topic, keyed by account as an upstream
 * pipeline would, and replayed with {@code --kafka-stop-at-latest} (a bounded read: the job ends
 * and event time runs past every tick and retention, as in a file replay) at parallelism 2 with
 * checkpoints every 500 ms. A {@code read_committed} consumer then finds in the transitions topic
 * exactly the case's 378 transitions (each once, keyed by entity, each entity's in one partition
 * in order) and in the dead-letter topic exactly its 6 rejections with their Kafka coordinates and
 * payloads; with {@code --delivery exactly-once} (transactions committed on checkpoints and at the
 * end) and with {@code at-least-once}.
 */
class KafkaEndToEndTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    static final String INPUT = "usage-events";

    static EmbeddedKafka kafka;
    static GeneratedCase generated;
    static List<RecordMetadata> written;

    @BeforeAll
    static void writeTheCaseToKafka() throws Exception {
        generated = GeneratedCase.load();
        kafka = new EmbeddedKafka().start();
        kafka.createTopic(INPUT, 3);
        written = kafka.produce(INPUT, generated.lines, GeneratedCase::accountKey);
        assertThat(written.stream().map(RecordMetadata::partition).distinct()).as("partitions used").hasSize(3);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"exactly-once", "at-least-once"})
    void boundedKafkaReplayWritesExactlyTheCaseToKafka(String delivery) throws Exception {
        String transitions = "transitions-" + delivery;
        String deadLetters = "dead-letters-" + delivery;
        kafka.createTopic(transitions, 3);
        kafka.createTopic(deadLetters, 1);
        JobOptions options = JobOptions.parse(
                "--model", generated.modelPath.toString(),
                "--kafka-bootstrap-servers", kafka.bootstrapServers(),
                "--kafka-topics", INPUT,
                "--kafka-group-id", "e2e-" + delivery,
                "--kafka-starting-offsets", "earliest",
                "--kafka-stop-at-latest",
                "--transitions-topic", transitions,
                "--dead-letters-topic", deadLetters,
                "--delivery", delivery,
                "--transactional-id-prefix", "e2e-" + delivery,
                "--parallelism", "2");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.enableCheckpointing(500);
        new ScoringPipeline(options, generated.model, Connectors.source(options), Connectors.sinks(options)).build(env);
        env.execute("kafka end-to-end, " + delivery);

        if (options.exactlyOnce()) {
            // each sink wrote in transactions under its own prefix
            assertThat(kafka.transactionalIds())
                    .anyMatch(id -> id.startsWith("e2e-exactly-once-transitions-"))
                    .anyMatch(id -> id.startsWith("e2e-exactly-once-dead-letters-"));
        } else {
            assertThat(kafka.transactionalIds()).noneMatch(id -> id.startsWith("e2e-at-least-once"));
        }
        generated.assertTransitions(kafka.consumeCommitted(transitions, generated.expected.size(), Duration.ofSeconds(30)));
        generated.assertDeadLetters(kafka.consumeCommitted(deadLetters, generated.rejections.size(), Duration.ofSeconds(30)),
                INPUT, written);
    }
}
