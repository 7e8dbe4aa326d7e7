package io.pqlscore.generator;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Settings of the {@link EventGenerator}: the simulated population, how much event time to cover,
 * pacing, faults, and where the records go. Every command-line option ({@link #parse}) is a fluent
 * setter here, so the demo and the benchmark can build the same configuration in-process:
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
    public static final double DEFAULT_DAYS = 30;
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

    // ---- command line ----

    public static final String USAGE = String.join("\n",
            "Usage: EventGenerator [options]",
            "",
            "Generates Segment-spec product-usage events (JSON lines) for the PQL/PQA scoring job:",
            "accounts with power-law team sizes, firmographic group calls, identified users,",
            "onboarding/activation funnels with drop-off, daily activity, invites, pricing/billing",
            "visits, checkouts of converting accounts, usage readings approaching their limits,",
            "SDK retries (duplicates), optional bad records, bounded arrival disorder.",
            "",
            "Shape:",
            "  --segment-style         calls as Segment's libraries send them: identify and most",
            "                          user activity without an account id, a group call naming",
            "                          each user; the job resolves the account from it (SPEC 8)",
            "Population:",
            "  --accounts N            accounts (default 1000; ~10 users each on average)",
            "  --users-alpha A         Zipf exponent of team sizes (default 1.5)",
            "  --max-team N            largest team (default 200)",
            "  --activity X            activity multiplier (default 1)",
            "  --convert-ratio R       share of free/trial accounts that convert (default 0.05)",
            "  --existing-ratio R      share of accounts signed up before the start (default 0.4)",
            "Faults:",
            "  --duplicate-ratio R     exact duplicate records, an SDK retry (default 0.005)",
            "  --bad-ratio R           bad records: broken JSON, no account, bad timestamp,",
            "                          wrong field types (default 0)",
            "  --max-disorder D        arrival trails event time by less than D, below 5m",
            "                          (default 2m; 0: event-time order; units ms s m h)",
            "Time and amount:",
            "  --start T               first event time, ISO-8601 instant or 'now'",
            "                          (default " + DEFAULT_START + ")",
            "  --days D                days of event time (default 30, or unbounded with",
            "                          --events or --speedup)",
            "  --events N              stop after N records (duplicates and bad ones included)",
            "  --speedup X             live mode: event time = start + wall time elapsed x X",
            "  --rate R                records per second (default 0: as fast as possible;",
            "                          in live mode a cap)",
            "  --seed S                random seed (default " + DEFAULT_SEED + "); same seed and",
            "                          options: the same records",
            "Output (one of):",
            "  --out FILE              JSON lines to FILE, '-' for standard output (default -)",
            "  --kafka-bootstrap-servers HOSTS --topic TOPIC",
            "                          to Kafka: key = account id, acks=all, idempotent",
            "  --kafka-property K=V    extra producer property (repeatable)",
            "  --outcomes FILE         also write the generated accounts' closed outcomes as CSV",
            "                          (account_id,outcome,closed_at) for the backtest: converting",
            "                          accounts won at their checkout, abandoned checkouts and",
            "                          churned trials lost",
            "Other:",
            "  --quiet                 no progress or summary on standard error",
            "  --help                  this text",
            "");

    /** Parses command-line options ({@code --name value} or {@code --name=value}). */
    public static GeneratorConfig parse(String[] args) {
        GeneratorConfig c = new GeneratorConfig();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.isEmpty()) {
                continue; // exec:exec passes an empty argument for an empty argline
            }
            require(a.startsWith("--"), "unexpected argument '" + a + "'");
            String name = a.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (name.equals("quiet")) {
                require(value == null, "--quiet takes no value");
                c.quiet(true);
                continue;
            }
            if (name.equals("segment-style")) {
                require(value == null, "--segment-style takes no value");
                c.segmentStyle(true);
                continue;
            }
            if (value == null) {
                require(i + 1 < args.length, "--" + name + " needs a value");
                value = args[++i];
            }
            switch (name) {
                case "accounts": c.accounts(intValue(name, value)); break;
                case "users-alpha": c.usersAlpha(doubleValue(name, value)); break;
                case "max-team": c.maxTeam(intValue(name, value)); break;
                case "activity": c.activity(doubleValue(name, value)); break;
                case "convert-ratio": c.convertRatio(doubleValue(name, value)); break;
                case "existing-ratio": c.existingRatio(doubleValue(name, value)); break;
                case "duplicate-ratio": c.duplicateRatio(doubleValue(name, value)); break;
                case "bad-ratio": c.badRatio(doubleValue(name, value)); break;
                case "max-disorder": c.maxDisorderMs(durationMs(name, value)); break;
                case "start": c.start(instant(value)); break;
                case "days":
                    double d = doubleValue(name, value);
                    require(d > 0, "--days must be positive");
                    c.days(d);
                    break;
                case "events":
                    long n = longValue(name, value);
                    require(n > 0, "--events must be positive");
                    c.events(n);
                    break;
                case "speedup":
                    double x = doubleValue(name, value);
                    require(x > 0, "--speedup must be positive");
                    c.speedup(x);
                    break;
                case "rate": c.rate(doubleValue(name, value)); break;
                case "seed": c.seed(longValue(name, value)); break;
                case "out": c.out(value); break;
                case "outcomes": c.outcomes(value); break;
                case "kafka-bootstrap-servers": c.kafkaBootstrapServers(value); break;
                case "topic": c.topic(value); break;
                case "kafka-property":
                    int e = value.indexOf('=');
                    require(e > 0, "--kafka-property takes KEY=VALUE, not '" + value + "'");
                    c.kafkaProperty(value.substring(0, e), value.substring(e + 1));
                    break;
                default:
                    throw new IllegalArgumentException("unknown option --" + name);
            }
        }
        return c.validate();
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    /** A duration: a number and one of ms, s, m, h (a bare number is milliseconds). */
    static long durationMs(String option, String v) {
        Matcher m = DURATION.matcher(v.strip().toLowerCase(Locale.ROOT));
        require(m.matches(), "--" + option + " takes a duration like 2m, 90s or 500ms, not '" + v + "'");
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        double factor = unit.equals("ms") ? 1 : unit.equals("s") ? 1000 : unit.equals("m") ? 60_000 : 3_600_000;
        return Math.round(n * factor);
    }

    static Instant instant(String v) {
        if (v.equalsIgnoreCase("now")) {
            return Instant.now().truncatedTo(ChronoUnit.MILLIS);
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(v).toInstant();
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException("--start takes an ISO-8601 instant like "
                        + DEFAULT_START + " or 'now', not '" + v + "'");
            }
        }
    }

    private static int intValue(String option, String v) {
        long n = longValue(option, v);
        require(n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE, "--" + option + " is out of range: " + v);
        return (int) n;
    }

    private static long longValue(String option, String v) {
        try {
            return Long.parseLong(v.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + option + " takes a whole number, not '" + v + "'");
        }
    }

    private static double doubleValue(String option, String v) {
        try {
            double d = Double.parseDouble(v.strip());
            require(Double.isFinite(d), "--" + option + " takes a finite number, not '" + v + "'");
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + option + " takes a number, not '" + v + "'");
        }
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
