package io.pqlscore.testing;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.pipeline.EventSource;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Any source with a watermark right after each record (bounded out-of-orderness, like the job's,
 * but not periodic): a file read within one periodic interval still moves the watermark (a
 * finished split takes its unemitted periodic watermark with it). By default read by one subtask,
 * for exact lateness; {@link #keepingParallelism} keeps the source's readers (and an idle timeout).
 */
public final class PunctuatedSource implements EventSource {
    private static final long serialVersionUID = 1L;
    private final EventSource inner;
    private final long bound;
    private final boolean singleReader;
    private final Duration idleTimeout;

    public PunctuatedSource(EventSource inner, long bound) {
        this(inner, bound, true, null);
    }

    private PunctuatedSource(EventSource inner, long bound, boolean singleReader, Duration idleTimeout) {
        this.inner = inner;
        this.bound = bound;
        this.singleReader = singleReader;
        this.idleTimeout = idleTimeout;
    }

    /** The source's own parallelism, with {@code idleTimeout} idleness (null: none). */
    public static PunctuatedSource keepingParallelism(EventSource inner, long bound, Duration idleTimeout) {
        return new PunctuatedSource(inner, bound, false, idleTimeout);
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
        if (idleTimeout != null) {
            punctuated = punctuated.withIdleness(idleTimeout);
        }
        DataStream<ParsedRecord> records = inner.open(env, parser, punctuated);
        if (singleReader) {
            ((SingleOutputStreamOperator<ParsedRecord>) records).setParallelism(1);
        }
        return records;
    }
}
