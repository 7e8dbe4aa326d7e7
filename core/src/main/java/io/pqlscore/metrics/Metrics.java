package io.pqlscore.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * The job's own metrics, in one place: their names, their label keys and how they are registered
 * (docs/METRICS.md lists them with their Prometheus names). All of them are in the metric group
 * {@code pqlscore} of the operator that reports them; a dimension (rejection reason, kind,
 * direction, tier) is a Flink key/value group ({@link MetricGroup#addGroup(String, String)}),
 * which Flink's reporters export as a label (Prometheus) or tag, not as a name segment.
 *
 * <p>What Flink makes of a key/value group: the key stays in the metric's logical scope, so it is
 * part of the exported name, and the value becomes the label of that name. The counter
 * {@code rejected} in {@code pqlscore} / key {@code reason} / value {@code bad_json} is exported by
 * the Prometheus reporter as
 * <pre>flink_taskmanager_job_task_operator_pqlscore_reason_rejected{reason="bad_json",...}</pre>
 * (the same form as the Kafka connector's {@code KafkaSourceReader_topic_partition_currentOffset}).
 * {@link Def#prometheusName()} gives that name for every metric here.
 *
 * <p>No other class names a metric, or an operator the monitoring selects by name, with a string
 * literal: operators register through these constants and helpers, the topology names its
 * operators with them, and the checks of the alert rules, the dashboard and docs/METRICS.md
 * (PrometheusMonitoringTest) compare against them. Deliberately free of the job's other packages:
 * every operator can use it.
 */
public final class Metrics {
    /** The group of all of the job's own metrics, below the operator's group. */
    public static final String GROUP = "pqlscore";

    // ------------------------------------------------------------------ metric names

    /** {@code RecordRouter}: records that passed every check and the lateness test. */
    public static final String EVENTS_IN = "events_in";
    /**
     * {@code RecordRouter}: records sent to the dead letters, by label {@link #REASON} (every
     * {@code RejectReason} registered at start); also the {@code AccountOperator}'s and the
     * {@code IdentityOperator}'s guard, with reason {@link #LATE_AFTER_SHUFFLE}, and the
     * {@code IdentityOperator}'s {@code missing_account} rejections.
     */
    public static final String REJECTED = "rejected";
    /** Late records wherever found: the router's {@code late} rejections and the keyed stages' guards. */
    public static final String LATE = "late";
    /** {@code AccountOperator}: duplicates dropped within the dedupe window. */
    public static final String DUPLICATES = "duplicates";
    /** {@code AccountOperator}: all transitions. */
    public static final String TRANSITIONS = "transitions";
    /** {@code AccountOperator}: transitions by labels {@link #KIND}, {@link #DIRECTION} and {@link #TIER} (the new tier). */
    public static final String TIER_TRANSITIONS = "tier_transitions";
    /**
     * {@code IdentityOperator}: records applied in an account they did not name (activity given its
     * user's current account, an {@code identify} copied to each account its user belongs to).
     */
    public static final String IDENTITY_RESOLVED = "identity_resolved";
    /** {@code IdentityOperator}: new memberships ({@code group} calls naming a user not yet in that account). */
    public static final String IDENTITY_MEMBERSHIPS = "identity_memberships";
    /**
     * {@code IdentityOperator}: activity without an account id whose user has no account (also
     * counted in {@link #REJECTED} with reason {@code missing_account}).
     */
    public static final String IDENTITY_NO_ACCOUNT = "identity_no_account";
    /** {@code AccountOperator}: wall clock minus the current watermark, in ms. */
    public static final String SCORING_LAG_MS = "scoring_lag_ms";
    /**
     * The ordered operators (account stage, identity stage): records waiting for the watermark on
     * the heap, per subtask.
     */
    public static final String BUFFERED_RECORDS = "buffered_records";
    /** The ordered operators: waiting records spilled to keyed state beyond the heap budget, per subtask. */
    public static final String SPILLED_RECORDS = "spilled_records";
    /** {@code TierCensus}: entities currently in a tier, by labels {@link #KIND} and {@link #TIER}. */
    public static final String ENTITIES = "entities";

    // ------------------------------------------------------------------ label keys and values

    /** Label of {@link #REJECTED}: the dead-letter reason ({@code RejectReason} codes, and {@link #LATE_AFTER_SHUFFLE}). */
    public static final String REASON = "reason";
    /** Label of {@link #TIER_TRANSITIONS} and {@link #ENTITIES}: {@code pql} (users) or {@code pqa} (accounts). */
    public static final String KIND = "kind";
    /** Label of {@link #TIER_TRANSITIONS}: {@code up} or {@code down}. */
    public static final String DIRECTION = "direction";
    /** Label of {@link #TIER_TRANSITIONS} (the new tier, {@code none} included) and {@link #ENTITIES}: a tier of the model. */
    public static final String TIER = "tier";
    /** The {@link #REASON} of the late records the account and identity stages' guards find after the shuffle. */
    public static final String LATE_AFTER_SHUFFLE = "late_after_shuffle";

    // ------------------------------------------------------------------ operators by name

    /*
     * The job's operators whose names dashboards, alerts and tools select (the label
     * operator_name, Flink's REST API and web UI): named here, with the metrics, so that a renamed
     * operator is a change of this file. ScoringTopology gives them these names.
     */

    /** The router: parses records, dead-letters the rejected ones, drops the late. */
    public static final String ROUTER_OPERATOR = "parse, reject and drop late";
    /** The identity stage (SPEC 8). */
    public static final String IDENTITY_OPERATOR = "resolve identity";
    /** The account stage: dedupes, runs the patterns, scores; reports scoring lag and transitions. */
    public static final String ACCOUNTS_OPERATOR = "score accounts and users";
    /** The tier census: the gauges {@link #ENTITIES}. */
    public static final String CENSUS_OPERATOR = "entities per tier";

    /**
     * An operator name as Flink's Prometheus reporter exports it in the label {@code operator_name}:
     * every character other than ASCII letters, digits, {@code :} and {@code _} becomes {@code _}
     * ({@code "parse, reject and drop late"} is {@code parse__reject_and_drop_late}).
     */
    public static String prometheusLabel(String operatorName) {
        return operatorName.replaceAll("[^a-zA-Z0-9:_]", "_");
    }

    // ------------------------------------------------------------------ the catalogue

    /** Counter or gauge, as registered in Flink (the Prometheus reporter exports both as gauges). */
    public enum Type { COUNTER, GAUGE }

    /**
     * One metric of the job: its name, type and label keys (in registration order). The
     * Prometheus name is {@link #prometheusName()}; besides its own labels a series carries Flink's
     * operator scope variables as labels ({@code job_name}, {@code operator_name},
     * {@code subtask_index}, ...).
     */
    public record Def(String name, Type type, List<String> labels) {
        public Def {
            labels = List.copyOf(labels);
        }

        /** What Flink's Prometheus reporter calls it: {@code flink_taskmanager_job_task_operator_pqlscore_[<label>_...]<name>}. */
        public String prometheusName() {
            StringBuilder b = new StringBuilder(PROMETHEUS_PREFIX);
            for (String label : labels) {
                b.append(label).append('_');
            }
            return b.append(name).toString();
        }
    }

    /**
     * The exported name's prefix of every metric here: Flink's operator scope
     * ({@code taskmanager.job.task.operator}, also for sink writers) and {@link #GROUP}.
     */
    public static final String PROMETHEUS_PREFIX = "flink_taskmanager_job_task_operator_" + GROUP + "_";

    private static final List<Def> ALL = List.of(
            new Def(EVENTS_IN, Type.COUNTER, List.of()),
            new Def(REJECTED, Type.COUNTER, List.of(REASON)),
            new Def(LATE, Type.COUNTER, List.of()),
            new Def(DUPLICATES, Type.COUNTER, List.of()),
            new Def(TRANSITIONS, Type.COUNTER, List.of()),
            new Def(TIER_TRANSITIONS, Type.COUNTER, List.of(KIND, DIRECTION, TIER)),
            new Def(SCORING_LAG_MS, Type.GAUGE, List.of()),
            new Def(ENTITIES, Type.GAUGE, List.of(KIND, TIER)),
            new Def(BUFFERED_RECORDS, Type.GAUGE, List.of()),
            new Def(SPILLED_RECORDS, Type.GAUGE, List.of()),
            new Def(IDENTITY_RESOLVED, Type.COUNTER, List.of()),
            new Def(IDENTITY_MEMBERSHIPS, Type.COUNTER, List.of()),
            new Def(IDENTITY_NO_ACCOUNT, Type.COUNTER, List.of()));

    /** Every metric of the job (docs/METRICS.md has one row for each). */
    public static List<Def> all() {
        return ALL;
    }

    /** The metric named {@code name}; fails for a name that is not one of the constants above. */
    public static Def def(String name) {
        for (Def d : ALL) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException("no metric " + name);
    }

    private Metrics() {}

    // ------------------------------------------------------------------ registering

    /** The {@code pqlscore} group of an operator (or sink writer) metric group. */
    public static MetricGroup group(MetricGroup operatorGroup) {
        return operatorGroup.addGroup(GROUP);
    }

    /**
     * The group below {@code group} that carries the labels {@code keys} with {@code values}
     * (sanitized with {@link #name}), one key/value group per label, in order.
     */
    public static MetricGroup labeled(MetricGroup group, List<String> keys, String... values) {
        if (keys.size() != values.length) {
            throw new IllegalArgumentException("labels " + keys + " need " + keys.size() + " values, got " + values.length);
        }
        MetricGroup g = group;
        for (int i = 0; i < values.length; i++) {
            g = g.addGroup(keys.get(i), name(values[i]));
        }
        return g;
    }

    /** Registers the gauge {@code name} under {@code pqlscoreGroup} with its labels' {@code values}. */
    public static <T> Gauge<T> gauge(MetricGroup pqlscoreGroup, String name, Gauge<T> gauge, String... values) {
        Def d = def(name);
        return labeled(pqlscoreGroup, d.labels(), values).gauge(d.name(), gauge);
    }

    /**
     * A label value taken from the model (a tier) or the input: characters other than ASCII
     * letters, digits and {@code _} become {@code _}, as the Prometheus reporter does with label
     * values anyway, so that the value is the same in every reporter and a dot cannot add a level
     * to Flink's dotted metric identifier.
     */
    public static String name(String s) {
        if (s == null || s.isEmpty()) {
            return "_";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
        }
        return b.toString();
    }

    /**
     * The counters of one labelled metric ({@link #REJECTED}, {@link #TIER_TRANSITIONS}), one per
     * combination of label values, created on first use and kept, so each is registered once per
     * subtask (registering it again would make Flink drop the second one). Not thread-safe: use
     * from the task thread only, as operators do.
     */
    public static final class CounterFamily {
        private final MetricGroup root;
        private final Def def;
        private final Map<List<String>, Counter> counters = new HashMap<>();

        /** The counters of metric {@code name} (one of the constants) under the {@code pqlscore} group {@code root}. */
        public CounterFamily(MetricGroup root, String name) {
            this.root = root;
            this.def = def(name);
            if (def.type() != Type.COUNTER) {
                throw new IllegalArgumentException(name + " is a " + def.type());
            }
        }

        /** The counter with these label values (in the order of the metric's labels), sanitized with {@link #name}. */
        public Counter get(String... values) {
            if (values.length != def.labels().size()) {
                throw new IllegalArgumentException(def.name() + " has labels " + def.labels() + ", got " + values.length + " values");
            }
            List<String> key = new ArrayList<>(values.length);
            for (String v : values) {
                key.add(name(v));
            }
            // keyed by the sanitized values: two model names that sanitize alike share one counter
            key = Collections.unmodifiableList(key);
            Counter c = counters.get(key);
            if (c == null) {
                c = labeled(root, def.labels(), values).counter(def.name());
                counters.put(key, c);
            }
            return c;
        }
    }
}
