package io.pqlscore.generator;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of the {@link EventGenerator}: the simulated population, how much event time to cover,
 * pacing, faults, and where the records go. Every option of {@code pqlscore generate}
 * ({@link GenerateCommand}) is a fluent setter here, so the demo and the benchmark can build the
 * same configuration in-process:
 *
 * <pre>{@code
 * GeneratorConfig c = new GeneratorConfig().accounts(100_000).events(10_000_000).seed(7);
 * EventGenerator.stream(c).forEach(line -> ...);
 * }</pre>
 *
 * <p>The defaults reproduce the same stream on every run (fixed start, fixed seed).
 */
public final class GeneratorConfig {
    /** A Monday, the same start as the bundled sample. */
    public static final Instant DEFAULT_START = Instant.parse("2026-03-02T00:00:00Z");
    /** Event time covered when neither --days nor --events is given and the run is not live. */
    public static final int DEFAULT_DAYS = 30;
    public static final long DEFAULT_SEED = 20260302L;
    /** Share of accounts that signed up before the start (they are already active at the start). */
    public static final double DEFAULT_EXISTING_RATIO = 0.4;
    /** The default model's max-out-of-orderness: a record further behind than this may be late. */
    public static final long MODEL_OUT_OF_ORDERNESS_MS = 5 * 60_000L;
    /** The default model's retention: with --segment-style a user silent this long joins its account again. */
    public static final long MODEL_RETENTION_MS = 90 * 86_400_000L;

    private int accounts = 1000;
    private double usersAlpha = 1.5;
    private int maxTeam = 200;
    private double activity = 1.0;
    private double convertRatio = 0.05;
    private double existingRatio = DEFAULT_EXISTING_RATIO;
    private double duplicateRatio = 0.005;
    private double badRatio = 0;
    private long maxDisorderMs = 2 * 60_000L;
    private Instant start = DEFAULT_START;
    private double days;
    private long events;
    private double speedup;
    private double rate;
    private long seed = DEFAULT_SEED;
    private String out;
    private String outcomes;
    private String kafkaBootstrapServers;
    private String topic;
    private final Map<String, String> kafkaProperties = new LinkedHashMap<>();
    private boolean quiet;
    private boolean segmentStyle;

    public GeneratorConfig() {}

    // ---- fluent setters (each checks its own range; cross-option checks are in validate()) ----

    /** Number of accounts (companies) in the simulated population. */
    public GeneratorConfig accounts(int n) {
        require(n >= 1, "--accounts must be at least 1");
        this.accounts = n;
        return this;
    }

    /** Exponent of the Zipf law of team sizes over 1..maxTeam (1.5: mean about 10 at max 200). */
    public GeneratorConfig usersAlpha(double a) {
        require(a > 0 && a <= 10, "--users-alpha must be in (0, 10]");
        this.usersAlpha = a;
        return this;
    }

    public GeneratorConfig maxTeam(int n) {
        require(n >= 1 && n <= 100_000, "--max-team must be in 1..100000");
        this.maxTeam = n;
        return this;
    }

    /** Multiplies how often users are active and how long their sessions are (default 1). */
    public GeneratorConfig activity(double x) {
        require(x > 0 && x <= 100, "--activity must be in (0, 100]");
        this.activity = x;
        return this;
    }

    /**
     * Share of accounts that signed up in the 60 days before the start (default 0.4); the others
     * sign up evenly over the covered days (the first 28 when unbounded). 0 gives a population that
     * only arrives at a steady rate, e.g. for a soak test that must reach a stationary state.
     */
    public GeneratorConfig existingRatio(double r) {
        require(r >= 0 && r <= 1, "--existing-ratio must be in [0, 1]");
        this.existingRatio = r;
        return this;
    }

    public GeneratorConfig convertRatio(double r) {
        require(r >= 0 && r <= 1, "--convert-ratio must be in [0, 1]");
        this.convertRatio = r;
        return this;
    }

    public GeneratorConfig duplicateRatio(double r) {
        require(r >= 0 && r <= 0.5, "--duplicate-ratio must be in [0, 0.5]");
        this.duplicateRatio = r;
        return this;
    }

    public GeneratorConfig badRatio(double r) {
        require(r >= 0 && r <= 0.5, "--bad-ratio must be in [0, 0.5]");
        this.badRatio = r;
        return this;
    }

    /** Arrival may trail event time by less than this (0: records in event-time order). */
    public GeneratorConfig maxDisorderMs(long ms) {
        require(ms >= 0, "--max-disorder must not be negative");
        require(ms < MODEL_OUT_OF_ORDERNESS_MS, "--max-disorder must be below 5m, the default model's "
                + "max-out-of-orderness (records further behind could be dropped as late)");
        this.maxDisorderMs = ms;
        return this;
    }

    /** First event time (millisecond precision). */
    public GeneratorConfig start(Instant t) {
        require(t != null, "--start is required");
        this.start = t.truncatedTo(ChronoUnit.MILLIS);
        return this;
    }

    /** Days of event time to cover (decimals allowed); 0: not bounded by time. */
    public GeneratorConfig days(double d) {
        require(d >= 0 && d <= 36_500, "--days must be in [0, 36500] (0: not bounded by time)");
        this.days = d;
        return this;
    }

    /** Total records to produce (duplicates and bad records included); 0: not bounded by count. */
    public GeneratorConfig events(long n) {
        require(n >= 0, "--events must not be negative");
        this.events = n;
        return this;
    }

    /** Live mode when positive: event time advances this many times faster than the wall clock. */
    public GeneratorConfig speedup(double x) {
        require(x >= 0 && x <= 1e9, "--speedup must be positive");
        this.speedup = x;
        return this;
    }

    /** Records per second (0: as fast as possible). In live mode an upper bound. */
    public GeneratorConfig rate(double r) {
        require(r >= 0 && r <= 1e9, "--rate must not be negative");
        this.rate = r;
        return this;
    }

    public GeneratorConfig seed(long s) {
        this.seed = s;
        return this;
    }

    /** A JSON-lines file, or "-" for standard output. */
    public GeneratorConfig out(String file) {
        this.out = file;
        return this;
    }

    public GeneratorConfig kafkaBootstrapServers(String hosts) {
        this.kafkaBootstrapServers = hosts;
        return this;
    }

    public GeneratorConfig topic(String t) {
        this.topic = t;
        return this;
    }

    public GeneratorConfig kafkaProperty(String key, String value) {
        require(key != null && !key.isBlank(), "--kafka-property needs a key: k=v");
        kafkaProperties.put(key.strip(), value);
        return this;
    }

    public GeneratorConfig quiet(boolean q) {
        this.quiet = q;
        return this;
    }

    /**
     * Calls shaped as Segment's own libraries send them (SPEC 8): {@code identify} without any
     * account id, user activity mostly without one ({@link #SEGMENT_STYLE_TAGGED_SHARE} of it still
     * carries {@code context.groupId}, as when a customer adds it), and a {@code group} call naming
     * each user in its first session, from which the job resolves the user's account. Usage
     * readings (server-side, no user) keep their account id. Same population and schedule as
     * without it.
     */
    public GeneratorConfig segmentStyle(boolean s) {
        this.segmentStyle = s;
        return this;
    }

    /** With {@link #segmentStyle}: the share of user activity that still names its account. */
    public static final double SEGMENT_STYLE_TAGGED_SHARE = 0.1;

    // ---- getters ----

    public int accounts() {
        return accounts;
    }

    public double usersAlpha() {
        return usersAlpha;
    }

    public int maxTeam() {
        return maxTeam;
    }

    public double activity() {
        return activity;
    }

    public double existingRatio() {
        return existingRatio;
    }

    public double convertRatio() {
        return convertRatio;
    }

    public double duplicateRatio() {
        return duplicateRatio;
    }

    public double badRatio() {
        return badRatio;
    }

    public long maxDisorderMs() {
        return maxDisorderMs;
    }

    public Instant start() {
        return start;
    }

    public double days() {
        return days;
    }

    public long events() {
        return events;
    }

    public double speedup() {
        return speedup;
    }

    public double rate() {
        return rate;
    }

    public long seed() {
        return seed;
    }

    public String out() {
        return out;
    }

    /** Where to write the accounts' closed outcomes (CSV) for backtests, or null. */
    public String outcomes() {
        return outcomes;
    }

    public GeneratorConfig outcomes(String file) {
        require(file != null && !file.isBlank(), "--outcomes needs a file name");
        this.outcomes = file;
        return this;
    }

    public String kafkaBootstrapServers() {
        return kafkaBootstrapServers;
    }

    public String topic() {
        return topic;
    }

    public Map<String, String> kafkaProperties() {
        return Collections.unmodifiableMap(kafkaProperties);
    }

    public boolean quiet() {
        return quiet;
    }

    public boolean segmentStyle() {
        return segmentStyle;
    }

    public boolean live() {
        return speedup > 0;
    }

    public boolean toKafka() {
        return kafkaBootstrapServers != null;
    }

    /**
     * The days of event time actually covered: --days when given; otherwise unbounded (0) when
     * --events is given or the run is live; otherwise {@link #DEFAULT_DAYS}.
     */
    public double effectiveDays() {
        if (days > 0) {
            return days;
        }
        return events > 0 || live() ? 0 : DEFAULT_DAYS;
    }

    /** Checks the options together; throws IllegalArgumentException with a message naming them. */
    public GeneratorConfig validate() {
        if (kafkaBootstrapServers != null || topic != null) {
            require(kafkaBootstrapServers != null && !kafkaBootstrapServers.isBlank(),
                    "--topic needs --kafka-bootstrap-servers");
            require(topic != null && !topic.isBlank(), "--kafka-bootstrap-servers needs --topic");
            require(out == null, "give either --out or --kafka-bootstrap-servers/--topic, not both");
        } else {
            require(kafkaProperties.isEmpty(), "--kafka-property needs --kafka-bootstrap-servers and --topic");
        }
        if (out != null) {
            require(!out.isBlank(), "--out needs a file name (or - for standard output)");
        }
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The options that shape the records' content (not the count cut, pacing or output). */
    String contentKey() {
        // the default existing ratio adds nothing, so that default streams keep their ids
        return String.format(Locale.ROOT, "%d|%s|%d|%s|%s|%s|%s|%d|%d|%s", accounts, usersAlpha, maxTeam, activity,
                convertRatio, duplicateRatio, badRatio, maxDisorderMs, start.toEpochMilli(), effectiveDays())
                + (existingRatio == DEFAULT_EXISTING_RATIO ? "" : "|existing=" + existingRatio)
                + (segmentStyle ? "|segment-style" : "");
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "accounts=%d users-alpha=%s max-team=%d activity=%s convert-ratio=%s existing-ratio=%s "
                + "duplicate-ratio=%s bad-ratio=%s max-disorder=%dms start=%s days=%s events=%d speedup=%s rate=%s seed=%d%s",
                accounts, usersAlpha, maxTeam, activity, convertRatio, existingRatio, duplicateRatio, badRatio, maxDisorderMs, start,
                effectiveDays() == 0 ? "unbounded" : String.valueOf(effectiveDays()), events, speedup, rate, seed,
                segmentStyle ? " segment-style" : "");
    }
}
