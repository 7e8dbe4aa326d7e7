package io.pqlscore.ops;

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
    public int maxRecordBytes = io.pqlscore.events.EventParser.DEFAULT_MAX_RECORD_BYTES;
    public int maxDepth = io.pqlscore.events.EventParser.DEFAULT_MAX_DEPTH;
    public int topSignals = io.pqlscore.scoring.ScoreEngine.DEFAULT_TOP_SIGNALS;
    public Duration idleTimeout = Duration.ofSeconds(30);
    public Duration dedupePurgeGranularity = Duration.ofMinutes(1);
    public boolean local;
    public String flinkConf = "flink-conf";
    public String jobName = "pql-scoring";

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
        spec("top-signals", "N", "how many top signals a transition lists (default 3)",
                (o, v) -> o.topSignals = positive("top-signals", v));
        spec("idle-timeout", "DURATION", "a source split without records this long stops holding back the watermark (default 30s)",
                (o, v) -> o.idleTimeout = duration(v));
        spec("dedupe-purge-granularity", "DURATION",
                "kept messageIds are purged on the first multiple of this after their dedupe window (default 1m)",
                (o, v) -> o.dedupePurgeGranularity = duration(v));
        spec("local", null, "run on an embedded MiniCluster configured from --flink-conf", (o, v) -> o.local = true);
        spec("flink-conf", "DIR", "directory holding Flink's config.yaml for --local (default flink-conf)", (o, v) -> o.flinkConf = v);
        spec("job-name", "NAME", "the Flink job name (default pql-scoring)", (o, v) -> o.jobName = v);
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
        if (o.inputs.isEmpty()) {
            throw new UsageException("--input is required\n" + usage());
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
