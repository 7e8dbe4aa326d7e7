package io.pqlscore.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pqlscore.testing.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The test PostgreSQL server itself: settings, an outage (stop/start) keeping the data, clean-up. */
class EmbeddedPostgresTest {

    @Test
    void survivesAStopAndStartWithItsDataAndPortAndCleansUpOnClose() throws Exception {
        long started = System.nanoTime();
        Path instanceDir;
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().database("demo").password("demo-pw").launch()) {
            System.out.printf("EmbeddedPostgres launched in %d ms: %s%n", (System.nanoTime() - started) / 1_000_000, pg);
            instanceDir = pg.logFile().getParent();
            assertThat(pg.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + pg.port() + "/demo");
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), "postgres", "demo-pw");
                    Statement s = c.createStatement()) {
                assertThat(one(s, "SHOW server_version")).startsWith("18.");
                assertThat(one(s, "SHOW server_encoding")).isEqualTo("UTF8");
                s.execute("CREATE TABLE kept (v TEXT)");
                s.execute("INSERT INTO kept VALUES ('before the outage')");
            }
            assertServerIsNotRoot(pg);
            assertThatThrownBy(() -> DriverManager.getConnection(pg.jdbcUrl(), "postgres", "wrong"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("password authentication failed");

            pg.stop();
            assertThat(pg.isRunning()).isFalse();
            assertThatThrownBy(pg::connect).isInstanceOf(SQLException.class);

            pg.start();
            assertThat(pg.isRunning()).isTrue();
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                assertThat(one(s, "SELECT v FROM kept")).isEqualTo("before the outage");
            }
        }
        assertThat(Files.exists(instanceDir)).as("instance directory deleted").isFalse();
    }

    /**
     * PostgreSQL refuses to run as root: when the JVM is root (CI containers, this machine), the
     * server must run as {@code nobody}. Reads the real uid of the backend serving this session
     * from {@code /proc} (the server runs on this machine).
     */
    static void assertServerIsNotRoot(EmbeddedPostgres pg) throws Exception {
        long pid;
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            pid = Long.parseLong(one(s, "SELECT pg_backend_pid()"));
            Path status = Path.of("/proc", Long.toString(pid), "status");
            String uidLine = Files.readAllLines(status).stream().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
            long uid = Long.parseLong(uidLine.split("\\s+")[1]);
            Object jvmUid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (Integer.valueOf(0).equals(jvmUid)) {
                long nobody = Files.readAllLines(Path.of("/etc/passwd")).stream().filter(l -> l.startsWith("nobody:"))
                        .map(l -> Long.parseLong(l.split(":")[2])).findFirst().orElse(65534L);
                assertThat(uid).as("server backend uid (the JVM is root)").isEqualTo(nobody);
            } else {
                assertThat(uid).as("server backend uid").isEqualTo(((Number) jvmUid).longValue());
            }
        }
    }

    static String one(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
