package io.pqlscore.jdbc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.config.JobOptions;
import io.pqlscore.config.Secrets;
import io.pqlscore.model.JsonValues;
import io.pqlscore.pipeline.ScoringSinks;
import io.pqlscore.pipeline.ScoringStreams;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.Transition;
import io.pqlscore.sinks.OutputJson;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;

/**
 * Transitions and current scores to PostgreSQL (tables of {@code db/migration/V1__create_tables.sql}, statements of
 * {@link JdbcTables}), SPEC 5.
 *
 * <p><b>Effectively exactly-once tables from an at-least-once sink.</b> Flink's JDBC sink is used
 * in its at-least-once mode: it batches rows, flushes a batch when it is full, after
 * {@code --jdbc-flush-interval}, and before every checkpoint completes (so a checkpoint never
 * covers rows that are not in the database), and retries a failed batch
 * {@code --jdbc-max-retries} times on a fresh connection before failing the job. After a failure
 * the job restarts from its last checkpoint and writes again the rows since then, some of them
 * already in the tables. Both statements are idempotent, so the tables end up exactly as after an
 * uninterrupted run:
 *
 * <ul>
 *   <li>transitions: {@code INSERT ... ON CONFLICT (event_id) DO NOTHING}. {@code event_id} is
 *       deterministic (the same transition has the same id in every run), so a replayed row is
 *       skipped, and the first run's {@code emitted_at} stays;
 *   <li>current scores: {@code INSERT ... ON CONFLICT (kind, account_id, user_key) DO UPDATE ...
 *       WHERE} the stored {@code as_of} is older than the new one, or equal with different
 *       contents. An older row (replayed after a restart) never replaces a newer one; an
 *       identical one is not written again (the row, {@code updated_at} included,
 *       stays as it is). Rows with equal {@code as_of} (two evaluations at the same instant) are
 *       applied in the order the scorer produced them, the last one staying: one entity's rows
 *       come from one scorer subtask through one sink subtask in order, and PostgreSQL runs the
 *       statements of a JDBC batch in order, so a batch holding several rows of the same entity
 *       leaves its newest.
 * </ul>
 *
 * <p><b>Outages.</b> While the database is down, a failed batch is retried on a new connection;
 * when that fails too, the job fails over and restarts from its last checkpoint with the restart
 * strategy's growing pauses ({@code flink-conf/config.yaml}), until the database is back. The
 * writers are wrapped in {@link FailSafeCloseJdbcSink}: the connector's writer throws again when a
 * failing task closes it, which Flink treats as fatal for the whole TaskManager.
 *
 * <p>Do not add {@code reWriteBatchedInserts=true} to the URL: the driver would fold a batch into
 * one multi-row INSERT, and PostgreSQL refuses an {@code ON CONFLICT DO UPDATE} that touches the
 * same row twice in one statement.
 *
 * <p>JSONB columns get the same JSON text as the other outputs ({@link OutputJson}), bound as text
 * and cast ({@code ?::jsonb}); scores are {@code NUMERIC(12,2)}, rounded as in JSON.
 */
public final class JdbcSinks implements ScoringSinks {
    private static final long serialVersionUID = 1L;

    public static final String DRIVER = "org.postgresql.Driver";

    private final JobOptions options;

    public JdbcSinks(JobOptions options) {
        this.options = options;
    }

    @Override
    public void attach(ScoringStreams streams) {
        JdbcExecutionOptions execution = executionOptions(options);
        JdbcConnectionOptions connection = connectionOptions(options);
        streams.transitions
                .sinkTo(new FailSafeCloseJdbcSink<>(JdbcSink.<Transition>builder()
                        .withQueryStatement(JdbcTables.INSERT_TRANSITION, new TransitionStatement())
                        .withExecutionOptions(execution)
                        .buildAtLeastOnce(connection)))
                .uid("transitions-jdbc-sink").name("transitions to " + JdbcTables.TRANSITIONS);
        streams.scores
                .sinkTo(new FailSafeCloseJdbcSink<>(JdbcSink.<CurrentScore>builder()
                        .withQueryStatement(JdbcTables.UPSERT_SCORE, new ScoreStatement())
                        .withExecutionOptions(execution)
                        .buildAtLeastOnce(connection)))
                .uid("scores-jdbc-sink").name("current scores to " + JdbcTables.SCORES);
    }

    static JdbcExecutionOptions executionOptions(JobOptions o) {
        return JdbcExecutionOptions.builder()
                .withBatchSize(o.jdbcBatchSize)
                .withBatchIntervalMs(o.jdbcFlushInterval.toMillis())
                .withMaxRetries(o.jdbcMaxRetries)
                .build();
    }

    /**
     * The connection: URL and user from the options, the password from {@link Secrets} (file or
     * environment variable, read where the job is built). It travels inside the job graph to the
     * task managers, like the connector requires; it is never logged.
     */
    static JdbcConnectionOptions connectionOptions(JobOptions o) {
        JdbcConnectionOptions.JdbcConnectionOptionsBuilder b = new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                .withUrl(o.jdbcUrl)
                .withDriverName(DRIVER)
                .withConnectionCheckTimeoutSeconds(60);
        if (o.jdbcUser != null) {
            b.withUsername(o.jdbcUser);
        }
        String password = Secrets.jdbcPassword(o);
        if (password != null) {
            b.withPassword(password);
        }
        return b.build();
    }

    /** Binds a transition to {@link JdbcTables#INSERT_TRANSITION}. */
    public static void bind(PreparedStatement ps, Transition t) throws SQLException {
        ObjectNode n = OutputJson.transition(t);
        ps.setObject(1, UUID.fromString(t.eventId));
        ps.setString(2, t.kind);
        ps.setString(3, t.accountId);
        setNullableString(ps, 4, t.userId);
        ps.setString(5, t.tierFrom);
        ps.setString(6, t.tierTo);
        ps.setString(7, t.direction);
        ps.setBigDecimal(8, OutputJson.round(t.score));
        ps.setObject(9, timestamp(t.occurredAt));
        ps.setString(10, t.cause);
        ps.setObject(11, timestamp(t.emittedAt));
        ps.setString(12, t.modelId);
        ps.setString(13, t.modelVersion);
        ps.setString(14, JsonValues.toJson(n.get("breakdown")));
        ps.setString(15, JsonValues.toJson(n.get("top_signals")));
        if (t.activeUsers7d < 0) {
            ps.setNull(16, Types.INTEGER);
        } else {
            ps.setInt(16, t.activeUsers7d);
        }
        ps.setString(17, JsonValues.toJson(n.get("traits")));
        ObjectNode routing = (ObjectNode) n.get("routing");
        ps.setString(18, routing.get("route").asText());
        if (t.slaMs > 0) {
            ps.setString(19, routing.get("sla").asText()); // ISO-8601 duration, e.g. PT4H
            ps.setObject(20, timestamp(t.occurredAt + t.slaMs));
        } else {
            ps.setNull(19, Types.VARCHAR);
            ps.setNull(20, Types.TIMESTAMP_WITH_TIMEZONE);
        }
    }

    /** Binds a current score to {@link JdbcTables#UPSERT_SCORE}. */
    public static void bind(PreparedStatement ps, CurrentScore s) throws SQLException {
        ObjectNode n = OutputJson.currentScore(s);
        ps.setString(1, s.kind);
        ps.setString(2, s.accountId);
        setNullableString(ps, 3, s.userId);
        ps.setString(4, s.tier);
        ps.setBigDecimal(5, OutputJson.round(s.score));
        ps.setObject(6, timestamp(s.asOf));
        ps.setString(7, s.modelId);
        ps.setString(8, s.modelVersion);
        ps.setString(9, JsonValues.toJson(n.get("breakdown")));
        ps.setBoolean(10, s.forgotten);
    }

    private static void setNullableString(PreparedStatement ps, int i, String v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.VARCHAR);
        } else {
            ps.setString(i, v);
        }
    }

    private static OffsetDateTime timestamp(long epochMillis) {
        return OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }

    static final class TransitionStatement implements JdbcStatementBuilder<Transition> {
        private static final long serialVersionUID = 1L;

        @Override
        public void accept(PreparedStatement ps, Transition t) throws SQLException {
            bind(ps, t);
        }
    }

    static final class ScoreStatement implements JdbcStatementBuilder<CurrentScore> {
        private static final long serialVersionUID = 1L;

        @Override
        public void accept(PreparedStatement ps, CurrentScore s) throws SQLException {
            bind(ps, s);
        }
    }
}
