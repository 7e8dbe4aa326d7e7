package io.pqlscore.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The heap against a sorted list: same instants in the same order, ties in arrival order. */
class TimeHeapTest {
    @Test
    void releasesInstantsInTimeOrderAndTiesInArrivalOrder() {
        SplittableRandom random = new SplittableRandom(3);
        TimeHeap<long[]> heap = new TimeHeap<>();
        List<long[]> model = new ArrayList<>(); // {time, arrival}
        long arrival = 0;
        long watermark = 0;
        for (int step = 0; step < 20_000; step++) {
            int adds = random.nextInt(5);
            for (int i = 0; i < adds; i++) {
                long[] r = {watermark + 1 + random.nextInt(40), arrival++};
                heap.add(r[0], r);
                model.add(r);
            }
            if (random.nextInt(3) == 0) {
                List<long[]> seen = new ArrayList<>();
                heap.forEach(seen::add);
                List<long[]> sorted = new ArrayList<>(model);
                sorted.sort(Comparator.<long[]>comparingLong(r -> r[0]).thenComparingLong(r -> r[1]));
                assertThat(seen).containsExactlyElementsOf(sorted);
            }
            watermark += random.nextInt(6);
            while (!heap.isEmpty() && heap.firstTime() <= watermark) {
                long t = heap.firstTime();
                List<long[]> at = heap.takeAt(t);
                List<long[]> expected = model.stream().filter(r -> r[0] == t)
                        .sorted(Comparator.comparingLong(r -> r[1])).toList();
                assertThat(at).containsExactlyElementsOf(expected);
                assertThat(model.stream().mapToLong(r -> r[0]).min().getAsLong()).isEqualTo(t);
                model.removeAll(expected);
            }
            assertThat(heap.size()).isEqualTo(model.size());
        }
        assertThat(heap.takeAt(Long.MAX_VALUE)).isEmpty();
    }
}
