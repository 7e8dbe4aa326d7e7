package io.pqlscore.model;

import java.io.Serializable;

/** The model's {@code time} block, in milliseconds. */
public final class TimeSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final long DEFAULT_MAX_OUT_OF_ORDERNESS_MS = 5 * 60_000L;
    public static final long DEFAULT_EVALUATION_INTERVAL_MS = 3_600_000L;
    public static final long DEFAULT_DEDUPE_WINDOW_MS = 24 * 3_600_000L;
    public static final long DEFAULT_RETENTION_MS = 90 * 24 * 3_600_000L;

    private final long maxOutOfOrdernessMs;
    private final long evaluationIntervalMs;
    private final long dedupeWindowMs;
    private final long retentionMs;

    public TimeSettings(long maxOutOfOrdernessMs, long evaluationIntervalMs, long dedupeWindowMs, long retentionMs) {
        this.maxOutOfOrdernessMs = maxOutOfOrdernessMs;
        this.evaluationIntervalMs = evaluationIntervalMs;
        this.dedupeWindowMs = dedupeWindowMs;
        this.retentionMs = retentionMs;
    }

    public static TimeSettings defaults() {
        return new TimeSettings(DEFAULT_MAX_OUT_OF_ORDERNESS_MS, DEFAULT_EVALUATION_INTERVAL_MS,
                DEFAULT_DEDUPE_WINDOW_MS, DEFAULT_RETENTION_MS);
    }

    public long maxOutOfOrdernessMs() {
        return maxOutOfOrdernessMs;
    }

    public long evaluationIntervalMs() {
        return evaluationIntervalMs;
    }

    /**
     * How old a metric's previous reading (below) may be for the score engine to fire the crossing
     * itself: the retention. The earlier topology's CEP operator forgot a usage key after that long
     * without a reading; the engine's rule keeps the signal SPEC's (no time limit) whatever the
     * pattern state holds, and where the pattern sees the crossing too the record fires once.
     */
    public long usageExpiryMs() {
        return retentionMs;
    }

    public long dedupeWindowMs() {
        return dedupeWindowMs;
    }

    public long retentionMs() {
        return retentionMs;
    }
}
