package io.pqlscore.model;

/** The five signal kinds of SPEC section 2. */
public enum SignalKind {
    /** match + points (optional half-life, once). */
    POINTS,
    /** distinct values in a rolling window, mapped to points by tiers. */
    DISTINCT,
    /** ordered steps within a duration; detected with Flink CEP. */
    SEQUENCE,
    /** usage/limit ratio crossing a threshold upward; detected with Flink CEP. */
    USAGE,
    /** a test on the latest account or user traits. */
    TRAIT
}
