package io.pqlscore.model;

import java.io.Serializable;
import java.util.List;

/**
 * The tiers of one score ({@code pql} for users or {@code pqa} for accounts). Tier index 0 is the
 * base tier {@code none}; index i (1-based) is {@code tiers.get(i - 1)}.
 */
public record ScoreScale(double hysteresis, int minActiveUsers, List<TierDef> tiers) implements Serializable {
    public static final String NONE = "none";
    public static final double DEFAULT_HYSTERESIS = 5;

    /** {@code minActiveUsers}: 0 is no gate. */
    public ScoreScale {
        tiers = List.copyOf(tiers);
    }

    /** Tier name by index, 0 being {@code none}. */
    public String name(int tier) {
        return tier == 0 ? NONE : tiers.get(tier - 1).name();
    }

    public TierDef tier(int tier) {
        return tier == 0 ? null : tiers.get(tier - 1);
    }

    /**
     * SPEC 2 tier decision: up to the highest tier whose min is at most {@code score} if that is
     * above {@code current}; otherwise down one tier at a time while {@code score < min - h}.
     */
    public int decide(int current, double score) {
        int highest = 0;
        for (int i = 0; i < tiers.size(); i++) {
            if (tiers.get(i).min() <= score) {
                highest = i + 1;
            }
        }
        if (highest > current) {
            return highest;
        }
        int t = current;
        while (t > 0 && score < tiers.get(t - 1).min() - hysteresis) {
            t--;
        }
        return t;
    }
}
