package io.pqlscore.scoring;

import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
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
 */
public final class SignalLayouts implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One registry entry, as kept in operator state. */
    public static class Entry implements Serializable {
        private static final long serialVersionUID = 1L;

        public int layout;
        public String[] ids = new String[0];

        public Entry() {}

        public Entry(int layout, String[] ids) {
            this.layout = layout;
            this.ids = ids;
        }
    }

    private final int current;
    private final String[] currentIds;
    private final Map<Integer, String[]> byLayout = new HashMap<>();

    public SignalLayouts(ScoringModel model) {
        this.current = model.signalLayout();
        this.currentIds = model.signals().stream().map(Signal::id).toArray(String[]::new);
        byLayout.put(current, currentIds);
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
        }
    }

    /** Adds one layout (a v1 entity's own ids, during a state migration). */
    public int add(int layout, String[] ids) {
        byLayout.putIfAbsent(layout, ids);
        return layout;
    }

    /** Every known layout, for operator state. */
    public List<Entry> entries() {
        return byLayout.entrySet().stream().map(e -> new Entry(e.getKey(), e.getValue())).toList();
    }
}
