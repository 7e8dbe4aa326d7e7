package io.pqlscore.demo;

import io.pqlscore.generator.EventGenerator;
import io.pqlscore.jdbc.ApplySchema;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.ops.Connectors;
import io.pqlscore.ops.JobOptions;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.testing.EmbeddedKafka;
import io.pqlscore.testing.EmbeddedPostgres;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The README's first command: the whole product on one machine with nothing installed but a JDK
 * and Maven. It starts a Kafka broker (KRaft) and a PostgreSQL server in-process, applies the
 * schema, runs the event generator into the usage-events topic in live mode, runs the scoring job
 * on a local MiniCluster (RocksDB, exactly-once Kafka output, JDBC tables, the Flink web UI), and
 * shows PQL/PQA transitions as they are committed, as a table in the terminal, until stopped.
 *
 * <p>Lives in the test sources: none of it (broker, database, demo) goes into the job jar.
 */
public final class LocalDemo {
    static final String EVENTS = "usage-events";
    static final String TRANSITIONS = "pql-transitions";
    static final String DEAD_LETTERS = "pql-dead-letters";

    private LocalDemo() {}

    public static void main(String[] args) throws Exception {
        DemoOptions o = DemoOptions.parse(args);
        System.exit(run(o, System.out));
    }

    static int run(DemoOptions o, PrintStream out) throws Exception {
        out.println("starting Kafka (KRaft) and PostgreSQL in-process ...");
        try (EmbeddedKafka kafka = new EmbeddedKafka().start();
                EmbeddedPostgres pg = EmbeddedPostgres.launch()) {
            kafka.createTopic(EVENTS, 3);
            kafka.createTopic(TRANSITIONS, 3);
            kafka.createTopic(DEAD_LETTERS, 1);
            Path secret = Files.createTempFile("pql-demo-db", ".secret");
            Files.writeString(secret, pg.password() == null ? "" : pg.password(), StandardCharsets.UTF_8);
            secret.toFile().deleteOnExit();
            String[] db = {"--jdbc-url", pg.jdbcUrl(), "--jdbc-user", pg.user(), "--jdbc-password-file", secret.toString()};
            if (ApplySchema.run(db, out, System.err) != 0) {
                return 1;
            }

            Thread generator = new Thread(() -> EventGenerator.run(new String[] {
                    "--kafka-bootstrap-servers", kafka.bootstrapServers(), "--topic", EVENTS,
                    "--accounts", Integer.toString(o.accounts), "--rate", Double.toString(o.rate),
                    "--speedup", Double.toString(o.speedup), "--start", "now", "--bad-ratio", "0.002"},
                    new PrintStream(java.io.OutputStream.nullOutputStream()), System.err), "event-generator");
            generator.setDaemon(true);
            generator.start();

            Configuration conf = GlobalConfiguration.loadConfiguration(Paths.get(o.flinkConf).toAbsolutePath().toString());
            // transitions become visible when a checkpoint commits the Kafka transaction
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, o.checkpointInterval);
            int webPort = freePort(o.webPort);
            conf.set(RestOptions.BIND_PORT, Integer.toString(webPort));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
            JobOptions job = JobOptions.parse(concat(new String[] {
                    "--kafka-bootstrap-servers", kafka.bootstrapServers(), "--kafka-topics", EVENTS,
                    "--kafka-starting-offsets", "earliest",
                    "--transitions-topic", TRANSITIONS, "--dead-letters-topic", DEAD_LETTERS,
                    "--parallelism", "2"}, db));
            ScoringModel model = ModelLoader.loadDefault();
            new ScoringPipeline(job, model, Connectors.source(job), Connectors.sinks(job)).build(env);
            JobClient client = env.executeAsync("pql-scoring (local demo)");

            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            long end = o.duration == null ? Long.MAX_VALUE : System.currentTimeMillis() + o.duration.toMillis();
            AtomicInteger frames = new AtomicInteger();
            String header = String.format("PQL/PQA scoring — local demo   (Flink web UI: http://localhost:%s   "
                    + "tables: %s  pql_transitions, pql_current_scores   Ctrl-C to stop)", webPort, pg.jdbcUrl());
            try (LiveTransitionTable table = new LiveTransitionTable(kafka.bootstrapServers(), TRANSITIONS, out, o.ansi)) {
                while (stop.getCount() > 0 && System.currentTimeMillis() < end) {
                    table.refresh(Duration.ofSeconds(1), header);
                    frames.incrementAndGet();
                }
                out.println();
                out.println("stopping: " + table.transitionsSeen() + " transitions committed");
            } finally {
                // the job must be gone before the broker and the database it writes to; once it is,
                // the local MiniCluster may already be shut down and unable to answer
                try {
                    client.cancel().get();
                    while (!client.getJobStatus().get().isTerminalState()) {
                        Thread.sleep(100);
                    }
                } catch (java.util.concurrent.ExecutionException gone) {
                    // cancelled and the cluster closed: nothing left to wait for
                }
            }
        }
        return 0;
    }

    /** The first free port of a range like {@code 8081-8089}. */
    private static int freePort(String range) throws java.io.IOException {
        String[] ends = range.split("-");
        int from = Integer.parseInt(ends[0]);
        int to = ends.length > 1 ? Integer.parseInt(ends[1]) : from;
        for (int p = from; p <= to; p++) {
            try (java.net.ServerSocket s = new java.net.ServerSocket(p)) {
                return p;
            } catch (java.io.IOException busy) {
                // try the next one
            }
        }
        throw new java.io.IOException("no free port in " + range + " for the Flink web UI (use --web-port)");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** The demo's own knobs (the job's options are fixed for the demo). */
    static final class DemoOptions {
        int accounts = 200;
        double rate = 300;
        double speedup = 1800; // one wall-clock second is half an hour of product usage
        Duration checkpointInterval = Duration.ofSeconds(5);
        String webPort = "8081-8089";
        String flinkConf = "flink-conf";
        Duration duration;
        boolean ansi = System.console() != null;

        static DemoOptions parse(String[] args) {
            DemoOptions o = new DemoOptions();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (a) {
                    case "--accounts": o.accounts = Integer.parseInt(v); i++; break;
                    case "--rate": o.rate = Double.parseDouble(v); i++; break;
                    case "--speedup": o.speedup = Double.parseDouble(v); i++; break;
                    case "--checkpoint-interval": o.checkpointInterval = Duration.ofMillis(Long.parseLong(v)); i++; break;
                    case "--web-port": o.webPort = v; i++; break;
                    case "--flink-conf": o.flinkConf = v; i++; break;
                    case "--duration-seconds": o.duration = Duration.ofSeconds(Long.parseLong(v)); i++; break;
                    case "--plain": o.ansi = false; break;
                    default:
                        throw new IllegalArgumentException("unknown demo option " + a + "; options: --accounts N --rate EVENTS_PER_S"
                                + " --speedup X --checkpoint-interval MS --web-port PORTS --flink-conf DIR --duration-seconds N --plain");
                }
            }
            return o;
        }
    }
}
