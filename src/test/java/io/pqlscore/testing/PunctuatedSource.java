package io.pqlscore.testing;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.sources.EventSource;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Any source, read by one subtask, with a watermark right after each record (bounded
 * out-of-orderness, like the job's, but not periodic): exact lateness, and a file read within
 * one periodic interval still moves the watermark (a finished split takes its unemitted
 * periodic watermark with it).
 */
public final class PunctuatedSource implements EventSource {
    private static final long serialVersionUID = 1L;
    private final EventSource inner;
    private final long bound;

    public PunctuatedSource(EventSource inner, long bound) {
        this.inner = inner;
        this.bound = bound;
    }

    @Override
    public DataStream<ParsedRecord> open(StreamExecutionEnvironment env, EventParser parser,
            WatermarkStrategy<ParsedRecord> periodic) {
        long b = bound;
        WatermarkStrategy<ParsedRecord> punctuated = WatermarkStrategy
                .<ParsedRecord>forGenerator(ctx -> new WatermarkGenerator<>() {
                    @Override
                    public void onEvent(ParsedRecord r, long ts, WatermarkOutput out) {
                        if (r.isValid()) {
                            out.emitWatermark(new Watermark(ts - b - 1));
                        }
                    }

                    @Override
                    public void onPeriodicEmit(WatermarkOutput out) {}
                })
                .withTimestampAssigner((r, ts) -> r.eventTimeOrMin());
        DataStream<ParsedRecord> records = inner.open(env, parser, punctuated);
        ((SingleOutputStreamOperator<ParsedRecord>) records).setParallelism(1);
        return records;
    }
}
