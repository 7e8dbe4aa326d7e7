package io.pqlscore.buffer;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * One wake-up time per key, ordered by time: what Flink's heap timer service is, without its
 * per-key-group sets, since the operator that owns it snapshots it itself (raw keyed state, by
 * key group). Setting a key's time replaces its previous one; {@code Long.MAX_VALUE} removes it.
 * Not thread-safe: the task thread only.
 */
public final class WakeQueue {
    private record Wake(long time, String key) {}

    private static final java.util.Comparator<Wake> ORDER =
            java.util.Comparator.comparingLong(Wake::time).thenComparing(Wake::key);

    private final Map<String, Long> byKey = new HashMap<>();
    private final TreeSet<Wake> queue = new TreeSet<>(ORDER);

    /** Sets {@code key}'s wake-up to {@code time}; {@code Long.MAX_VALUE} clears it. */
    public void set(String key, long time) {
        Long current = byKey.get(key);
        if (current == null ? time == Long.MAX_VALUE : current == time) {
            return; // most records leave their key's wake-up where it was
        }
        Long old = time == Long.MAX_VALUE ? byKey.remove(key) : byKey.put(key, time);
        if (old != null) {
            if (old == time) {
                return;
            }
            queue.remove(new Wake(old, key));
        }
        if (time != Long.MAX_VALUE) {
            queue.add(new Wake(time, key));
        }
    }

    /** The key's wake-up time, or {@code Long.MAX_VALUE}. */
    public long get(String key) {
        Long t = byKey.get(key);
        return t == null ? Long.MAX_VALUE : t;
    }

    /** The earliest wake-up time, or {@code Long.MAX_VALUE} when there is none. */
    public long peekTime() {
        return queue.isEmpty() ? Long.MAX_VALUE : queue.first().time();
    }

    /** Removes and returns a key whose wake-up is at {@code time} (the earliest), or null. */
    public String pollAt(long time) {
        if (queue.isEmpty() || queue.first().time() != time) {
            return null;
        }
        Wake w = queue.pollFirst();
        byKey.remove(w.key());
        return w.key();
    }

    public int size() {
        return byKey.size();
    }

    /** Every (key, time), in no particular order. */
    public void forEach(BiConsumer<String, Long> action) {
        byKey.forEach(action);
    }

    public void clear() {
        byKey.clear();
        queue.clear();
    }
}
