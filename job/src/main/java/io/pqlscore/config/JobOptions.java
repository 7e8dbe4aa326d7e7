package io.pqlscore.config;

import io.pqlscore.command.Commands;
import io.pqlscore.command.Counts;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.Timestamps;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.scoring.ScoreEngine;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * The job's options: the one documented place (with {@code flink-conf/config.yaml}) for everything
 * the job reads. Each field is an option of {@code pqlscore run} (the annotations: name, argument,
 * help; the initial value is the default), and docs/CONFIGURATION.md's table is generated from
 * them. The job carries this object into its operators, hence Serializable and plain fields.
 */
public final class JobOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Where the database password is looked up when no file is given. */
    public static final String DEFAULT_JDBC_PASSWORD_ENV = "PQL_JDBC_PASSWORD";

    @Option(names = "--model", paramLabel = "PATH",
            description = "the scoring model: a YAML file, or a classpath: resource (default: ${DEFAULT-VALUE})")
    public String model = ModelLoader.DEFAULT_MODEL;

    @Option(names = "--input", paramLabel = "PATH", description = "JSON-lines file or directory of usage events; repeatable")
    public List<String> inputs = new ArrayList<>();

    @Option(names = "--continuous",
            description = "keep watching the input paths for new files (default: a bounded replay that ends)")
    public boolean continuous;

    @Option(names = "--monitor-interval", paramLabel = "DURATION",
            description = "how often --continuous looks for new files (default: ${DEFAULT-VALUE})")
    public Duration monitorInterval = Duration.ofSeconds(10);

    @Option(names = "--output", paramLabel = "DIR",
            description = "write transitions/, scores/ and dead-letters/ as JSON lines under DIR")
    public String output;

    @Option(names = "--print",
            description = "also print every transition to standard output (done anyway when no other output is given)")
    public boolean print;

    @Option(names = "--parallelism", paramLabel = "N", converter = Counts.Positive.class,
            description = "job parallelism (default: the cluster's parallelism.default)")
    public int parallelism = -1;

    @Option(names = "--max-parallelism", paramLabel = "N", converter = Counts.Positive.class,
            description = "key groups; fixed for the life of the state (default: ${DEFAULT-VALUE})")
    public int maxParallelism = 720;

    @Option(names = "--max-record-bytes", paramLabel = "N", converter = Counts.Positive.class,
            description = "records larger than this are rejected as too_large (default: ${DEFAULT-VALUE})")
    public int maxRecordBytes = EventParser.DEFAULT_MAX_RECORD_BYTES;

    @Option(names = "--max-depth", paramLabel = "N", converter = Counts.Positive.class,
            description = "records nested deeper than this are rejected as too_large (default: ${DEFAULT-VALUE})")
    public int maxDepth = EventParser.DEFAULT_MAX_DEPTH;

    /** Event times before this (epoch ms) are bad_timestamp; null: no bound. */
    @Option(names = "--min-event-time", paramLabel = "INSTANT", converter = EventTime.class,
            description = "records timestamped before this ISO-8601 instant are rejected as bad_timestamp (default: no bound)")
    public Long minEventTime;

    /** Event times more than this after the wall clock are bad_timestamp; null: no bound. */
    @Option(names = "--max-future", paramLabel = "DURATION",
            description = "records timestamped more than this after the wall clock are rejected as bad_timestamp,"
                    + " so they cannot hold the watermark ahead (default: no bound)")
    public Duration maxFuture;

    @Option(names = "--top-signals", paramLabel = "N", converter = Counts.Positive.class,
            description = "how many top signals a transition lists (default: ${DEFAULT-VALUE})")
    public int topSignals = ScoreEngine.DEFAULT_TOP_SIGNALS;

    @Option(names = "--idle-timeout", paramLabel = "DURATION",
            description = "a source split without records this long stops holding back the watermark (default: ${DEFAULT-VALUE})")
    public Duration idleTimeout = Duration.ofSeconds(30);

    /** Records waiting for the watermark kept on the heap per operator subtask; beyond, they spill to keyed state. */
    @Option(names = "--buffer-heap-records", paramLabel = "N", converter = Counts.Positive.class,
            description = "records waiting for the watermark held on the heap per subtask of the account and identity"
                    + " stages; beyond this they spill to RocksDB until due (default: ${DEFAULT-VALUE})")
    public int bufferHeapRecords = 200_000;

    /** Accounts kept decoded per subtask of the account stage between state reads and writes. */
    @Option(names = "--state-cache-accounts", paramLabel = "N", converter = Counts.Positive.class,
            description = "accounts kept decoded per account-stage subtask between state reads and writes, written"
                    + " back before each checkpoint (default: ${DEFAULT-VALUE})")
    public int stateCacheAccounts = 20_000;

    @Option(names = "--local", description = "run on an embedded MiniCluster configured from --flink-conf")
    public boolean local;

    @Option(names = "--flink-conf", paramLabel = "DIR",
            description = "directory holding Flink's config.yaml for --local (default: ${DEFAULT-VALUE})")
    public String flinkConf = "flink-conf";

    @Option(names = "--job-name", paramLabel = "NAME", description = "the Flink job name (default: ${DEFAULT-VALUE})")
    public String jobName = "pql-scoring";

    // Kafka. Client properties may hold secrets: never log them.

    @Option(names = "--kafka-bootstrap-servers", paramLabel = "HOSTS",
            description = "Kafka bootstrap servers (host:port,...) for the source and the Kafka sinks")
    public String kafkaBootstrapServers;

    @Option(names = "--kafka-topics", paramLabel = "TOPICS", split = ",",
            description = "comma-separated usage-event topics to read (instead of --input)")
    public List<String> kafkaTopics = new ArrayList<>();

    @Option(names = "--kafka-topic-pattern", paramLabel = "REGEX",
            description = "read every topic matching this Java regex (instead of --kafka-topics)")
    public String kafkaTopicPattern;

    @Option(names = "--kafka-group-id", paramLabel = "ID",
            description = "consumer group id; offsets are committed on checkpoints (default: ${DEFAULT-VALUE})")
    public String kafkaGroupId = "pql-scoring";

    @Option(names = "--kafka-starting-offsets", paramLabel = "WHERE",
            description = "committed (the group's offsets, else earliest), earliest, or latest (default: ${DEFAULT-VALUE});"
                    + " a restore from a checkpoint or savepoint always resumes from its own offsets")
    public String kafkaStartingOffsets = "committed";

    @Option(names = "--kafka-stop-at-latest",
            description = "stop at the latest offsets present when the job starts: the job then ends and event time runs"
                    + " past every tick and retention, as in a file replay (replays, backfills)")
    public boolean kafkaStopAtLatest;

    @Option(names = "--kafka-property", paramLabel = "KEY=VALUE",
            description = "a Kafka client property for the source and sinks (e.g. security.protocol=SASL_SSL), not a secret;"
                    + " repeatable")
    public Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--kafka-properties-file", paramLabel = "PATH",
            description = "Kafka client properties from a file (e.g. a mounted Secret with SASL credentials);"
                    + " PQLSCORE_KAFKA_<KEY> variables override it")
    public String kafkaPropertiesFile;

    @Option(names = "--transitions-topic", paramLabel = "TOPIC",
            description = "write transitions to this Kafka topic (key: the entity, value: SPEC 5 JSON)")
    public String transitionsTopic;

    @Option(names = "--dead-letters-topic", paramLabel = "TOPIC",
            description = "write dead letters (rejected and late records) to this Kafka topic")
    public String deadLettersTopic;

    @Option(names = "--delivery", paramLabel = "GUARANTEE",
            description = "Kafka delivery: exactly-once (transactions, visible on checkpoint) or at-least-once (lower latency)"
                    + " (default: ${DEFAULT-VALUE})")
    public String delivery = "exactly-once";

    @Option(names = "--transactional-id-prefix", paramLabel = "PREFIX",
            description = "prefix of the Kafka transactional ids; unique per job on a cluster (default: ${DEFAULT-VALUE})")
    public String transactionalIdPrefix = "pql-scoring";

    @Option(names = "--transaction-timeout", paramLabel = "DURATION",
            description = "Kafka transaction timeout: above the checkpoint interval plus restart time, at most the broker's"
                    + " transaction.max.timeout.ms (default: ${DEFAULT-VALUE})")
    public Duration transactionTimeout = Duration.ofMinutes(10);

    // PostgreSQL over JDBC

    @Option(names = "--jdbc-url", paramLabel = "URL",
            description = "write transitions and current scores to this database (jdbc:postgresql://host:5432/db)")
    public String jdbcUrl;

    @Option(names = "--jdbc-user", paramLabel = "USER", description = "database user")
    public String jdbcUser;

    @Option(names = "--jdbc-password-env", paramLabel = "VAR",
            description = "environment variable holding the database password (default: ${DEFAULT-VALUE})")
    public String jdbcPasswordEnv = DEFAULT_JDBC_PASSWORD_ENV;

    @Option(names = "--jdbc-password-file", paramLabel = "PATH",
            description = "file holding the database password (e.g. a mounted Secret); wins over the variable")
    public String jdbcPasswordFile;

    @Option(names = "--jdbc-batch-size", paramLabel = "N", converter = Counts.Positive.class,
            description = "rows per JDBC batch (default: ${DEFAULT-VALUE})")
    public int jdbcBatchSize = 500;

    @Option(names = "--jdbc-flush-interval", paramLabel = "DURATION",
            description = "flush a partial JDBC batch after this long (default: ${DEFAULT-VALUE})")
    public Duration jdbcFlushInterval = Duration.ofSeconds(1);

    @Option(names = "--jdbc-max-retries", paramLabel = "N", converter = Counts.OrZero.class,
            description = "retries of a failed JDBC batch before the job fails and restarts (default: ${DEFAULT-VALUE})")
    public int jdbcMaxRetries = 5;

    /** Records come from Kafka when topics are given, else from --input files. */
    public boolean readsKafka() {
        return !kafkaTopics.isEmpty() || kafkaTopicPattern != null;
    }

    public boolean exactlyOnce() {
        return "exactly-once".equals(delivery);
    }

    /** Thrown for a bad command line; the message says what and how to fix it. */
    public static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }

    /** The options of a command line (the job's, {@code pqlscore run}'s), checked together. */
    public static JobOptions parse(String... args) {
        JobOptions o = new JobOptions();
        try {
            Commands.commandLine(o, System.out, System.err).parseArgs(args);
        } catch (ParameterException e) {
            throw new UsageException(Commands.describe(e));
        }
        return o.validate();
    }

    /** Checks what no single option can: the input, exclusive options, values from a fixed list, secrets. */
    public JobOptions validate() {
        if (inputs.isEmpty() && !readsKafka()) {
            throw new UsageException("give --input files or --kafka-topics / --kafka-topic-pattern");
        }
        if (!inputs.isEmpty() && readsKafka()) {
            throw new UsageException("--input and Kafka topics are exclusive: read files or Kafka, not both");
        }
        if (!kafkaTopics.isEmpty() && kafkaTopicPattern != null) {
            throw new UsageException("give --kafka-topics or --kafka-topic-pattern, not both");
        }
        if (kafkaStopAtLatest && !readsKafka()) {
            throw new UsageException("--kafka-stop-at-latest needs --kafka-topics or --kafka-topic-pattern");
        }
        boolean usesKafka = readsKafka() || transitionsTopic != null || deadLettersTopic != null;
        if (usesKafka && kafkaBootstrapServers == null) {
            throw new UsageException("Kafka topics need --kafka-bootstrap-servers");
        }
        oneOf("--kafka-starting-offsets", kafkaStartingOffsets, "committed", "earliest", "latest");
        oneOf("--delivery", delivery, "exactly-once", "at-least-once");
        for (String key : kafkaProperties.keySet()) {
            if (Secrets.isSecretKafkaKey(key.trim())) {
                // arguments are logged (Flink logs an application's program arguments) and visible
                // in the process list: secrets come from a file or the environment
                throw new UsageException("--kafka-property " + key + " holds a secret: put it in --kafka-properties-file"
                        + " or the environment variable " + Secrets.KAFKA_ENV_PREFIX
                        + key.trim().toUpperCase(Locale.ROOT).replace("_", "__").replace('.', '_')
                        + ", never on the command line");
            }
        }
        return this;
    }

    private static void oneOf(String option, String value, String... allowed) {
        for (String a : allowed) {
            if (a.equals(value)) {
                return;
            }
        }
        throw new UsageException(option + " is one of " + String.join(", ", allowed) + ", got '" + value + "'");
    }

    /** An event time as the records write theirs: ISO-8601 with an offset. */
    public static final class EventTime implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long t = Timestamps.parseMillis(value);
            if (t == Long.MIN_VALUE) {
                throw new TypeConversionException("needs an ISO-8601 instant with an offset (2020-01-01T00:00:00Z), got '"
                        + value + "'");
            }
            return t;
        }
    }
}
