package io.pqlscore.scoring;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SPEC 4 for one account: the {@code messageId}s kept within the dedupe window, as 64-bit
 * fingerprints with the event time of the kept record, oldest first. A record is a duplicate when
 * its fingerprint was kept at most {@code window} before it. Records come in SPEC 3 order, so
 * insertion order is time order and ids older than the window fall off the front.
 *
 * <p>Two different ids share a fingerprint with a probability of about {@code n^2 / 2^65} for
 * {@code n} ids kept at once in an account: one in 10^11 for a million.
 */
public final class KeptMessageIds {
    private final LinkedHashMap<Long, Long> keptAt = new LinkedHashMap<>();

    /** A 64-bit fingerprint of a {@code messageId} (FNV-1a over its chars, then a SplitMix64 finish). */
    public static long fingerprint(String messageId) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < messageId.length(); i++) {
            h ^= messageId.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= messageId.length();
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
        Long at = keptAt.get(fingerprint);
        if (at != null && time - at <= window) {
            return true;
        }
        if (at != null) {
            keptAt.remove(fingerprint);
        }
        keptAt.put(fingerprint, time);
        return false;
    }

    /** Forgets ids kept more than {@code window} before {@code time}. */
    public void purge(long time, long window) {
        for (Iterator<Map.Entry<Long, Long>> it = keptAt.entrySet().iterator(); it.hasNext(); ) {
            if (time - it.next().getValue() > window) {
                it.remove();
            } else {
                break;
            }
        }
    }

    /** Keeps a fingerprint as of {@code time} (restoring state; in time order). */
    public void keep(long fingerprint, long time) {
        keptAt.remove(fingerprint);
        keptAt.put(fingerprint, time);
    }

    public int size() {
        return keptAt.size();
    }

    public boolean isEmpty() {
        return keptAt.isEmpty();
    }

    /** Oldest first. */
    public Iterable<Map.Entry<Long, Long>> entries() {
        return keptAt.entrySet();
    }

    /** The time of the oldest kept id, or {@code Long.MAX_VALUE}. */
    public long oldest() {
        return keptAt.isEmpty() ? Long.MAX_VALUE : keptAt.values().iterator().next();
    }
}
