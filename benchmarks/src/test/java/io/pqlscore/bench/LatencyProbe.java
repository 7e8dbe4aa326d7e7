package io.pqlscore.bench;

import io.pqlscore.generator.GeneratedRecord;
import io.pqlscore.generator.KafkaSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The two ends of a latency measurement: a producer that sends generated records at a fixed rate
 * with their {@code timestamp} rewritten to the wall clock at the moment of sending (so event
 * time is produce time, and a transition's {@code occurred_at} names the produce time of the
 * record that caused it), and a {@code read_committed} consumer of the transitions topic that
 * notes the wall-clock time each transition becomes visible. Same JVM, same clock.
 */
final class LatencyProbe {
    private LatencyProbe() {}

    /** Rewrites the top-level {@code "timestamp":"..."} of a generated record. */
    static String withTimestamp(String json, long epochMs) {
        int i = json.indexOf("\"timestamp\":\"");
        if (i < 0) {
            throw new IllegalArgumentException("no timestamp in " + json);
        }
        int from = i + "\"timestamp\":\"".length();
        int to = json.indexOf('"', from);
        return json.substring(0, from) + Instant.ofEpochMilli(epochMs) + json.substring(to);
    }

    /** Sends records at {@code rate} per second until {@link #stop()}; counts what it sent. */
    static final class PacedProducer implements Runnable {
        private final Iterator<GeneratedRecord> records;
        private final String bootstrap;
        private final String topic;
        private final double rate;
        private volatile boolean stop;
        final AtomicLong sent = new AtomicLong();
        final AtomicReference<Exception> failure = new AtomicReference<>();
        volatile long firstSendMs;
        volatile long lastSendMs;
        /** How far behind its schedule the producer fell at most (ms): it shares the 2 cores. */
        volatile long maxBehindMs;

        PacedProducer(Iterator<GeneratedRecord> records, String bootstrap, String topic, double rate) {
            this.records = records;
            this.bootstrap = bootstrap;
            this.topic = topic;
            this.rate = rate;
        }

        void stop() {
            stop = true;
        }

        @Override
        public void run() {
            // the generator's producer settings, but lingering 5 ms (not 20) so batching adds little latency
            Properties p = KafkaSink.producerProperties(bootstrap, Map.of(ProducerConfig.LINGER_MS_CONFIG, "5",
                    ProducerConfig.CLIENT_ID_CONFIG, "pqlscore-bench-latency-producer"));
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                long t0 = System.nanoTime();
                firstSendMs = System.currentTimeMillis();
                double nsPerRecord = 1e9 / rate;
                long n = 0;
                while (!stop && records.hasNext()) {
                    long due = t0 + (long) (n * nsPerRecord);
                    long now = System.nanoTime();
                    if (due > now) {
                        LockSupport.parkNanos(due - now);
                    } else if (now - due > 1_000_000L) {
                        maxBehindMs = Math.max(maxBehindMs, (now - due) / 1_000_000L);
                    }
                    GeneratedRecord r = records.next();
                    long ms = System.currentTimeMillis();
                    producer.send(new ProducerRecord<>(topic, r.key(), withTimestamp(r.json(), ms)), (md, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        }
                    });
                    lastSendMs = ms;
                    n++;
                    sent.set(n);
                }
                producer.flush();
            } catch (Exception e) {
                failure.compareAndSet(null, e);
            }
        }
    }

    /** One transition as a downstream consumer saw it. */
    record Seen(long visibleMs, long occurredMs, String cause, String kind, String direction) {
        long latencyMs() {
            return visibleMs - occurredMs;
        }
    }

    /** Reads the transitions topic as a {@code read_committed} consumer until {@link #stop()}. */
    static final class CommittedReader implements Runnable {
        private final String bootstrap;
        private final String topic;
        private volatile boolean stop;
        final List<Seen> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicReference<Exception> failure = new AtomicReference<>();
        volatile boolean assigned;

        CommittedReader(String bootstrap, String topic) {
            this.bootstrap = bootstrap;
            this.topic = topic;
        }

        void stop() {
            stop = true;
        }

        @Override
        public void run() {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, "pqlscore-bench-latency-reader");
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            // answer a poll as soon as anything is there
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(i -> new TopicPartition(topic, i.partition())).collect(Collectors.toList());
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                assigned = true;
                while (!stop) {
                    var records = consumer.poll(Duration.ofMillis(20));
                    long now = System.currentTimeMillis();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        String v = new String(r.value(), StandardCharsets.UTF_8);
                        seen.add(new Seen(now, Instant.parse(field(v, "occurred_at")).toEpochMilli(), field(v, "cause"),
                                field(v, "kind"), field(v, "direction")));
                    }
                }
            } catch (Exception e) {
                failure.compareAndSet(null, e);
            }
        }

        /** A top-level string field of the transition JSON (these never hold quotes). */
        static String field(String json, String name) {
            String k = "\"" + name + "\":\"";
            int i = json.indexOf(k);
            if (i < 0) {
                return null;
            }
            int from = i + k.length();
            return json.substring(from, json.indexOf('"', from));
        }
    }

    /** The q-quantile (0..1) of sorted values, nearest rank. */
    static long quantile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
