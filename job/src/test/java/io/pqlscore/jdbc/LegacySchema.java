package io.pqlscore.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The schema script ApplySchema ran before it used Flyway ({@code sql/schema.sql}, kept as
 * {@code src/test/resources/legacy/schema.sql}), applied as it applied it: its statements split at
 * each {@code ;} outside quotes and comments, in one transaction. A database it set up is what
 * ApplySchema must recognise and record as version 1.
 */
final class LegacySchema {
    static final String RESOURCE = "/legacy/schema.sql";

    private LegacySchema() {}

    static String script() throws IOException {
        return resource(RESOURCE);
    }

    static String resource(String name) throws IOException {
        try (InputStream in = LegacySchema.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException(name + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Runs the legacy script's statements (or those accepted by {@code keep}) in one transaction. */
    static void apply(Connection c, java.util.function.Predicate<String> keep) throws IOException, SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (String sql : statements(script())) {
                if (keep.test(sql)) {
                    s.execute(sql);
                }
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /**
     * Splits a script into statements at each {@code ;} outside quotes, identifiers and
     * {@code --} comments, dropping the comments (as the old ApplySchema did: no dollar quoting).
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
                    throw new IllegalArgumentException("unterminated " + ch);
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
}
