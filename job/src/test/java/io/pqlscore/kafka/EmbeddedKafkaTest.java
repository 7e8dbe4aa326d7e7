package io.pqlscore.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.testing.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

/** The in-process broker the Kafka tests use: starts quickly, keeps keys together, reads back in order. */
class EmbeddedKafkaTest {

    @Test
    void startsProducesAndReadsBackCommittedRecords() {
        long t0 = System.nanoTime();
        try (EmbeddedKafka kafka = new EmbeddedKafka().start()) {
            long startMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(startMs).as("broker start-up time in ms").isLessThan(20_000);
            kafka.createTopic("t", 3);
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                values.add(("v" + i + "-k" + (i % 4)).getBytes(StandardCharsets.UTF_8));
            }
            List<RecordMetadata> sent = kafka.produce("t", values,
                    v -> new String(v, StandardCharsets.UTF_8).split("-")[1].getBytes(StandardCharsets.UTF_8));
            assertThat(sent).hasSize(30);
            // one key, one partition
            for (int i = 4; i < 30; i++) {
                assertThat(sent.get(i).partition()).isEqualTo(sent.get(i % 4).partition());
            }
            kafka.produce("t", 2, null, "extra".getBytes(StandardCharsets.UTF_8));

            List<EmbeddedKafka.Record> read = kafka.consumeCommitted("t", 31, Duration.ofSeconds(30));
            assertThat(read).hasSize(31);
            assertThat(read.stream().map(EmbeddedKafka.Record::valueText).collect(Collectors.toSet()))
                    .contains("v0-k0", "v29-k1", "extra");
            assertThat(read.stream().filter(r -> r.valueText().equals("v5-k1")).findFirst().orElseThrow().keyText())
                    .isEqualTo("k1");
        }
    }
}
