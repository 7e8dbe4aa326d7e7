package io.pqlscore.model;

import java.io.Serializable;

/** A {@code distinct} tier: at least {@code min} distinct values earn {@code points}. */
public record PointTier(long min, double points) implements Serializable {}
