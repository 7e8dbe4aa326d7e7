package io.pqlscore.model;

import java.io.Serializable;

/**
 * A named tier of a score scale, with its route and optional first-touch SLA (SPEC 6).
 *
 * @param slaMs the first-touch SLA; 0: none
 */
public record TierDef(String name, double min, String route, long slaMs) implements Serializable {
    public boolean hasSla() {
        return slaMs > 0;
    }
}
