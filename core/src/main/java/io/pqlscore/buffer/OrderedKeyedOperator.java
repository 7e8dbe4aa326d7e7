package io.pqlscore.buffer;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import io.pqlscore.metrics.Metrics;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyGroupStatePartitionStreamProvider;
import org.apache.flink.runtime.state.KeyedStateCheckpointOutputStream;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.runtime.state.internal.InternalListState;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * A keyed operator (String keys) that takes its keys' records in SPEC 3 order, interleaved with
 * one wake-up per key: records wait once, in an {@link EventTimeQueue}, until the watermark passes
 * them; then, instant by instant, each instant's records (in {@code tieOrder}, i.e. by
 * {@code messageId}) and after them the wake-ups due at that instant. A record or wake-up can set
 * new wake-ups, later than its own instant; those that fall at or before the watermark run in the
 * same pass. This is what Flink's event-time timers give a keyed process function, without a timer
 * and a state write per record: the waiting records and the wake-ups live on the heap and are
 * written, by key group, to raw keyed state only when a snapshot is taken (as Flink writes its heap
 * timers), so that a restore at another parallelism gets each key's share.
 *
 * <p>Source idleness stops here ({@link #processWatermarkStatus}): the operators behind must wait
 * for every subtask of this one, each of which emits the records a watermark released before it
 * forwards that watermark.
 *
 * <p>Subclasses handle a record ({@link #onRecord}), a wake-up ({@link #onWake}), a late record
 * ({@link #onLate}) and the end of a watermark step ({@link #afterRelease}); the key is set on the
 * keyed state backend before each of the first two, unless the subclass sets it itself when it
 * touches state ({@link #setsKeysItself}).
 */
public abstract class OrderedKeyedOperator<T, OUT> extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<T, OUT> {
    private static final long serialVersionUID = 1L;

    /**
     * The keyed list state of the first layout (and of savepoints converted from v1): one list per
     * key, read back whole. Restores load it into the heap; nothing is spilled there any more.
     */
    public static final String SPILL_STATE = "spilled-records";
    /** The keyed list state that holds records beyond the heap budget: one list per key and time bucket (namespace). */
    public static final String SPILL_BUCKETS_STATE = "spilled-buckets";
    /**
     * Width of a spill bucket in event time. A bucket comes back into the heap whole once the
     * watermark reaches its start, so the heap holds at most its budget plus the records of one
     * bucket; narrower buckets mean more (key, bucket) lists and index entries on a fast stream.
     */
    public static final long SPILL_BUCKET_MS = 10_000L;
    /** Raw keyed state: 1 = spill index by key (the {@link #SPILL_STATE} lists); 2 = by key and bucket. */
    private static final int RAW_FORMAT = 2;
    private static final int RAW_FORMAT_KEY_LISTS = 1;

    private final TypeSerializer<T> recordSerializer;
    private final int heapBudget;

    private transient EventTimeQueue.Records<T> records;
    private transient Comparator<T> tieOrder;

    private transient EventTimeQueue<T> queue;
    private transient WakeQueue wakes;
    private transient ListState<T> legacySpilled;
    private transient InternalListState<Object, Long, T> spilled;
    /** Keys whose records a restored snapshot of the first layout holds in {@link #SPILL_STATE}. */
    private transient List<String> legacySpillKeys;
    private transient EventTimeQueue.Spill<T> spill;
    private transient long watermark;
    /** Restored without raw keyed state: the waiting records are in {@link #SPILL_STATE}'s lists. */
    private transient boolean rebuildFromKeyedState;
    /** Restored, and the wake-ups are not in the raw keyed state: {@link #rebuildWakes} in open(). */
    private transient boolean rebuildWakesOnOpen;
    /** The key last set on the backend through {@link #setKey}. */
    private transient String keySet;

    protected OrderedKeyedOperator(TypeSerializer<T> recordSerializer, int heapBudget) {
        this.recordSerializer = recordSerializer;
        this.heapBudget = heapBudget;
    }

    // ---------------------------------------------------------------- what subclasses do

    /** The key of a record (the one it is keyed by upstream). */
    protected abstract String keyOf(T record);

    /** The event time of a record. */
    protected abstract long timeOf(T record);

    /** The order of records of one instant ({@code messageId} by code point: SPEC 3, 7). */
    protected abstract int compareTies(T a, T b);

    /** A record, released in order; the key is set. */
    protected abstract void onRecord(T record) throws Exception;

    /** A wake-up of {@code key} at {@code time}, after that key's records at {@code time}; the key is set. */
    protected abstract void onWake(String key, long time) throws Exception;

    /** A record at or behind the watermark when it arrived. */
    protected abstract void onLate(T record, long watermark) throws Exception;

    /** After each watermark step's records and wake-ups, before the watermark goes on. */
    protected void afterRelease() throws Exception {}

    /**
     * After a restore from state without this operator's raw keyed state (a savepoint written by
     * the State Processor API): rebuild the wake-ups from keyed state ({@link #setWake}). The records
     * waiting in {@link #SPILL_STATE}'s lists are back in the heap before this is called.
     */
    protected void rebuildWakes() throws Exception {}

    /**
     * Whether every key's wake-up follows from its keyed state, so that snapshots leave the wake-ups
     * out and every restore rebuilds them with {@link #rebuildWakes}: true for an operator with a
     * wake-up per key and many keys (the identity stage: one per known user, 22 bytes each in the
     * raw keyed state against a value of 27), whose restore may read every key once.
     */
    protected boolean wakesFollowFromState() {
        return false;
    }

    // ---------------------------------------------------------------- services for subclasses

    /** Sets {@code key}'s one wake-up ({@code Long.MAX_VALUE}: none). */
    protected final void setWake(String key, long time) {
        wakes.set(key, time);
    }

    protected final long wakeOf(String key) {
        return wakes.get(key);
    }

    /** The watermark this operator has processed (its records at or before it are released). */
    protected final long currentWatermark() {
        return watermark;
    }

    /**
     * Sets the keyed state backend's current key (a no-op when it is already that key: on RocksDB
     * setting a key serializes it).
     */
    protected final void setKey(String key) {
        if (!key.equals(keySet)) {
            setCurrentKey(key);
            keySet = key;
        }
    }

    /** Every path that sets the backend's key comes here (Flink's too), so {@link #setKey} knows the key set. */
    @Override
    public void setCurrentKey(Object key) {
        super.setCurrentKey(key);
        keySet = (String) key;
    }

    /**
     * An arriving record only joins the heap queue, which needs no keyed state: Flink need not set
     * the backend's key (on RocksDB a key serialization) for every record it hands this operator.
     * Keyed state is touched only under a key set by {@link #setKey}.
     */
    @Override
    public boolean hasKeyContext1() {
        return false;
    }

    /**
     * Whether the subclass sets the key itself ({@link #setKey}) before it touches keyed state, so
     * that releasing a record or a wake-up need not: an operator that mostly works on a cache of
     * decoded state saves a key serialization per record. Default: the key is set before each
     * {@link #onRecord} and {@link #onWake}.
     */
    protected boolean setsKeysItself() {
        return false;
    }

    // ---------------------------------------------------------------- life cycle

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        records = new EventTimeQueue.Records<>() {
            @Override
            public String key(T record) {
                return keyOf(record);
            }

            @Override
            public long time(T record) {
                return timeOf(record);
            }
        };
        tieOrder = this::compareTies;
        queue = new EventTimeQueue<>(records, heapBudget, SPILL_BUCKET_MS);
        wakes = new WakeQueue();
        watermark = Long.MIN_VALUE;
        legacySpilled = context.getKeyedStateStore().getListState(new ListStateDescriptor<>(SPILL_STATE, recordSerializer));
        @SuppressWarnings("unchecked")
        InternalListState<Object, Long, T> buckets = (InternalListState<Object, Long, T>) getOrCreateKeyedState(
                LongSerializer.INSTANCE, new ListStateDescriptor<>(SPILL_BUCKETS_STATE, recordSerializer));
        spilled = buckets;
        legacySpillKeys = new ArrayList<>();
        spill = new EventTimeQueue.Spill<>() {
            @Override
            public void append(String key, long bucket, T record) throws Exception {
                Object current = getCurrentKey();
                setKey(key);
                spilled.setCurrentNamespace(bucket);
                spilled.add(record);
                restoreKey(current);
            }

            @Override
            public List<T> take(String key, long bucket) throws Exception {
                Object current = getCurrentKey();
                setKey(key);
                spilled.setCurrentNamespace(bucket);
                List<T> out = new ArrayList<>();
                Iterable<T> it = spilled.get();
                if (it != null) {
                    it.forEach(out::add);
                }
                spilled.clear();
                restoreKey(current);
                return out;
            }
        };
        boolean raw = false;
        for (KeyGroupStatePartitionStreamProvider p : context.getRawKeyedStateInputs()) {
            raw = true;
            try (InputStream in = p.getStream()) {
                readKeyGroup(new DataInputViewStreamWrapper(in));
            }
        }
        rebuildFromKeyedState = context.isRestored() && !raw;
        rebuildWakesOnOpen = context.isRestored() && (!raw || wakesFollowFromState());
    }

    private void restoreKey(Object key) {
        if (key != null) {
            setKey((String) key);
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        MetricGroup metrics = Metrics.group(getMetricGroup());
        metrics.gauge(Metrics.BUFFERED_RECORDS, (Gauge<Integer>) () -> queue.heapSize());
        metrics.gauge(Metrics.SPILLED_RECORDS, (Gauge<Long>) () -> queue.spilledSize());
        if (rebuildFromKeyedState) {
            rebuildFromKeyedState = false;
            getKeyedStateBackend().getKeys(SPILL_STATE, org.apache.flink.runtime.state.VoidNamespace.INSTANCE)
                    .forEach(k -> legacySpillKeys.add((String) k));
        }
        loadLegacySpill();
        if (rebuildWakesOnOpen) {
            rebuildWakesOnOpen = false;
            rebuildWakes();
        }
    }

    /**
     * Records of a restored first-layout snapshot (or of a converted v1 savepoint) that wait in
     * {@link #SPILL_STATE}'s per-key lists go back into the heap, whatever its budget: at most the
     * out-of-orderness bound's worth, once. Later spills use the buckets.
     */
    private void loadLegacySpill() throws Exception {
        for (String key : legacySpillKeys) {
            setKey(key);
            Iterable<T> it = legacySpilled.get();
            if (it != null) {
                for (T r : it) {
                    queue.restoreHeapRecord(r);
                }
            }
            legacySpilled.clear();
        }
        legacySpillKeys.clear();
    }

    /** Keys with state of {@code stateName} in the default namespace: for {@link #rebuildWakes}. */
    protected final List<String> keysWith(String stateName) {
        List<String> keys = new ArrayList<>();
        getKeyedStateBackend().getKeys(stateName, org.apache.flink.runtime.state.VoidNamespace.INSTANCE)
                .forEach(k -> keys.add((String) k));
        return keys;
    }

    // ---------------------------------------------------------------- records and watermarks

    @Override
    public void processElement(StreamRecord<T> element) throws Exception {
        T r = element.getValue();
        if (records.time(r) <= watermark) {
            onLate(r, watermark);
            return;
        }
        queue.add(r, spill);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        long w = mark.getTimestamp();
        if (w > watermark) {
            watermark = w;
            release(w);
            afterRelease();
        }
        super.processWatermark(mark);
    }

    /** Records and wake-ups up to {@code w}, instant by instant: records first, then wake-ups. */
    private void release(long w) throws Exception {
        while (true) {
            long r = queue.next(w, spill);
            long k = wakes.peekTime();
            // MAX_VALUE is "none" for both (the final watermark is MAX_VALUE too)
            if (r == Long.MAX_VALUE && (k == Long.MAX_VALUE || k > w)) {
                return;
            }
            if (r != Long.MAX_VALUE && r <= k) {
                List<T> at = queue.take(r);
                if (at.size() > 1) {
                    at.sort(tieOrder);
                }
                boolean setKeys = !setsKeysItself();
                for (T record : at) {
                    if (setKeys) {
                        setKey(records.key(record));
                    }
                    onRecord(record);
                }
            } else {
                String key;
                while ((key = wakes.pollAt(k)) != null) {
                    if (!setsKeysItself()) {
                        setKey(key);
                    }
                    onWake(key, k);
                }
            }
        }
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) {
        // absorbed: see the class comment
    }

    // ---------------------------------------------------------------- snapshots

    @Override
    protected boolean isUsingCustomRawKeyedState() {
        return true;
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        int groups = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
        Map<Integer, List<T>> recordsByGroup = new HashMap<>();
        queue.forEachHeapRecord(r -> recordsByGroup.computeIfAbsent(
                KeyGroupRangeAssignment.assignToKeyGroup(records.key(r), groups), g -> new ArrayList<>()).add(r));
        Map<Integer, List<Object[]>> spillByGroup = new HashMap<>();
        queue.forEachSpilled((key, bucket, count) -> spillByGroup.computeIfAbsent(
                KeyGroupRangeAssignment.assignToKeyGroup(key, groups), g -> new ArrayList<>())
                .add(new Object[] {key, bucket, count}));
        Map<Integer, List<Object[]>> wakesByGroup = new HashMap<>();
        if (!wakesFollowFromState()) {
            wakes.forEach((key, time) -> wakesByGroup.computeIfAbsent(
                    KeyGroupRangeAssignment.assignToKeyGroup(key, groups), g -> new ArrayList<>()).add(new Object[] {key, time}));
        }
        KeyedStateCheckpointOutputStream out = context.getRawKeyedOperatorStateOutput();
        try {
            for (int group : out.getKeyGroupList()) {
                out.startNewKeyGroup(group);
                DataOutputViewStreamWrapper w = new DataOutputViewStreamWrapper(out);
                w.writeInt(RAW_FORMAT);
                List<T> rs = recordsByGroup.getOrDefault(group, List.of());
                w.writeInt(rs.size());
                for (T r : rs) {
                    recordSerializer.serialize(r, w);
                }
                List<Object[]> ss = spillByGroup.getOrDefault(group, List.of());
                w.writeInt(ss.size());
                for (Object[] s : ss) {
                    w.writeUTF((String) s[0]);
                    w.writeLong((Long) s[1]);
                    w.writeLong((Long) s[2]);
                }
                List<Object[]> ws = wakesByGroup.getOrDefault(group, List.of());
                w.writeInt(ws.size());
                for (Object[] x : ws) {
                    w.writeUTF((String) x[0]);
                    w.writeLong((Long) x[1]);
                }
            }
        } finally {
            out.close();
        }
    }

    private void readKeyGroup(DataInputViewStreamWrapper in) throws Exception {
        int format = in.readInt();
        if (format != RAW_FORMAT && format != RAW_FORMAT_KEY_LISTS) {
            throw new IllegalStateException("unknown raw keyed state format " + format + " of " + getClass().getSimpleName());
        }
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            queue.restoreHeapRecord(recordSerializer.deserialize(in));
        }
        int s = in.readInt();
        for (int i = 0; i < s; i++) {
            String key = in.readUTF();
            long bucketOrFrom = in.readLong();
            long count = in.readLong();
            if (format == RAW_FORMAT_KEY_LISTS) {
                legacySpillKeys.add(key); // the key's whole list, loaded in open()
            } else {
                queue.restoreSpilled(key, bucketOrFrom, count);
            }
        }
        int k = in.readInt();
        for (int i = 0; i < k; i++) {
            wakes.set(in.readUTF(), in.readLong());
        }
    }

    // ---------------------------------------------------------------- for tests

    public final int bufferedRecords() {
        return queue.heapSize();
    }

    public final long spilledRecords() {
        return queue.spilledSize();
    }

    public final int pendingWakes() {
        return wakes.size();
    }
}
