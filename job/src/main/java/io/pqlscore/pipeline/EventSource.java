package io.pqlscore.pipeline;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import java.io.Serializable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where usage records come from: the pipeline's port for sources, implemented from the layers
 * above (sources/: files; kafka/). A source parses each raw record with the given parser where it
 * reads it and watermarks per split or partition.
 */
public interface EventSource extends Serializable {
    String UID = "usage-events-source";

    DataStream<ParsedRecord> open(StreamExecutionEnvironment env, EventParser parser,
            WatermarkStrategy<ParsedRecord> watermarks);
}
