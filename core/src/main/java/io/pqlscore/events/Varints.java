package io.pqlscore.events;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The variable-length integers of the job's hand-written state encodings ({@code EntityCodec},
 * {@code PatternStateCodec}, {@code UserIdentitySerializer}): seven bits per byte, low bits first,
 * the high bit set on every byte but the last; zigzag maps signed deltas to small unsigned ones.
 * One definition, because a savepoint written by one of them must read back with the same rules.
 */
public final class Varints {
    private Varints() {}

    public static void writeVarLong(long v, DataOutput out) throws IOException {
        while ((v & ~0x7fL) != 0) {
            out.writeByte((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    public static long readVarLong(DataInput in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("malformed varint");
    }

    public static long zigzag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    public static long unzigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }
}
