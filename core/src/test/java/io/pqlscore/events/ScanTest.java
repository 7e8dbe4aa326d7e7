package io.pqlscore.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link EventParser#scan}, which skips strings eight bytes at a time, against the plain
 * byte-at-a-time reading of the same rules: on strings whose quotes, backslashes and non-ASCII
 * bytes fall at every offset around the eight-byte steps, and on random bytes.
 */
class ScanTest {
    /** The rules, one byte at a time: what scan computed before it skipped strings by words. */
    private static String reference(byte[] raw) {
        int depth = 0;
        int maxDepth = 0;
        int number = 0;
        int longest = 0;
        boolean inString = false;
        boolean escaped = false;
        boolean nonAscii = false;
        for (byte b : raw) {
            nonAscii |= b < 0;
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
                continue;
            }
            if ((b >= '0' && b <= '9') || b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E') {
                longest = Math.max(longest, ++number);
                continue;
            }
            number = 0;
            if (b == '"') {
                inString = true;
            } else if (b == '{' || b == '[') {
                maxDepth = Math.max(maxDepth, ++depth);
            } else if (b == '}' || b == ']') {
                depth--;
            }
        }
        return maxDepth + "/" + longest + "/" + nonAscii;
    }

    private static String scanned(byte[] raw) {
        EventParser.Scan s = EventParser.scan(raw);
        return s.depth + "/" + s.longestNumber + "/" + s.nonAscii;
    }

    @Test
    void specialBytesAtEveryOffsetOfAString() {
        String[] specials = {"\"", "\\\"", "\\\\", "\\", "é", "{", "]", "12e5"};
        for (String special : specials) {
            for (int before = 0; before <= 20; before++) {
                for (int after = 0; after <= 20; after++) {
                    String text = "{\"" + "a".repeat(before) + special + "b".repeat(after) + "\":[1,{\"x\":-2.5}]}";
                    byte[] raw = text.getBytes(StandardCharsets.UTF_8);
                    assertThat(scanned(raw)).as(text).isEqualTo(reference(raw));
                    // the same record cut short anywhere: unclosed strings, a backslash as the last byte
                    for (int cut = 0; cut <= raw.length; cut++) {
                        byte[] prefix = Arrays.copyOf(raw, cut);
                        assertThat(scanned(prefix)).as("%s cut at %d", text, cut).isEqualTo(reference(prefix));
                    }
                }
            }
        }
    }

    @Test
    void randomBytes() {
        byte[] common = {'"', '\\', '{', '}', '[', ']', '0', '7', 'e', '-', '.', 'a', ' ', ':', ',', (byte) 0xC3, (byte) 0xA9};
        Random rnd = new Random(20260302L);
        for (int t = 0; t < 200_000; t++) {
            byte[] raw = new byte[rnd.nextInt(rnd.nextBoolean() ? 12 : 100)];
            for (int i = 0; i < raw.length; i++) {
                int pick = rnd.nextInt(8);
                raw[i] = pick == 0 ? (byte) rnd.nextInt(256) : pick < 3 ? (byte) 'x' : common[rnd.nextInt(common.length)];
            }
            assertThat(scanned(raw)).as(Arrays.toString(raw)).isEqualTo(reference(raw));
        }
    }
}
