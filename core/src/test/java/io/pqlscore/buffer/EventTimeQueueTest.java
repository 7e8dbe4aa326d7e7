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

    /** Spill lists in a map, counting appends and takes. */
    static final class MapSpill implements EventTimeQueue.Spill<R> {
        final Map<String, List<R>> lists = new HashMap<>();
        int appended;
        int taken;

        @Override
        public void append(String key, R r) {
            lists.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
            appended++;
        }

        @Override
        public List<R> take(String key) {
            taken++;
            List<R> l = lists.remove(key);
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
        EventTimeQueue<R> q = new EventTimeQueue<>(RECORDS, 100);
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
        EventTimeQueue<R> q = new EventTimeQueue<>(RECORDS, 3);
        MapSpill spill = new MapSpill();
        // the heap takes the first three, whatever their times; the rest spill per key
        q.add(new R("a", 50), spill);
        q.add(new R("b", 60), spill);
        q.add(new R("c", 70), spill);
        q.add(new R("a", 10), spill); // earlier than everything in the heap
        q.add(new R("d", 55), spill);
        q.add(new R("a", 65), spill);
        assertThat(q.heapSize()).isEqualTo(3);
        assertThat(q.spilledSize()).isEqualTo(3);
        assertThat(spill.lists.get("a")).hasSize(2);

        // up to 10: a's spilled list comes back whole (10 and 65), then 10 is released
        assertThat(drain(q, 10, spill)).containsExactly(new R("a", 10));
        assertThat(q.spilledSize()).isEqualTo(1);
        assertThat(q.heapSize()).isEqualTo(4);
        // d's spilled 55 comes back before 55 is passed; the rest in time order
        assertThat(drain(q, Long.MAX_VALUE, spill)).extracting(R::time).containsExactly(50L, 55L, 60L, 65L, 70L);
        assertThat(q.spilledSize()).isZero();
        assertThat(spill.lists).isEmpty();
        assertThat(spill.taken).isEqualTo(2);
    }

    @Test
    void theSnapshotViewsAndTheirRestoreGiveTheSameQueue() throws Exception {
        EventTimeQueue<R> q = new EventTimeQueue<>(RECORDS, 2);
        MapSpill spill = new MapSpill();
        q.add(new R("a", 5), spill);
        q.add(new R("b", 6), spill);
        q.add(new R("c", 4), spill);
        q.add(new R("c", 9), spill);
        List<R> heap = new ArrayList<>();
        q.forEachHeapRecord(heap::add);
        Map<String, long[]> spilled = new HashMap<>();
        q.forEachSpilledKey(spilled::put);
        assertThat(heap).containsExactlyInAnyOrder(new R("a", 5), new R("b", 6));
        assertThat(spilled).containsOnlyKeys("c");
        assertThat(spilled.get("c")).containsExactly(4, 2);

        EventTimeQueue<R> restored = new EventTimeQueue<>(RECORDS, 2);
        heap.forEach(restored::restoreHeapRecord);
        spilled.forEach((k, v) -> restored.restoreSpilledKey(k, v[0], v[1]));
        assertThat(restored.spilledSize()).isEqualTo(2);
        assertThat(drain(restored, Long.MAX_VALUE, spill)).extracting(R::time).containsExactly(4L, 5L, 6L, 9L);
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
