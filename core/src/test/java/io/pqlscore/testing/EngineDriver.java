package io.pqlscore.testing;

import io.pqlscore.events.MessageIdOrder;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.ScoreEngine;
import io.pqlscore.scoring.ScoringOutput;
import io.pqlscore.scoring.Transition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Drives a {@link ScoreEngine} without Flink, the way the operators do: records of each account in
 * (time, messageId) order, deduplicated, and wake-ups after the records of their instant; at the
 * end time runs past every wake-up, like Flink's final watermark.
 */
public final class EngineDriver implements ScoringOutput {
    private final ScoreEngine engine;
    private final long dedupeWindow;
    public final Map<String, InMemoryAccountStore> stores = new TreeMap<>();
    public final List<Transition> transitions = new ArrayList<>();
    public final List<CurrentScore> scores = new ArrayList<>();
    public int duplicates;

    public EngineDriver(ScoreEngine engine) {
        this.engine = engine;
        this.dedupeWindow = engine.model().time().dedupeWindowMs();
    }

    @Override
    public void transition(Transition t) {
        transitions.add(t);
    }

    @Override
    public void score(CurrentScore s) {
        scores.add(s);
    }

    public EngineDriver run(List<UsageEvent> events) {
        List<UsageEvent> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong((UsageEvent e) -> e.timestamp)
                .thenComparing(e -> e.messageId, MessageIdOrder.CODE_POINTS));
        Map<String, Map<String, Long>> kept = new TreeMap<>();
        for (UsageEvent e : sorted) {
            InMemoryAccountStore store = stores.computeIfAbsent(e.accountId, InMemoryAccountStore::new);
            wakeBefore(store, e.timestamp);
            Map<String, Long> ids = kept.computeIfAbsent(e.accountId, a -> new TreeMap<>());
            Long k = ids.get(e.messageId);
            if (k != null && e.timestamp - k <= dedupeWindow) {
                duplicates++;
                continue;
            }
            ids.put(e.messageId, e.timestamp);
            engine.apply(store, e, List.of(), this);
        }
        for (InMemoryAccountStore store : stores.values()) {
            wakeBefore(store, Long.MAX_VALUE);
        }
        return this;
    }

    /** Fires every wake-up strictly before {@code time} (those at it come after its records). */
    public void wakeBefore(InMemoryAccountStore store, long time) {
        while (!store.timers.isEmpty() && store.timers.first() < time) {
            long t = store.timers.pollFirst();
            engine.wake(store, t, this);
            store.agenda.remove(t);
        }
    }
}
