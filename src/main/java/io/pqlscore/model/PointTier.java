package io.pqlscore.model;

import java.io.Serializable;

/** A {@code distinct} tier: at least {@code min} distinct values earn {@code points}. */
public final class PointTier implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long min;
    private final double points;

    public PointTier(long min, double points) {
        this.min = min;
        this.points = points;
    }

    public long min() {
        return min;
    }

    public double points() {
        return points;
    }
}
