package io.pqlscore.buffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Records waiting for the watermark, each held once: in a binary heap by event time while there
 * is room ({@link TimeHeap}: a put costs a sift over primitive times, no serialization), and beyond {@code
 * heapBudget} records appended to their key's spill list in keyed state (a RocksDB merge: no read).
 * A key's spilled records come back into the heap, all at once, before anything at or after its
 * earliest spilled time is released, so the release order is the same either way: by event time,
 * whatever was spilled.
 *
 * <p>The queue does not order records of one instant; its owner does ({@code messageId}, SPEC 3).
 * It snapshots nothing itself: its owner writes the heap records and the spill index to raw keyed
 * state by key group ({@link #forEachHeapRecord}, {@link #forEachSpilledKey}). Not thread-safe:
 * the task thread only.
 */
public final class EventTimeQueue<T> {
    /** What the queue needs to know of a record. */
    public interface Records<T> {
        String key(T record);

        long time(T record);
    }

    /** The owner's keyed spill lists (each call sets the current key itself). */
    public interface Spill<T> {
        void append(String key, T record) throws Exception;

        /** Removes and returns the key's spilled records (any order). */
        List<T> take(String key) throws Exception;
    }

    private final Records<T> records;
    private final int heapBudget;
    private final TimeHeap<T> heap = new TimeHeap<>();
    /** Per key with spilled records: the earliest spilled event time and how many there are. */
    private final Map<String, long[]> spilledFrom = new HashMap<>();
    private final TreeMap<Long, Set<String>> spilledKeys = new TreeMap<>();
    private long spilledSize;

    public EventTimeQueue(Records<T> records, int heapBudget) {
        this.records = records;
        this.heapBudget = heapBudget;
    }

    /** Adds a record: to the heap, or when the heap holds its budget, to its key's spill list. */
    public void add(T record, Spill<T> spill) throws Exception {
        if (heap.size() >= heapBudget) {
            String key = records.key(record);
            spill.append(key, record);
            indexSpilled(key, records.time(record), 1);
            return;
        }
        addToHeap(record);
    }

    private void addToHeap(T record) {
        heap.add(records.time(record), record);
    }

    private void indexSpilled(String key, long time, long count) {
        spilledSize += count;
        long[] entry = spilledFrom.get(key);
        if (entry != null) {
            entry[1] += count;
            if (entry[0] <= time) {
                return;
            }
            Set<String> keys = spilledKeys.get(entry[0]);
            keys.remove(key);
            if (keys.isEmpty()) {
                spilledKeys.remove(entry[0]);
            }
            entry[0] = time;
        } else {
            spilledFrom.put(key, new long[] {time, count});
        }
        spilledKeys.computeIfAbsent(time, t -> new HashSet<>()).add(key);
    }

    /**
     * The earliest event time at or before {@code bound} that has records, with every spilled
     * record that could be at or before it back in the heap; {@code Long.MAX_VALUE} when none.
     */
    public long next(long bound, Spill<T> spill) throws Exception {
        while (true) {
            long h = heap.isEmpty() ? Long.MAX_VALUE : heap.firstTime();
            long s = spilledKeys.isEmpty() ? Long.MAX_VALUE : spilledKeys.firstKey();
            if (!spilledKeys.isEmpty() && s <= bound && s <= h) {
                for (String key : spilledKeys.remove(s)) {
                    spilledSize -= spilledFrom.remove(key)[1];
                    List<T> back = spill.take(key);
                    for (T r : back) {
                        addToHeap(r);
                    }
                }
                continue;
            }
            return h <= bound ? h : Long.MAX_VALUE;
        }
    }

    /** Removes and returns the heap's records at {@code time} (in arrival order), or an empty list. */
    public List<T> take(long time) {
        return heap.takeAt(time);
    }

    /** Records in the heap. */
    public int heapSize() {
        return heap.size();
    }

    /** Records in keyed spill lists. */
    public long spilledSize() {
        return spilledSize;
    }

    public void forEachHeapRecord(Consumer<T> action) {
        heap.forEach(action);
    }

    /** Every key with spilled records: its earliest spilled time and its count. */
    public void forEachSpilledKey(BiConsumer<String, long[]> action) {
        spilledFrom.forEach((k, v) -> action.accept(k, v.clone()));
    }

    /** Restores a record into the heap (whatever the budget: it was there when snapshotted). */
    public void restoreHeapRecord(T record) {
        addToHeap(record);
    }

    /** Restores a key's spill index entry: {@code count} records from {@code from} on. */
    public void restoreSpilledKey(String key, long from, long count) {
        indexSpilled(key, from, count);
    }
}
