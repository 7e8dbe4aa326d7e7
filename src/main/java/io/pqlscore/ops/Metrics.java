package io.pqlscore.ops;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Names of the job's own metrics, all in the metric group {@code pqlscore} of the operator that
 * reports them (docs/METRICS.md lists them with their Prometheus names). Dimensions are groups
 * under a metric's name, so a Flink identifier reads {@code ...<operator>.<subtask>.pqlscore.
 * rejected.bad_json} and its Prometheus name {@code flink_taskmanager_job_task_operator_pqlscore_
 * rejected_bad_json}.
 *
 * <p>Deliberately free of the job's other packages: every operator can use it.
 */
public final class Metrics {
    /** The group of all of the job's own metrics, below the operator's group. */
    public static final String GROUP = "pqlscore";

    /** {@code RecordRouter}: records that passed every check and the lateness test. */
    public static final String EVENTS_IN = "events_in";
    /** {@code RecordRouter} (and the sequencer's guard): group {@code rejected.<reason>}. */
    public static final String REJECTED = "rejected";
    /** Late records wherever found: the router's {@code late} rejections and the sequencer's guard. */
    public static final String LATE = "late";
    /** {@code EventSequencer}: duplicates dropped within the dedupe window. */
    public static final String DUPLICATES = "duplicates";
    /** {@code AccountScorer}: all transitions. */
    public static final String TRANSITIONS = "transitions";
    /**
     * {@code AccountScorer}: transitions by kind, direction and new tier, as
     * {@code tier_transitions.<kind>.<direction>.<tier_to>}. Not under {@code transitions}: a group
     * named like the existing counter makes Flink log a name collision for every subtask.
     */
    public static final String TIER_TRANSITIONS = "tier_transitions";
    /** {@code AccountScorer}: firings without their record (a bug upstream if ever non-zero). */
    public static final String ORPHAN_FIRINGS = "orphan_firings";
    /** {@code ExpiringCepOperator} (usage patterns): keys forgotten after the expiry (an entity's metric gone quiet). */
    public static final String PATTERN_KEYS_EXPIRED = "pattern_keys_expired";
    /**
     * {@code IdentityResolution}: records applied in an account they did not name (activity given its
     * user's current account, an {@code identify} copied to each account its user belongs to).
     */
    public static final String IDENTITY_RESOLVED = "identity_resolved";
    /** {@code IdentityResolution}: new memberships ({@code group} calls naming a user not yet in that account). */
    public static final String IDENTITY_MEMBERSHIPS = "identity_memberships";
    /**
     * {@code IdentityResolution}: activity without an account id whose user has no account (also
     * counted in {@code rejected.missing_account}).
     */
    public static final String IDENTITY_NO_ACCOUNT = "identity_no_account";
    /** {@code AccountScorer}: wall clock minus the current watermark, in ms. */
    public static final String SCORING_LAG_MS = "scoring_lag_ms";
    /** {@code TierCensus}: entities currently in a tier, as {@code entities.<kind>.<tier>}. */
    public static final String ENTITIES = "entities";

    private Metrics() {}

    /** The {@code pqlscore} group of an operator (or sink writer) metric group. */
    public static MetricGroup group(MetricGroup operatorGroup) {
        return operatorGroup.addGroup(GROUP);
    }

    /**
     * A name taken from the model (a tier) as a metric group name: characters other than ASCII
     * letters, digits and {@code _} become {@code _}, as Prometheus would make them anyway, so a
     * dot in a tier name cannot add a level to the identifier.
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
     * Counters under {@code <root>.<a>.<b>.<leaf>} created on first use and kept, so a name is
     * registered once per subtask (registering it again would make Flink drop the second one).
     * Not thread-safe: use from the task thread only, as operators do.
     */
    public static final class CounterFamily {
        private final MetricGroup root;
        private final Map<String, Counter> counters = new HashMap<>();

        public CounterFamily(MetricGroup root) {
            this.root = root;
        }

        /** The counter at {@code path} (group names, the last one the counter's), sanitized with {@link #name}. */
        public Counter get(String... path) {
            String[] names = new String[path.length];
            for (int i = 0; i < path.length; i++) {
                names[i] = name(path[i]);
            }
            // keyed by the sanitized names: two model names that sanitize alike share one counter
            String key = String.join(".", names);
            Counter c = counters.get(key);
            if (c == null) {
                MetricGroup g = root;
                for (int i = 0; i < names.length - 1; i++) {
                    g = g.addGroup(names[i]);
                }
                c = g.counter(names[names.length - 1]);
                counters.put(key, c);
            }
            return c;
        }
    }
}
