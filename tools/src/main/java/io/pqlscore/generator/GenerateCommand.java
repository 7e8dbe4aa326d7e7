package io.pqlscore.generator;

import io.pqlscore.command.ExitCodes;
import io.pqlscore.command.ProjectVersion;
import io.pqlscore.command.Tool;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code pqlscore generate}: realistic Segment-spec usage events for the job, to a file, standard
 * output or Kafka ({@link EventGenerator}; what the records hold: docs/GENERATOR.md). The options
 * start at {@link GeneratorConfig}'s defaults, which check their own ranges.
 */
@Command(name = "generate", header = "Generate realistic Segment-spec usage events, to a file or Kafka.",
        mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class, abbreviateSynopsis = true,
        description = {"Generates Segment-spec product-usage events (JSON lines) for the scoring job: accounts with"
                + " power-law team sizes, firmographic group calls, identified users, onboarding and activation funnels"
                + " with drop-off, daily activity, invites, pricing and billing visits, checkouts of converting accounts,"
                + " usage readings approaching their limits, SDK retries (duplicates), optional bad records, bounded"
                + " arrival disorder. The same seed and options give the same records.",
            "Progress and a summary go to standard error."},
        exitCodeList = {"0:done", "1:the output failed", "2:nothing ran: a bad command line"})
public final class GenerateCommand extends Tool {
    private static final GeneratorConfig DEFAULTS = new GeneratorConfig();

    @Option(names = "--segment-style",
            description = "calls as Segment's libraries send them: identify and most user activity without an account id,"
                    + " a group call naming each user; the job resolves the account from it (SPEC 8)")
    boolean segmentStyle;

    @Option(names = "--accounts", paramLabel = "N", description = "accounts, about 10 users each on average (default: ${DEFAULT-VALUE})")
    int accounts = DEFAULTS.accounts();

    @Option(names = "--users-alpha", paramLabel = "A", description = "Zipf exponent of team sizes (default: ${DEFAULT-VALUE})")
    double usersAlpha = DEFAULTS.usersAlpha();

    @Option(names = "--max-team", paramLabel = "N", description = "largest team (default: ${DEFAULT-VALUE})")
    int maxTeam = DEFAULTS.maxTeam();

    @Option(names = "--activity", paramLabel = "X", description = "activity multiplier (default: ${DEFAULT-VALUE})")
    double activity = DEFAULTS.activity();

    @Option(names = "--convert-ratio", paramLabel = "R",
            description = "share of free and trial accounts that convert (default: ${DEFAULT-VALUE})")
    double convertRatio = DEFAULTS.convertRatio();

    @Option(names = "--existing-ratio", paramLabel = "R",
            description = "share of accounts signed up before the start (default: ${DEFAULT-VALUE})")
    double existingRatio = DEFAULTS.existingRatio();

    @Option(names = "--duplicate-ratio", paramLabel = "R",
            description = "exact duplicate records, an SDK retry (default: ${DEFAULT-VALUE})")
    double duplicateRatio = DEFAULTS.duplicateRatio();

    @Option(names = "--bad-ratio", paramLabel = "R",
            description = "bad records: broken JSON, no account, bad timestamp, wrong field types (default: ${DEFAULT-VALUE})")
    double badRatio = DEFAULTS.badRatio();

    @Option(names = "--max-disorder", paramLabel = "DURATION",
            description = "arrival trails event time by less than this, below 5m, the default model's max-out-of-orderness;"
                    + " 0s: event-time order (default: ${DEFAULT-VALUE})")
    Duration maxDisorder = Duration.ofMillis(DEFAULTS.maxDisorderMs());

    @Option(names = "--start", paramLabel = "INSTANT", converter = Start.class,
            description = "first event time, an ISO-8601 instant or 'now' (default: ${DEFAULT-VALUE})")
    Instant start = DEFAULTS.start();

    @Option(names = "--days", paramLabel = "D",
            description = "days of event time (default: " + GeneratorConfig.DEFAULT_DAYS + ", or unbounded with --events or --speedup)")
    Double days;

    @Option(names = "--events", paramLabel = "N", description = "stop after N records (duplicates and bad ones included)")
    Long events;

    @Option(names = "--speedup", paramLabel = "X", description = "live mode: event time = start + wall time elapsed x X")
    Double speedup;

    @Option(names = "--rate", paramLabel = "R",
            description = "records per second, 0: as fast as possible; in live mode a cap (default: ${DEFAULT-VALUE})")
    double rate = DEFAULTS.rate();

    @Option(names = "--seed", paramLabel = "S", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed = DEFAULTS.seed();

    @Option(names = "--out", paramLabel = "FILE",
            description = "JSON lines to FILE, - for standard output (default: -, unless --kafka-bootstrap-servers)")
    String outFile;

    @Option(names = "--kafka-bootstrap-servers", paramLabel = "HOSTS",
            description = "to Kafka instead (with --topic): key = account id, acks=all, idempotent producer")
    String kafkaBootstrapServers;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "the Kafka topic")
    String topic;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "extra producer property, over the generator's own settings; repeatable (never printed)")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--outcomes", paramLabel = "FILE",
            description = "also write the generated accounts' closed outcomes as CSV (account_id,outcome,closed_at) for the"
                    + " backtest: converting accounts won at their checkout, abandoned checkouts and churned trials lost")
    String outcomes;

    @Option(names = "--quiet", description = "no progress or summary on standard error")
    boolean quiet;

    @Override
    public Integer call() {
        GeneratorConfig cfg = config();
        RecordSink sink;
        try {
            sink = cfg.toKafka()
                    ? KafkaSink.create(cfg.kafkaBootstrapServers(), cfg.topic(), cfg.kafkaProperties())
                    : FileSink.open(cfg.out(), stdout);
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage()); // a producer property Kafka refuses
        } catch (Exception e) {
            stderr.println("generate: cannot open the output: " + e);
            return ExitCodes.FAILED;
        }
        EventGenerator g = new EventGenerator(cfg);
        if (!cfg.quiet()) {
            g.progressTo(stderr);
            stderr.println("event generator: " + cfg + " -> " + (cfg.toKafka()
                    ? "Kafka topic " + cfg.topic() + " at " + cfg.kafkaBootstrapServers()
                    : cfg.out().equals("-") ? "standard output" : cfg.out()));
        }
        CountDownLatch done = new CountDownLatch(1);
        Thread stopOnCtrlC = new Thread(() -> {
            g.stop(); // Ctrl-C in live mode: flush what was sent, print the summary
            try {
                done.await(15, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "event-generator-shutdown");
        Runtime.getRuntime().addShutdownHook(stopOnCtrlC);
        EventGenerator.Summary s = null;
        int code = ExitCodes.OK;
        try (RecordSink closing = sink) {
            s = g.generate(closing);
        } catch (Exception e) {
            stderr.println("generate: " + e.getMessage());
            code = ExitCodes.FAILED;
        } finally {
            done.countDown();
            removeHook(stopOnCtrlC);
        }
        if (s != null && !cfg.quiet()) {
            stderr.println("event generator: " + s);
        }
        stdout.flush();
        stderr.flush();
        return code;
    }

    /** The configuration the options describe; a usage error if they do not fit together. */
    GeneratorConfig config() {
        try {
            GeneratorConfig c = new GeneratorConfig().accounts(accounts).usersAlpha(usersAlpha).maxTeam(maxTeam)
                    .activity(activity).convertRatio(convertRatio).existingRatio(existingRatio)
                    .duplicateRatio(duplicateRatio).badRatio(badRatio).maxDisorderMs(maxDisorder.toMillis()).start(start)
                    .rate(rate).seed(seed).out(outFile).kafkaBootstrapServers(kafkaBootstrapServers)
                    .topic(topic).quiet(quiet).segmentStyle(segmentStyle);
            if (outcomes != null) {
                c.outcomes(outcomes);
            }
            if (days != null) {
                require(days > 0, "--days must be positive");
                c.days(days);
            }
            if (events != null) {
                require(events > 0, "--events must be positive");
                c.events(events);
            }
            if (speedup != null) {
                require(speedup > 0, "--speedup must be positive");
                c.speedup(speedup);
            }
            kafkaProperties.forEach(c::kafkaProperty);
            c.validate();
            if (!c.toKafka() && c.out() == null) {
                c.out("-");
            }
            return c;
        } catch (IllegalArgumentException e) {
            throw usageError(e.getMessage());
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C: the hook is running and waited for this run to end
        }
    }

    /** {@code --start}: an ISO-8601 instant (with Z or an offset), or {@code now}. */
    public static final class Start implements ITypeConverter<Instant> {
        @Override
        public Instant convert(String v) {
            if (v.equalsIgnoreCase("now")) {
                return Instant.now().truncatedTo(ChronoUnit.MILLIS);
            }
            try {
                return Instant.parse(v);
            } catch (DateTimeParseException e) {
                try {
                    return OffsetDateTime.parse(v).toInstant();
                } catch (DateTimeParseException e2) {
                    throw new TypeConversionException("--start takes an ISO-8601 instant like "
                            + GeneratorConfig.DEFAULT_START + " or 'now', not '" + v + "'");
                }
            }
        }
    }
}
