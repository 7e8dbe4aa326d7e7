package io.pqlscore.generator;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Records to a Kafka topic, keyed by account id so that an account's records stay in one partition,
 * in order. Idempotent producer with {@code acks=all} (no duplicates or reordering from producer
 * retries: the only duplicates are the generator's own, deliberate ones), lingering and lz4
 * batches for throughput. {@code --kafka-property} values override any of these.
 */
public final class KafkaSink implements RecordSink {
    private final Producer<String, String> producer;
    private final String topic;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final AtomicLong acknowledged = new AtomicLong();

    public KafkaSink(Producer<String, String> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    /** A sink with its own producer; a bad setting is an IllegalArgumentException. */
    public static KafkaSink create(String bootstrapServers, String topic, Map<String, String> overrides) {
        try {
            return new KafkaSink(new KafkaProducer<>(producerProperties(bootstrapServers, overrides)), topic);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("bad Kafka producer setting: " + e.getMessage(), e);
        } catch (KafkaException e) {
            Throwable c = e.getCause() instanceof ConfigException ? e.getCause() : e;
            throw new IllegalArgumentException("bad Kafka producer setting: " + c.getMessage(), e);
        }
    }

    /** The producer settings: ours, then the overrides. */
    public static Properties producerProperties(String bootstrapServers, Map<String, String> overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "pqlscore-event-generator");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5"); // the most idempotence keeps in order
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(64L * 1024 * 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.putAll(overrides);
        return p;
    }

    @Override
    public void accept(GeneratedRecord r) throws Exception {
        rethrow();
        producer.send(new ProducerRecord<>(topic, r.key(), r.json()), (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                acknowledged.incrementAndGet();
            }
        });
    }

    /** Records the broker has acknowledged so far. */
    public long acknowledged() {
        return acknowledged.get();
    }

    @Override
    public void flush() throws Exception {
        // the producer sends on its own (linger.ms); only surface failures here
        rethrow();
    }

    @Override
    public void close() throws Exception {
        try {
            producer.flush();
        } finally {
            producer.close(Duration.ofSeconds(30));
        }
        rethrow();
    }

    private void rethrow() throws Exception {
        Exception e = failure.get();
        if (e != null) {
            throw new Exception("sending to Kafka topic " + topic + " failed: " + e.getMessage(), e);
        }
    }
}
