package io.pqlscore.model;

import java.io.Serializable;
import java.util.List;

/**
 * One signal of the model. Fields not used by its {@link SignalKind} are null/zero. Built only
 * by {@link ModelLoader}, which validates every combination.
 */
public final class Signal implements Serializable {
    private static final long serialVersionUID = 1L;

    /** What a {@link SignalKind#DISTINCT} signal counts. */
    public enum DistinctBy {
        DAY,
        USER,
        PATH
    }

    private final String id;
    private final int index;
    private final String category;
    private final Scope scope;
    private final SignalKind kind;
    private final double points;
    /** Half-life in ms, or 0 for no decay. */
    private final long halfLifeMs;
    private final boolean once;
    private final EventMatch match; // POINTS, DISTINCT, USAGE
    // DISTINCT
    private final DistinctBy distinctBy;
    private final JsonPath distinctPath;
    private final long windowMs;
    private final List<PointTier> tiers;
    // SEQUENCE
    private final List<EventMatch> steps;
    private final long withinMs;
    // USAGE
    private final JsonPath metricPath; // null: one unnamed metric
    private final JsonPath usedPath;
    private final JsonPath limitPath;
    private final double at;
    // TRAIT
    private final TraitTest trait;
    /** Derived from {@code tiers}: the largest min, and the points for each count up to it (null: too many). */
    private final long maxTierMin;
    private final double[] pointsByCount;
    /** Counts up to this many get a lookup table; beyond it {@link #pointsForCount} scans the tiers. */
    private static final int POINTS_TABLE_MAX = 4096;

    private Signal(Builder b) {
        this.id = b.id;
        this.index = b.index;
        this.category = b.category;
        this.scope = b.scope;
        this.kind = b.kind;
        this.points = b.points;
        this.halfLifeMs = b.halfLifeMs;
        this.once = b.once;
        this.match = b.match;
        this.distinctBy = b.distinctBy;
        this.distinctPath = b.distinctPath;
        this.windowMs = b.windowMs;
        this.tiers = b.tiers == null ? null : List.copyOf(b.tiers);
        this.steps = b.steps == null ? null : List.copyOf(b.steps);
        this.withinMs = b.withinMs;
        this.metricPath = b.metricPath;
        this.usedPath = b.usedPath;
        this.limitPath = b.limitPath;
        this.at = b.at;
        this.trait = b.trait;
        long max = 0;
        if (tiers != null) {
            for (PointTier t : tiers) {
                max = Math.max(max, t.min());
            }
        }
        this.maxTierMin = max;
        if (tiers != null && max <= POINTS_TABLE_MAX) {
            pointsByCount = new double[(int) max + 1];
            for (int c = 0; c <= max; c++) {
                pointsByCount[c] = scanTiers(c);
            }
        } else {
            pointsByCount = null;
        }
    }

    public static Builder builder(String id, int index, String category, Scope scope, SignalKind kind) {
        return new Builder(id, index, category, scope, kind);
    }

    public String id() {
        return id;
    }

    /** Position in the model's signal list; state arrays are indexed by it. */
    public int index() {
        return index;
    }

    public String category() {
        return category;
    }

    public Scope scope() {
        return scope;
    }

    public SignalKind kind() {
        return kind;
    }

    public double points() {
        return points;
    }

    public long halfLifeMs() {
        return halfLifeMs;
    }

    public boolean decays() {
        return halfLifeMs > 0;
    }

    public boolean once() {
        return once;
    }

    public EventMatch match() {
        return match;
    }

    public DistinctBy distinctBy() {
        return distinctBy;
    }

    public JsonPath distinctPath() {
        return distinctPath;
    }

    public long windowMs() {
        return windowMs;
    }

    public List<PointTier> tiers() {
        return tiers;
    }

    /** The largest tier {@code min}: the most distinct values that can ever matter. */
    public long maxTierMin() {
        return maxTierMin;
    }

    /** Points for a distinct count: the highest tier whose min is at most the count, else 0. */
    public double pointsForCount(long count) {
        if (pointsByCount != null && count >= 0) {
            return pointsByCount[(int) Math.min(count, maxTierMin)];
        }
        return scanTiers(count);
    }

    private double scanTiers(long count) {
        double p = 0;
        long best = Long.MIN_VALUE;
        for (PointTier t : tiers) {
            if (t.min() <= count && t.min() > best) {
                best = t.min();
                p = t.points();
            }
        }
        return p;
    }

    public List<EventMatch> steps() {
        return steps;
    }

    public long withinMs() {
        return withinMs;
    }

    public JsonPath metricPath() {
        return metricPath;
    }

    public JsonPath usedPath() {
        return usedPath;
    }

    public JsonPath limitPath() {
        return limitPath;
    }

    public double at() {
        return at;
    }

    public TraitTest trait() {
        return trait;
    }

    @Override
    public String toString() {
        return "signal{" + id + " " + kind + " " + scope + "}";
    }

    /** Mutable builder used by the loader and by tests. */
    public static final class Builder {
        private final String id;
        private final int index;
        private final String category;
        private final Scope scope;
        private final SignalKind kind;
        private double points;
        private long halfLifeMs;
        private boolean once;
        private EventMatch match;
        private DistinctBy distinctBy;
        private JsonPath distinctPath;
        private long windowMs;
        private List<PointTier> tiers;
        private List<EventMatch> steps;
        private long withinMs;
        private JsonPath metricPath;
        private JsonPath usedPath;
        private JsonPath limitPath;
        private double at;
        private TraitTest trait;

        private Builder(String id, int index, String category, Scope scope, SignalKind kind) {
            this.id = id;
            this.index = index;
            this.category = category;
            this.scope = scope;
            this.kind = kind;
        }

        public Builder points(double v) { this.points = v; return this; }
        public Builder halfLifeMs(long v) { this.halfLifeMs = v; return this; }
        public Builder once(boolean v) { this.once = v; return this; }
        public Builder match(EventMatch v) { this.match = v; return this; }
        public Builder distinct(DistinctBy by, JsonPath path, long window, List<PointTier> t) {
            this.distinctBy = by; this.distinctPath = path; this.windowMs = window; this.tiers = t; return this;
        }
        public Builder sequence(List<EventMatch> s, long within) { this.steps = s; this.withinMs = within; return this; }
        public Builder usage(JsonPath metric, JsonPath used, JsonPath limit, double atRatio) {
            this.metricPath = metric; this.usedPath = used; this.limitPath = limit; this.at = atRatio; return this;
        }
        public Builder trait(TraitTest v) { this.trait = v; return this; }

        public Signal build() {
            return new Signal(this);
        }
    }
}
