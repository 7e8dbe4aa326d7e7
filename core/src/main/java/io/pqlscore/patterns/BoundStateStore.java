package io.pqlscore.patterns;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.flink.api.common.state.AggregatingState;
import org.apache.flink.api.common.state.AggregatingStateDescriptor;
import org.apache.flink.api.common.state.KeyedStateStore;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReducingState;
import org.apache.flink.api.common.state.ReducingStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;

/**
 * The {@link KeyedStateStore} CEP's {@code SharedBuffer} is built over: its three map states are
 * plain maps that are re-pointed at one entity's {@link PatternState} before each use ({@link
 * #bind}), so one SharedBuffer (and its caches, flushed when its accessor closes) serves every
 * entity of the operator, and what it keeps ends up in the entity's own state value.
 */
final class BoundStateStore implements KeyedStateStore {
    static final String EVENTS = "sharedBuffer-events";
    static final String ENTRIES = "sharedBuffer-entries-with-lockable-edges";
    static final String COUNTS = "sharedBuffer-events-count";

    private final Map<String, BoundMap<?, ?>> maps = new HashMap<>();

    @SuppressWarnings({"unchecked", "rawtypes"})
    void bind(PatternState s) {
        ((BoundMap) maps.get(EVENTS)).target = s.events;
        ((BoundMap) maps.get(ENTRIES)).target = s.entries;
        ((BoundMap) maps.get(COUNTS)).target = s.counts;
    }

    void unbind() {
        for (BoundMap<?, ?> m : maps.values()) {
            m.target = null;
        }
    }

    @Override
    public <UK, UV> MapState<UK, UV> getMapState(MapStateDescriptor<UK, UV> d) {
        BoundMap<UK, UV> m = new BoundMap<>();
        if (!d.getName().equals(EVENTS) && !d.getName().equals(ENTRIES) && !d.getName().equals(COUNTS)) {
            throw new IllegalStateException("CEP's SharedBuffer asked for an unknown map state " + d.getName());
        }
        maps.put(d.getName(), m);
        return m;
    }

    /** A map state over whichever map it is bound to. */
    static final class BoundMap<K, V> implements MapState<K, V> {
        Map<K, V> target;

        private Map<K, V> map() {
            if (target == null) {
                throw new IllegalStateException("pattern state used while unbound");
            }
            return target;
        }

        @Override
        public V get(K key) {
            return map().get(key);
        }

        @Override
        public void put(K key, V value) {
            map().put(key, value);
        }

        @Override
        public void putAll(Map<K, V> m) {
            map().putAll(m);
        }

        @Override
        public void remove(K key) {
            map().remove(key);
        }

        @Override
        public boolean contains(K key) {
            return map().containsKey(key);
        }

        @Override
        public Iterable<Map.Entry<K, V>> entries() {
            return map().entrySet();
        }

        @Override
        public Iterable<K> keys() {
            return map().keySet();
        }

        @Override
        public Iterable<V> values() {
            return map().values();
        }

        @Override
        public Iterator<Map.Entry<K, V>> iterator() {
            return map().entrySet().iterator();
        }

        @Override
        public boolean isEmpty() {
            return map().isEmpty();
        }

        @Override
        public void clear() {
            map().clear();
        }
    }

    // ---------------------------------------------------------------- not used by the SharedBuffer

    @Override
    public <T> ValueState<T> getState(ValueStateDescriptor<T> d) {
        throw unsupported(d.getName());
    }

    @Override
    public <T> ListState<T> getListState(ListStateDescriptor<T> d) {
        throw unsupported(d.getName());
    }

    @Override
    public <T> ReducingState<T> getReducingState(ReducingStateDescriptor<T> d) {
        throw unsupported(d.getName());
    }

    @Override
    public <IN, ACC, OUT> AggregatingState<IN, OUT> getAggregatingState(AggregatingStateDescriptor<IN, ACC, OUT> d) {
        throw unsupported(d.getName());
    }

    @Override
    public <T> org.apache.flink.api.common.state.v2.ValueState<T> getValueState(
            org.apache.flink.api.common.state.v2.ValueStateDescriptor<T> d) {
        throw unsupported(d.getStateId());
    }

    @Override
    public <T> org.apache.flink.api.common.state.v2.ListState<T> getListState(
            org.apache.flink.api.common.state.v2.ListStateDescriptor<T> d) {
        throw unsupported(d.getStateId());
    }

    @Override
    public <UK, UV> org.apache.flink.api.common.state.v2.MapState<UK, UV> getMapState(
            org.apache.flink.api.common.state.v2.MapStateDescriptor<UK, UV> d) {
        throw unsupported(d.getStateId());
    }

    @Override
    public <T> org.apache.flink.api.common.state.v2.ReducingState<T> getReducingState(
            org.apache.flink.api.common.state.v2.ReducingStateDescriptor<T> d) {
        throw unsupported(d.getStateId());
    }

    @Override
    public <IN, ACC, OUT> org.apache.flink.api.common.state.v2.AggregatingState<IN, OUT> getAggregatingState(
            org.apache.flink.api.common.state.v2.AggregatingStateDescriptor<IN, ACC, OUT> d) {
        throw unsupported(d.getStateId());
    }

    @Override
    public String getBackendTypeIdentifier() {
        return "pqlscore-pattern-state";
    }

    private static UnsupportedOperationException unsupported(String name) {
        return new UnsupportedOperationException("CEP's SharedBuffer only uses map states, not " + name);
    }
}
