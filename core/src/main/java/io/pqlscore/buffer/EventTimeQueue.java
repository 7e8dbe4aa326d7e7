package io.pqlscore.buffer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Records waiting for the watermark, each held once: in a binary heap by event time while there
 * is room ({@link TimeHeap}: a put costs a sift over primitive times, no serialization), and beyond {@code
 * heapBudget} records appended to their key's spill list of their time bucket in keyed state (a
 * RocksDB merge: no read). A bucket's spilled records come back into the heap, all keys at once,
 * before anything at or after the bucket's start is released, so the release order is the same
 * either way: by event time, whatever was spilled. Only buckets the watermark has reached come
 * back, so the heap holds at most its budget plus one bucket's records: with the model's
 * out-of-orderness bound of minutes on a fast live stream, most of those minutes stay spilled
 * instead of returning to the heap (and to every checkpoint's synchronous part) long before due.
 *
 * <p>The queue does not order records of one instant; its owner does ({@code messageId}, SPEC 3).
 * It snapshots nothing itself: its owner writes the heap records and the spill index to raw keyed
 * state by key group ({@link #forEachHeapRecord}, {@link #forEachSpilled}). Not thread-safe:
 * the task thread only.
 */
public final class EventTimeQueue<T> {
    /** What the queue needs to know of a record. */
    public interface Records<T> {
        String key(T record);

        long time(T record);
    }

    /** The owner's keyed spill lists, one per key and bucket (each call sets the current key itself). */
    public interface Spill<T> {
        void append(String key, long bucket, T record) throws Exception;

        /** Removes and returns the key's records spilled in {@code bucket} (any order). */
        List<T> take(String key, long bucket) throws Exception;
    }

    /** A spill index entry: key, bucket start and the records spilled there. */
    public interface SpilledConsumer {
        void accept(String key, long bucket, long count);
    }

    private final Records<T> records;
    private final int heapBudget;
    private final long bucketMs;
    private final TimeHeap<T> heap = new TimeHeap<>();
    /** Per bucket start with spilled records: how many each key spilled there. */
    private final TreeMap<Long, Map<String, long[]>> spilled = new TreeMap<>();
    private long spilledSize;

    /**
     * @param heapBudget records held on the heap before new ones spill
     * @param bucketMs width of a spill bucket in event time: what comes back into the heap at once
     */
    public EventTimeQueue(Records<T> records, int heapBudget, long bucketMs) {
        if (bucketMs <= 0) {
            throw new IllegalArgumentException("spill bucket width must be positive: " + bucketMs);
        }
        this.records = records;
        this.heapBudget = heapBudget;
        this.bucketMs = bucketMs;
    }

    /** Adds a record: to the heap, or when the heap holds its budget, to its key's spill list of its bucket. */
    public void add(T record, Spill<T> spill) throws Exception {
        if (heap.size() >= heapBudget) {
            String key = records.key(record);
            long bucket = Math.floorDiv(records.time(record), bucketMs) * bucketMs;
            spill.append(key, bucket, record);
            indexSpilled(key, bucket, 1);
            return;
        }
        addToHeap(record);
    }

    private void addToHeap(T record) {
        heap.add(records.time(record), record);
    }

    private void indexSpilled(String key, long bucket, long count) {
        spilledSize += count;
        spilled.computeIfAbsent(bucket, b -> new HashMap<>()).computeIfAbsent(key, k -> new long[1])[0] += count;
    }

    /**
     * The earliest event time at or before {@code bound} that has records, with every spilled
     * record that could be at or before it back in the heap; {@code Long.MAX_VALUE} when none.
     */
    public long next(long bound, Spill<T> spill) throws Exception {
        while (true) {
            long h = heap.isEmpty() ? Long.MAX_VALUE : heap.firstTime();
            if (!spilled.isEmpty()) {
                long s = spilled.firstKey();
                if (s <= bound && s <= h) {
                    for (Map.Entry<String, long[]> e : spilled.pollFirstEntry().getValue().entrySet()) {
                        spilledSize -= e.getValue()[0];
                        for (T r : spill.take(e.getKey(), s)) {
                            addToHeap(r);
                        }
                    }
                    continue;
                }
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

    /** Every (key, bucket) with spilled records and their count. */
    public void forEachSpilled(SpilledConsumer action) {
        spilled.forEach((bucket, keys) -> keys.forEach((key, n) -> action.accept(key, bucket, n[0])));
    }

    /** Restores a record into the heap (whatever the budget: it was there when snapshotted). */
    public void restoreHeapRecord(T record) {
        addToHeap(record);
    }

    /** Restores a spill index entry: {@code count} records of {@code key} spilled in {@code bucket}. */
    public void restoreSpilled(String key, long bucket, long count) {
        indexSpilled(key, bucket, count);
    }
}
