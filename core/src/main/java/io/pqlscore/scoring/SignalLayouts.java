package io.pqlscore.scoring;

import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.model.TraitTest;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The signal orders entity state may be written in, by layout number ({@code
 * ScoringModel.signalLayout()}): a state value names its layout with four bytes instead of
 * repeating the signal ids, and this registry (kept by the operator in union list state, so every
 * subtask knows every layout after a restore at any parallelism) gives the ids back, so that state
 * written under another model is matched to the running one by signal id.
 *
 * <p>Each layout also has a list of trait keys (the keys the model of that layout reads, sorted),
 * so that an entity's trait keys are written as positions in it (entity format 3); the list
 * restored with a layout wins over the running model's, so a value always reads with the list it
 * was written with. Layouts restored from state of earlier versions have none (their values do
 * not refer to one).
 */
public final class SignalLayouts implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One registry entry, as kept in operator state. */
    public static class Entry implements Serializable {
        private static final long serialVersionUID = 1L;

        public int layout;
        public String[] ids = new String[0];
        /** The layout's trait keys by position (empty in state of earlier versions). */
        public String[] traitKeys = new String[0];

        public Entry() {}

        public Entry(int layout, String[] ids) {
            this.layout = layout;
            this.ids = ids;
        }

        public Entry(int layout, String[] ids, String[] traitKeys) {
            this(layout, ids);
            this.traitKeys = traitKeys;
        }
    }

    private static final String[] NO_KEYS = new String[0];

    private final int current;
    private final String[] currentIds;
    private final Map<Integer, String[]> byLayout = new HashMap<>();
    private final Map<Integer, String[]> traitKeysByLayout = new HashMap<>();

    public SignalLayouts(ScoringModel model) {
        this.current = model.signalLayout();
        this.currentIds = model.signals().stream().map(Signal::id).toArray(String[]::new);
        byLayout.put(current, currentIds);
        traitKeysByLayout.put(current, traitKeysOf(model));
    }

    /** The trait keys a model reads, of users and of accounts, sorted. */
    static String[] traitKeysOf(ScoringModel model) {
        java.util.TreeSet<String> keys = new java.util.TreeSet<>(model.traitKeysRead(TraitTest.Of.USER));
        keys.addAll(model.traitKeysRead(TraitTest.Of.ACCOUNT));
        return keys.toArray(new String[0]);
    }

    /** The trait keys of a layout by position (empty when it has none). */
    public String[] traitKeys(int layout) {
        return traitKeysByLayout.getOrDefault(layout, NO_KEYS);
    }

    public int current() {
        return current;
    }

    public String[] currentIds() {
        return currentIds;
    }

    /** The ids of a layout; fails for one this job has never known. */
    public String[] ids(int layout) {
        String[] ids = byLayout.get(layout);
        if (ids == null) {
            throw new IllegalStateException("state written in signal layout " + layout + ", which this job does not know "
                    + "(known: " + byLayout.keySet() + ")");
        }
        return ids;
    }

    /** The layout number of entity state in the order of {@code ids}. */
    public int layoutOf(String[] ids) {
        if (Arrays.equals(ids, currentIds)) {
            return current;
        }
        for (Map.Entry<Integer, String[]> e : byLayout.entrySet()) {
            if (Arrays.equals(e.getValue(), ids)) {
                return e.getKey();
            }
        }
        throw new IllegalStateException("no signal layout for the ids " + Arrays.toString(ids));
    }

    /** Adds layouts restored from state (their ids win over nothing: a layout number is its ids). */
    public void addAll(Iterable<Entry> entries) {
        for (Entry e : entries) {
            byLayout.putIfAbsent(e.layout, e.ids);
            if (e.traitKeys != null && e.traitKeys.length > 0) {
                traitKeysByLayout.put(e.layout, e.traitKeys);
            }
        }
    }

    /** Adds one layout (a v1 entity's own ids, during a state migration). */
    public int add(int layout, String[] ids) {
        byLayout.putIfAbsent(layout, ids);
        return layout;
    }

    /** Every known layout, for operator state. */
    public List<Entry> entries() {
        return byLayout.entrySet().stream().map(e -> new Entry(e.getKey(), e.getValue(), traitKeys(e.getKey()))).toList();
    }
}
