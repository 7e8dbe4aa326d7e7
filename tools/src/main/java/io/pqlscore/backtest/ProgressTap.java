package io.pqlscore.backtest;

import io.pqlscore.events.ParsedRecord;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.accumulators.LongMinimum;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * A pass-through map chained right behind the file source: counts the records and bytes read, for
 * the progress line while the backtest runs, and the span of event time, for leads per week. It
 * forwards every record and watermark unchanged, so the scoring topology behind it sees exactly
 * what it sees in the streaming job.
 *
 * <p>Totals travel as Flink accumulators (in the job's result). The live count for the progress
 * line goes to an in-process registry, read by the client every few seconds: the backtest always
 * runs on its own MiniCluster, in the same JVM.
 */
public class ProgressTap extends RichMapFunction<ParsedRecord, ParsedRecord> {
    private static final long serialVersionUID = 1L;

    public static final String RECORDS = "backtest.records";
    public static final String VALID = "backtest.valid";
    public static final String BYTES = "backtest.bytes";
    public static final String FIRST_EVENT = "backtest.first-event-time";
    public static final String LAST_EVENT = "backtest.last-event-time";

    private static final Map<String, Live> LIVE = new ConcurrentHashMap<>();
    /** The live counters are updated every this many records, or after a quarter second. */
    private static final int FLUSH_EVERY = 4096;
    private static final long FLUSH_NANOS = 250_000_000L;

    /** The live counters of one run. */
    public static final class Live {
        final LongAdder records = new LongAdder();
        final LongAdder bytes = new LongAdder();

        public long records() {
            return records.sum();
        }

        public long bytes() {
            return bytes.sum();
        }
    }

    /** Registers the live counters of a run (before the job starts). */
    public static Live register(String runId) {
        Live l = new Live();
        LIVE.put(runId, l);
        return l;
    }

    public static void unregister(String runId) {
        LIVE.remove(runId);
    }

    private final String runId;
    private transient LongCounter records;
    private transient LongCounter valid;
    private transient LongCounter bytes;
    private transient LongMinimum firstEvent;
    private transient LongMaximum lastEvent;
    private transient Live live;
    private transient long pendingRecords;
    private transient long pendingBytes;
    private transient long lastFlush;

    public ProgressTap(String runId) {
        this.runId = runId;
    }

    @Override
    public void open(OpenContext openContext) {
        records = new LongCounter();
        valid = new LongCounter();
        bytes = new LongCounter();
        firstEvent = new LongMinimum();
        lastEvent = new LongMaximum();
        getRuntimeContext().addAccumulator(RECORDS, records);
        getRuntimeContext().addAccumulator(VALID, valid);
        getRuntimeContext().addAccumulator(BYTES, bytes);
        getRuntimeContext().addAccumulator(FIRST_EVENT, firstEvent);
        getRuntimeContext().addAccumulator(LAST_EVENT, lastEvent);
        live = LIVE.get(runId);
    }

    @Override
    public ParsedRecord map(ParsedRecord r) {
        long size;
        if (r.isValid()) {
            valid.add(1L);
            long t = r.event.timestamp;
            firstEvent.add(t);
            lastEvent.add(t);
            size = r.raw == null ? 0 : r.raw.length + 1L;
        } else {
            String p = r.deadLetter == null ? null : r.deadLetter.payload;
            size = p == null ? 1 : p.getBytes(StandardCharsets.UTF_8).length + 1L;
        }
        records.add(1L);
        bytes.add(size);
        pendingRecords++;
        pendingBytes += size;
        if (pendingRecords >= FLUSH_EVERY || (pendingRecords & 255) == 1 && System.nanoTime() - lastFlush > FLUSH_NANOS) {
            flush();
        }
        return r;
    }

    private void flush() {
        lastFlush = System.nanoTime();
        if (live != null) {
            live.records.add(pendingRecords);
            live.bytes.add(pendingBytes);
        }
        pendingRecords = 0;
        pendingBytes = 0;
    }

    @Override
    public void close() {
        flush();
    }
}
