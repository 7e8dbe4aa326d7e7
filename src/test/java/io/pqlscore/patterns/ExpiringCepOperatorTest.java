package io.pqlscore.patterns;

import static io.pqlscore.patterns.SequencePatternTest.DAY;
import static io.pqlscore.patterns.SequencePatternTest.HOUR;
import static io.pqlscore.patterns.SequencePatternTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.patterns.SequencePatternTest.Cep;
import io.pqlscore.scoring.SignalFiring;
import io.pqlscore.testing.Shared;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
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
                PatternSignals.usageOperator(like.signal, false, model,
                        TypeInformation.of(UsageEvent.class).createSerializer(new SerializerConfigImpl())),
                PatternSignals.key(like.signal, false), Types.STRING);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        return h;
    }
}
