package io.pqlscore.model;

import java.io.Serializable;

/** The model's {@code time} block, in milliseconds. */
public record TimeSettings(long maxOutOfOrdernessMs, long evaluationIntervalMs, long dedupeWindowMs, long retentionMs)
        implements Serializable {
    public static final long DEFAULT_MAX_OUT_OF_ORDERNESS_MS = 5 * 60_000L;
    public static final long DEFAULT_EVALUATION_INTERVAL_MS = 3_600_000L;
    public static final long DEFAULT_DEDUPE_WINDOW_MS = 24 * 3_600_000L;
    public static final long DEFAULT_RETENTION_MS = 90 * 24 * 3_600_000L;

    public static TimeSettings defaults() {
        return new TimeSettings(DEFAULT_MAX_OUT_OF_ORDERNESS_MS, DEFAULT_EVALUATION_INTERVAL_MS,
                DEFAULT_DEDUPE_WINDOW_MS, DEFAULT_RETENTION_MS);
    }

    /**
     * How long a usage pattern's key may go without a reading before its CEP operator forgets it
     * ({@code ExpiringCepOperator}): the retention, so that a metric's CEP state does not outlive
     * its entity. The scorer fires the rare crossing whose previous reading (below) is this old or
     * older (an entity kept alive by other records while the metric was silent), so the signal
     * still follows SPEC's rule with no time limit.
     */
    public long usageExpiryMs() {
        return retentionMs;
    }
}
