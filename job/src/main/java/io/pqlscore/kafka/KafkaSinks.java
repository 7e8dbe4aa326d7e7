package io.pqlscore.kafka;

import io.pqlscore.config.JobOptions;
import io.pqlscore.config.Secrets;
import io.pqlscore.events.DeadLetter;
import io.pqlscore.pipeline.ScoringSinks;
import io.pqlscore.pipeline.ScoringStreams;
import io.pqlscore.scoring.Transition;
import io.pqlscore.sinks.OutputJson;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Transitions to {@code --transitions-topic} and dead letters to {@code --dead-letters-topic}
 * with Flink's {@link KafkaSink}.
 *
 * <p><b>Records.</b> A transition's value is its SPEC 5 JSON ({@link OutputJson#transition}); its
 * key is the entity, {@code kind|account_id|user_id} ({@code pql|acme|u-maria},
 * {@code pqa|acme|} for an account), so with Kafka's default key-hash partitioning all the
 * transitions of one entity land in one partition, in the order the job produced them (the
 * scorer keeps an account on one subtask, and each sink subtask writes in order). Any {@code |}
 * or {@code %} inside an id is percent-encoded ({@code %7C}, {@code %25}) so that distinct
 * entities never share a key (keys can serve log compaction). A dead letter's value is its JSON
 * ({@link OutputJson#deadLetter}) and its key is its source coordinates,
 * {@code source|partition|offset} (e.g. {@code events|2|1041}), encoded the same way: a replay
 * of the same input gives the same keys. Record timestamps are left to the producer (wall clock):
 * the event times of a backfill may be months old, and as record timestamps they would make
 * time-based retention delete the records right away.
 *
 * <p><b>Delivery.</b> {@code --delivery exactly-once} (default) writes in Kafka transactions that
 * commit when a checkpoint completes (and at the end of a bounded run): consumers reading with
 * {@code isolation.level=read_committed} see every record exactly once, also across failures and
 * restores, at the price of seeing them only after the checkpoint. Each sink has its own
 * transactional-id prefix, {@code --transactional-id-prefix} plus {@code -transitions} or
 * {@code -dead-letters}; the prefix must be unique per job on a Kafka cluster. The producer's
 * {@code transaction.timeout.ms} is {@code --transaction-timeout} (default 10 min): it must exceed
 * the checkpoint interval plus the time a restart may take (a transaction older than that is
 * aborted by the broker, and its records are lost), and must not exceed the broker's
 * {@code transaction.max.timeout.ms} (15 min by default), or the producers cannot start.
 * {@code --delivery at-least-once} writes without transactions (flushed on every checkpoint):
 * lower latency, but a restart may repeat records; {@code event_id} identifies repeats.
 *
 * <p>Client settings (security, SASL credentials) come from {@link Secrets#kafkaProperties}.
 * The sinks have fixed uids ({@code transitions-kafka-sink}, {@code dead-letters-kafka-sink}).
 */
public final class KafkaSinks implements ScoringSinks {
    private static final long serialVersionUID = 1L;

    public static final String TRANSITIONS_UID = "transitions-kafka-sink";
    public static final String DEAD_LETTERS_UID = "dead-letters-kafka-sink";

    private final JobOptions options;

    public KafkaSinks(JobOptions options) {
        this.options = options;
    }

    @Override
    public boolean takesCurrentScores() {
        return false;
    }

    @Override
    public void attach(ScoringStreams streams) {
        if (options.transitionsTopic != null) {
            streams.transitions
                    .sinkTo(sink(new TransitionRecords(options.transitionsTopic), "-transitions"))
                    .uid(TRANSITIONS_UID).name("transitions to Kafka");
        }
        if (options.deadLettersTopic != null) {
            streams.deadLetters
                    .sinkTo(sink(new DeadLetterRecords(options.deadLettersTopic,
                            maxRecordBytes(Secrets.kafkaProperties(options))), "-dead-letters"))
                    .uid(DEAD_LETTERS_UID).name("dead letters to Kafka");
        }
    }

    private <T> KafkaSink<T> sink(KafkaRecordSerializationSchema<T> records, String idSuffix) {
        Properties props = Secrets.kafkaProperties(options);
        // the serializers are the sink's own (bytes); a consumer-only setting has no place here
        props.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        props.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        props.remove("isolation.level");
        KafkaSinkBuilder<T> b = KafkaSink.<T>builder()
                .setKafkaProducerConfig(props)
                .setBootstrapServers(options.kafkaBootstrapServers)
                .setRecordSerializer(records);
        if (options.exactlyOnce()) {
            b.setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                    .setTransactionalIdPrefix(options.transactionalIdPrefix + idSuffix)
                    .setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                            Long.toString(options.transactionTimeout.toMillis()));
        } else {
            b.setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE);
        }
        return b.build();
    }

    /**
     * The most bytes (key and value) one record of ours may take: the producer's
     * {@code max.request.size} (Kafka's default 1 MiB, or as configured) less room for the record
     * batch's own overhead. The broker's {@code message.max.bytes} (and the topic's
     * {@code max.message.bytes}) must allow as much; they do by default.
     */
    static int maxRecordBytes(Properties props) {
        int max = 1_048_576;
        Object v = props.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        if (v != null) {
            try {
                max = Integer.parseInt(v.toString().trim());
            } catch (NumberFormatException e) {
                // the producer itself refuses the setting with a clear message
            }
        }
        return Math.max(4096, max - 1024);
    }

    /**
     * A dead letter's JSON that fits in {@code maxBytes} with its key: as it is when it does, else
     * with its payload cut (at a character boundary) to fit, marked {@code payload_truncated} with
     * the record's size. A dead letter may grow far beyond its record (JSON escaping of control
     * characters, the base64 copy of bytes that are not UTF-8), and a value the producer refuses
     * would fail the job on every restart; the files keep the whole payload.
     */
    static byte[] fit(DeadLetter d, int keyBytes, int maxBytes) {
        byte[] value = OutputJson.text(OutputJson.deadLetter(d)).getBytes(StandardCharsets.UTF_8);
        if (keyBytes + value.length <= maxBytes) {
            return value;
        }
        byte[] raw = d.payloadBase64 != null ? java.util.Base64.getDecoder().decode(d.payloadBase64) : null;
        String text = d.payload == null ? "" : d.payload;
        long recordBytes = d.truncated && d.recordBytes > 0 ? d.recordBytes
                : raw != null ? raw.length : text.getBytes(StandardCharsets.UTF_8).length;
        // characters of the text, or bytes of a payload that is not UTF-8
        int keep = Math.min(raw != null ? raw.length : text.length(), maxBytes / 2);
        while (true) {
            DeadLetter cut = new DeadLetter();
            cut.reason = d.reason;
            cut.detail = d.detail;
            cut.source = d.source;
            cut.partition = d.partition;
            cut.offset = d.offset;
            cut.truncated = true;
            cut.recordBytes = recordBytes;
            if (raw != null) {
                byte[] part = java.util.Arrays.copyOf(raw, keep);
                cut.payload = new String(part, StandardCharsets.UTF_8);
                cut.payloadBase64 = java.util.Base64.getEncoder().encodeToString(part);
            } else {
                int end = keep > 0 && Character.isHighSurrogate(text.charAt(keep - 1)) ? keep - 1 : keep;
                cut.payload = text.substring(0, end);
            }
            value = OutputJson.text(OutputJson.deadLetter(cut)).getBytes(StandardCharsets.UTF_8);
            if (keyBytes + value.length <= maxBytes || keep == 0) {
                return value;
            }
            // shrink in proportion to the excess, at least by a tenth
            long over = keyBytes + (long) value.length - maxBytes;
            keep = (int) Math.max(0, Math.min(keep - over, keep * 9L / 10));
        }
    }

    /** The key of a transition: its entity, {@code kind|account_id|user_id} (empty user for accounts). */
    public static String entityKey(Transition t) {
        return t.kind + "|" + escape(t.accountId) + "|" + (t.userId == null ? "" : escape(t.userId));
    }

    /** The key of a dead letter: where the record came from, {@code source|partition|offset}. */
    public static String coordinatesKey(DeadLetter d) {
        return escape(d.source) + "|" + d.partition + "|" + d.offset;
    }

    /** Percent-encodes the separator and the escape character, so keys split back unambiguously. */
    static String escape(String s) {
        if (s == null) {
            return "";
        }
        if (s.indexOf('|') < 0 && s.indexOf('%') < 0) {
            return s;
        }
        return s.replace("%", "%25").replace("|", "%7C");
    }

    static final class TransitionRecords implements KafkaRecordSerializationSchema<Transition> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        TransitionRecords(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(Transition t, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, entityKey(t).getBytes(StandardCharsets.UTF_8),
                    OutputJson.text(OutputJson.transition(t)).getBytes(StandardCharsets.UTF_8));
        }
    }

    static final class DeadLetterRecords implements KafkaRecordSerializationSchema<DeadLetter> {
        private static final long serialVersionUID = 1L;
        private final String topic;
        private final int maxBytes;

        DeadLetterRecords(String topic, int maxBytes) {
            this.topic = topic;
            this.maxBytes = maxBytes;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
            byte[] key = coordinatesKey(d).getBytes(StandardCharsets.UTF_8);
            return new ProducerRecord<>(topic, key, fit(d, key.length, maxBytes));
        }
    }
}
