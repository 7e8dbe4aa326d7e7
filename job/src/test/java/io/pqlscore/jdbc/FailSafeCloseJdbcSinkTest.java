package io.pqlscore.jdbc;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.connector.jdbc.core.datastream.sink.committer.JdbcCommitable;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriterState;
import org.junit.jupiter.api.Test;

/**
 * Closing the wrapped JDBC writer must never throw, whatever the connector throws from a dead
 * connection (an exception from the cleanup of a failing task shuts the TaskManager down), except
 * the JVM's own fatal errors, which must still reach Flink.
 */
class FailSafeCloseJdbcSinkTest {

    @Test
    void anExceptionFromCloseIsSwallowed() {
        assertThatCode(() -> writerThrowing(new IOException("Reestablish JDBC connection failed")).close()).doesNotThrowAnyException();
    }

    /** What pgjdbc 42.7 throws from executeBatch on a closed connection when assertions are on (OutageTest under load). */
    @Test
    void anAssertionErrorFromCloseIsSwallowed() {
        assertThatCode(() -> writerThrowing(new AssertionError("pgStatement.getConnection().getAutoCommit() should not throw")).close())
                .doesNotThrowAnyException();
    }

    @Test
    void aRuntimeExceptionFromCloseIsSwallowed() {
        assertThatCode(() -> writerThrowing(new IllegalStateException("flusher failed")).close()).doesNotThrowAnyException();
    }

    @Test
    void outOfMemoryStillReachesFlink() {
        assertThatThrownBy(() -> writerThrowing(new OutOfMemoryError("Java heap space")).close()).isInstanceOf(OutOfMemoryError.class);
    }

    @Test
    void everythingElseIsTheConnectorsOwn() throws Exception {
        Failing failing = new Failing(null);
        FailSafeCloseJdbcSink.Writer<String, Failing> w = new FailSafeCloseJdbcSink.Writer<>(failing);
        w.write("row", null);
        w.flush(false);
        assertThatCode(() -> w.snapshotState(1)).doesNotThrowAnyException();
        w.close();
        org.assertj.core.api.Assertions.assertThat(failing.calls).containsExactly("write row", "flush false", "snapshot 1", "close");
    }

    private static FailSafeCloseJdbcSink.Writer<String, Failing> writerThrowing(Throwable t) {
        return new FailSafeCloseJdbcSink.Writer<>(new Failing(t));
    }

    /** A writer that records its calls and throws {@code onClose} from close. */
    static final class Failing implements StatefulSinkWriter<String, JdbcWriterState>, CommittingSinkWriter<String, JdbcCommitable> {
        final List<String> calls = new java.util.ArrayList<>();
        private final Throwable onClose;

        Failing(Throwable onClose) {
            this.onClose = onClose;
        }

        @Override
        public void write(String element, Context context) {
            calls.add("write " + element);
        }

        @Override
        public void flush(boolean endOfInput) {
            calls.add("flush " + endOfInput);
        }

        @Override
        public List<JdbcWriterState> snapshotState(long checkpointId) {
            calls.add("snapshot " + checkpointId);
            return List.of();
        }

        @Override
        public Collection<JdbcCommitable> prepareCommit() {
            return List.of();
        }

        @Override
        public void close() throws Exception {
            calls.add("close");
            if (onClose instanceof Exception e) {
                throw e;
            }
            if (onClose instanceof Error e) {
                throw e;
            }
        }
    }
}
