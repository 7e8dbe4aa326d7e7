package io.pqlscore.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The primitive dedupe set against the obvious map-and-queue model of SPEC 4, on random streams. */
class KeptMessageIdsTest {
    @Test
    void agreesWithAMapOverRandomStreams() {
        SplittableRandom random = new SplittableRandom(7);
        for (int round = 0; round < 200; round++) {
            long window = 1 + random.nextInt(50);
            int ids = 1 + random.nextInt(round < 100 ? 20 : 2_000);
            KeptMessageIds kept = new KeptMessageIds();
            Map<Long, Long> model = new HashMap<>();
            Deque<long[]> order = new ArrayDeque<>();
            long time = random.nextInt(1000);
            for (int i = 0; i < 3_000; i++) {
                time += random.nextInt(4) == 0 ? random.nextInt(30) : 0;
                if (random.nextInt(500) == 0) {
                    time += 10 * window; // everything expires: the arrays are given back
                }
                long fp = random.nextInt(ids) * 0x9E3779B97F4A7C15L;
                while (!order.isEmpty() && time - order.peekFirst()[1] > window) {
                    model.remove(order.pollFirst()[0]);
                }
                boolean expected = model.containsKey(fp);
                if (!expected) {
                    model.put(fp, time);
                    order.addLast(new long[] {fp, time});
                }
                assertThat(kept.isDuplicate(fp, time, window)).as("round %d record %d", round, i).isEqualTo(expected);
                assertThat(kept.size()).isEqualTo(model.size());
                assertThat(kept.oldest()).isEqualTo(order.isEmpty() ? Long.MAX_VALUE : order.peekFirst()[1]);
            }
            int i = 0;
            for (long[] e : order) {
                assertThat(kept.fingerprintAt(i)).isEqualTo(e[0]);
                assertThat(kept.timeAt(i)).isEqualTo(e[1]);
                i++;
            }
        }
    }

    @Test
    void restoredInOrderAnswersLikeTheOriginal() {
        KeptMessageIds original = new KeptMessageIds();
        for (int i = 0; i < 100; i++) {
            original.isDuplicate(KeptMessageIds.fingerprint("m" + i), i, 1_000);
        }
        KeptMessageIds restored = new KeptMessageIds();
        for (int i = 0; i < original.size(); i++) {
            restored.keep(original.fingerprintAt(i), original.timeAt(i));
        }
        assertThat(restored.isDuplicate(KeptMessageIds.fingerprint("m42"), 500, 1_000)).isTrue();
        assertThat(restored.isDuplicate(KeptMessageIds.fingerprint("m42"), 1_043, 1_000)).isFalse();
        assertThat(restored.oldest()).isEqualTo(43);
    }
}
