package io.pqlscore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pqlscore.testing.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ApplySchema} against a real PostgreSQL 18 server. */
class ApplySchemaTest {
    static EmbeddedPostgres pg;

    @TempDir
    static Path tmp;
    static Path passwordFile;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = EmbeddedPostgres.launch();
        passwordFile = tmp.resolve("password");
        Files.writeString(passwordFile, pg.password() + "\n");
    }

    @AfterAll
    static void stopPostgres() {
        if (pg != null) {
            pg.close();
        }
    }

    /** Exit code, standard output and standard error of one run. */
    static final class Result {
        int code;
        String out;
        String err;
    }

    static Result apply(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Result r = new Result();
        r.code = ApplySchema.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        r.out = out.toString(StandardCharsets.UTF_8);
        r.err = err.toString(StandardCharsets.UTF_8);
        return r;
    }

    Result applyTo(String url) {
        return apply("--jdbc-url", url, "--jdbc-user", pg.user(), "--jdbc-password-file", passwordFile.toString());
    }

    @Test
    void appliesTwiceTheSecondTimeChangingNothing() throws Exception {
        String url = pg.jdbcUrl() + "?currentSchema=twice";
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA twice");
        }
        Result first = applyTo(url);
        assertThat(first.code).as(first.err).isZero();
        assertThat(first.out)
                .contains("schema twice")
                .contains("table pql_transitions: created")
                .contains("table pql_current_scores: created")
                .contains("index pql_transitions_account_occurred_idx: created")
                .contains("index pql_transitions_tier_to_occurred_idx: created")
                .contains("schema applied: 6 created, 0 already present");
        String before = describe("twice");

        Result second = applyTo(url);
        assertThat(second.code).as(second.err).isZero();
        assertThat(second.out)
                .contains("table pql_transitions: already present, left as it is")
                .contains("table pql_current_scores: already present, left as it is")
                .contains("schema applied: 0 created, 6 already present");
        assertThat(describe("twice")).isEqualTo(before);

        // never the password
        assertThat(first.out + first.err + second.out + second.err).doesNotContain(pg.password());
    }

    @Test
    void tablesHaveTheirPrimaryKeysColumnTypesAndACommentOnEveryColumn() throws Exception {
        String url = pg.jdbcUrl() + "?currentSchema=shape";
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA shape");
        }
        assertThat(applyTo(url).code).isZero();
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            assertThat(primaryKey(s, "shape", "pql_transitions")).containsExactly("event_id");
            assertThat(primaryKey(s, "shape", "pql_current_scores")).containsExactly("kind", "account_id", "user_key");
            assertThat(columnType(s, "shape", "pql_transitions", "event_id")).isEqualTo("uuid");
            assertThat(columnType(s, "shape", "pql_transitions", "score")).isEqualTo("numeric(12,2)");
            assertThat(columnType(s, "shape", "pql_transitions", "occurred_at")).isEqualTo("timestamp with time zone");
            assertThat(columnType(s, "shape", "pql_transitions", "breakdown")).isEqualTo("jsonb");
            assertThat(columnType(s, "shape", "pql_transitions", "sla")).isEqualTo("interval");
            assertThat(columnType(s, "shape", "pql_current_scores", "forgotten")).isEqualTo("boolean");
            assertThat(columnType(s, "shape", "pql_current_scores", "as_of")).isEqualTo("timestamp with time zone");
            assertThat(rows(s, "SELECT attrelid::regclass || '.' || attname FROM pg_attribute"
                    + " WHERE attrelid IN ('shape.pql_transitions'::regclass, 'shape.pql_current_scores'::regclass)"
                    + " AND attnum > 0 AND NOT attisdropped AND col_description(attrelid, attnum) IS NULL"))
                    .as("columns without a comment").isEmpty();
            assertThat(rows(s, "SELECT c FROM unnest(ARRAY['shape.pql_transitions', 'shape.pql_current_scores']) c"
                    + " WHERE obj_description(c::regclass, 'pg_class') IS NULL")).as("tables without a comment").isEmpty();
            // the job's columns, as the sinks write them
            assertThat(rows(s, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'shape'"
                    + " AND table_name = 'pql_transitions' ORDER BY ordinal_position")).containsExactlyElementsOf(
                    JdbcTables.TRANSITION_COLUMNS);
            // user_key is computed: '' for accounts, the user id for users
            s.execute("SET search_path = shape");
            s.execute("INSERT INTO pql_current_scores (kind, account_id, user_id, tier, score, as_of, model_id,"
                    + " model_version, breakdown, forgotten) VALUES"
                    + " ('pqa', 'a1', NULL, 'pqa', 50, now(), 'm', '1', '{}', false),"
                    + " ('pql', 'a1', 'u1', 'hot', 70, now(), 'm', '1', '{}', false)");
            assertThat(rows(s, "SELECT kind || ':' || user_key FROM pql_current_scores ORDER BY kind"))
                    .containsExactly("pqa:", "pql:u1");
        }
    }

    @Test
    void refusesAnExistingTableThatLacksColumnsAndRollsBack() throws Exception {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA legacy");
            s.execute("CREATE TABLE legacy.pql_transitions (event_id UUID PRIMARY KEY, kind TEXT)");
        }
        Result r = applyTo(pg.jdbcUrl() + "?currentSchema=legacy");
        assertThat(r.code).isEqualTo(ApplySchema.FAILED);
        assertThat(r.err).contains("table pql_transitions lacks columns [account_id, user_id,")
                .contains("rolled back");
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            assertThat(rows(s, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'legacy'"))
                    .containsExactly("pql_transitions");
        }
    }

    @Test
    void aWrongPasswordOrAMissingUrlFailsWithoutPrintingThePassword() throws Exception {
        Path wrong = tmp.resolve("wrong");
        Files.writeString(wrong, "not-the-password-42");
        Result r = apply("--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--jdbc-password-file", wrong.toString());
        assertThat(r.code).isEqualTo(ApplySchema.FAILED);
        assertThat(r.err).contains("schema not applied").contains("password authentication failed");
        assertThat(r.out + r.err).doesNotContain("not-the-password-42");

        Result inUrl = apply("--jdbc-url", pg.jdbcUrl() + "?user=" + pg.user() + "&password=" + pg.password()
                + "&currentSchema=inurl");
        assertThat(inUrl.out + inUrl.err).doesNotContain(pg.password()).contains("password=***");

        assertThat(apply().code).isEqualTo(ApplySchema.USAGE);
        assertThat(apply("--jdbc-url", "jdbc:mysql://x/y").code).isEqualTo(ApplySchema.USAGE);
        assertThat(apply("--jdbc-url", pg.jdbcUrl(), "--bogus", "1").err).contains("unknown option --bogus");
    }

    @Test
    void passwordFromAnEnvironmentVariableNameThatIsUnsetMeansNoPassword() {
        Result r = apply("--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--jdbc-password-env",
                "PQL_TEST_SURELY_UNSET_VARIABLE");
        assertThat(r.code).isEqualTo(ApplySchema.FAILED);
        assertThat(r.err).contains("password");
    }

    /**
     * As from the job jar ({@code java -cp pql-scoring-job.jar io.pqlscore.jdbc.ApplySchema}): the
     * jar has no Flink (provided by the cluster), so the command must not touch a Flink type.
     */
    @Test
    void runsWithoutFlinkOnTheClassPath() throws Exception {
        List<URL> urls = new ArrayList<>();
        urls.add(ApplySchema.class.getProtectionDomain().getCodeSource().getLocation()); // target/classes
        urls.add(org.postgresql.Driver.class.getProtectionDomain().getCodeSource().getLocation());
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.contains("jackson") || entry.contains("snakeyaml")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA isolated");
        }
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> loader.loadClass("org.apache.flink.util.function.BiConsumerWithException"))
                    .isInstanceOf(ClassNotFoundException.class);
            Method run = loader.loadClass(ApplySchema.class.getName())
                    .getMethod("run", String[].class, PrintStream.class, PrintStream.class);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Object code = run.invoke(null, new String[] {"--jdbc-url", pg.jdbcUrl() + "?currentSchema=isolated",
                    "--jdbc-user", pg.user(), "--jdbc-password-file", passwordFile.toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isEqualTo(0);
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("schema applied: 6 created");
        }
    }

    @Test
    void splitsTheScriptIntoStatementsWithoutComments() throws Exception {
        List<String> statements = ApplySchema.statements(ApplySchema.schemaScript());
        assertThat(statements).allSatisfy(s -> assertThat(s).doesNotStartWith("--"));
        assertThat(statements.stream().filter(s -> s.startsWith("CREATE TABLE"))).hasSize(2);
        assertThat(statements.stream().filter(s -> s.startsWith("CREATE INDEX"))).hasSize(4);
        assertThat(ApplySchema.statements("SELECT 'a;b'; -- c;d\nSELECT \"x;y\" ;;"))
                .containsExactly("SELECT 'a;b'", "SELECT \"x;y\"");
        assertThat(ApplySchema.statements("COMMENT ON TABLE t IS 'it''s; fine';"))
                .containsExactly("COMMENT ON TABLE t IS 'it''s; fine'");
    }

    static List<String> primaryKey(Statement s, String schema, String table) throws SQLException {
        return rows(s, "SELECT a.attname FROM pg_index i, unnest(i.indkey) WITH ORDINALITY k(attnum, pos)"
                + " JOIN pg_attribute a ON a.attnum = k.attnum"
                + " WHERE i.indisprimary AND i.indrelid = '" + schema + "." + table + "'::regclass"
                + " AND a.attrelid = i.indrelid ORDER BY k.pos");
    }

    static String columnType(Statement s, String schema, String table, String column) throws SQLException {
        return rows(s, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '" + schema + "." + table
                + "'::regclass AND attname = '" + column + "'").get(0);
    }

    /** Tables, columns, indexes and comments of a schema, as text. */
    static String describe(String schema) throws SQLException {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            List<String> all = new ArrayList<>();
            all.addAll(rows(s, "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable"
                    + " FROM information_schema.columns WHERE table_schema = '" + schema + "' ORDER BY 1"));
            all.addAll(rows(s, "SELECT indexdef FROM pg_indexes WHERE schemaname = '" + schema + "' ORDER BY 1"));
            all.addAll(rows(s, "SELECT c.relname || '.' || a.attname || ': ' || col_description(c.oid, a.attnum)"
                    + " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = '" + schema + "' AND a.attnum > 0 ORDER BY 1"));
            return String.join("\n", all);
        }
    }

    static List<String> rows(Statement s, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
