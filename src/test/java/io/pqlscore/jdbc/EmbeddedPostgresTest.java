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
                assertThat(one(s, "SHOW server_version")).startsWith("14.");
                assertThat(one(s, "SHOW server_encoding")).isEqualTo("UTF8");
                s.execute("CREATE TABLE kept (v TEXT)");
                s.execute("INSERT INTO kept VALUES ('before the outage')");
            }
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

    static String one(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
