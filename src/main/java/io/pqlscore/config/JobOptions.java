package io.pqlscore.config;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.Timestamps;
import io.pqlscore.scoring.ScoreEngine;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The job's command-line options: the one documented place (with {@code flink-conf/config.yaml})
 * for everything the job reads. Every option is listed in {@link #SPECS} with its help text, and
 * the README's option table is this list.
 */
public final class JobOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    public String model = "classpath:/models/default.yaml";
    public List<String> inputs = new ArrayList<>();
    public boolean continuous;
    public Duration monitorInterval = Duration.ofSeconds(10);
    public String output;
    public boolean print;
    public int parallelism = -1;
    public int maxParallelism = 720;
    public int maxRecordBytes = EventParser.DEFAULT_MAX_RECORD_BYTES;
    public int maxDepth = EventParser.DEFAULT_MAX_DEPTH;
    public int topSignals = ScoreEngine.DEFAULT_TOP_SIGNALS;
    /** Event times before this (epoch ms) are bad_timestamp; null: no bound. */
    public Long minEventTime;
    /** Event times more than this after the wall clock are bad_timestamp; null: no bound. */
    public Duration maxFuture;
    public Duration idleTimeout = Duration.ofSeconds(30);
    /** Records waiting for the watermark kept on the heap per operator subtask; beyond, they spill to keyed state. */
    public int bufferHeapRecords = 200_000;
    /** Accounts kept decoded per subtask of the account stage between state reads and writes. */
    public int stateCacheAccounts = 20_000;
    public boolean local;
    public String flinkConf = "flink-conf";
    public String jobName = "pql-scoring";

    // Kafka (issue: real I/O). Client properties may hold secrets: never log them.
    public String kafkaBootstrapServers;
    public List<String> kafkaTopics = new ArrayList<>();
    public String kafkaTopicPattern;
    public String kafkaGroupId = "pql-scoring";
    public String kafkaStartingOffsets = "committed";
    public boolean kafkaStopAtLatest;
    public Map<String, String> kafkaProperties = new LinkedHashMap<>();
    public String kafkaPropertiesFile;
    public String transitionsTopic;
    public String deadLettersTopic;
    public String delivery = "exactly-once";
    public String transactionalIdPrefix = "pql-scoring";
    public Duration transactionTimeout = Duration.ofMinutes(10);

    // PostgreSQL over JDBC
    public String jdbcUrl;
    public String jdbcUser;
    public String jdbcPasswordEnv = "PQL_JDBC_PASSWORD";
    public String jdbcPasswordFile;
    public int jdbcBatchSize = 500;
    public Duration jdbcFlushInterval = Duration.ofSeconds(1);
    public int jdbcMaxRetries = 5;

    /** Records come from Kafka when topics are given, else from --input files. */
    public boolean readsKafka() {
        return !kafkaTopics.isEmpty() || kafkaTopicPattern != null;
    }

    public boolean exactlyOnce() {
        return "exactly-once".equals(delivery);
    }

    /** One option: name, argument hint (null for a flag), help, and how it is applied. */
    public static final class Spec {
        public final String name;
        public final String arg;
        public final String help;
        final BiConsumer<JobOptions, String> apply;

        Spec(String name, String arg, String help, BiConsumer<JobOptions, String> apply) {
            this.name = name;
            this.arg = arg;
            this.help = help;
            this.apply = apply;
        }
    }

    public static final Map<String, Spec> SPECS = new LinkedHashMap<>();

    private static void spec(String name, String arg, String help, BiConsumer<JobOptions, String> apply) {
        SPECS.put(name, new Spec(name, arg, help, apply));
    }

    static {
        spec("model", "PATH", "scoring model YAML: a file, or classpath:/models/default.yaml (default)", (o, v) -> o.model = v);
        spec("input", "PATH", "JSON-lines file or directory of usage events; repeatable", (o, v) -> o.inputs.add(v));
        spec("continuous", null, "keep watching the input paths for new files (default: bounded replay that ends)",
                (o, v) -> o.continuous = true);
        spec("monitor-interval", "DURATION", "how often --continuous looks for new files (default 10s)",
                (o, v) -> o.monitorInterval = duration(v));
        spec("output", "DIR", "write transitions/, scores/ and dead-letters/ as JSON lines under DIR", (o, v) -> o.output = v);
        spec("print", null, "also print every transition to standard output", (o, v) -> o.print = true);
        spec("parallelism", "N", "job parallelism (default: the cluster's parallelism.default)",
                (o, v) -> o.parallelism = positive("parallelism", v));
        spec("max-parallelism", "N", "key groups; fixed for the life of the state (default 720)",
                (o, v) -> o.maxParallelism = positive("max-parallelism", v));
        spec("max-record-bytes", "N", "records larger than this are rejected as too_large (default 1048576)",
                (o, v) -> o.maxRecordBytes = positive("max-record-bytes", v));
        spec("max-depth", "N", "records nested deeper than this are rejected as too_large (default 64)",
                (o, v) -> o.maxDepth = positive("max-depth", v));
        spec("min-event-time", "INSTANT",
                "records timestamped before this ISO-8601 instant are rejected as bad_timestamp (default: no bound)",
                (o, v) -> o.minEventTime = instant("min-event-time", v));
        spec("max-future", "DURATION",
                "records timestamped more than this after the wall clock are rejected as bad_timestamp, so they cannot hold the watermark ahead (default: no bound)",
                (o, v) -> o.maxFuture = duration(v));
        spec("top-signals", "N", "how many top signals a transition lists (default 3)",
                (o, v) -> o.topSignals = positive("top-signals", v));
        spec("idle-timeout", "DURATION", "a source split without records this long stops holding back the watermark (default 30s)",
                (o, v) -> o.idleTimeout = duration(v));
        spec("buffer-heap-records", "N",
                "records waiting for the watermark held on the heap per subtask of the account and identity stages; beyond this they spill to RocksDB until due (default 200000)",
                (o, v) -> o.bufferHeapRecords = positive("buffer-heap-records", v));
        spec("state-cache-accounts", "N",
                "accounts kept decoded per account-stage subtask between state reads and writes, written back before each checkpoint (default 20000)",
                (o, v) -> o.stateCacheAccounts = positive("state-cache-accounts", v));
        spec("local", null, "run on an embedded MiniCluster configured from --flink-conf", (o, v) -> o.local = true);
        spec("flink-conf", "DIR", "directory holding Flink's config.yaml for --local (default flink-conf)", (o, v) -> o.flinkConf = v);
        spec("job-name", "NAME", "the Flink job name (default pql-scoring)", (o, v) -> o.jobName = v);

        spec("kafka-bootstrap-servers", "HOSTS", "Kafka bootstrap servers (host:port,...) for the source and the Kafka sinks",
                (o, v) -> o.kafkaBootstrapServers = v);
        spec("kafka-topics", "TOPICS", "comma-separated usage-event topics to read (instead of --input)",
                (o, v) -> o.kafkaTopics.addAll(List.of(v.split(","))));
        spec("kafka-topic-pattern", "REGEX", "read every topic matching this Java regex (instead of --kafka-topics)",
                (o, v) -> o.kafkaTopicPattern = v);
        spec("kafka-group-id", "ID", "consumer group id; offsets are committed on checkpoints (default pql-scoring)",
                (o, v) -> o.kafkaGroupId = v);
        spec("kafka-starting-offsets", "WHERE",
                "committed (the group's offsets, else earliest; default), earliest, or latest; a restore from a checkpoint or savepoint always resumes from its own offsets",
                (o, v) -> o.kafkaStartingOffsets = oneOf("kafka-starting-offsets", v, "committed", "earliest", "latest"));
        spec("kafka-stop-at-latest", null,
                "stop at the latest offsets present when the job starts: the job then ends and event time runs past every tick and retention, as in a file replay (replays, backfills)",
                (o, v) -> o.kafkaStopAtLatest = true);
        spec("kafka-property", "KEY=VALUE", "a Kafka client property for the source and sinks (e.g. security.protocol=SASL_SSL), not a secret; repeatable",
                (o, v) -> {
                    int eq = v.indexOf('=');
                    if (eq <= 0) {
                        throw new UsageException("--kafka-property needs KEY=VALUE, got '" + v.replaceAll("=.*", "=...") + "'");
                    }
                    String key = v.substring(0, eq).trim();
                    if (Secrets.isSecretKafkaKey(key)) {
                        // arguments are logged (Flink logs an application's program arguments) and
                        // visible in the process list: secrets come from a file or the environment
                        throw new UsageException("--kafka-property " + key + " holds a secret: put it in --kafka-properties-file"
                                + " or the environment variable " + Secrets.KAFKA_ENV_PREFIX
                                + key.toUpperCase(java.util.Locale.ROOT).replace("_", "__").replace('.', '_')
                                + ", never on the command line");
                    }
                    o.kafkaProperties.put(v.substring(0, eq), v.substring(eq + 1));
                });
        spec("kafka-properties-file", "PATH", "Kafka client properties from a file (e.g. a mounted Secret with SASL credentials); PQLSCORE_KAFKA_<KEY> variables override it",
                (o, v) -> o.kafkaPropertiesFile = v);
        spec("transitions-topic", "TOPIC", "write transitions to this Kafka topic (key: the entity, value: SPEC 5 JSON)",
                (o, v) -> o.transitionsTopic = v);
        spec("dead-letters-topic", "TOPIC", "write dead letters (rejected and late records) to this Kafka topic",
                (o, v) -> o.deadLettersTopic = v);
        spec("delivery", "GUARANTEE", "Kafka delivery: exactly-once (transactions, visible on checkpoint; default) or at-least-once (lower latency)",
                (o, v) -> o.delivery = oneOf("delivery", v, "exactly-once", "at-least-once"));
        spec("transactional-id-prefix", "PREFIX", "prefix of the Kafka transactional ids; unique per job on a cluster (default pql-scoring)",
                (o, v) -> o.transactionalIdPrefix = v);
        spec("transaction-timeout", "DURATION",
                "Kafka transaction timeout: above the checkpoint interval plus restart time, at most the broker's transaction.max.timeout.ms (default 10m)",
                (o, v) -> o.transactionTimeout = duration(v));
        spec("jdbc-url", "URL", "write transitions and current scores to this database (jdbc:postgresql://host:5432/db)",
                (o, v) -> o.jdbcUrl = v);
        spec("jdbc-user", "USER", "database user", (o, v) -> o.jdbcUser = v);
        spec("jdbc-password-env", "VAR", "environment variable holding the database password (default PQL_JDBC_PASSWORD)",
                (o, v) -> o.jdbcPasswordEnv = v);
        spec("jdbc-password-file", "PATH", "file holding the database password (e.g. a mounted Secret); wins over the variable",
                (o, v) -> o.jdbcPasswordFile = v);
        spec("jdbc-batch-size", "N", "rows per JDBC batch (default 500)", (o, v) -> o.jdbcBatchSize = positive("jdbc-batch-size", v));
        spec("jdbc-flush-interval", "DURATION", "flush a partial JDBC batch after this long (default 1s)",
                (o, v) -> o.jdbcFlushInterval = duration(v));
        spec("jdbc-max-retries", "N", "retries of a failed JDBC batch before the job fails and restarts (default 5)",
                (o, v) -> o.jdbcMaxRetries = nonNegative("jdbc-max-retries", v));
    }

    /** Thrown for a bad command line; the message says what and how to fix it. */
    public static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }

    public static JobOptions parse(String... args) {
        JobOptions o = new JobOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "': options start with --\n" + usage());
            }
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Spec s = SPECS.get(name);
            if (s == null) {
                throw new UsageException("unknown option --" + name + "\n" + usage());
            }
            if (s.arg != null && value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException("--" + name + " needs a value (" + s.arg + ")");
                }
                value = args[++i];
            } else if (s.arg == null && value != null) {
                throw new UsageException("--" + name + " takes no value");
            }
            s.apply.accept(o, value);
        }
        if (o.inputs.isEmpty() && !o.readsKafka()) {
            throw new UsageException("give --input files or --kafka-topics / --kafka-topic-pattern\n" + usage());
        }
        if (!o.inputs.isEmpty() && o.readsKafka()) {
            throw new UsageException("--input and Kafka topics are exclusive: read files or Kafka, not both");
        }
        if (!o.kafkaTopics.isEmpty() && o.kafkaTopicPattern != null) {
            throw new UsageException("give --kafka-topics or --kafka-topic-pattern, not both");
        }
        if (o.kafkaStopAtLatest && !o.readsKafka()) {
            throw new UsageException("--kafka-stop-at-latest needs --kafka-topics or --kafka-topic-pattern");
        }
        boolean usesKafka = o.readsKafka() || o.transitionsTopic != null || o.deadLettersTopic != null;
        if (usesKafka && o.kafkaBootstrapServers == null) {
            throw new UsageException("Kafka topics need --kafka-bootstrap-servers");
        }
        return o;
    }

    public static String usage() {
        StringBuilder b = new StringBuilder("options:\n");
        for (Spec s : SPECS.values()) {
            b.append(String.format("  --%-26s %s%n", s.name + (s.arg == null ? "" : " " + s.arg), s.help));
        }
        return b.toString();
    }

    private static int positive(String name, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new UsageException("--" + name + " needs a positive integer, got '" + v + "'");
    }

    private static long instant(String name, String v) {
        long t = Timestamps.parseMillis(v);
        if (t == Long.MIN_VALUE) {
            throw new UsageException("--" + name + " needs an ISO-8601 instant with an offset (2020-01-01T00:00:00Z), got '" + v + "'");
        }
        return t;
    }

    private static int nonNegative(String name, String v) {
        try {
            int n = Integer.parseInt(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new UsageException("--" + name + " needs a non-negative integer, got '" + v + "'");
    }

    private static String oneOf(String name, String v, String... allowed) {
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw new UsageException("--" + name + " is one of " + String.join(", ", allowed) + ", got '" + v + "'");
    }

    /** Durations as in the model file: a number and one of ms, s, m, h, d. */
    static Duration duration(String v) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)").matcher(v);
        if (!m.matches()) {
            throw new UsageException("expected a duration like 30s or 5m, got '" + v + "'");
        }
        double n = Double.parseDouble(m.group(1));
        long unit;
        switch (m.group(2)) {
            case "ms": unit = 1; break;
            case "s": unit = 1000; break;
            case "m": unit = 60_000; break;
            case "h": unit = 3_600_000; break;
            default: unit = 86_400_000; break;
        }
        return Duration.ofMillis(Math.round(n * unit));
    }
}
