package io.pqlscore.model;

import java.io.Serializable;
import java.util.Set;

/**
 * {@code routing.enterprise-override}: upward transitions into one of {@code tiers} of an
 * account whose traits pass {@code trait} are routed to {@code enterprise} (SPEC 6, 7).
 */
public record RoutingOverride(TraitTest trait, Set<String> tiers) implements Serializable {
    public static final String ENTERPRISE_ROUTE = "enterprise";

    public RoutingOverride {
        tiers = Set.copyOf(tiers);
    }
}
