package io.pqlscore.events;

/**
 * 64-bit fingerprints of identifiers the job only ever compares, never shows: {@code messageId}s
 * for deduplication (SPEC 4), and the values a {@code distinct} signal counts by user or by
 * property (SPEC 2), which the state keeps for the window. Two different values share a
 * fingerprint with a probability of about {@code n^2 / 2^65} for {@code n} values compared at once:
 * for the handful of values a distinct signal keeps, never in practice.
 */
public final class KeyPrint {
    private KeyPrint() {}

    /** FNV-1a over the chars, then a SplitMix64 finish. */
    public static long fingerprint(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= s.length();
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    /**
     * A value as its fingerprint in a string of four chars (16 bits each): what a distinct signal
     * compares and keeps, in 8 bytes of state instead of the value's own length.
     */
    public static String of(String value) {
        long f = fingerprint(value);
        return new String(new char[] {(char) f, (char) (f >>> 16), (char) (f >>> 32), (char) (f >>> 48)});
    }

    /** Whether {@code print} is {@link #of} a value whose {@link #fingerprint} is {@code f} (no String made). */
    public static boolean isPrintOf(String print, long f) {
        return print.length() == 4 && print.charAt(0) == (char) f && print.charAt(1) == (char) (f >>> 16)
                && print.charAt(2) == (char) (f >>> 32) && print.charAt(3) == (char) (f >>> 48);
    }
}
