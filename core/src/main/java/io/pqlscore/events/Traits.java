package io.pqlscore.events;

import java.util.Arrays;

/**
 * SPEC 3's trait merge, the one implementation: a later call overwrites the keys it carries and
 * keeps the others (shallow). Keys and JSON-text values are parallel arrays; the inputs are never
 * changed, a merge returns new arrays.
 */
public final class Traits {
    /** {@code [keys, values]} after merging {@code addKeys}/{@code addValues} into {@code keys}/{@code values}. */
    public static String[][] merge(String[] keys, String[] values, String[] addKeys, String[] addValues) {
        String[] k = Arrays.copyOf(keys, keys.length + addKeys.length);
        String[] v = Arrays.copyOf(values, values.length + addKeys.length);
        int n = keys.length;
        for (int a = 0; a < addKeys.length; a++) {
            int at = indexOf(k, n, addKeys[a]);
            if (at >= 0) {
                v[at] = addValues[a];
            } else {
                k[n] = addKeys[a];
                v[n] = addValues[a];
                n++;
            }
        }
        return new String[][] {n == k.length ? k : Arrays.copyOf(k, n), n == v.length ? v : Arrays.copyOf(v, n)};
    }

    private static int indexOf(String[] keys, int n, String key) {
        for (int i = 0; i < n; i++) {
            if (keys[i].equals(key)) {
                return i;
            }
        }
        return -1;
    }

    private Traits() {}
}
