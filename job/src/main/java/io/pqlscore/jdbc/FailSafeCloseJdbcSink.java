package io.pqlscore.jdbc;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.jdbc.core.datastream.sink.committer.JdbcCommitable;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriterState;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.util.ExceptionUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink's {@link JdbcSink}, except that closing its writer never throws (short of the JVM's own
 * fatal errors, such as running out of memory).
 *
 * <p>Why: when the database goes away, the sink's batch fails and the task fails over, as it
 * should. While the failing task is cleaned up, its writer is closed, and the connector's close
 * flushes the rows still buffered (or rethrows the periodic flusher's error) and throws again.
 * An exception from the cleanup of a failing task is fatal to Flink: it logs {@code FATAL -
 * exception in exception handler of task ...} and shuts the whole TaskManager down (observed
 * with JDBC connector 4.0.0-2.0 on Flink 2.2.1, PostgreSQL stopped under the job), so a database
 * outage took TaskManagers with it instead of just restarting the job. Nothing is lost by
 * swallowing that exception: a successful end of input flushes through {@link SinkWriter#flush}
 * (whose errors still fail the job) before the writer is closed, so rows that are still buffered
 * at close belong to a task that is failing or cancelled, and the restarted job writes them again
 * from its last checkpoint (the statements are idempotent). Everything else, state and
 * committables included, is the connector's own, unchanged.
 */
final class FailSafeCloseJdbcSink<IN>
        implements Sink<IN>, SupportsWriterState<IN, JdbcWriterState>, SupportsCommitter<JdbcCommitable> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FailSafeCloseJdbcSink.class);

    private final JdbcSink<IN> sink;

    FailSafeCloseJdbcSink(JdbcSink<IN> sink) {
        this.sink = sink;
    }

    @Override
    public SinkWriter<IN> createWriter(WriterInitContext context) throws IOException {
        return new Writer<>(sink.createWriter(context));
    }

    @Override
    public StatefulSinkWriter<IN, JdbcWriterState> restoreWriter(WriterInitContext context,
            Collection<JdbcWriterState> recoveredState) throws IOException {
        return new Writer<>(sink.restoreWriter(context, recoveredState));
    }

    @Override
    public SimpleVersionedSerializer<JdbcWriterState> getWriterStateSerializer() {
        return sink.getWriterStateSerializer();
    }

    @Override
    public Committer<JdbcCommitable> createCommitter(CommitterInitContext context) throws IOException {
        return sink.createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<JdbcCommitable> getCommittableSerializer() {
        return sink.getCommittableSerializer();
    }

    /**
     * The connector's writer; {@link #close} logs instead of throwing. Generic over the delegate
     * so that a test can hand it a writer that fails the way the connector's does.
     */
    static final class Writer<IN, W extends StatefulSinkWriter<IN, JdbcWriterState> & CommittingSinkWriter<IN, JdbcCommitable>>
            implements StatefulSinkWriter<IN, JdbcWriterState>, CommittingSinkWriter<IN, JdbcCommitable> {
        private final W writer;

        Writer(W writer) {
            this.writer = writer;
        }

        @Override
        public void write(IN element, Context context) throws IOException, InterruptedException {
            writer.write(element, context);
        }

        @Override
        public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
            writer.writeWatermark(watermark);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            writer.flush(endOfInput);
        }

        @Override
        public Collection<JdbcCommitable> prepareCommit() throws IOException, InterruptedException {
            return writer.prepareCommit();
        }

        @Override
        public List<JdbcWriterState> snapshotState(long checkpointId) throws IOException {
            return writer.snapshotState(checkpointId);
        }

        /**
         * Swallows everything but the JVM's own fatal errors. Not only exceptions: with the
         * connection gone, pgjdbc's batch result handler throws {@link AssertionError} ("getAutoCommit()
         * should not throw") when assertions are on, as in the test JVMs, and that took the
         * TaskManager down just like an exception did (OutageTest under CPU load).
         */
        @Override
        public void close() {
            try {
                writer.close();
            } catch (Throwable t) {
                ExceptionUtils.rethrowIfFatalErrorOrOOM(t);
                LOG.warn("Closing the JDBC writer failed; rows it still held are written again after the restart, from the "
                        + "last checkpoint: {}", t.toString());
            }
        }
    }
}
