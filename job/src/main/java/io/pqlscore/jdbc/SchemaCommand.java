package io.pqlscore.jdbc;

import io.pqlscore.command.ProjectVersion;
import io.pqlscore.command.Tool;
import io.pqlscore.config.JobOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code pqlscore schema}: creates or migrates the job's tables ({@link ApplySchema}). The
 * connection options are the job's {@code --jdbc-*} ones, with the same names and defaults. No
 * Flink type is touched, so it runs from the job jar with a plain {@code java -cp}.
 */
@Command(name = "schema", header = "Create or migrate the PostgreSQL tables, then check them.",
        mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        description = {"Creates or migrates the tables " + JdbcTables.TRANSITIONS + " and " + JdbcTables.SCORES
                + " in a PostgreSQL database (Flyway, history in " + ApplySchema.HISTORY_TABLE + "; run it before every"
                + " deployment: an up-to-date database is left as it is), then checks that they have every column the"
                + " job writes. The password is never printed."},
        exitCodeList = {"0:the schema is up to date",
            "1:the database refused, could not be reached, or its tables differ from what the job writes",
            "2:nothing ran: a bad command line or password file"})
public final class SchemaCommand extends Tool {
    @Option(names = "--jdbc-url", paramLabel = "URL", required = true,
            description = "the database: jdbc:postgresql://HOST:5432/DB (add ?currentSchema=NAME for a schema other than"
                    + " the user's default)")
    String jdbcUrl;

    @Option(names = "--jdbc-user", paramLabel = "USER", description = "database user, the tables' owner")
    String jdbcUser;

    @Option(names = "--jdbc-password-file", paramLabel = "PATH",
            description = "file holding the database password (e.g. a mounted Secret); wins over the variable")
    String jdbcPasswordFile;

    @Option(names = "--jdbc-password-env", paramLabel = "VAR",
            description = "environment variable holding the database password (default: ${DEFAULT-VALUE})")
    String jdbcPasswordEnv = JobOptions.DEFAULT_JDBC_PASSWORD_ENV;

    @Override
    public Integer call() {
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw usageError("--jdbc-url must be a PostgreSQL URL (jdbc:postgresql://HOST:PORT/DB), got "
                    + ApplySchema.redact(jdbcUrl));
        }
        // the job's options carry the connection, so that the password is read as the job reads it
        JobOptions o = new JobOptions();
        o.jdbcUrl = jdbcUrl;
        o.jdbcUser = jdbcUser;
        o.jdbcPasswordFile = jdbcPasswordFile;
        o.jdbcPasswordEnv = jdbcPasswordEnv;
        return ApplySchema.apply(o, stdout, stderr);
    }
}
