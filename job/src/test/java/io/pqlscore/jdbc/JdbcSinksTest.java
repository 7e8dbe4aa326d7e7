package io.pqlscore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.Connectors;
import io.pqlscore.config.JobOptions;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.pipeline.ScoringStreams;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.TopSignal;
import io.pqlscore.scoring.Transition;
import io.pqlscore.sinks.OutputJson;
import io.pqlscore.testing.EmbeddedPostgres;
import io.pqlscore.testing.ExpectedTransition;
import io.pqlscore.testing.PqlTables;
import io.pqlscore.testing.Schemas;
import io.pqlscore.testing.Shared;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job (file source, parallelism 2) writing to a real PostgreSQL 18 through
 * {@link JdbcSinks}, on conformance case 11-generated: the tables hold exactly the expected
 * transitions with every SPEC 5 field as the other outputs show it, the latest score of every
 * entity, and a second run into the same tables changes nothing. Plus the upsert's {@code as_of}
 * guard statement by statement, as a user with only the documented grants.
 */
class JdbcSinksTest {
    private static final String CASE = "11-generated";

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    @TempDir
    static Path tmp;

    static EmbeddedPostgres pg;
    static Path passwordFile;
    static ScoringModel model;
    static long firstRunStarted;
    /** What the first run's job produced, collected from the same streams the JDBC sinks wrote. */
    static List<Transition> produced;
    static List<CurrentScore> producedScores;

    @BeforeAll
    static void startPostgresAndApplySchema() throws Exception {
        pg = EmbeddedPostgres.launch();
        passwordFile = tmp.resolve("pg-password");
        Files.writeString(passwordFile, pg.password());
        String[] connection = {"--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--jdbc-password-file",
                passwordFile.toString()};
        assertThat(ApplySchema.run(connection, System.out, System.err)).isZero();
        model = ModelLoader.load(Shared.dir().resolve("model-format.yaml"));
    }

    /**
     * The first run, once for the class. Not in {@code @BeforeAll}: the MiniClusterExtension makes
     * its cluster the context environment only around each test.
     */
    @BeforeEach
    void runTheJobOnce() throws Exception {
        if (produced == null) {
            firstRunStarted = System.currentTimeMillis();
            runJob(true);
        }
    }

    @AfterAll
    static void stopPostgres() {
        if (pg != null) {
            pg.close();
        }
    }

    /** Runs the job as ScoringJob does (Connectors picks the JDBC sinks from the options). */
    static void runJob(boolean collect) throws Exception {
        JobOptions options = JobOptions.parse("--input", events().toString(), "--jdbc-url", pg.jdbcUrl(),
                "--jdbc-user", pg.user(), "--jdbc-password-file", passwordFile.toString(), "--parallelism", "2",
                "--jdbc-batch-size", "100");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ScoringStreams streams = new ScoringPipeline(options, model, Connectors.source(options), Connectors.sinks(options))
                .build(env);
        CloseableIterator<Transition> t = collect ? streams.transitions.collectAsync() : null;
        CloseableIterator<CurrentScore> s = collect ? streams.scores.collectAsync() : null;
        env.execute("jdbc test of " + CASE);
        if (collect) {
            produced = new ArrayList<>();
            producedScores = new ArrayList<>();
            t.forEachRemaining(produced::add);
            s.forEachRemaining(producedScores::add);
            t.close();
            s.close();
        }
    }

    static Path events() {
        return Shared.conformance().resolve("cases").resolve(CASE + ".events.jsonl");
    }

    @Test
    void transitionsTableHoldsExactlyTheExpectedTransitions() throws Exception {
        List<ExpectedTransition> expected = new ArrayList<>();
        for (String line : Files.readAllLines(Shared.conformance().resolve("cases").resolve(CASE + ".expected.jsonl"))) {
            if (!line.isBlank()) {
                expected.add(ExpectedTransition.of(JsonValues.MAPPER.readTree(line)));
            }
        }
        List<ExpectedTransition> actual = new ArrayList<>();
        for (ObjectNode row : transitionRows().values()) {
            actual.add(ExpectedTransition.of(row));
        }
        assertThat(expected).hasSize(378);
        assertThat(actual).hasSameSizeAs(expected);
        assertThat(ExpectedTransition.diff(expected, actual)).as("differences between the table and " + CASE).isEmpty();
    }

    @Test
    void everyTransitionRowHasEverySpec5FieldAsTheJobProducedIt() throws Exception {
        Map<String, ObjectNode> rows = transitionRows();
        Map<String, String> expected = new TreeMap<>();
        for (Transition t : produced) {
            expected.put(t.eventId, JsonValues.canonicalJson(OutputJson.transition(t)));
        }
        Map<String, String> actual = new TreeMap<>();
        rows.forEach((id, row) -> actual.put(id, JsonValues.canonicalJson(row)));
        assertThat(actual).isEqualTo(expected);

        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            // SPEC 5 / 6 field rules, as an analyst would query them
            assertThat(count(s, "(kind = 'pqa') <> (user_id IS NULL)")).as("user_id null exactly for accounts").isZero();
            assertThat(count(s, "(kind = 'pqa') <> (active_users_7d IS NOT NULL)")).as("active_users_7d for accounts").isZero();
            assertThat(count(s, "kind NOT IN ('pql', 'pqa') OR direction NOT IN ('up', 'down')"
                    + " OR cause NOT IN ('event', 'tick', 'retention')")).isZero();
            assertThat(count(s, "direction = 'down' AND (route <> 'none' OR sla IS NOT NULL)")).as("down: route none").isZero();
            assertThat(count(s, "(sla IS NULL) <> (respond_by IS NULL) OR respond_by <> occurred_at + sla")).isZero();
            assertThat(count(s, "jsonb_typeof(breakdown) <> 'object' OR breakdown = '{}'::jsonb")).isZero();
            assertThat(count(s, "jsonb_typeof(top_signals) <> 'array' OR jsonb_typeof(traits) <> 'object'")).isZero();
            assertThat(count(s, "model_id <> '" + model.id() + "' OR model_version <> '" + model.version() + "'")).isZero();
            assertThat(count(s, "emitted_at < to_timestamp(" + firstRunStarted / 1000 + ") OR emitted_at > now()")).isZero();
            assertThat(count(s, "score <> round(score, 2)")).isZero();
            // the case exercises both kinds, every cause, SLAs and the active-users count
            assertThat(count(s, "kind = 'pqa'")).isPositive();
            assertThat(count(s, "cause = 'tick'")).isPositive();
            assertThat(count(s, "cause = 'retention'")).isPositive();
            assertThat(count(s, "sla IS NOT NULL")).isPositive();
            assertThat(count(s, "active_users_7d > 0")).isPositive();
            assertThat(count(s, "jsonb_array_length(top_signals) > 0")).isPositive();
        }
    }

    @Test
    void currentScoresHoldOneRowPerEntityWithItsLatestScore() throws Exception {
        // the latest row of every entity by as_of (the last one of equal as_of), as the job produced them
        Map<String, CurrentScore> latest = new LinkedHashMap<>();
        for (CurrentScore cs : producedScores) {
            latest.merge(cs.kind + "|" + cs.accountId + "|" + cs.userId, cs, (old, neu) -> neu.asOf >= old.asOf ? neu : old);
        }
        Map<String, String> expected = new TreeMap<>();
        latest.forEach((k, cs) -> expected.put(k, JsonValues.canonicalJson(OutputJson.currentScore(cs))));

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
                assertThat(rs.getString("user_key")).isEqualTo(rs.getString("user_id") == null ? "" : rs.getString("user_id"));
                String key = n.get("kind").asText() + "|" + n.get("account_id").asText() + "|" + rs.getString("user_id");
                assertThat(actual.put(key, JsonValues.canonicalJson(n))).as("one row per entity: " + key).isNull();
            }
            assertThat(actual).isEqualTo(expected);
            // a bounded replay ends past every retention: every entity has been forgotten, at tier none
            assertThat(count(s, "pql_current_scores", "NOT forgotten OR tier <> 'none'")).isZero();
            assertThat(count(s, "pql_current_scores", "kind = 'pqa'")).isPositive();
            assertThat(count(s, "pql_current_scores", "kind = 'pql'")).isPositive();
        }
        // the job writes an entity's latest row per watermark step (a replay read within a few steps
        // gives about one per entity); the table holds one row per entity whatever their number
        assertThat(producedScores.size()).as("rows produced, one row per entity in the table").isGreaterThanOrEqualTo(actual.size());
    }

    /**
     * The tables hold the SPEC 5 fields as columns (routing flattened): every row, read back in the
     * JSON shape, matches the published schemas (schemas/transition.schema.json,
     * schemas/current-score.schema.json).
     */
    @Test
    void everyRowReadBackMatchesThePublishedSchemas() throws Exception {
        Map<String, ObjectNode> transitions = transitionRows();
        assertThat(transitions).hasSize(378);
        for (ObjectNode row : transitions.values()) {
            Schemas.assertValid(Schemas.TRANSITION, JsonValues.toJson(row), "pql_transitions row");
        }
        Map<String, String> scores = new PqlTables(pg).scoreRows(account -> false, new TreeMap<>());
        assertThat(scores).isNotEmpty();
        scores.forEach((entity, row) -> Schemas.assertValid(Schemas.CURRENT_SCORE, row, "pql_current_scores row of " + entity));
    }

    @Test
    void runningTheSameJobAgainIntoTheSameTablesChangesNothing() throws Exception {
        List<String> transitionsBefore = snapshot("pql_transitions", "event_id");
        List<String> scoresBefore = snapshot("pql_current_scores", "kind, account_id, user_key");
        assertThat(transitionsBefore).hasSize(378);

        runJob(false);

        // every column, emitted_at and updated_at included: nothing was inserted, updated or replaced
        assertThat(snapshot("pql_transitions", "event_id")).isEqualTo(transitionsBefore);
        assertThat(snapshot("pql_current_scores", "kind, account_id, user_key")).isEqualTo(scoresBefore);
    }

    @Test
    void theUpsertKeepsTheNewestAsOfWithOnlyTheDocumentedGrants() throws Exception {
        try (Connection admin = pg.connect(); Statement s = admin.createStatement()) {
            s.execute("CREATE SCHEMA upsert");
            s.execute("CREATE ROLE pql_job LOGIN PASSWORD 'job-secret'");
        }
        assertThat(ApplySchema.run(new String[] {"--jdbc-url", pg.jdbcUrl() + "?currentSchema=upsert", "--jdbc-user",
                pg.user(), "--jdbc-password-file", passwordFile.toString()}, System.out, System.err)).isZero();
        try (Connection admin = pg.connect(); Statement s = admin.createStatement()) {
            // the grants docs/POSTGRES.md documents for the job's user
            s.execute("GRANT USAGE ON SCHEMA upsert TO pql_job");
            s.execute("GRANT SELECT, INSERT ON upsert.pql_transitions TO pql_job");
            s.execute("GRANT SELECT, INSERT, UPDATE ON upsert.pql_current_scores TO pql_job");
        }
        long t = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl() + "?currentSchema=upsert", "pql_job", "job-secret");
                PreparedStatement up = c.prepareStatement(JdbcTables.UPSERT_SCORE)) {
            upsert(up, score("u1", "pql", 45.5, t + 2000, false));
            assertThat(row(c, "u1")).isEqualTo("pql 45.50 10:00:02 false");

            upsert(up, score("u1", "hot", 80, t + 1000, false)); // older as_of: a replay, or a late batch
            assertThat(row(c, "u1")).isEqualTo("pql 45.50 10:00:02 false");

            String version = xmin(c, "u1");
            upsert(up, score("u1", "pql", 45.5, t + 2000, false)); // the same row again: not even rewritten
            assertThat(row(c, "u1")).isEqualTo("pql 45.50 10:00:02 false");
            assertThat(xmin(c, "u1")).isEqualTo(version);

            upsert(up, score("u1", "engaged", 39.99, t + 2000, false)); // a later evaluation at the same instant
            assertThat(row(c, "u1")).isEqualTo("engaged 39.99 10:00:02 false");

            upsert(up, score("u1", "hot", 71.234, t + 3000, false)); // newer
            assertThat(row(c, "u1")).isEqualTo("hot 71.23 10:00:03 false");

            // one batch, out of order, twice the same entity at the newest instant: the newest, last one stays
            upsert(up, score("u1", "hot", 75, t + 5000, false), score("u1", "pql", 50, t + 4000, false),
                    score("u1", "engaged", 30, t + 6000, false), score("u1", "none", 12.5, t + 6000, true),
                    score("u1", "hot", 99, t + 5500, false));
            assertThat(row(c, "u1")).isEqualTo("none 12.50 10:00:06 true");

            // the account (user_id NULL) is its own row beside its user
            upsert(up, score(null, "pqa", 60, t, false));
            upsert(up, score(null, "none", 10, t - 1, false));
            assertThat(row(c, null)).isEqualTo("pqa 60.00 10:00:00 false");
            try (Statement s = c.createStatement()) {
                assertThat(count(s, "pql_current_scores", "true")).isEqualTo(2);
            }

            // transitions: a second insert of the same event_id is skipped, the first emitted_at stays
            try (PreparedStatement ins = c.prepareStatement(JdbcTables.INSERT_TRANSITION)) {
                Transition tr = transition(t, t + 60_000);
                JdbcSinks.bind(ins, tr);
                assertThat(ins.executeUpdate()).isEqualTo(1);
                tr.emittedAt = t + 120_000;
                tr.score = 99;
                JdbcSinks.bind(ins, tr);
                assertThat(ins.executeUpdate()).isZero();
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT score, emitted_at, sla::text, respond_by, user_id,"
                                + " active_users_7d FROM pql_transitions")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getBigDecimal(1)).isEqualByComparingTo("77.66");
                    assertThat(time(rs, "emitted_at")).isEqualTo("2026-03-01T10:01:00.000Z");
                    assertThat(rs.getString(3)).isEqualTo("04:00:00");
                    assertThat(time(rs, "respond_by")).isEqualTo("2026-03-01T14:00:00.000Z");
                    assertThat(rs.getString(5)).isNull();
                    assertThat(rs.getInt(6)).isEqualTo(3);
                    assertThat(rs.next()).isFalse();
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    static CurrentScore score(String userId, String tier, double score, long asOf, boolean forgotten) {
        CurrentScore s = new CurrentScore();
        s.kind = userId == null ? Transition.PQA : Transition.PQL;
        s.accountId = "acme";
        s.userId = userId;
        s.tier = tier;
        s.score = score;
        s.asOf = asOf;
        s.modelId = "default";
        s.modelVersion = "1";
        s.breakdownCategories = new String[] {"frequency", "fit"};
        s.breakdownPoints = new double[] {score - 5, 5};
        s.forgotten = forgotten;
        return s;
    }

    static Transition transition(long occurredAt, long emittedAt) {
        Transition t = new Transition();
        t.eventId = "c4d8d74e-ecfe-5422-bc85-41baac01f4d5";
        t.kind = Transition.PQA;
        t.accountId = "acme";
        t.tierFrom = "none";
        t.tierTo = "pqa";
        t.direction = "up";
        t.score = 77.6649;
        t.occurredAt = occurredAt;
        t.cause = Transition.CAUSE_EVENT;
        t.emittedAt = emittedAt;
        t.modelId = "default";
        t.modelVersion = "1";
        t.breakdownCategories = new String[] {"frequency", "team"};
        t.breakdownPoints = new double[] {15, 20};
        t.topSignals = new TopSignal[] {new TopSignal("active_days", "frequency", 15, occurredAt)};
        t.activeUsers7d = 3;
        t.traitsJson = "{\"account\":{\"employees\":1200}}";
        t.route = "enterprise";
        t.slaMs = 4 * 3_600_000L;
        return t;
    }

    static void upsert(PreparedStatement ps, CurrentScore... scores) throws SQLException {
        for (CurrentScore s : scores) {
            JdbcSinks.bind(ps, s);
            ps.addBatch();
        }
        ps.executeBatch();
    }

    static String row(Connection c, String userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT tier, score, to_char(as_of AT TIME ZONE 'UTC', 'HH24:MI:SS'),"
                + " forgotten FROM pql_current_scores WHERE account_id = 'acme' AND user_id IS NOT DISTINCT FROM ?")) {
            ps.setString(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1) + " " + rs.getBigDecimal(2).toPlainString() + " " + rs.getString(3) + " "
                        + rs.getBoolean(4);
            }
        }
    }

    static String xmin(Connection c, String userId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT xmin::text || '/' || updated_at::text FROM pql_current_scores"
                + " WHERE account_id = 'acme' AND user_id = ?")) {
            ps.setString(1, userId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** The transitions table, each row in the JSON shape of SPEC 5 (routing nested), by event_id. */
    static Map<String, ObjectNode> transitionRows() throws SQLException {
        return new PqlTables(pg).transitionRows();
    }

    static JsonNode json(String text) {
        return JsonValues.parse(text);
    }

    static String time(ResultSet rs, String column) throws SQLException {
        return PqlTables.time(rs, column);
    }

    static long count(Statement s, String where) throws SQLException {
        return count(s, "pql_transitions", where);
    }

    static long count(Statement s, String table, String where) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table + " WHERE " + where)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Every column of every row, as text, in key order. */
    static List<String> snapshot(String table, String orderBy) throws SQLException {
        try (Connection c = pg.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT row_to_json(t)::text FROM " + table + " t ORDER BY " + orderBy)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return rows;
        }
    }
}
