package io.pqlscore.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.events.Timestamps;
import io.pqlscore.model.JsonValues;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.sinks.OutputJson;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Reads the job's PostgreSQL tables back into the JSON shapes of SPEC 5, so that tests compare
 * them with the other outputs and with the conformance cases: {@code pql_transitions} by
 * {@code event_id}, {@code pql_current_scores} by entity.
 */
public final class PqlTables {
    /** Opens a connection to the database holding the tables. */
    public interface Connections {
        Connection connect() throws SQLException;
    }

    private final Connections pg;

    public PqlTables(EmbeddedPostgres pg) {
        this.pg = pg::connect;
    }

    /** The tables of a database that runs elsewhere. */
    public PqlTables(String jdbcUrl, String user, String password) {
        this.pg = () -> java.sql.DriverManager.getConnection(jdbcUrl, user, password);
    }

    /** {@code pql_transitions}, each row in the JSON shape of SPEC 5 (routing nested), by event_id. */
    public Map<String, ObjectNode> transitionRows() throws SQLException {
        Map<String, ObjectNode> out = new HashMap<>();
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("SET IntervalStyle = iso_8601");
            try (ResultSet rs = s.executeQuery("SELECT * FROM pql_transitions")) {
                while (rs.next()) {
                    ObjectNode n = JsonValues.MAPPER.createObjectNode();
                    n.put("event_id", rs.getString("event_id"));
                    for (String col : List.of("kind", "account_id", "user_id", "tier_from", "tier_to", "direction")) {
                        n.put(col, rs.getString(col));
                    }
                    n.put("score", rs.getBigDecimal("score"));
                    n.put("occurred_at", time(rs, "occurred_at"));
                    n.put("cause", rs.getString("cause"));
                    n.put("emitted_at", time(rs, "emitted_at"));
                    n.put("model_id", rs.getString("model_id"));
                    n.put("model_version", rs.getString("model_version"));
                    n.set("breakdown", JsonValues.parse(rs.getString("breakdown")));
                    n.set("top_signals", JsonValues.parse(rs.getString("top_signals")));
                    Object active = rs.getObject("active_users_7d");
                    if (active == null) {
                        n.putNull("active_users_7d");
                    } else {
                        n.put("active_users_7d", ((Number) active).intValue());
                    }
                    n.set("traits", JsonValues.parse(rs.getString("traits")));
                    ObjectNode routing = n.putObject("routing");
                    routing.put("route", rs.getString("route"));
                    routing.put("sla", rs.getString("sla"));
                    routing.put("respond_by", time(rs, "respond_by"));
                    if (out.put(rs.getString("event_id"), n) != null) {
                        throw new AssertionError("event_id twice in pql_transitions: " + rs.getString("event_id"));
                    }
                }
            }
        }
        return out;
    }

    /**
     * {@code pql_current_scores} in the JSON shape of SPEC 5, by entity ({@link #scoreKey}); rows
     * whose account id matches {@code aside} go to {@code asideRows} instead (e.g. accounts a test
     * added only to move watermarks).
     */
    public Map<String, String> scoreRows(Predicate<String> aside, Map<String, String> asideRows) throws SQLException {
        Map<String, String> actual = new TreeMap<>();
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT * FROM pql_current_scores")) {
            while (rs.next()) {
                ObjectNode n = JsonValues.MAPPER.createObjectNode();
                n.put("kind", rs.getString("kind"));
                n.put("account_id", rs.getString("account_id"));
                n.put("user_id", rs.getString("user_id"));
                n.put("tier", rs.getString("tier"));
                n.put("score", rs.getBigDecimal("score"));
                n.put("as_of", time(rs, "as_of"));
                n.put("model_id", rs.getString("model_id"));
                n.put("model_version", rs.getString("model_version"));
                n.set("breakdown", JsonValues.parse(rs.getString("breakdown")));
                n.put("forgotten", rs.getBoolean("forgotten"));
                String key = scoreKey(rs.getString("kind"), rs.getString("account_id"), rs.getString("user_id"));
                Map<String, String> into = aside.test(rs.getString("account_id")) ? asideRows : actual;
                if (into.put(key, JsonValues.canonicalJson(n)) != null) {
                    throw new AssertionError("two rows for one entity in pql_current_scores: " + key);
                }
            }
        }
        return actual;
    }

    /** {@code SELECT count(*) FROM <from>}. */
    public int count(String from) throws SQLException {
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM " + from)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The latest score of each entity (the last one of equal as_of), as SPEC 5 JSON, by entity: what the table must hold. */
    public static Map<String, String> latestScores(List<CurrentScore> scores) {
        Map<String, CurrentScore> latest = new LinkedHashMap<>();
        for (CurrentScore cs : scores) {
            latest.merge(scoreKey(cs.kind, cs.accountId, cs.userId), cs, (old, neu) -> neu.asOf >= old.asOf ? neu : old);
        }
        Map<String, String> out = new TreeMap<>();
        latest.forEach((k, cs) -> out.put(k, JsonValues.canonicalJson(OutputJson.currentScore(cs))));
        return out;
    }

    /** An entity: {@code kind|account_id|user_id} (empty user for accounts). */
    public static String scoreKey(String kind, String accountId, String userId) {
        return kind + "|" + accountId + "|" + (userId == null ? "" : userId);
    }

    /** A TIMESTAMPTZ column as SPEC 5 text (UTC, milliseconds), or null. */
    public static String time(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : Timestamps.format(t.toInstant().toEpochMilli());
    }
}
