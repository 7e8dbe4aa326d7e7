package io.pqlscore.jdbc;

import io.pqlscore.ops.JobOptions;
import io.pqlscore.ops.Secrets;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Creates the job's tables ({@code classpath:/sql/schema.sql}) in a PostgreSQL database, and
 * checks that they have what the job writes:
 *
 * <pre>
 * java -cp pql-scoring-job.jar io.pqlscore.jdbc.ApplySchema --jdbc-url jdbc:postgresql://HOST:5432/DB \
 *     [--jdbc-user USER] [--jdbc-password-file FILE | --jdbc-password-env VAR]
 * </pre>
 *
 * <p>Idempotent: run it before every deployment. One transaction (PostgreSQL DDL is
 * transactional) under an advisory lock, so concurrent runs and failures never leave a half
 * schema. It never alters an existing table; if one lacks a column the job writes, or its primary
 * key differs, it says so and exits 1 (migrate by hand). The password comes from a file or an
 * environment variable (default {@code PQL_JDBC_PASSWORD}), as for the job, and is never printed.
 *
 * <p>The job does not apply the schema itself: it runs with a user that may only read and write
 * rows ({@code INSERT}, {@code UPDATE}, {@code SELECT} on its two tables), and schema changes stay
 * a deliberate step run by the tables' owner.
 */
public final class ApplySchema {
    public static final String SCHEMA_RESOURCE = "/sql/schema.sql";

    /** Exit codes: done, the database refused or could not be reached, bad command line. */
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final long LOCK_KEY = 0x70716c73636f7265L; // "pqlscore"

    private static final Pattern CREATE_TABLE = Pattern.compile("(?is)^CREATE\\s+TABLE\\s+IF\\s+NOT\\s+EXISTS\\s+([\\w.]+).*");
    private static final Pattern CREATE_INDEX =
            Pattern.compile("(?is)^CREATE\\s+(?:UNIQUE\\s+)?INDEX\\s+IF\\s+NOT\\s+EXISTS\\s+([\\w.]+).*");

    private ApplySchema() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        JobOptions o;
        try {
            o = parse(args);
        } catch (JobOptions.UsageException e) {
            err.println(e.getMessage());
            return USAGE;
        }
        if (o == null) {
            out.print(usage());
            return OK;
        }
        List<String> statements;
        try {
            statements = statements(schemaScript());
        } catch (IOException e) {
            err.println("cannot read " + SCHEMA_RESOURCE + ": " + e.getMessage());
            return FAILED;
        }
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
        // The driver directly, not DriverManager: works whatever class loader holds the driver.
        try (Connection c = new org.postgresql.Driver().connect(o.jdbcUrl, props)) {
            DatabaseMetaData md = c.getMetaData();
            out.println("connected to " + redact(o.jdbcUrl) + " as " + md.getUserName() + " ("
                    + md.getDatabaseProductName() + " " + md.getDatabaseProductVersion() + "), schema "
                    + currentSchema(c));
            c.setAutoCommit(false);
            try {
                int code = apply(c, statements, out, err);
                if (code == OK) {
                    c.commit();
                } else {
                    c.rollback();
                }
                return code;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            err.println("schema not applied: " + e.getMessage() + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")"));
            return FAILED;
        }
    }

    private static int apply(Connection c, List<String> statements, PrintStream out, PrintStream err) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
        }
        int created = 0;
        int present = 0;
        int comments = 0;
        int other = 0;
        for (String sql : statements) {
            boolean existed;
            try (Statement s = c.createStatement()) {
                s.execute(sql);
                existed = alreadyExists(s.getWarnings());
            }
            Matcher table = CREATE_TABLE.matcher(sql);
            Matcher index = CREATE_INDEX.matcher(sql);
            if (table.matches() || index.matches()) {
                String what = table.matches() ? "table " + table.group(1) : "index " + index.group(1);
                out.println(what + ": " + (existed ? "already present, left as it is" : "created"));
                if (existed) {
                    present++;
                } else {
                    created++;
                }
                if (table.matches() && !checkTable(c, table.group(1), err)) {
                    return FAILED; // before its indexes and comments fail on a missing column
                }
            } else if (sql.regionMatches(true, 0, "COMMENT ON", 0, 10)) {
                comments++;
            } else {
                out.println("ran: " + firstLine(sql));
                other++;
            }
        }
        if (comments > 0) {
            out.println("comments: " + comments + " set");
        }
        if (!checkTable(c, JdbcTables.TRANSITIONS, err) || !checkTable(c, JdbcTables.SCORES, err)) {
            return FAILED;
        }
        out.println("checked: " + JdbcTables.TRANSITIONS + " and " + JdbcTables.SCORES
                + " have every column the job writes and the keys its upserts need");
        out.println("schema applied: " + created + " created, " + present + " already present"
                + (other > 0 ? ", " + other + " other statements" : "") + " (" + statements.size() + " statements, one transaction)");
        return OK;
    }

    /** Checks one of the job's tables (others pass); prints the problems and returns false if any. */
    private static boolean checkTable(Connection c, String table, PrintStream err) throws SQLException {
        List<String> problems = new ArrayList<>();
        if (table.equals(JdbcTables.TRANSITIONS)) {
            check(c, table, JdbcTables.TRANSITION_COLUMNS, JdbcTables.TRANSITION_KEY, problems);
        } else if (table.equals(JdbcTables.SCORES)) {
            check(c, table, JdbcTables.SCORE_COLUMNS, JdbcTables.SCORE_KEY, problems);
        }
        for (String p : problems) {
            err.println(p);
        }
        if (!problems.isEmpty()) {
            err.println("schema not applied (rolled back): the existing table differs from " + SCHEMA_RESOURCE
                    + "; migrate it by hand");
        }
        return problems.isEmpty();
    }

    /** The table must have every column the sink writes and exactly the primary key its ON CONFLICT names. */
    private static void check(Connection c, String table, List<String> columns, List<String> key, List<String> problems)
            throws SQLException {
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
            return;
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
    }

    private static boolean alreadyExists(SQLWarning w) {
        for (; w != null; w = w.getNextWarning()) {
            if (w.getMessage() != null && w.getMessage().contains("already exists")) {
                return true;
            }
        }
        return false;
    }

    private static String currentSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_schema()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The options this command takes: the job's --jdbc-* connection options, nothing else. */
    static JobOptions parse(String[] args) {
        JobOptions o = new JobOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                return null;
            }
            if (!a.startsWith("--")) {
                throw new JobOptions.UsageException("unexpected argument '" + a + "'\n" + usage());
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            }
            if (value == null) {
                throw new JobOptions.UsageException("--" + name + " needs a value\n" + usage());
            }
            switch (name) {
                case "jdbc-url": o.jdbcUrl = value; break;
                case "jdbc-user": o.jdbcUser = value; break;
                case "jdbc-password-file": o.jdbcPasswordFile = value; break;
                case "jdbc-password-env": o.jdbcPasswordEnv = value; break;
                default: throw new JobOptions.UsageException("unknown option --" + name + "\n" + usage());
            }
        }
        if (o.jdbcUrl == null) {
            throw new JobOptions.UsageException("--jdbc-url is required\n" + usage());
        }
        if (!o.jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new JobOptions.UsageException("--jdbc-url must be a PostgreSQL URL (jdbc:postgresql://HOST:PORT/DB), got "
                    + redact(o.jdbcUrl));
        }
        return o;
    }

    static String usage() {
        return "usage: ApplySchema --jdbc-url jdbc:postgresql://HOST:5432/DB [--jdbc-user USER]\n"
                + "                   [--jdbc-password-file FILE | --jdbc-password-env VAR (default PQL_JDBC_PASSWORD)]\n"
                + "creates the tables " + JdbcTables.TRANSITIONS + " and " + JdbcTables.SCORES
                + " if missing (idempotent, one transaction)\n";
    }

    /** A password given as a URL parameter is never printed. */
    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    static String schemaScript() throws IOException {
        try (InputStream in = ApplySchema.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new IOException("not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Splits a script into statements at each {@code ;} outside quotes, identifiers and
     * {@code --} comments, dropping the comments (enough for schema.sql: no dollar quoting).
     */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int n = script.length();
        for (int i = 0; i < n; i++) {
            char ch = script.charAt(i);
            if (ch == '-' && i + 1 < n && script.charAt(i + 1) == '-') {
                while (i < n && script.charAt(i) != '\n') {
                    i++;
                }
                cur.append('\n');
            } else if (ch == '\'' || ch == '"') {
                int end = script.indexOf(ch, i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated " + ch + " in " + SCHEMA_RESOURCE);
                }
                cur.append(script, i, end + 1); // a doubled quote ('') is two adjacent literals here: same text
                i = end;
            } else if (ch == ';') {
                add(out, cur);
            } else {
                cur.append(ch);
            }
        }
        add(out, cur);
        return out;
    }

    private static void add(List<String> out, StringBuilder cur) {
        String s = cur.toString().strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
        cur.setLength(0);
    }

    private static String firstLine(String sql) {
        int nl = sql.indexOf('\n');
        return nl < 0 ? sql : sql.substring(0, nl) + " ...";
    }
}
