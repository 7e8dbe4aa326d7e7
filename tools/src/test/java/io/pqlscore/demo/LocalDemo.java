package io.pqlscore.demo;

import io.pqlscore.Connectors;
import io.pqlscore.config.JobOptions;
import io.pqlscore.generator.EventGenerator;
import io.pqlscore.generator.GeneratorConfig;
import io.pqlscore.generator.KafkaSink;
import io.pqlscore.jdbc.ApplySchema;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.pipeline.ScoringPipeline;
import io.pqlscore.testing.EmbeddedKafka;
import io.pqlscore.testing.EmbeddedPostgres;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The README's first command: the whole product on one machine with nothing installed but a JDK
 * and Maven. It starts a Kafka broker (KRaft) and a PostgreSQL server in-process, applies the
 * schema, runs the event generator into the usage-events topic in live mode (calls shaped as
 * Segment's libraries send them, so identity resolution is at work; {@code --tagged} for records
 * that all name their account), runs the scoring job
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
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        // Ctrl-C: ask the demo to stop and let it stop in order before the JVM goes
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "local-demo-shutdown"));
        int code;
        try {
            code = run(o, System.out, stop);
        } finally {
            stopped.countDown();
        }
        System.exit(code);
    }

    /**
     * Runs the demo until {@code stop} counts down or {@code --duration-seconds} pass, then stops in
     * order: the generator (what it sent is flushed), the job (cancelled, and waited for), then the
     * broker and the database it wrote to. Returns the exit code: 0, or 1 when the schema could not
     * be applied.
     */
    static int run(DemoOptions o, PrintStream out, CountDownLatch stop) throws Exception {
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

            GeneratorConfig generatorConfig = new GeneratorConfig()
                    .kafkaBootstrapServers(kafka.bootstrapServers()).topic(EVENTS)
                    .accounts(o.accounts).rate(o.rate).speedup(o.speedup).start(Instant.now()).badRatio(0.002)
                    .segmentStyle(o.segmentStyle);
            EventGenerator generator = new EventGenerator(generatorConfig);
            Thread generating = new Thread(() -> {
                try (KafkaSink sink = KafkaSink.create(kafka.bootstrapServers(), EVENTS, Map.of())) {
                    generator.generate(sink);
                } catch (Exception e) {
                    System.err.println("event generator: " + e);
                }
            }, "event-generator");
            generating.setDaemon(true);
            generating.start();

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
            IdentityStatus identity = new IdentityStatus(webPort, client.getJobID().toString());

            long end = o.duration == null ? Long.MAX_VALUE : System.currentTimeMillis() + o.duration.toMillis();
            String header = String.format("PQL/PQA scoring — local demo   (Flink web UI: http://localhost:%s   "
                    + "tables: %s  pql_transitions, pql_current_scores   Ctrl-C to stop)", webPort, pg.jdbcUrl());
            try (LiveTransitionTable table = new LiveTransitionTable(kafka.bootstrapServers(), TRANSITIONS, out, o.ansi)) {
                try {
                    while (stop.getCount() > 0 && System.currentTimeMillis() < end) {
                        String identityLine = o.segmentStyle ? identity.line() : "";
                        table.refresh(Duration.ofSeconds(1), identityLine.isEmpty() ? header : header + "\n" + identityLine);
                    }
                    out.println();
                    out.println("stopping: " + table.transitionsSeen() + " transitions committed");
                } finally {
                    // in order: nothing writes to the broker or the database once they stop
                    generator.stop();
                    generator.awaitFinished(30, TimeUnit.SECONDS);
                    generating.join(30_000);
                    out.println("stopped: event generator");
                    cancelAndWait(client);
                    out.println("stopped: scoring job");
                }
            }
        }
        out.println("stopped: Kafka and PostgreSQL");
        return 0;
    }

    /**
     * Cancels the job and waits until it is gone. The local environment's MiniCluster shuts down
     * as soon as its job is, after which it cannot be asked for the job's status any more: that
     * also means the job is gone.
     */
    private static void cancelAndWait(JobClient client) throws InterruptedException {
        try {
            client.cancel().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | IllegalStateException e) {
            // already finished, or the cluster is gone with it
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                if (client.getJobStatus().get(5, TimeUnit.SECONDS).isTerminalState()) {
                    return;
                }
            } catch (ExecutionException | TimeoutException | IllegalStateException gone) {
                return;
            }
            Thread.sleep(100);
        }
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
        /** Calls as Segment's libraries send them (SPEC 8 resolves their accounts); --tagged: every record names its account. */
        boolean segmentStyle = true;

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
                    case "--tagged": o.segmentStyle = false; break;
                    default:
                        throw new IllegalArgumentException("unknown demo option " + a + "; options: --accounts N --rate EVENTS_PER_S"
                                + " --speedup X --checkpoint-interval MS --web-port PORTS --flink-conf DIR --duration-seconds N --plain"
                                + " --tagged");
                }
            }
            return o;
        }
    }
}
