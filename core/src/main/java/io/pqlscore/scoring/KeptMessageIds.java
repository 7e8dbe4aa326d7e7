package io.pqlscore.scoring;

import java.util.Arrays;

/**
 * SPEC 4 for one account: the {@code messageId}s kept within the dedupe window, as 64-bit
 * fingerprints with the event time of the kept record, oldest first. A record is a duplicate when
 * its fingerprint was kept at most {@code window} before it. Records come in SPEC 3 order, so
 * insertion order is time order and ids older than the window fall off the front.
 *
 * <p>Two different ids share a fingerprint with a probability of about {@code n^2 / 2^65} for
 * {@code n} ids kept at once in an account: one in 10^11 for a million.
 *
 * <p>Primitive arrays, no boxing: a ring of (fingerprint, time) in insertion order, and an
 * open-addressing table (linear probing) from fingerprint to its slot in the ring. Every record
 * of the job passes here once.
 */
public final class KeptMessageIds {
    private static final int EMPTY = -1;

    /** The ring: {@code size} entries from {@code head}, oldest first. */
    private long[] fingerprints = new long[4];
    private long[] times = new long[4];
    private int head;
    private int size;
    /** Open addressing: ring positions (absolute, see {@link #position}) or EMPTY; a power of two, at most half full. */
    private int[] table = emptyTable(8);
    /** Absolute position of the ring's head: table entries store absolute positions so the ring can move. */
    private long headPosition;

    /** A 64-bit fingerprint of a {@code messageId} (FNV-1a over its chars, then a SplitMix64 finish). */
    public static long fingerprint(String messageId) {
        return io.pqlscore.events.KeyPrint.fingerprint(messageId);
    }

    private static long mix(long h) {
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    /**
     * Whether the record with this fingerprint at {@code time} is a duplicate; if not, it is kept.
     * Ids kept more than {@code window} before {@code time} are forgotten first.
     */
    public boolean isDuplicate(long fingerprint, long time, long window) {
        purge(time, window);
        // after the purge every kept id lies within the window of `time`
        if (find(fingerprint) >= 0) {
            return true;
        }
        append(fingerprint, time);
        return false;
    }

    /** Forgets ids kept more than {@code window} before {@code time}. */
    public void purge(long time, long window) {
        while (size > 0 && time - times[head] > window) {
            removeFromTable(fingerprints[head], headPosition);
            head = (head + 1) & (fingerprints.length - 1);
            headPosition++;
            size--;
        }
        if (size == 0) {
            head = 0;
            if (fingerprints.length > 64) {
                // a burst is over: give its arrays back
                fingerprints = new long[4];
                times = new long[4];
                table = emptyTable(8);
            }
        }
    }

    /** Keeps a fingerprint as of {@code time} (restoring state; in time order). */
    public void keep(long fingerprint, long time) {
        long at = find(fingerprint);
        if (at >= 0) {
            // an id kept again moves to the end (restoring never does this; kept for safety)
            rebuildWithout(at);
        }
        append(fingerprint, time);
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The {@code i}-th kept fingerprint, oldest first. */
    public long fingerprintAt(int i) {
        return fingerprints[(head + i) & (fingerprints.length - 1)];
    }

    /** The time the {@code i}-th kept id was kept at, oldest first. */
    public long timeAt(int i) {
        return times[(head + i) & (fingerprints.length - 1)];
    }

    /** The time of the oldest kept id, or {@code Long.MAX_VALUE}. */
    public long oldest() {
        return size == 0 ? Long.MAX_VALUE : times[head];
    }

    // ---------------------------------------------------------------- the ring and the table

    private void append(long fingerprint, long time) {
        if (size == fingerprints.length) {
            growRing();
        }
        int slot = (head + size) & (fingerprints.length - 1);
        fingerprints[slot] = fingerprint;
        times[slot] = time;
        size++;
        if (2 * size > table.length) {
            rehash(table.length * 2); // inserts the new entry too
        } else {
            insertIntoTable(fingerprint, headPosition + size - 1);
        }
    }

    private void growRing() {
        int n = fingerprints.length;
        long[] f = new long[2 * n];
        long[] t = new long[2 * n];
        for (int i = 0; i < size; i++) {
            int slot = (head + i) & (n - 1);
            f[i] = fingerprints[slot];
            t[i] = times[slot];
        }
        fingerprints = f;
        times = t;
        head = 0;
    }

    private int ringSlot(long position) {
        return (int) ((head + (position - headPosition)) & (fingerprints.length - 1));
    }

    /** The absolute position of a kept fingerprint, or -1. */
    private long find(long fingerprint) {
        int mask = table.length - 1;
        for (int i = (int) mix(fingerprint) & mask; ; i = (i + 1) & mask) {
            int p = table[i];
            if (p == EMPTY) {
                return -1;
            }
            long position = positionOf(p);
            if (fingerprints[ringSlot(position)] == fingerprint) {
                return position;
            }
        }
    }

    /** Table entries hold positions modulo 2^31; the ring never holds that many, so they are unambiguous. */
    private long positionOf(int stored) {
        long low = headPosition & 0x7fffffffL;
        long delta = (stored - low) & 0x7fffffffL;
        return headPosition + delta;
    }

    private void insertIntoTable(long fingerprint, long position) {
        int mask = table.length - 1;
        int i = (int) mix(fingerprint) & mask;
        while (table[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        table[i] = (int) (position & 0x7fffffffL);
    }

    private void removeFromTable(long fingerprint, long position) {
        int mask = table.length - 1;
        int stored = (int) (position & 0x7fffffffL);
        int i = (int) mix(fingerprint) & mask;
        while (table[i] != stored) {
            i = (i + 1) & mask;
        }
        // backward-shift deletion keeps every probe chain unbroken
        int hole = i;
        for (int j = (hole + 1) & mask; table[j] != EMPTY; j = (j + 1) & mask) {
            int home = (int) mix(fingerprints[ringSlot(positionOfStoredAt(j))]) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                table[hole] = table[j];
                hole = j;
            }
        }
        table[hole] = EMPTY;
    }

    private long positionOfStoredAt(int tableIndex) {
        return positionOf(table[tableIndex]);
    }

    private void rehash(int capacity) {
        table = emptyTable(capacity);
        for (int k = 0; k < size; k++) {
            insertIntoTable(fingerprints[(head + k) & (fingerprints.length - 1)], headPosition + k);
        }
    }

    private void rebuildWithout(long position) {
        long[] f = new long[size];
        long[] t = new long[size];
        int n = 0;
        for (int k = 0; k < size; k++) {
            if (headPosition + k != position) {
                int slot = (head + k) & (fingerprints.length - 1);
                f[n] = fingerprints[slot];
                t[n] = times[slot];
                n++;
            }
        }
        fingerprints = new long[Math.max(4, Integer.highestOneBit(Math.max(1, n)) * 2)];
        times = new long[fingerprints.length];
        System.arraycopy(f, 0, fingerprints, 0, n);
        System.arraycopy(t, 0, times, 0, n);
        head = 0;
        size = n;
        headPosition = 0;
        rehash(table.length);
    }

    private static int[] emptyTable(int capacity) {
        int[] t = new int[capacity];
        Arrays.fill(t, EMPTY);
        return t;
    }
}
