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
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ApplySchema} (Flyway migrations, then the column check) against a real PostgreSQL 18
 * server: an empty schema, a schema set up by the schema script of before Flyway, one shared with
 * other tables, a partial one, runs twice and at once, edited and newer histories, wrong tables.
 * Each test works in a schema of its own ({@code ?currentSchema=}).
 */
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

        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
        }
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

    static Result applyTo(String schema) {
        return apply("--jdbc-url", pg.jdbcUrl() + "?currentSchema=" + schema, "--jdbc-user", pg.user(),
                "--jdbc-password-file", passwordFile.toString());
    }

    static void sql(String... statements) throws SQLException {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** The legacy script run in {@code schema}, as ApplySchema ran it before Flyway. */
    static void legacyApply(String schema, java.util.function.Predicate<String> keep) throws Exception {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("SET search_path = " + schema);
            LegacySchema.apply(c, keep);
        }
    }

    @Test
    void migratesAnEmptySchemaAndASecondRunChangesNothing() throws Exception {
        sql("CREATE SCHEMA twice");
        Result first = applyTo("twice");
        assertThat(first.code).as(first.toString()).isZero();
        assertThat(first.out)
                .contains("schema twice")
                .contains("migration V1 (create tables): applied in")
                .contains("checked: pql_transitions and pql_current_scores have every column the job writes")
                .contains("schema migrated to version 1: 1 migration applied");
        assertThat(first.err).isEmpty();
        assertThat(history("twice")).containsExactly("1|create tables|SQL|V1__create_tables.sql|" + pg.user() + "|true");
        String before = describe("twice");

        Result second = applyTo("twice");
        assertThat(second.code).as(second.toString()).isZero();
        assertThat(second.out).contains("schema up to date at version 1: nothing to apply").doesNotContain("applied in");
        assertThat(describe("twice")).isEqualTo(before);
        assertThat(history("twice")).hasSize(1);

        // never the password
        assertThat(first.out + first.err + second.out + second.err).doesNotContain(pg.password());
    }

    @Test
    void tablesHaveTheirPrimaryKeysColumnTypesAndACommentOnEveryColumn() throws Exception {
        sql("CREATE SCHEMA shape");
        assertThat(applyTo("shape").code).isZero();
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
    void aDatabaseSetUpByTheOldSchemaScriptIsRecordedAsVersion1AndKeepsItsRows() throws Exception {
        sql("CREATE SCHEMA legacy_full");
        legacyApply("legacy_full", sql -> true);
        sql("INSERT INTO legacy_full.pql_current_scores (kind, account_id, user_id, tier, score, as_of, model_id,"
                + " model_version, breakdown, forgotten) VALUES ('pqa', 'a1', NULL, 'pqa', 50, now(), 'm', '1', '{}', false)");
        String before = describe("legacy_full");

        Result r = applyTo("legacy_full");
        assertThat(r.code).as(r.toString()).isZero();
        assertThat(r.out).contains("without a schema history: the schema of V1, created before migrations; recording it as"
                + " version 1 (baseline), V1 is not run")
                .doesNotContain("applied in")
                .contains("schema up to date at version 1: nothing to apply");
        assertThat(history("legacy_full")).singleElement().asString()
                .startsWith("1|" + ApplySchema.BASELINE_V1 + "|BASELINE|").endsWith("|" + pg.user() + "|true");
        assertThat(describe("legacy_full")).isEqualTo(before);
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            assertThat(rows(s, "SELECT account_id FROM legacy_full.pql_current_scores")).containsExactly("a1");
        }

        Result again = applyTo("legacy_full");
        assertThat(again.code).as(again.toString()).isZero();
        assertThat(again.out).contains("schema up to date at version 1: nothing to apply").doesNotContain("baseline");
        assertThat(history("legacy_full")).hasSize(1);
    }

    /** V1 creates exactly what the old script created: the same tables, columns, indexes and comments. */
    @Test
    void v1GivesExactlyTheSchemaOfTheOldScript() throws Exception {
        sql("CREATE SCHEMA old_way", "CREATE SCHEMA new_way");
        legacyApply("old_way", sql -> true);
        assertThat(applyTo("new_way").code).isZero();
        assertThat(describe("new_way").replace("new_way.", "SCHEMA."))
                .isEqualTo(describe("old_way").replace("old_way.", "SCHEMA."))
                .contains("pql_transitions.event_id uuid NO", "CREATE INDEX pql_current_scores_kind_tier_idx");
    }

    @Test
    void v1IsTheOldSchemaScriptStatementForStatementAndIsFrozen() throws Exception {
        List<String> v1 = LegacySchema.statements(LegacySchema.resource(ApplySchema.V1_RESOURCE));
        assertThat(v1).isEqualTo(LegacySchema.statements(LegacySchema.script()));
        assertThat(v1.stream().filter(s -> s.startsWith("CREATE TABLE IF NOT EXISTS"))).hasSize(2);
        assertThat(v1.stream().filter(s -> s.startsWith("CREATE INDEX IF NOT EXISTS"))).hasSize(4);
        assertThat(v1.stream().filter(s -> s.startsWith("CREATE INDEX")).map(s -> s.split("\\s+")[5]))
                .containsExactlyInAnyOrderElementsOf(ApplySchema.V1_INDEXES);
        // Databases hold V1's checksum: an edit, even of a comment, makes Flyway refuse to migrate
        // them. Change the tables with a new script (V2__...sql), never by editing V1.
        byte[] bytes = LegacySchema.resource(ApplySchema.V1_RESOURCE).getBytes(StandardCharsets.UTF_8);
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
                .as("SHA-256 of V1__create_tables.sql: V1 is applied in databases, do not edit it")
                .isEqualTo("29f29374bdf387482e52d35f43fd5278335185947dc5ae5b9afec958196f1fb2");
        // the splitter the legacy helper uses
        assertThat(LegacySchema.statements("SELECT 'a;b'; -- c;d\nSELECT \"x;y\" ;;"))
                .containsExactly("SELECT 'a;b'", "SELECT \"x;y\"");
        assertThat(LegacySchema.statements("COMMENT ON TABLE t IS 'it''s; fine';"))
                .containsExactly("COMMENT ON TABLE t IS 'it''s; fine'");
    }

    @Test
    void aSchemaSharedWithOtherTablesGetsV1() throws Exception {
        sql("CREATE SCHEMA shared", "CREATE TABLE shared.analyst_notes (id INT PRIMARY KEY, note TEXT)");
        Result r = applyTo("shared");
        assertThat(r.code).as(r.toString()).isZero();
        assertThat(r.out).contains("migration V1 (create tables): applied in").contains("schema migrated to version 1");
        assertThat(history("shared")).hasSize(2)
                .anyMatch(h -> h.startsWith("0|" + ApplySchema.BASELINE_V0 + "|BASELINE|"))
                .anyMatch(h -> h.startsWith("1|create tables|SQL|"));
        assertThat(tables("shared")).containsExactlyInAnyOrder("analyst_notes", "flyway_schema_history", "pql_transitions",
                "pql_current_scores");
    }

    @Test
    void aPartOfTheOldSchemaIsCompletedByV1() throws Exception {
        sql("CREATE SCHEMA partial");
        // only pql_transitions and its indexes, with a row
        legacyApply("partial", sql -> !sql.contains("pql_current_scores"));
        sql("INSERT INTO partial.pql_transitions (event_id, kind, account_id, tier_from, tier_to, direction, score,"
                + " occurred_at, cause, emitted_at, model_id, model_version, breakdown, top_signals, traits, route)"
                + " VALUES ('c4d8d74e-ecfe-5422-bc85-41baac01f4d5', 'pqa', 'a1', 'none', 'pqa', 'up', 50, now(), 'event',"
                + " now(), 'm', '1', '{}', '[]', '{}', 'sales')");
        Result r = applyTo("partial");
        assertThat(r.code).as(r.toString()).isZero();
        assertThat(r.out).contains("found pql_transitions without pql_current_scores and without a schema history: V1 completes them")
                .contains("migration V1 (create tables): applied in");
        assertThat(tables("partial")).contains("pql_transitions", "pql_current_scores");
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            assertThat(rows(s, "SELECT account_id FROM partial.pql_transitions")).containsExactly("a1");
        }
    }

    @Test
    void anExistingTableThatLacksColumnsIsRefusedAndNothingChanges() throws Exception {
        sql("CREATE SCHEMA legacy", "CREATE TABLE legacy.pql_transitions (event_id UUID PRIMARY KEY, kind TEXT)");
        Result r = applyTo("legacy");
        assertThat(r.code).isEqualTo(ApplySchema.FAILED);
        assertThat(r.err).contains("table pql_transitions lacks columns [account_id, user_id,")
                .contains("nothing changed").contains("migrate them by hand");
        assertThat(tables("legacy")).containsExactly("pql_transitions");
    }

    @Test
    void theColumnCheckAfterMigratingNamesWhatDiffers() throws Exception {
        sql("CREATE SCHEMA drifted");
        assertThat(applyTo("drifted").code).isZero();
        sql("ALTER TABLE drifted.pql_current_scores DROP COLUMN forgotten");
        Result r = applyTo("drifted");
        assertThat(r.code).as(r.toString()).isEqualTo(ApplySchema.FAILED);
        assertThat(r.err).contains("table pql_current_scores lacks columns [forgotten]")
                .contains("the tables differ from what the job writes (schema drifted, at version 1)");

        sql("CREATE SCHEMA rekeyed");
        assertThat(applyTo("rekeyed").code).isZero();
        sql("ALTER TABLE rekeyed.pql_transitions DROP CONSTRAINT pql_transitions_pkey",
                "ALTER TABLE rekeyed.pql_transitions ADD PRIMARY KEY (event_id, kind)");
        Result k = applyTo("rekeyed");
        assertThat(k.code).isEqualTo(ApplySchema.FAILED);
        assertThat(k.err).contains("table pql_transitions has primary key [event_id, kind], the job needs [event_id]");
    }

    @Test
    void anEditedAppliedScriptIsRefusedByItsChecksum() throws Exception {
        sql("CREATE SCHEMA edited");
        assertThat(applyTo("edited").code).isZero();
        sql("UPDATE edited.flyway_schema_history SET checksum = checksum + 1 WHERE version = '1'");
        Result r = applyTo("edited");
        assertThat(r.code).as(r.toString()).isEqualTo(ApplySchema.FAILED);
        assertThat(r.err).contains("schema not migrated").containsIgnoringCase("checksum mismatch for migration version 1");
    }

    /** A rollback of the jar after a newer one migrated: Flyway leaves unknown newer versions alone, the check still runs. */
    @Test
    void aDatabaseMigratedByANewerJarIsLeftAsItIsAndChecked() throws Exception {
        sql("CREATE SCHEMA newer");
        assertThat(applyTo("newer").code).isZero();
        sql("INSERT INTO newer.flyway_schema_history (installed_rank, version, description, type, script, checksum,"
                + " installed_by, execution_time, success) VALUES (2, '2', 'from the future', 'SQL', 'V2__from_the_future.sql',"
                + " 42, 'someone', 1, true)");
        Result r = applyTo("newer");
        assertThat(r.code).as(r.toString()).isZero();
        assertThat(r.out).contains("checked: pql_transitions and pql_current_scores").contains("nothing to apply");
        assertThat(history("newer")).hasSize(2);
    }

    @Test
    void concurrentRunsTakeTurnsAndMigrateOnce() throws Exception {
        sql("CREATE SCHEMA racing");
        CyclicBarrier start = new CyclicBarrier(2);
        List<CompletableFuture<Result>> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            runs.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return applyTo("racing");
            }));
        }
        List<Result> results = new ArrayList<>();
        for (CompletableFuture<Result> f : runs) {
            results.add(f.get(120, TimeUnit.SECONDS));
        }
        assertThat(results).allSatisfy(r -> assertThat(r.code).as(r.toString()).isZero());
        assertThat(results).filteredOn(r -> r.out.contains("schema migrated to version 1: 1 migration applied")).hasSize(1);
        assertThat(results).filteredOn(r -> r.out.contains("schema up to date at version 1: nothing to apply")).hasSize(1);
        assertThat(history("racing")).hasSize(1);
    }

    @Test
    void aWrongPasswordOrAMissingUrlFailsWithoutPrintingThePassword() throws Exception {
        Path wrong = tmp.resolve("wrong");
        Files.writeString(wrong, "not-the-password-42");
        Result r = apply("--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--jdbc-password-file", wrong.toString());
        assertThat(r.code).isEqualTo(ApplySchema.FAILED);
        assertThat(r.err).contains("schema not applied").contains("password authentication failed");
        assertThat(r.out + r.err).doesNotContain("not-the-password-42");

        sql("CREATE SCHEMA inurl");
        Result inUrl = apply("--jdbc-url", pg.jdbcUrl() + "?user=" + pg.user() + "&password=" + pg.password()
                + "&currentSchema=inurl");
        assertThat(inUrl.code).as(inUrl.toString()).isZero();
        assertThat(inUrl.out + inUrl.err).doesNotContain(pg.password()).contains("password=***");

        assertThat(apply().code).isEqualTo(ApplySchema.USAGE);
        assertThat(apply("--jdbc-url", "jdbc:mysql://x/y").code).isEqualTo(ApplySchema.USAGE);
        assertThat(apply("--jdbc-url", pg.jdbcUrl(), "--bogus", "1").err).contains("unknown option --bogus");
        Result help = apply("--help");
        assertThat(help.code).isZero();
        assertThat(help.out).contains("Usage: pqlscore schema").contains("--jdbc-url=URL");
    }

    @Test
    void aSchemaThatDoesNotExistIsRefused() {
        Result r = applyTo("no_such_schema");
        assertThat(r.code).isEqualTo(ApplySchema.FAILED);
        assertThat(r.err).contains("no schema to create the tables in");
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
     * jar has no Flink (provided by the cluster), so the command must not touch a Flink type; it
     * needs only the job's and core's classes (with db/migration), the driver, Flyway and picocli.
     */
    @Test
    void runsWithoutFlinkOnTheClassPath() throws Exception {
        List<URL> urls = new ArrayList<>();
        urls.add(ApplySchema.class.getProtectionDomain().getCodeSource().getLocation()); // the job module's classes
        urls.add(io.pqlscore.command.Commands.class.getProtectionDomain().getCodeSource().getLocation()); // core's
        urls.add(org.postgresql.Driver.class.getProtectionDomain().getCodeSource().getLocation());
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.contains("jackson") || entry.contains("snakeyaml") || entry.contains("flyway") || entry.contains("picocli")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        sql("CREATE SCHEMA isolated");
        try (URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> loader.loadClass("org.apache.flink.util.function.BiConsumerWithException"))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThatThrownBy(() -> loader.loadClass("org.slf4j.LoggerFactory")).isInstanceOf(ClassNotFoundException.class);
            Method run = loader.loadClass(ApplySchema.class.getName())
                    .getMethod("run", String[].class, PrintStream.class, PrintStream.class);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Object code = run.invoke(null, new String[] {"--jdbc-url", pg.jdbcUrl() + "?currentSchema=isolated",
                    "--jdbc-user", pg.user(), "--jdbc-password-file", passwordFile.toString()},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isEqualTo(0);
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("schema migrated to version 1: 1 migration applied");
        }
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

    /** The job's tables, columns, indexes and comments in a schema, as text (the history table left out). */
    static String describe(String schema) throws SQLException {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            List<String> all = new ArrayList<>();
            all.addAll(rows(s, "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable"
                    + " || ' ' || coalesce(column_default, '') || ' ' || coalesce(generation_expression, '')"
                    + " FROM information_schema.columns WHERE table_schema = '" + schema + "'"
                    + " AND table_name LIKE 'pql\\_%' ORDER BY 1"));
            all.addAll(rows(s, "SELECT indexdef FROM pg_indexes WHERE schemaname = '" + schema + "'"
                    + " AND tablename LIKE 'pql\\_%' ORDER BY 1"));
            all.addAll(rows(s, "SELECT c.relname || '.' || a.attname || ': ' || coalesce(col_description(c.oid, a.attnum), '-')"
                    + " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = '" + schema + "' AND c.relname LIKE 'pql\\_%' AND a.attnum > 0 ORDER BY 1"));
            all.addAll(rows(s, "SELECT c.relname || ': ' || coalesce(obj_description(c.oid, 'pg_class'), '-')"
                    + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname = '" + schema + "' AND c.relname LIKE 'pql\\_%' ORDER BY 1"));
            return String.join("\n", all);
        }
    }

    /** The schema history: version|description|type|script|installed_by|success per row, in order. */
    static List<String> history(String schema) throws SQLException {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            return rows(s, "SELECT concat_ws('|', version, description, type, script, installed_by, success::text)"
                    + " FROM " + schema + "." + ApplySchema.HISTORY_TABLE + " ORDER BY installed_rank");
        }
    }

    static List<String> tables(String schema) throws SQLException {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            return rows(s, "SELECT table_name FROM information_schema.tables WHERE table_schema = '" + schema + "'");
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
