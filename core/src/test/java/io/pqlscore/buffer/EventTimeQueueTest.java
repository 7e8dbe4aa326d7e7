package io.pqlscore.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The heap queue and its spill: records come out by event time whether they were spilled or not. */
class EventTimeQueueTest {
    /** A record: key and time. */
    record R(String key, long time) {}

    static final EventTimeQueue.Records<R> RECORDS = new EventTimeQueue.Records<>() {
        @Override
        public String key(R r) {
            return r.key();
        }

        @Override
        public long time(R r) {
            return r.time();
        }
    };

    /** Spill lists by key and bucket in a map, counting appends and takes. */
    static final class MapSpill implements EventTimeQueue.Spill<R> {
        final Map<String, List<R>> lists = new HashMap<>();
        int appended;
        int taken;

        @Override
        public void append(String key, long bucket, R r) {
            lists.computeIfAbsent(key + "@" + bucket, k -> new ArrayList<>()).add(r);
            appended++;
        }

        @Override
        public List<R> take(String key, long bucket) {
            taken++;
            List<R> l = lists.remove(key + "@" + bucket);
            return l == null ? List.of() : l;
        }
    }

    private static List<R> drain(EventTimeQueue<R> q, long bound, EventTimeQueue.Spill<R> spill) throws Exception {
        List<R> out = new ArrayList<>();
        long t;
        while ((t = q.next(bound, spill)) != Long.MAX_VALUE) {
            out.addAll(q.take(t));
        }
        return out;
    }

    @Test
    void recordsComeOutByTimeUpToTheBound() throws Exception {
        EventTimeQueue<R> q = new EventTimeQueue<>(RECORDS, 100, 1000);
        MapSpill spill = new MapSpill();
        q.add(new R("a", 30), spill);
        q.add(new R("b", 10), spill);
        q.add(new R("a", 20), spill);
        q.add(new R("c", 10), spill);
        assertThat(q.heapSize()).isEqualTo(4);
        assertThat(drain(q, 20, spill)).extracting(R::time).containsExactly(10L, 10L, 20L);
        assertThat(drain(q, 25, spill)).isEmpty();
        assertThat(drain(q, Long.MAX_VALUE, spill)).containsExactly(new R("a", 30));
        assertThat(q.heapSize()).isZero();
        assertThat(spill.appended).isZero();
    }

    @Test
    void beyondTheBudgetRecordsSpillAndComeBackInTimeOrder() throws Exception {
        EventTimeQueue<R> q = new EventTimeQueue<>(RECORDS, 3, 1000);
        MapSpill spill = new MapSpill();
        // the heap takes the first three, whatever their times; the rest spill per key and bucket
        q.add(new R("a", 50), spill);
        q.add(new R("b", 60), spill);
        q.add(new R("c", 70), spill);
        q.add(new R("a", 10), spill); // earlier than everything in the heap
        q.add(new R("d", 55), spill);
        q.add(new R("a", 65), spill);
        assertThat(q.heapSize()).isEqualTo(3);
        assertThat(q.spilledSize()).isEqualTo(3);
        assertThat(spill.lists.get("a@0")).hasSize(2);

        // up to 10: bucket 0 comes back whole (a's 10 and 65, d's 55), then 10 is released
        assertThat(drain(q, 10, spill)).containsExactly(new R("a", 10));
        assertThat(q.spilledSize()).isZero();
        assertThat(q.heapSize()).isEqualTo(5);
        assertThat(drain(q, Long.MAX_VALUE, spill)).extracting(R::time).containsExactly(50L, 55L, 60L, 65L, 70L);
        assertThat(spill.lists).isEmpty();
        assertThat(spill.taken).isEqualTo(2);
    }

    @Test
    void theSnapshotViewsAndTheirRestoreGiveTheSameQueue() throws Exception {
        EventTimeQueue<R> q = new EventTimeQueue<>(RECORDS, 2, 5);
        MapSpill spill = new MapSpill();
        q.add(new R("a", 5), spill);
        q.add(new R("b", 6), spill);
        q.add(new R("c", 4), spill);
        q.add(new R("c", 9), spill);
        q.add(new R("c", 12), spill);
        List<R> heap = new ArrayList<>();
        q.forEachHeapRecord(heap::add);
        Map<String, Long> spilled = new HashMap<>();
        q.forEachSpilled((key, bucket, count) -> spilled.put(key + "@" + bucket, count));
        assertThat(heap).containsExactlyInAnyOrder(new R("a", 5), new R("b", 6));
        assertThat(spilled).containsExactlyInAnyOrderEntriesOf(Map.of("c@0", 1L, "c@5", 1L, "c@10", 1L));

        EventTimeQueue<R> restored = new EventTimeQueue<>(RECORDS, 2, 5);
        heap.forEach(restored::restoreHeapRecord);
        spilled.forEach((k, n) -> restored.restoreSpilled(k.substring(0, k.indexOf('@')),
                Long.parseLong(k.substring(k.indexOf('@') + 1)), n));
        assertThat(restored.spilledSize()).isEqualTo(3);
        assertThat(drain(restored, Long.MAX_VALUE, spill)).extracting(R::time).containsExactly(4L, 5L, 6L, 9L, 12L);
    }

    /**
     * A live stream with a long out-of-orderness bound: far more records wait than the heap's
     * budget. Only buckets the watermark has reached come back, so the heap never holds more than
     * its budget plus one bucket, and the records still come out in time order.
     */
    @Test
    void onlyDueBucketsComeBackSoTheHeapStaysWithinItsBudgetAndOneBucket() throws Exception {
        int budget = 50;
        long bucket = 100;
        long bound = 3_000; // the out-of-orderness bound: 30 buckets wait
        EventTimeQueue<R> q = new EventTimeQueue<>(RECORDS, budget, bucket);
        MapSpill spill = new MapSpill();
        List<R> out = new ArrayList<>();
        int maxHeap = 0;
        for (long t = 0; t < 20_000; t++) {
            q.add(new R("k" + (t % 5), t), spill); // one record per time unit over 5 keys,
            if (t % 10 == 0) {
                q.add(new R("k" + (t % 3), t), spill); // and one more every 10
            }
            if (t % 50 == 0) { // a watermark step
                out.addAll(drain(q, t - bound, spill));
                maxHeap = Math.max(maxHeap, q.heapSize());
            }
        }
        out.addAll(drain(q, Long.MAX_VALUE, spill));
        assertThat(out).hasSize(22_000);
        assertThat(out).extracting(R::time).isSorted();
        // one bucket of this stream holds 110 records
        assertThat(maxHeap).as("heap records at most").isLessThanOrEqualTo(budget + 110);
        assertThat(spill.appended).as("records spilled").isGreaterThan(20_000);
        assertThat(spill.lists).isEmpty();
    }

    @Test
    void wakeQueueKeepsOneTimePerKey() {
        WakeQueue w = new WakeQueue();
        w.set("a", 20);
        w.set("b", 10);
        w.set("a", 5);
        assertThat(w.size()).isEqualTo(2);
        assertThat(w.peekTime()).isEqualTo(5);
        assertThat(w.pollAt(10)).isNull();
        assertThat(w.pollAt(5)).isEqualTo("a");
        w.set("b", Long.MAX_VALUE);
        assertThat(w.size()).isZero();
        assertThat(w.peekTime()).isEqualTo(Long.MAX_VALUE);
    }
}
