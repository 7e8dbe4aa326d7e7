package io.pqlscore.model;

import java.io.Serializable;

/** A named tier of a score scale, with its route and optional first-touch SLA (SPEC 6). */
public final class TierDef implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final double min;
    private final String route;
    private final long slaMs; // 0: no SLA

    public TierDef(String name, double min, String route, long slaMs) {
        this.name = name;
        this.min = min;
        this.route = route;
        this.slaMs = slaMs;
    }

    public String name() {
        return name;
    }

    public double min() {
        return min;
    }

    public String route() {
        return route;
    }

    public boolean hasSla() {
        return slaMs > 0;
    }

    public long slaMs() {
        return slaMs;
    }
}
