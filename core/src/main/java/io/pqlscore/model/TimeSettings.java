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
     * How old a metric's previous reading (below) may be for the score engine to fire the crossing
     * itself: the retention. The earlier topology's CEP operator forgot a usage key after that long
     * without a reading; the engine's rule keeps the signal SPEC's (no time limit) whatever the
     * pattern state holds, and where the pattern sees the crossing too the record fires once.
     */
    public long usageExpiryMs() {
        return retentionMs;
    }
}
