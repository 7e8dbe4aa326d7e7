package io.pqlscore.jdbc;

import io.pqlscore.command.Commands;
import io.pqlscore.command.ExitCodes;
import io.pqlscore.config.JobOptions;
import io.pqlscore.config.Secrets;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.logging.Log;
import org.flywaydb.core.api.logging.LogCreator;
import org.flywaydb.core.api.output.MigrateOutput;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Creates and migrates the job's tables in a PostgreSQL database with Flyway, from the versioned
 * scripts in {@code classpath:db/migration} ({@code V1__create_tables.sql}, ...), then checks that
 * they have what the job writes:
 *
 * <pre>
 * pqlscore schema --jdbc-url jdbc:postgresql://HOST:5432/DB [--jdbc-user USER] [--jdbc-password-file FILE | --jdbc-password-env VAR]
 * </pre>
 *
 * ({@link SchemaCommand}; from the job jar, which has no command line: {@code java -cp pql-scoring-job.jar
 * io.pqlscore.jdbc.ApplySchema ...} with the same options).
 *
 * <p>Run it before every deployment: it applies the scripts the database has not had yet, each in
 * its own transaction, records them (version, checksum, who, when) in the schema history table
 * {@value #HISTORY_TABLE} beside the tables, and does nothing when the database is up to date.
 * Flyway validates first: a database whose applied scripts differ from the jar's (an edited
 * script: another checksum), or that has scripts the jar does not know (a newer jar migrated it),
 * is refused and left as it is.
 *
 * <p><b>Databases from before Flyway.</b> Until this command used Flyway it applied one idempotent
 * script, {@code sql/schema.sql}, whose statements are exactly those of {@code V1}. A schema that
 * holds the job's tables but no history table was made that way (or by hand): the tables are
 * checked first (every column the job writes, the primary keys its upserts name) and refused,
 * unchanged, if they differ. If both tables and their indexes are there, the schema is recorded
 * as version 1 (Flyway's baseline, {@code baselineOnMigrate} with baseline version 1) and V1 is not
 * run; if only part of them is there, V1 runs and completes it ({@code CREATE ... IF NOT EXISTS}).
 * A schema without the job's tables gets V1 whether or not it holds other tables (baseline version
 * 0: an {@code analytics} database shared with other tables is the usual case).
 *
 * <p><b>Locking.</b> The whole run holds a session advisory lock of its own, so concurrent runs
 * (two deployments at once) take turns: the second finds the first one's history and has nothing
 * to do. Flyway adds its own PostgreSQL advisory lock around each migration.
 *
 * <p>After migrating, the tables are checked as before Flyway: each must have every column the
 * job writes and exactly the primary key its {@code ON CONFLICT} clause names; if not, the command
 * names the difference and exits 1. The password comes from a file or an environment variable
 * (default {@code PQL_JDBC_PASSWORD}), as for the job, and is never printed (nor a
 * {@code password=} parameter of the URL, in Flyway's messages too).
 *
 * <p>The job does not apply the schema itself: it runs with a user that may only read and write
 * rows ({@code INSERT}, {@code UPDATE}, {@code SELECT} on its two tables), and schema changes stay
 * a deliberate step run by the tables' owner. No Flink type is touched here, so the command runs
 * from the job jar with a plain {@code java -cp} (Flink is {@code provided}).
 */
public final class ApplySchema {
    /** Where the versioned scripts are, in the job jar. */
    public static final String MIGRATIONS = "classpath:db/migration";
    /** The first script: the tables as sql/schema.sql created them before Flyway. */
    public static final String V1_RESOURCE = "/db/migration/V1__create_tables.sql";
    /** Flyway's schema history table, in the same schema as the job's tables. */
    public static final String HISTORY_TABLE = "flyway_schema_history";

    /** Exit codes: done, the database refused or could not be reached, bad command line. */
    static final int OK = ExitCodes.OK;
    static final int FAILED = ExitCodes.FAILED;
    static final int USAGE = ExitCodes.USAGE;

    /** The session advisory lock that makes concurrent runs take turns ("pqlscore"). */
    private static final long LOCK_KEY = 0x70716c73636f7265L;

    /** The indexes V1 creates beside the tables. */
    static final List<String> V1_INDEXES = List.of("pql_transitions_account_occurred_idx",
            "pql_transitions_tier_to_occurred_idx", "pql_transitions_occurred_idx", "pql_current_scores_kind_tier_idx");

    /** Baseline descriptions in the history: version 1 (the old script's tables), version 0 (other tables only). */
    static final String BASELINE_V1 = "tables created before migrations (sql/schema.sql = V1)";
    static final String BASELINE_V0 = "schema held other tables before V1";

    /** Where Flyway's warnings and errors of the run on this thread go (see {@link FlywayLog}). */
    private static final ThreadLocal<PrintStream> FLYWAY_ERR = new ThreadLocal<>();

    private ApplySchema() {}

    /** The entry point of before the command line: {@code pqlscore schema} ({@link SchemaCommand}). */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** {@code pqlscore schema} with these arguments; returns its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return Commands.execute(new SchemaCommand(), args, out, err);
    }

    /** Migrates and checks the database of {@code o}'s {@code --jdbc-*} options; returns the exit code. */
    static int apply(JobOptions o, PrintStream out, PrintStream err) {
        String password;
        try {
            password = Secrets.jdbcPassword(o);
        } catch (JobOptions.UsageException e) {
            err.println(e.getMessage());
            return USAGE;
        }
        Properties props = new Properties();
        if (o.jdbcUser != null) {
            props.setProperty("user", o.jdbcUser);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        DriverDataSource database = new DriverDataSource(o.jdbcUrl, props);
        try (Connection c = database.getConnection()) {
            DatabaseMetaData md = c.getMetaData();
            String schema = currentSchema(c);
            out.println("connected to " + redact(o.jdbcUrl) + " as " + md.getUserName() + " ("
                    + md.getDatabaseProductName() + " " + md.getDatabaseProductVersion() + "), schema " + schema);
            if (schema == null) {
                err.println("schema not applied: no schema to create the tables in (the URL's currentSchema, or the"
                        + " user's search_path, names no existing schema): create it first");
                return FAILED;
            }
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_lock(" + LOCK_KEY + ")");
            }
            try {
                return migrate(c, database, schema, out, err);
            } finally {
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT pg_advisory_unlock(" + LOCK_KEY + ")");
                }
            }
        } catch (SQLException e) {
            err.println("schema not applied: " + redact(String.valueOf(e.getMessage()))
                    + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")"));
            return FAILED;
        }
    }

    private static int migrate(Connection c, DataSource database, String schema, PrintStream out, PrintStream err)
            throws SQLException {
        boolean history = tableExists(c, HISTORY_TABLE);
        String baselineVersion = "0";
        String baselineDescription = BASELINE_V0;
        if (!history) {
            boolean transitions = tableExists(c, JdbcTables.TRANSITIONS);
            boolean scores = tableExists(c, JdbcTables.SCORES);
            if (transitions || scores) {
                List<String> problems = new ArrayList<>();
                if (transitions) {
                    problems.addAll(check(c, JdbcTables.TRANSITIONS));
                }
                if (scores) {
                    problems.addAll(check(c, JdbcTables.SCORES));
                }
                if (!problems.isEmpty()) {
                    problems.forEach(err::println);
                    err.println("schema not applied, nothing changed: the job's tables are there without a schema history"
                            + " (" + HISTORY_TABLE + "), and differ from " + V1_RESOURCE + "; migrate them by hand");
                    return FAILED;
                }
                List<String> missingIndexes = missingIndexes(c);
                if (transitions && scores && missingIndexes.isEmpty()) {
                    baselineVersion = "1";
                    baselineDescription = BASELINE_V1;
                    out.println("found " + JdbcTables.TRANSITIONS + " and " + JdbcTables.SCORES + " with their indexes and"
                            + " without a schema history: the schema of V1, created before migrations; recording it as"
                            + " version 1 (baseline), V1 is not run");
                } else {
                    out.println("found " + (transitions && scores ? "the job's tables without all their indexes"
                            : transitions ? JdbcTables.TRANSITIONS + " without " + JdbcTables.SCORES
                            : JdbcTables.SCORES + " without " + JdbcTables.TRANSITIONS)
                            + " and without a schema history: V1 completes them (CREATE ... IF NOT EXISTS keeps what is there)");
                }
            }
        }
        MigrateResult result;
        FLYWAY_ERR.set(err);
        try {
            Flyway flyway = Flyway.configure(ApplySchema.class.getClassLoader())
                    .dataSource(database)
                    .locations(MIGRATIONS)
                    .failOnMissingLocations(true)
                    .table(HISTORY_TABLE)
                    .baselineOnMigrate(!history)
                    .baselineVersion(baselineVersion)
                    .baselineDescription(baselineDescription)
                    .createSchemas(false)
                    .placeholderReplacement(false)
                    .validateMigrationNaming(true)
                    .cleanDisabled(true)
                    .loggers(FlywayLog.class.getName())
                    .load();
            result = flyway.migrate();
        } catch (FlywayException e) {
            err.println("schema not migrated: " + redact(oneLine(e.getMessage())));
            return FAILED;
        } finally {
            FLYWAY_ERR.remove();
        }
        for (MigrateOutput m : result.migrations) {
            out.println("migration V" + m.version + " (" + m.description + "): applied in " + m.executionTime + " ms");
        }
        for (String w : result.warnings == null ? List.<String>of() : result.warnings) {
            err.println("warning: " + redact(oneLine(w)));
        }
        if (!result.success) {
            err.println("schema not migrated: Flyway reported a failure");
            return FAILED;
        }
        List<String> problems = new ArrayList<>();
        problems.addAll(check(c, JdbcTables.TRANSITIONS));
        problems.addAll(check(c, JdbcTables.SCORES));
        if (!problems.isEmpty()) {
            problems.forEach(err::println);
            err.println("the tables differ from what the job writes (schema " + schema + ", at version "
                    + version(result) + "): fix them by hand or with a migration script");
            return FAILED;
        }
        out.println("checked: " + JdbcTables.TRANSITIONS + " and " + JdbcTables.SCORES
                + " have every column the job writes and the keys its upserts need");
        out.println(result.migrationsExecuted == 0
                ? "schema up to date at version " + version(result) + ": nothing to apply"
                : "schema migrated to version " + version(result) + ": " + result.migrationsExecuted + " migration"
                        + (result.migrationsExecuted == 1 ? "" : "s") + " applied");
        return OK;
    }

    private static String version(MigrateResult r) {
        return r.targetSchemaVersion != null ? r.targetSchemaVersion
                : r.initialSchemaVersion != null ? r.initialSchemaVersion : "none";
    }

    /**
     * The table's problems (none when fine): it must have every column the sink writes and exactly
     * the primary key its ON CONFLICT names.
     */
    static List<String> check(Connection c, String table) throws SQLException {
        List<String> columns = table.equals(JdbcTables.TRANSITIONS) ? JdbcTables.TRANSITION_COLUMNS : JdbcTables.SCORE_COLUMNS;
        List<String> key = table.equals(JdbcTables.TRANSITIONS) ? JdbcTables.TRANSITION_KEY : JdbcTables.SCORE_KEY;
        List<String> problems = new ArrayList<>();
        Set<String> have = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT column_name FROM information_schema.columns"
                + " WHERE table_schema = current_schema() AND table_name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    have.add(rs.getString(1));
                }
            }
        }
        if (have.isEmpty()) {
            problems.add("table " + table + " is missing");
            return problems;
        }
        Set<String> needed = new LinkedHashSet<>(columns);
        needed.addAll(key);
        List<String> missing = new ArrayList<>();
        for (String col : needed) {
            if (!have.contains(col)) {
                missing.add(col);
            }
        }
        if (!missing.isEmpty()) {
            problems.add("table " + table + " lacks columns " + missing);
            return problems;
        }
        Set<String> pk = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname FROM pg_index i"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " WHERE i.indrelid = to_regclass(quote_ident(current_schema()) || '.' || ?) AND i.indisprimary")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pk.add(rs.getString(1));
                }
            }
        }
        if (!pk.equals(new LinkedHashSet<>(key))) {
            problems.add("table " + table + " has primary key " + pk + ", the job needs " + key);
        }
        return problems;
    }

    private static boolean tableExists(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT to_regclass(quote_ident(current_schema()) || '.' || quote_ident(?)) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static List<String> missingIndexes(Connection c) throws SQLException {
        List<String> missing = new ArrayList<>();
        for (String index : V1_INDEXES) {
            if (!tableExists(c, index)) { // to_regclass finds indexes too
                missing.add(index);
            }
        }
        return missing;
    }

    private static String currentSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_schema()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A password given as a URL parameter is never printed. */
    static String redact(String text) {
        return text == null ? null : text.replaceAll("(?i)(password=)[^&;\\s]*", "$1***");
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /**
     * Connections from the PostgreSQL driver directly, not through DriverManager: works whatever
     * class loader holds the driver (the job jar, a plugin class loader).
     */
    static final class DriverDataSource implements DataSource {
        private final String url;
        private final Properties props;

        DriverDataSource(String url, Properties props) {
            this.url = url;
            this.props = props;
        }

        @Override
        public Connection getConnection() throws SQLException {
            Connection c = new org.postgresql.Driver().connect(url, props);
            if (c == null) {
                throw new SQLException("not a PostgreSQL URL: " + redact(url));
            }
            return c;
        }

        @Override
        public Connection getConnection(String user, String password) throws SQLException {
            throw new SQLFeatureNotSupportedException("the credentials are the command's");
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
            // no driver logging
        }

        @Override
        public void setLoginTimeout(int seconds) {
            // the driver's own (loginTimeout in the URL)
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            if (iface.isInstance(this)) {
                return iface.cast(this);
            }
            throw new SQLException("not a wrapper of " + iface.getName());
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return iface.isInstance(this);
        }
    }

    /**
     * Flyway's log ({@code loggers}): its warnings and errors go to the command's standard error,
     * with any URL password redacted; its progress messages are left out (the command prints what
     * it did from Flyway's result). Warnings outside a run (another thread) go to System.err.
     */
    public static final class FlywayLog implements LogCreator {
        public FlywayLog() {}

        @Override
        public Log createLogger(Class<?> clazz) {
            return new Log() {
                @Override
                public boolean isDebugEnabled() {
                    return false;
                }

                @Override
                public void debug(String message) {}

                @Override
                public void info(String message) {}

                @Override
                public void warn(String message) {
                    print("flyway warning: " + message);
                }

                @Override
                public void error(String message) {
                    print("flyway error: " + message);
                }

                @Override
                public void error(String message, Exception e) {
                    print("flyway error: " + message + (e == null ? "" : " (" + e.getMessage() + ")"));
                }

                @Override
                public void notice(String message) {}
            };
        }

        private static void print(String message) {
            PrintStream err = FLYWAY_ERR.get();
            (err != null ? err : System.err).println(redact(oneLine(message)));
        }
    }
}
