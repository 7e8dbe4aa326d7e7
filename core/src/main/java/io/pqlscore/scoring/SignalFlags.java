package io.pqlscore.scoring;

/**
 * What {@link EntityCodec} records of one stored signal before its fields: which fields follow and
 * how its keys and value are written. Format 2 wrote these bits as a varint (two bytes for the
 * common combinations); format 3 writes the same facts in one byte, translated here both ways.
 */
final class SignalFlags {
    private SignalFlags() {}

    static final int FIRED = 1;
    static final int VALUE = 2;
    static final int LAST_SEEN = 4;
    static final int KEYS = 8;
    static final int KEYS_AS_DAYS = 16;
    static final int TIMES = 32;
    /** Every key is four chars (a KeyPrint, as distinct signals keep users and property values): 8 bytes each. */
    static final int KEYS_AS_PRINTS = 64;
    /** The last time seen is the value's time (a points signal's last hit): not written. */
    static final int LAST_SEEN_AT_VALUE = 128;
    /** The last time seen is the latest of the kept times (a distinct signal's last value): not written. */
    static final int LAST_SEEN_AT_LATEST = 256;

    /*
     * Format 3 writes a signal's flags in one byte: the same facts, other bits (translated to the
     * constants above when read). KEY_KIND: no keys, keys as text, as day numbers, as 8-byte
     * fingerprints; DERIVED: the last time seen is the value's time when there is a value, else
     * the latest kept time; VALUE_INT: the value is a whole number, written as a varint (a points
     * signal hit once, a milestone, a trait).
     */
    private static final int F3_FIRED = 1;
    private static final int F3_VALUE = 2;
    private static final int F3_LAST_SEEN = 4;
    private static final int F3_KEY_KIND_SHIFT = 3;
    private static final int F3_KEY_KIND = 3 << F3_KEY_KIND_SHIFT;
    private static final int F3_TIMES = 32;
    private static final int F3_DERIVED = 64;
    private static final int F3_VALUE_INT = 128;

    /** The one-byte form format 3 writes of {@code flags}, with whether the value is written as a varint. */
    static int toFormatThree(int flags, boolean wholeValue) {
        return ((flags & FIRED) != 0 ? F3_FIRED : 0) | ((flags & VALUE) != 0 ? F3_VALUE : 0)
                | ((flags & LAST_SEEN) != 0 ? F3_LAST_SEEN : 0)
                | ((flags & KEYS) == 0 ? 0 : (flags & KEYS_AS_DAYS) != 0 ? 2 : (flags & KEYS_AS_PRINTS) != 0 ? 3 : 1)
                        << F3_KEY_KIND_SHIFT
                | ((flags & TIMES) != 0 ? F3_TIMES : 0)
                | ((flags & (LAST_SEEN_AT_VALUE | LAST_SEEN_AT_LATEST)) != 0 ? F3_DERIVED : 0)
                | (wholeValue ? F3_VALUE_INT : 0);
    }

    /** The flags of a format-3 byte (the value's varint bit: {@link #wholeValue}). */
    static int fromFormatThree(int f3) {
        int flags = ((f3 & F3_FIRED) != 0 ? FIRED : 0) | ((f3 & F3_VALUE) != 0 ? VALUE : 0)
                | ((f3 & F3_LAST_SEEN) != 0 ? LAST_SEEN : 0) | ((f3 & F3_TIMES) != 0 ? TIMES : 0);
        int keys = (f3 & F3_KEY_KIND) >>> F3_KEY_KIND_SHIFT;
        flags |= keys == 0 ? 0 : keys == 1 ? KEYS : keys == 2 ? KEYS | KEYS_AS_DAYS : KEYS | KEYS_AS_PRINTS;
        if ((f3 & F3_DERIVED) != 0) {
            flags |= (f3 & F3_VALUE) != 0 ? LAST_SEEN_AT_VALUE : LAST_SEEN_AT_LATEST;
        }
        return flags;
    }

    /** A value that a varint holds exactly: a whole number (not -0.0) of at most 2^53. */
    static boolean isWhole(double v) {
        if (!(Math.abs(v) <= 9.007199254740992E15)) {
            return false;
        }
        long l = (long) v;
        return Double.doubleToRawLongBits((double) l) == Double.doubleToRawLongBits(v);
    }

    /** Whether a format-3 byte says the value is written as a varint. */
    static boolean wholeValue(int f3) {
        return (f3 & F3_VALUE_INT) != 0;
    }
}
