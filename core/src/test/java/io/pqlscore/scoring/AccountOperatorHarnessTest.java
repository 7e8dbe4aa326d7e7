package io.pqlscore.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.Timestamps;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.ExpectedTransition;
import io.pqlscore.testing.IdentityDriver;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The account stage ({@link AccountOperator}) alone on Flink's keyed operator test harness, on
 * the generated conformance stream (default model, every kind of signal, duplicates) after
 * identity resolution, fed in arrival order within the out-of-orderness bound with a watermark
 * after each record: the transitions are the case's, whatever the state backend, a heap budget that
 * spills nearly every record, a cache that evicts nearly every account, or a snapshot restored in
 * the middle at parallelism 1 and 2 (raw keyed state by key group). Plus the operator's own
 * contract: late records, coalesced current scores, idleness, and no state left at the end.
 */
class AccountOperatorHarnessTest {
    private static final String CASE = "11-generated";
    private static final int MAX_PARALLELISM = 128;

    private static ScoringModel model;
    private static List<UsageEvent> records;
    private static List<ExpectedTransition> expected;

    @BeforeAll
    static void load() throws Exception {
        model = ModelLoader.load(Shared.dir().resolve("model-format.yaml"));
        Path cases = Shared.conformance().resolve("cases");
        EventParser parser = new EventParser(model);
        List<ParsedRecord> parsed = new ArrayList<>();
        long line = 0;
        for (String l : Files.readAllLines(cases.resolve(CASE + ".events.jsonl"))) {
            line++;
            if (!l.isBlank()) {
                parsed.add(parser.parse(l.getBytes(StandardCharsets.UTF_8), new SourcePosition("t", 0, line)));
            }
        }
        List<UsageEvent> resolved = new IdentityDriver(model.time().retentionMs()).resolve(parsed);
        // arrival order within the bound: event time plus a random delay below it
        Random random = new Random(11);
        long bound = model.time().maxOutOfOrdernessMs();
        List<double[]> keys = new ArrayList<>();
        for (int i = 0; i < resolved.size(); i++) {
            keys.add(new double[] {resolved.get(i).timestamp + random.nextDouble() * (bound - 1), i});
        }
        keys.sort(Comparator.comparingDouble(k -> k[0]));
        records = keys.stream().map(k -> resolved.get((int) k[1])).collect(Collectors.toList());
        expected = new ArrayList<>();
        for (String l : Files.readAllLines(cases.resolve(CASE + ".expected.jsonl"))) {
            expected.add(ExpectedTransition.of(io.pqlscore.model.JsonValues.parse(l)));
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> harness(int heapBudget,
            int cacheSize, int parallelism, int subtask) throws Exception {
        AccountOperator op = new AccountOperator(new ScoreEngine(model, ScoreEngine.DEFAULT_TOP_SIGNALS, () -> 0L),
                model.time().dedupeWindowMs(), heapBudget, cacheSize);
        return new KeyedOneInputStreamOperatorTestHarness<>(op, e -> e.accountId, Types.STRING, MAX_PARALLELISM,
                parallelism, subtask);
    }

    private static StateBackend backend(String name) {
        return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
    }

    /** Feeds records {@code from..to} with a watermark after each, bound behind the newest time seen. */
    private static long feed(List<KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition>> subtasks,
            int from, int to, long newest) throws Exception {
        long bound = model.time().maxOutOfOrdernessMs();
        for (int i = from; i < to; i++) {
            UsageEvent e = records.get(i);
            subtasks.get(subtaskOf(e.accountId, subtasks.size())).processElement(e, e.timestamp);
            newest = Math.max(newest, e.timestamp);
            for (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> h : subtasks) {
                h.processWatermark(new Watermark(newest - bound - 1));
            }
        }
        return newest;
    }

    private static int subtaskOf(String key, int parallelism) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(key, MAX_PARALLELISM, parallelism);
    }

    private static List<ExpectedTransition> transitions(List<Transition> ts) {
        return ts.stream().map(ExpectedTransition::of).collect(Collectors.toList());
    }

    private static List<Transition> run(String backend, int heapBudget, int cacheSize) throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> h = harness(heapBudget, cacheSize, 1, 0)) {
            h.setStateBackend(backend(backend));
            h.open();
            AccountOperator op = (AccountOperator) h.getOperator();
            long spilledAtMost = 0;
            long newest = Long.MIN_VALUE;
            long bound = model.time().maxOutOfOrdernessMs();
            for (UsageEvent e : records) {
                h.processElement(e, e.timestamp);
                spilledAtMost = Math.max(spilledAtMost, op.spilledRecords());
                newest = Math.max(newest, e.timestamp);
                h.processWatermark(new Watermark(newest - bound - 1));
                assertThat(op.cachedAccounts()).isLessThanOrEqualTo(cacheSize);
            }
            h.processWatermark(Long.MAX_VALUE);
            if (heapBudget < 5) {
                assertThat(spilledAtMost).as("records spilled").isPositive();
            }
            assertThat(op.bufferedRecords()).isZero();
            assertThat(op.spilledRecords()).isZero();
            assertThat(op.pendingWakes()).as("every account ends in none and is forgotten").isZero();
            h.snapshot(1, 1);
            if (backend.equals("heap")) {
                assertThat(h.numKeyedStateEntries()).as("keyed state left at the end").isZero();
            }
            return h.extractOutputValues();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"heap", "rocksdb"})
    void theCaseGivesItsTransitions(String backend) throws Exception {
        assertThat(ExpectedTransition.diff(expected, transitions(run(backend, 200_000, 20_000)))).isEmpty();
    }

    @Test
    void aHeapBudgetOfTwoRecordsSpillsAndGivesTheSameTransitions() throws Exception {
        assertThat(ExpectedTransition.diff(expected, transitions(run("rocksdb", 2, 20_000)))).isEmpty();
    }

    @Test
    void aCacheOfThreeAccountsWritesBackOnEvictionAndGivesTheSameTransitions() throws Exception {
        assertThat(ExpectedTransition.diff(expected, transitions(run("rocksdb", 200_000, 3)))).isEmpty();
    }

    @ParameterizedTest(name = "restored at parallelism {0}")
    @ValueSource(ints = {1, 2, 3})
    void aSnapshotInTheMiddleRestoredAtAnotherParallelismGivesTheSameTransitions(int parallelism) throws Exception {
        int half = records.size() / 2;
        List<Transition> out = new ArrayList<>();
        OperatorSubtaskState snapshot;
        long newest;
        try (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> h = harness(50, 10, 1, 0)) {
            h.setStateBackend(new EmbeddedRocksDBStateBackend());
            h.open();
            newest = feed(List.of(h), 0, half, Long.MIN_VALUE);
            AccountOperator op = (AccountOperator) h.getOperator();
            assertThat(op.bufferedRecords() + op.spilledRecords()).as("records waiting at the snapshot").isPositive();
            snapshot = h.snapshot(1, 1);
            out.addAll(h.extractOutputValues());
        }
        List<KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition>> subtasks = new ArrayList<>();
        try {
            for (int i = 0; i < parallelism; i++) {
                KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> h = harness(50, 10, parallelism, i);
                h.setStateBackend(new EmbeddedRocksDBStateBackend());
                h.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(snapshot, MAX_PARALLELISM, 1,
                        parallelism, i));
                h.open();
                subtasks.add(h);
            }
            feed(subtasks, half, records.size(), newest);
            for (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> h : subtasks) {
                h.processWatermark(Long.MAX_VALUE);
                out.addAll(h.extractOutputValues());
            }
        } finally {
            for (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> h : subtasks) {
                h.close();
            }
        }
        assertThat(ExpectedTransition.diff(expected, transitions(out))).isEmpty();
        // the event ids too: the same transitions, not just equal-looking ones
        List<String> ids = out.stream().map(t -> t.eventId).sorted().collect(Collectors.toList());
        List<String> uninterrupted = run("heap", 200_000, 20_000).stream().map(t -> t.eventId).sorted()
                .collect(Collectors.toList());
        assertThat(ids).isEqualTo(uninterrupted);
    }

    // ------------------------------------------------------------------ the operator's own contract

    private static UsageEvent ping(String account, String user, String messageId, String at) throws Exception {
        ScoringModel simple = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        String json = "{\"type\":\"track\",\"event\":\"Ping\",\"userId\":\"" + user + "\",\"messageId\":\"" + messageId
                + "\",\"timestamp\":\"" + at + "\",\"context\":{\"groupId\":\"" + account + "\"}}";
        return new EventParser(simple).parse(json.getBytes(StandardCharsets.UTF_8), new SourcePosition("t", 0, 1)).event;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> simpleHarness() throws Exception {
        ScoringModel simple = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        return new KeyedOneInputStreamOperatorTestHarness<>(new AccountOperator(new ScoreEngine(simple),
                simple.time().dedupeWindowMs(), 1000, 1000), e -> e.accountId, Types.STRING);
    }

    @Test
    void recordsWaitForTheWatermarkDuplicatesAreDroppedAndTheDownTickFiresOnTheHour() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> h = simpleHarness()) {
            h.open();
            long t = Timestamps.parseMillis("2026-03-02T09:00:00.000Z");
            UsageEvent first = ping("a1", "u1", "m1", "2026-03-02T09:00:00.000Z");
            h.processElement(first, first.timestamp);
            h.processElement(first, first.timestamp); // an SDK retry: same messageId
            assertThat(h.extractOutputValues()).as("nothing before the watermark").isEmpty();
            h.processWatermark(t);
            // ping: 25 points, half-life 1 day; engaged at 20 (hysteresis 5): the user goes up at 09:00
            assertThat(h.extractOutputValues()).extracting(x -> x.kind + ":" + x.tierTo + "@" + Timestamps.format(x.occurredAt))
                    .containsExactly("pql:engaged@2026-03-02T09:00:00.000Z");
            // 25·2^(-d/1d) < 15 at d > 0.737 d = 17.7 h: the first tick below is 2026-03-03T03:00
            h.getOutput().clear();
            h.processWatermark(Timestamps.parseMillis("2026-03-03T02:59:59.999Z"));
            assertThat(h.extractOutputValues()).isEmpty();
            h.processWatermark(Timestamps.parseMillis("2026-03-03T03:00:00.000Z"));
            assertThat(h.extractOutputValues()).extracting(x -> x.tierTo + "@" + Timestamps.format(x.occurredAt) + " " + x.cause)
                    .containsExactly("none@2026-03-03T03:00:00.000Z tick");
            assertThat(((AccountOperator) h.getOperator()).pendingWakes()).as("retention still due").isEqualTo(1);
        }
    }

    @Test
    void aRecordAtOrBehindTheWatermarkIsALateDeadLetter() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> h = simpleHarness()) {
            h.open();
            UsageEvent e = ping("a1", "u1", "m1", "2026-03-02T09:00:00.000Z");
            h.processWatermark(e.timestamp);
            h.processElement(e, e.timestamp);
            List<DeadLetter> late = h.getSideOutput(AccountOperator.LATE).stream().map(StreamRecord::getValue)
                    .collect(Collectors.toList());
            assertThat(late).singleElement().satisfies(d -> {
                assertThat(d.reason).isEqualTo("late");
                assertThat(d.source).isEqualTo("account:a1");
            });
        }
    }

    @Test
    void currentScoresAreTheLatestPerEntityAndWatermarkStep() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> h = simpleHarness()) {
            h.open();
            for (int i = 0; i < 3; i++) {
                UsageEvent e = ping("a1", "u1", "m" + i, "2026-03-02T09:0" + i + ":00.000Z");
                h.processElement(e, e.timestamp);
            }
            h.processWatermark(Timestamps.parseMillis("2026-03-02T09:05:00.000Z"));
            List<CurrentScore> rows = h.getSideOutput(AccountOperator.CURRENT_SCORES).stream().map(StreamRecord::getValue)
                    .collect(Collectors.toList());
            // one row for the account and one for the user, each as of the last of the three records
            assertThat(rows).hasSize(2).allSatisfy(r -> assertThat(Timestamps.format(r.asOf))
                    .isEqualTo("2026-03-02T09:02:00.000Z"));
        }
    }

    @Test
    void sourceIdlenessStopsHere() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> h = simpleHarness()) {
            h.open();
            h.processWatermarkStatus(WatermarkStatus.IDLE);
            assertThat(h.getOutput()).isEmpty();
        }
    }
}
