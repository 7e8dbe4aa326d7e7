package io.pqlscore.generator;

/**
 * Allocation-free JSON text helpers for the generator's hot path: escaped strings, ISO-8601
 * timestamps, hex ids. No Jackson here: records are appended to a reused StringBuilder.
 */
final class Json {
    static final long DAY_MS = 86_400_000L;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Json() {}

    /** Appends {@code s} as a JSON string literal (quotes, backslashes, control characters escaped). */
    static StringBuilder str(StringBuilder b, String s) {
        b.append('"');
        int n = s.length();
        int from = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20) {
                b.append(s, from, i);
                switch (c) {
                    case '"': b.append("\\\""); break;
                    case '\\': b.append("\\\\"); break;
                    case '\n': b.append("\\n"); break;
                    case '\r': b.append("\\r"); break;
                    case '\t': b.append("\\t"); break;
                    case '\b': b.append("\\b"); break;
                    case '\f': b.append("\\f"); break;
                    default:
                        b.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 15]);
                }
                from = i + 1;
            }
        }
        b.append(s, from, n);
        return b.append('"');
    }

    /** {@code "name":} */
    static StringBuilder key(StringBuilder b, String name) {
        return b.append('"').append(name).append("\":");
    }

    /** Appends the low {@code digits} hex digits of {@code v}. */
    static StringBuilder hex(StringBuilder b, long v, int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            b.append(HEX[(int) (v >>> shift) & 15]);
        }
        return b;
    }

    /** A UUID-shaped version-4 id whose first 64 bits of randomness are exactly {@code unique}. */
    static StringBuilder uuid(StringBuilder b, long unique, long other) {
        hex(b, unique >>> 32, 8).append('-');
        hex(b, unique >>> 16, 4).append("-4");
        hex(b, unique >>> 4, 3).append('-');
        b.append(HEX[8 + (int) (other & 3)]);
        hex(b, (unique << 8) | ((other >>> 2) & 0xff), 3).append('-');
        hex(b, other >>> 10, 12);
        return b;
    }

    /**
     * ISO-8601 with milliseconds: {@code 2026-03-02T09:05:09.123Z} for offset 0 with {@code zulu},
     * else local time with {@code ±hh:mm}; {@code micros} adds three more fraction digits.
     */
    static StringBuilder timestamp(StringBuilder b, long epochMs, int offsetMinutes, boolean zulu, int micros) {
        long local = epochMs + offsetMinutes * 60_000L;
        long day = Math.floorDiv(local, DAY_MS);
        int ms = (int) (local - day * DAY_MS);
        date(b, day);
        b.append('T');
        int h = ms / 3_600_000;
        int m = ms / 60_000 % 60;
        int s = ms / 1000 % 60;
        int f = ms % 1000;
        two(b, h).append(':');
        two(b, m).append(':');
        two(b, s).append('.');
        b.append((char) ('0' + f / 100)).append((char) ('0' + f / 10 % 10)).append((char) ('0' + f % 10));
        if (micros >= 0) {
            b.append((char) ('0' + micros / 100 % 10)).append((char) ('0' + micros / 10 % 10))
                    .append((char) ('0' + micros % 10));
        }
        if (zulu && offsetMinutes == 0) {
            return b.append('Z');
        }
        int off = Math.abs(offsetMinutes);
        b.append(offsetMinutes < 0 ? '-' : '+');
        two(b, off / 60).append(':');
        return two(b, off % 60);
    }

    /** {@code YYYY-MM-DD} of an epoch day (proleptic Gregorian, years 0..9999). */
    static StringBuilder date(StringBuilder b, long epochDay) {
        long z = epochDay + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long y = yoe + era * 400;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int d = (int) (doy - (153 * mp + 2) / 5 + 1);
        int m = (int) (mp < 10 ? mp + 3 : mp - 9);
        if (m <= 2) {
            y++;
        }
        int yy = (int) y;
        b.append((char) ('0' + yy / 1000 % 10)).append((char) ('0' + yy / 100 % 10))
                .append((char) ('0' + yy / 10 % 10)).append((char) ('0' + yy % 10)).append('-');
        two(b, m).append('-');
        return two(b, d);
    }

    private static StringBuilder two(StringBuilder b, int v) {
        return b.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
    }

    /** SplitMix64's finaliser: a bijection of 64-bit values, so distinct inputs give distinct ids. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** A bijection of 32-bit values keyed by {@code key}: index to a random-looking unique id. */
    static int scramble32(int x, int key) {
        x ^= key;
        x *= 0x9E3779B1;
        x ^= x >>> 16;
        x *= 0x85EBCA6B;
        x ^= x >>> 13;
        return x;
    }
}
