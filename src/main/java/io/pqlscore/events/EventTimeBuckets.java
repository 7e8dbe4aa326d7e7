package io.pqlscore.events;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.streaming.api.TimerService;

/**
 * Values waiting in keyed state for an event-time instant: one map entry per instant holding its
 * values in arrival order, and one event-time timer per instant, registered with its first value,
 * so that {@code onTimer(instant)} can {@link #take} them. The sequencer waits this way for the
 * watermark (its records, and its dedupe purge index), the scorer for each instant's records and
 * firings, and the benchmark's floor measures exactly this code.
 *
 * <p>A view over a {@code MapState} the operator registers itself: the state's name and type stay
 * the operator's (savepoints), this class only holds the one way to use it.
 */
public final class EventTimeBuckets<T> {
    private final MapState<Long, List<T>> state;

    public EventTimeBuckets(MapState<Long, List<T>> state) {
        this.state = state;
    }

    /** Adds {@code value} at {@code time}; the first value of an instant registers its timer. */
    public void add(long time, T value, TimerService timers) throws Exception {
        List<T> at = state.get(time);
        if (at == null) {
            at = new ArrayList<>(1);
            timers.registerEventTimeTimer(time);
        }
        at.add(value);
        state.put(time, at);
    }

    /** The values at {@code time}, in arrival order, now removed from state; null if there are none. */
    public List<T> take(long time) throws Exception {
        List<T> at = state.get(time);
        if (at != null) {
            state.remove(time);
        }
        return at;
    }
}
