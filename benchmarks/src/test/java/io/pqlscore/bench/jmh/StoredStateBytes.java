package io.pqlscore.bench.jmh;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.MessageIdOrder;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.generator.EventGenerator;
import io.pqlscore.generator.GeneratorConfig;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.ScoreEngine;
import io.pqlscore.scoring.ScoringOutput;
import io.pqlscore.scoring.Transition;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Serialized bytes of the scorer's per-user value ({@code users} map state) in the plain POJO form
 * and in the stored form ({@link io.pqlscore.scoring.StoredEntities}), after replaying generated
 * records through the engine (state as it is mid-stream: no final watermark, nothing forgotten).
 * Value bytes only: RocksDB adds the key (key group, account id, user id) and its own overhead.
 *
 * <pre>mvn -q test-compile exec:exec -Dexec.mainClass=io.pqlscore.bench.jmh.StoredStateBytes \
 *     -Dexec.argline="2000 200000"</pre>
 */
public final class StoredStateBytes {
    private StoredStateBytes() {}

    public static void main(String[] args) {
        if (args.length == 1 && args[0].trim().contains(" ")) {
            args = args[0].trim().split("\\s+");
        }
        int accounts = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        long records = args.length > 1 ? Long.parseLong(args[1]) : 200_000;
        ScoringModel model = ModelLoader.loadDefault();
        EventParser parser = new EventParser(model);
        List<UsageEvent> events = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        SourcePosition where = new SourcePosition("generated", 0, 0);
        EventGenerator.stream(new GeneratorConfig().accounts(accounts).events(records).seed(BenchEvents.SEED).quiet(true))
                .forEach(l -> {
                    ParsedRecord r = parser.parse(l.getBytes(StandardCharsets.UTF_8), where);
                    if (r.isValid() && seen.add(r.event.accountId + "\u0000" + r.event.messageId)) {
                        events.add(r.event);
                    }
                });
        events.sort(Comparator.comparingLong((UsageEvent e) -> e.timestamp)
                .thenComparing(e -> e.messageId, MessageIdOrder.CODE_POINTS));
        String[] ids = model.signals().stream().map(Signal::id).toArray(String[]::new);
        for (boolean storedForm : new boolean[] {false, true}) {
            ScoreEngine engine = new ScoreEngine(model, ScoreEngine.DEFAULT_TOP_SIGNALS, () -> 0L);
            SerializingAccountStore.Serializers ser = new SerializingAccountStore.Serializers();
            Map<String, SerializingAccountStore> stores = new HashMap<>();
            ScoringOutput none = new ScoringOutput() {
                @Override
                public void transition(Transition t) {}

                @Override
                public void score(CurrentScore s) {}
            };
            for (UsageEvent e : events) {
                SerializingAccountStore s = stores.computeIfAbsent(e.accountId,
                        a -> new SerializingAccountStore(a, ser, storedForm, ids, model.signalLayout()));
                while (!s.timers.isEmpty() && s.timers.first() < e.timestamp) {
                    long t = s.timers.pollFirst();
                    engine.wake(s, t, none);
                    s.wakeDone(t);
                }
                engine.apply(s, e, List.of(), none);
            }
            long users = 0;
            long bytes = 0;
            for (SerializingAccountStore s : stores.values()) {
                for (byte[] u : s.storedUsers()) {
                    users++;
                    bytes += u.length;
                }
            }
            System.out.printf(Locale.ROOT, "%-12s %,d users of %,d accounts: %,.0f bytes per user value%n",
                    storedForm ? "stored form" : "plain POJO", users, stores.size(), (double) bytes / users);
        }
    }
}
