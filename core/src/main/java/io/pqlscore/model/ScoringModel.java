package io.pqlscore.model;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated scoring model (SPEC section 2). Immutable and serializable so operators can carry
 * it; build it with {@link ModelLoader}.
 */
public final class ScoringModel implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String id;
    private final String version;
    private final TimeSettings time;
    private final List<JsonPath> accountIdPaths;
    /** Category name to cap (null: uncapped), in first-mention order (categories block, then signals). */
    private final LinkedHashMap<String, Double> categories;
    private final List<Signal> signals;
    private final ScoreScale pql;
    private final ScoreScale pqa;
    private final RoutingOverride enterpriseOverride; // nullable

    public ScoringModel(String id, String version, TimeSettings time, List<JsonPath> accountIdPaths,
            LinkedHashMap<String, Double> categories, List<Signal> signals, ScoreScale pql, ScoreScale pqa,
            RoutingOverride enterpriseOverride) {
        this.id = id;
        this.version = version;
        this.time = time;
        this.accountIdPaths = List.copyOf(accountIdPaths);
        this.categories = new LinkedHashMap<>(categories);
        for (Signal s : signals) {
            this.categories.putIfAbsent(s.category(), null);
        }
        this.signals = List.copyOf(signals);
        this.pql = pql;
        this.pqa = pqa;
        this.enterpriseOverride = enterpriseOverride;
    }

    public String id() {
        return id;
    }

    public String version() {
        return version;
    }

    public TimeSettings time() {
        return time;
    }

    public List<JsonPath> accountIdPaths() {
        return accountIdPaths;
    }

    /** Category names in a stable order; index = position. */
    public List<String> categoryNames() {
        return new ArrayList<>(categories.keySet());
    }

    /** The cap of a category, or null when uncapped. */
    public Double cap(String category) {
        return categories.get(category);
    }

    public Map<String, Double> categories() {
        return Collections.unmodifiableMap(categories);
    }

    public List<Signal> signals() {
        return signals;
    }

    /**
     * A fingerprint of the signal list (ids and kinds, in order): parsed records carry the hit
     * positions of the model that parsed them, so a record from before a model change that
     * moved signals must not be read with the new positions.
     */
    public int signalLayout() {
        int h = 17;
        for (Signal s : signals) {
            h = 31 * h + s.id().hashCode();
            h = 31 * h + s.kind().name().hashCode();
        }
        return h == 0 ? 1 : h; // 0 is what a record restored from before this field had
    }

    public ScoreScale pql() {
        return pql;
    }

    public ScoreScale pqa() {
        return pqa;
    }

    public RoutingOverride enterpriseOverride() {
        return enterpriseOverride;
    }

    /**
     * The keys of {@code of}'s traits this model reads: its trait signals' paths' first segments in
     * model order, then, of an account's, the enterprise override's. The parser keeps only these of
     * an {@code identify}'s or a {@code group}'s traits; the state names them by position in them.
     */
    public java.util.Set<String> traitKeysRead(TraitTest.Of of) {
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        for (Signal s : signals) {
            if (s.trait() != null && s.trait().of() == of) {
                keys.add(s.trait().path().first());
            }
        }
        if (of == TraitTest.Of.ACCOUNT && enterpriseOverride != null) {
            keys.add(enterpriseOverride.trait().path().first());
        }
        return keys;
    }
}
