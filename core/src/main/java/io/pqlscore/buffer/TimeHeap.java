package io.pqlscore.buffer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A binary min-heap of records by event time, in two arrays (times as primitives beside the
 * records): what a waiting record costs is an array store and a sift of a few comparisons of
 * longs, without a boxed key, a tree node or a list per instant. Records of one instant come out
 * together in the order they were added (their owner then sorts them by {@code messageId}, a
 * stable sort: exact duplicates keep their arrival order, as they did in a list per instant).
 */
final class TimeHeap<T> {
    private long[] times = new long[64];
    /** Arrival numbers: the order of records of one instant. */
    private long[] seqs = new long[64];
    private Object[] items = new Object[64];
    private int size;
    private long nextSeq;

    /** Whether entry {@code a} comes before entry {@code b}. */
    private boolean before(long ta, long sa, long tb, long sb) {
        return ta < tb || (ta == tb && sa < sb);
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void add(long time, T record) {
        if (size == times.length) {
            times = Arrays.copyOf(times, size * 2);
            seqs = Arrays.copyOf(seqs, size * 2);
            items = Arrays.copyOf(items, size * 2);
        }
        long seq = nextSeq++;
        int i = size++;
        // sift up
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(time, seq, times[parent], seqs[parent])) {
                break;
            }
            times[i] = times[parent];
            seqs[i] = seqs[parent];
            items[i] = items[parent];
            i = parent;
        }
        times[i] = time;
        seqs[i] = seq;
        items[i] = record;
    }

    /** The earliest time; the heap must not be empty. */
    long firstTime() {
        return times[0];
    }

    /** Removes and returns every record at the earliest time, if that time is {@code time}; else an empty list. */
    List<T> takeAt(long time) {
        if (size == 0 || times[0] != time) {
            return List.of();
        }
        List<T> at = new ArrayList<>(2);
        while (size > 0 && times[0] == time) {
            at.add(pollFirst());
        }
        return at;
    }

    @SuppressWarnings("unchecked")
    private T pollFirst() {
        T first = (T) items[0];
        int last = --size;
        long t = times[last];
        long q = seqs[last];
        Object item = items[last];
        items[last] = null;
        if (last > 0) {
            // sift down from the root
            int i = 0;
            int half = last >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                int right = child + 1;
                if (right < last && before(times[right], seqs[right], times[child], seqs[child])) {
                    child = right;
                }
                if (!before(times[child], seqs[child], t, q)) {
                    break;
                }
                times[i] = times[child];
                seqs[i] = seqs[child];
                items[i] = items[child];
                i = child;
            }
            times[i] = t;
            seqs[i] = q;
            items[i] = item;
        }
        if (size == 0 && times.length > 1024) {
            // a burst is over: give its arrays back
            times = new long[64];
            seqs = new long[64];
            items = new Object[64];
        }
        return first;
    }

    /** Every record, by time and then arrival (a snapshot restored in this order keeps the order of ties). */
    @SuppressWarnings("unchecked")
    void forEach(Consumer<T> action) {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> times[a] != times[b] ? Long.compare(times[a], times[b]) : Long.compare(seqs[a], seqs[b]));
        for (int i : order) {
            action.accept((T) items[i]);
        }
    }
}
