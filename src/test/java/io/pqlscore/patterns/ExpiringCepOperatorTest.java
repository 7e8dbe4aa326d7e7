package io.pqlscore.patterns;

import static io.pqlscore.patterns.SequencePatternTest.DAY;
import static io.pqlscore.patterns.SequencePatternTest.HOUR;
import static io.pqlscore.patterns.SequencePatternTest.MINUTE;
import static io.pqlscore.patterns.SequencePatternTest.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.patterns.SequencePatternTest.Cep;
import io.pqlscore.scoring.SignalFiring;
import io.pqlscore.testing.Shared;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.cep.operator.CepOperator;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * {@link ExpiringCepOperator} on RocksDB, the job's state backend (it finds CEP's states by name
 * there too), through a snapshot and restore, and its timer arithmetic. The behaviour on the usage
 * signal is in {@link UsageApproachPatternTest}.
 */
class ExpiringCepOperatorTest {
    static final long RETENTION = 90 * DAY;

    @Test
    void expiryTimersAreMultiplesOfTheGranularityAtOrAfterRecordPlusExpiry() {
        long g = ExpiringCepOperator.granularityFor(RETENTION);
        assertThat(g).isEqualTo(RETENTION / 4);
        long at = ExpiringCepOperator.expiryAt(T0, RETENTION, g);
        assertThat(at % g).isZero();
        assertThat(at).isBetween(T0 + RETENTION, T0 + RETENTION + g - 1);
        assertThat(ExpiringCepOperator.expiryAt(2 * g - RETENTION, RETENTION, g)).as("already a multiple").isEqualTo(2 * g);
        assertThat(ExpiringCepOperator.expiryAt(Long.MAX_VALUE - 5, RETENTION, g)).isEqualTo(Long.MAX_VALUE);
        assertThat(ExpiringCepOperator.expired(T0, T0 + RETENTION, RETENTION)).isTrue();
        assertThat(ExpiringCepOperator.expired(T0, T0 + RETENTION - 1, RETENTION)).isFalse();
        assertThat(ExpiringCepOperator.expired(T0, Long.MIN_VALUE, RETENTION)).as("no watermark yet").isFalse();
    }

    @Test
    void onRocksDbAKeyThatLeftIsForgottenAcrossASnapshotAndRestore() throws Exception {
        ScoringModel simple = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        try (Cep parser = Cep.of(simple, "quota", false)) {
            UsageEvent below = parser.parse("r1", T0, "u1", "a9", "Usage", "{\"metric\":\"rows\",\"used\":500,\"limit\":1000}");
            UsageEvent other = parser.parse("r2", T0 + 30 * DAY, "u1", "a8", "Usage", "{\"metric\":\"rows\",\"used\":500,\"limit\":1000}");
            String a9 = PatternSignals.key(parser.signal, false).getKey(below);
            String a8 = PatternSignals.key(parser.signal, false).getKey(other);
            long expiry = ExpiringCepOperator.expiryAt(T0, RETENTION, ExpiringCepOperator.granularityFor(RETENTION));

            OperatorSubtaskState snapshot;
            try (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, SignalFiring> h = rocksDbHarness(simple, parser)) {
                h.open();
                h.processElement(below, below.timestamp);
                h.processElement(other, other.timestamp);
                h.processWatermark(T0 + 31 * DAY);
                assertThat(keys(h)).containsExactlyInAnyOrder(a8, a9);
                snapshot = h.snapshot(1, T0 + 31 * DAY);
            }
            try (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, SignalFiring> h = rocksDbHarness(simple, parser)) {
                h.initializeState(snapshot);
                h.open();
                assertThat(keys(h)).as("restored").hasSize(2);
                h.processWatermark(expiry);
                assertThat(keys(h)).as("a9 forgotten, a8 (30 days younger) kept").containsExactly(a8);
                h.processWatermark(T0 + 30 * DAY + 2 * RETENTION);
                assertThat(keys(h)).isEmpty();
                assertThat(h.extractOutputValues()).isEmpty();
            }
        }
    }

    /**
     * An upgrade from a version that ran Flink's plain event-time CepOperator: readings that
     * version had buffered (the watermark had not passed them when the savepoint was taken) are
     * matched first, in CEP's order (event time, then messageId), before the key's next reading,
     * which is matched on arrival; so the crossing below (r1, r2 buffered) then above (r3, new) fires.
     */
    @Test
    void readingsAnEventTimeCepOperatorBufferedAreMatchedBeforeTheNextReadingAfterAnUpgrade() throws Exception {
        ScoringModel simple = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        try (Cep parser = Cep.of(simple, "quota", false)) {
            UsageEvent r1 = parser.parse("r1", T0, "u1", "a9", "Usage", "{\"metric\":\"rows\",\"used\":900,\"limit\":1000}");
            UsageEvent r2b = parser.parse("r2-b", T0 + MINUTE, "u1", "a9", "Usage", "{\"metric\":\"rows\",\"used\":500,\"limit\":1000}");
            UsageEvent r2a = parser.parse("r2-a", T0 + MINUTE, "u1", "a9", "Usage", "{\"metric\":\"rows\",\"used\":950,\"limit\":1000}");
            UsageEvent r3 = parser.parse("r3", T0 + 2 * MINUTE, "u1", "a9", "Usage", "{\"metric\":\"rows\",\"used\":850,\"limit\":1000}");

            OperatorSubtaskState snapshot;
            CepOperator<UsageEvent, String, SignalFiring> eventTimeCep = PatternSignalsAccess.eventTimeCep(parser.signal, false,
                    simple);
            try (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, SignalFiring> h = new KeyedOneInputStreamOperatorTestHarness<>(
                    eventTimeCep, PatternSignals.key(parser.signal, false), Types.STRING)) {
                h.setStateBackend(new EmbeddedRocksDBStateBackend());
                h.open();
                h.processWatermark(T0 - 1);
                // arrival order r2-b, r2-a, r1: CEP sorts them into r1 (above), r2-a (above), r2-b (below)
                h.processElement(r2b, r2b.timestamp);
                h.processElement(r2a, r2a.timestamp);
                h.processElement(r1, r1.timestamp);
                assertThat(h.extractOutputValues()).isEmpty();
                snapshot = h.snapshot(1, T0);
            }
            try (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, SignalFiring> h = rocksDbHarness(simple, parser)) {
                h.initializeState(snapshot);
                h.open();
                h.processElement(r3, r3.timestamp);
                assertThat(h.extractOutputValues()).as("r2-b (below, last of the buffered) then r3 (above): a crossing at r3")
                        .extracting(f -> f.messageId + "@" + f.timestamp).containsExactly("r3@" + (T0 + 2 * MINUTE));
                assertThat(h.extractOutputStreamRecords().get(0).getTimestamp()).isEqualTo(T0 + 2 * MINUTE);
                h.processWatermark(T0 + 3 * MINUTE); // the old version's timers fire on an empty queue: nothing more
                assertThat(h.extractOutputValues()).hasSize(1);
            }
        }
    }

    @Test
    void aPatternWithAWindowIsRefused() {
        ScoringModel simple = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        Signal onboarding = simple.signals().stream().filter(x -> x.id().equals("onboarding")).findFirst().orElseThrow();
        assertThatThrownBy(() -> new ExpiringCepOperator<>(
                PatternSignalsAccess.serializer(),
                PatternSignals.pattern(onboarding, simple), new MessageIdOrder(), PatternSignals.emitter(onboarding, true),
                RETENTION, ExpiringCepOperator.granularityFor(RETENTION)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("within");
    }

    /** The keys that hold anything in any of CEP's keyed states (RocksDB's harness cannot count entries). */
    private static java.util.Set<String> keys(KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, SignalFiring> h) {
        java.util.Set<String> keys = new java.util.TreeSet<>();
        org.apache.flink.runtime.state.KeyedStateBackend<String> backend = h.getOperator().getKeyedStateBackend();
        for (String state : new String[] {ExpiringCepOperator.NFA_STATE, ExpiringCepOperator.EVENT_QUEUE,
            ExpiringCepOperator.SHARED_BUFFER[0], ExpiringCepOperator.SHARED_BUFFER[1], ExpiringCepOperator.SHARED_BUFFER[2]}) {
            try (var s = backend.getKeys(state, org.apache.flink.runtime.state.VoidNamespace.INSTANCE)) {
                s.forEach(keys::add);
            }
        }
        return keys;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, SignalFiring> rocksDbHarness(ScoringModel model,
            Cep like) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, SignalFiring> h = new KeyedOneInputStreamOperatorTestHarness<>(
                PatternSignalsAccess.usageOperator(like.signal, false, model),
                PatternSignals.key(like.signal, false), Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }
}
