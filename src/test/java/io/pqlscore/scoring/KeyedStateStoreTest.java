package io.pqlscore.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.EventSequencer;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.generator.EventGenerator;
import io.pqlscore.generator.GeneratorConfig;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.sinks.OutputJson;
import io.pqlscore.testing.InMemoryAccountStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The scorer's store over RocksDB ({@link KeyedStateStore}: values read once and written once per
 * timer, users stored without their signal ids and untouched signals) gives exactly what the engine
 * gives over plain maps, on generated records (group calls over large teams, identifies, ticks,
 * retention at the end), and across a restore with a changed model, where users that borrowed
 * their account's ids must keep being read in the old order until the engine re-lays them out.
 */
class KeyedStateStoreTest {
    private static final ScoreEngine.WallClock FIXED_CLOCK = () -> 0L;

    private static ScoringModel defaultModel() {
        return ModelLoader.loadDefault();
    }

    /** The default model with a new first signal and {@code pricing_page} removed: every position moves. */
    private static ScoringModel changedModel() throws IOException {
        String yaml;
        try (InputStream in = KeyedStateStoreTest.class.getResourceAsStream("/models/default.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int pricing = yaml.indexOf("  - id: pricing_page");
        int next = yaml.indexOf("  - id:", pricing + 1);
        yaml = yaml.substring(0, pricing) + yaml.substring(next);
        yaml = yaml.replace("version: \"1\"", "version: \"2\"").replace("signals:\n", "signals:\n"
                + "  - id: docs_page\n    category: intent\n    match: {type: page, name: Docs}\n    points: 2\n\n");
        ScoringModel m = ModelLoader.parse(yaml, "changed default");
        assertThat(m.signalLayout()).isNotEqualTo(defaultModel().signalLayout());
        return m;
    }

    /** Generated records, deduplicated (the sequencer's job), in SPEC order. */
    private static List<UsageEvent> records(ScoringModel model, int accounts, int events) {
        EventParser parser = new EventParser(model);
        List<UsageEvent> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        SourcePosition where = new SourcePosition("generated", 0, 0);
        EventGenerator.stream(new GeneratorConfig().accounts(accounts).events(events).seed(11).quiet(true)).forEach(l -> {
            ParsedRecord r = parser.parse(l.getBytes(StandardCharsets.UTF_8), where);
            if (r.isValid() && seen.add(r.event.accountId + "\u0000" + r.event.messageId)) {
                out.add(r.event);
            }
        });
        out.sort(Comparator.comparingLong((UsageEvent e) -> e.timestamp)
                .thenComparing(e -> e.messageId, EventSequencer.CODE_POINT_ORDER));
        return out;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> harness(ScoringModel model)
            throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new AccountScorer(new ScoreEngine(model, ScoreEngine.DEFAULT_TOP_SIGNALS,
                        FIXED_CLOCK))), ScorerInput::accountId, Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }

    /** Outputs as comparable text: the JSON lines plus the unrounded scores. */
    private static final class Outputs implements ScoringOutput {
        final List<String> lines = new ArrayList<>();

        @Override
        public void transition(Transition t) {
            lines.add("T " + OutputJson.transition(t) + " " + t.score + Arrays.toString(t.breakdownPoints));
        }

        @Override
        public void score(CurrentScore s) {
            lines.add("S " + OutputJson.currentScore(s) + " " + s.score + Arrays.toString(s.breakdownPoints));
        }

        void drain(KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h) {
            h.extractOutputValues().forEach(this::transition);
            h.getOutput().clear();
            if (h.getSideOutput(AccountScorer.CURRENT_SCORES) != null) {
                for (StreamRecord<CurrentScore> r : h.getSideOutput(AccountScorer.CURRENT_SCORES)) {
                    score(r.getValue());
                }
                h.getSideOutput(AccountScorer.CURRENT_SCORES).clear();
            }
        }

        List<String> sorted() {
            List<String> s = new ArrayList<>(lines);
            s.sort(null);
            return s;
        }
    }

    /** The reference: the engine over maps, wake-ups strictly before each record, then up to {@code until}. */
    private static void reference(ScoreEngine engine, Map<String, InMemoryAccountStore> stores, List<UsageEvent> records,
            long until, Outputs out) {
        for (UsageEvent e : records) {
            InMemoryAccountStore s = stores.computeIfAbsent(e.accountId, InMemoryAccountStore::new);
            wakeBefore(engine, s, e.timestamp, out);
            engine.apply(s, e, List.of(), out);
        }
        for (InMemoryAccountStore s : stores.values()) {
            wakeBefore(engine, s, until, out);
        }
    }

    private static void wakeBefore(ScoreEngine engine, InMemoryAccountStore s, long time, Outputs out) {
        while (!s.timers.isEmpty() && s.timers.first() < time) {
            long t = s.timers.pollFirst();
            engine.wake(s, t, out);
            s.agenda.remove(t);
        }
    }

    private static void feed(KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h,
            List<UsageEvent> records) throws Exception {
        for (UsageEvent e : records) {
            h.processElement(ScorerInput.of(e), e.timestamp);
        }
    }

    @Test
    void sameOutputsAsTheEngineOverMaps() throws Exception {
        ScoringModel model = defaultModel();
        List<UsageEvent> records = records(model, 30, 4_000);
        Outputs expected = new Outputs();
        reference(new ScoreEngine(model, ScoreEngine.DEFAULT_TOP_SIGNALS, FIXED_CLOCK), new TreeMap<>(), records,
                Long.MAX_VALUE, expected);

        Outputs actual = new Outputs();
        try (KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h = harness(model)) {
            h.open();
            feed(h, records);
            h.processWatermark(Long.MAX_VALUE);
            actual.drain(h);
        }
        assertThat(expected.lines).hasSizeGreaterThan(records.size());
        assertThat(actual.sorted()).isEqualTo(expected.sorted());
    }

    @Test
    void aRestoreWithAChangedModelReadsUsersInTheOrderTheyWereWrittenIn() throws Exception {
        ScoringModel before = defaultModel();
        ScoringModel after = changedModel();
        List<UsageEvent> firstHalf = new ArrayList<>();
        List<UsageEvent> secondHalf = new ArrayList<>();
        List<UsageEvent> all = records(before, 30, 4_000);
        long split = all.get(all.size() / 2).timestamp;
        for (UsageEvent e : all) {
            (e.timestamp < split ? firstHalf : secondHalf).add(e);
        }
        // records after the restore are parsed by the new model, as they would be
        List<UsageEvent> secondHalfReparsed = new ArrayList<>();
        Set<String> second = new HashSet<>();
        secondHalf.forEach(e -> second.add(e.accountId + "\u0000" + e.messageId));
        for (UsageEvent e : records(after, 30, 4_000)) {
            if (second.contains(e.accountId + "\u0000" + e.messageId)) {
                secondHalfReparsed.add(e);
            }
        }
        assertThat(secondHalfReparsed).hasSameSizeAs(secondHalf);

        Outputs expected = new Outputs();
        Map<String, InMemoryAccountStore> stores = new TreeMap<>();
        reference(new ScoreEngine(before, ScoreEngine.DEFAULT_TOP_SIGNALS, FIXED_CLOCK), stores, firstHalf, split,
                expected);
        reference(new ScoreEngine(after, ScoreEngine.DEFAULT_TOP_SIGNALS, FIXED_CLOCK), stores, secondHalfReparsed,
                Long.MAX_VALUE, expected);

        Outputs actual = new Outputs();
        OperatorSubtaskState snapshot;
        try (KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h = harness(before)) {
            h.open();
            feed(h, firstHalf);
            h.processWatermark(split - 1);
            actual.drain(h);
            snapshot = h.snapshot(1, split);
        }
        try (KeyedOneInputStreamOperatorTestHarness<String, ScorerInput, Transition> h = harness(after)) {
            h.initializeState(snapshot);
            h.open();
            feed(h, secondHalfReparsed);
            h.processWatermark(Long.MAX_VALUE);
            actual.drain(h);
        }
        assertThat(actual.sorted()).isEqualTo(expected.sorted());
    }
}
