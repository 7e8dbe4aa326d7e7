package io.pqlscore.model;

import java.io.Serializable;
import java.util.Set;

/**
 * {@code routing.enterprise-override}: upward transitions into one of {@code tiers} of an
 * account whose traits pass {@code trait} are routed to {@code enterprise} (SPEC 6, 7).
 */
public final class RoutingOverride implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String ENTERPRISE_ROUTE = "enterprise";

    private final TraitTest trait;
    private final Set<String> tiers;

    public RoutingOverride(TraitTest trait, Set<String> tiers) {
        this.trait = trait;
        this.tiers = Set.copyOf(tiers);
    }

    public TraitTest trait() {
        return trait;
    }

    public Set<String> tiers() {
        return tiers;
    }
}
