package io.pqlscore.kafka;

import io.pqlscore.config.JobOptions;
import io.pqlscore.config.Secrets;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.pipeline.EventSource;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Usage records from Kafka topics. Each record is parsed where it is read, with its topic,
 * partition and offset as coordinates, so the source watermarks per partition (Kafka splits are
 * partitions) and an idle partition stops holding the watermark back after {@code --idle-timeout}.
 * Offsets live in Flink's checkpoints; they are also committed to the group for monitoring.
 *
 * <p>With {@code --kafka-stop-at-latest} the read is bounded: it stops at the end offsets found
 * when the job starts. The stopping offsets are part of each partition's split, so they are
 * checkpointed with it: a job restored from a checkpoint or savepoint of an unbounded run keeps
 * reading its restored partitions without end (start a bounded replay without restoring).
 */
public final class KafkaEventSource implements EventSource {
    private static final long serialVersionUID = 1L;

    private final JobOptions options;

    public KafkaEventSource(JobOptions options) {
        this.options = options;
    }

    @Override
    public DataStream<ParsedRecord> open(StreamExecutionEnvironment env, EventParser parser,
            WatermarkStrategy<ParsedRecord> watermarks) {
        KafkaSourceBuilder<ParsedRecord> b = KafkaSource.<ParsedRecord>builder()
                .setBootstrapServers(options.kafkaBootstrapServers)
                .setGroupId(options.kafkaGroupId)
                .setStartingOffsets(startingOffsets(options.kafkaStartingOffsets))
                .setDeserializer(new Deserializer(parser));
        Properties props = Secrets.kafkaProperties(options);
        // read only committed records of transactional producers upstream
        props.putIfAbsent("isolation.level", "read_committed");
        b.setProperties(props);
        if (options.kafkaStopAtLatest) {
            // A bounded read: each partition stops at its end offset (high watermark) when the job
            // starts; the job then ends, and the final watermark runs event time past every
            // pending tick and retention, as in a file replay.
            b.setBounded(OffsetsInitializer.latest());
        }
        if (options.kafkaTopicPattern != null) {
            b.setTopicPattern(Pattern.compile(options.kafkaTopicPattern));
        } else {
            b.setTopics(options.kafkaTopics);
        }
        return env.fromSource(b.build(), watermarks, "usage events (Kafka)").uid(UID);
    }

    static OffsetsInitializer startingOffsets(String where) {
        switch (where) {
            case "earliest":
                return OffsetsInitializer.earliest();
            case "latest":
                return OffsetsInitializer.latest();
            default:
                return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        }
    }

    /** Parses each Kafka record value with its coordinates; a null value is a bad_json record. */
    static final class Deserializer implements KafkaRecordDeserializationSchema<ParsedRecord> {
        private static final long serialVersionUID = 1L;
        private static final byte[] EMPTY = new byte[0];

        private final EventParser parser;

        Deserializer(EventParser parser) {
            this.parser = parser;
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<ParsedRecord> out) {
            byte[] value = record.value() == null ? EMPTY : record.value();
            out.collect(parser.parse(value, new SourcePosition(record.topic(), record.partition(), record.offset())));
        }

        @Override
        public TypeInformation<ParsedRecord> getProducedType() {
            return TypeInformation.of(ParsedRecord.class);
        }
    }
}
