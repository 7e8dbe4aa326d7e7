package io.pqlscore.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.metrics.Metrics;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.scoring.Transition;
import io.pqlscore.testing.Shared;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * The {@link TierCensus} on its own, without a job: every tier of the model registered at 0 from
 * the start, counting transitions in and out, sanitized tier names, and restoring from (the sum of)
 * its checkpointed counts. The census in a running job is in MetricsTest.
 */
class TierCensusTest {
    /** The model-simple tiers above none. */
    private static final List<String> ENTITIES = List.of("pql.engaged", "pql.pql", "pql.hot", "pqa.pqa");

    private final ScoringModel model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));

    /** A metric group that keeps the gauges registered below it by dotted path. */
    private static final class GaugeCapture extends UnregisteredMetricsGroup {
        private final String prefix;
        private final Map<String, Gauge<?>> gauges;

        GaugeCapture() {
            this("", new HashMap<>());
        }

        private GaugeCapture(String prefix, Map<String, Gauge<?>> gauges) {
            this.prefix = prefix;
            this.gauges = gauges;
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new GaugeCapture(prefix + name + ".", gauges);
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new GaugeCapture(prefix + key + "=" + value + ".", gauges);
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            assertThat(gauges.put(prefix + name, gauge)).as("registered once: %s", prefix + name).isNull();
            return gauge;
        }

        long value(String path) {
            assertThat(gauges).containsKey(path);
            return ((Number) gauges.get(path).getValue()).longValue();
        }
    }

    /** Where {@link GaugeCapture} has the census gauge of a kind and tier. */
    private static String census(String kind, String tier) {
        return Metrics.GROUP + "." + Metrics.KIND + "=" + kind + "." + Metrics.TIER + "=" + tier + "." + Metrics.ENTITIES;
    }

    private static Transition transition(String kind, String from, String to) {
        Transition t = new Transition();
        t.kind = kind;
        t.tierFrom = from;
        t.tierTo = to;
        t.direction = "up";
        return t;
    }

    @Test
    void theCensusCountsEntitiesPerTierAndRestoresFromItsCheckpointedCounts() throws Exception {
        TierCensus sink = new TierCensus(model);
        GaugeCapture group = new GaugeCapture();
        TierCensus.Writer w = sink.writer(group, List.of());
        for (String k : ENTITIES) {
            assertThat(group.value(census(k.split("\\.")[0], k.split("\\.")[1]))).as("registered at 0 from the start: %s", k).isZero();
        }
        w.apply(transition("pql", "none", "engaged"));
        w.apply(transition("pql", "none", "engaged"));
        w.apply(transition("pql", "engaged", "hot"));
        w.apply(transition("pqa", "none", "pqa"));
        w.apply(transition("pql", "none", "a.b")); // a tier of another model version, sanitized
        assertThat(group.value(census("pql", "engaged"))).isEqualTo(1);
        assertThat(group.value(census("pql", "hot"))).isEqualTo(1);
        assertThat(group.value(census("pql", "pql"))).isZero();
        assertThat(group.value(census("pqa", "pqa"))).isEqualTo(1);
        assertThat(group.value(census("pql", "a_b"))).isEqualTo(1);
        assertThat(group.gauges).doesNotContainKey(census("pql", "none"));

        // checkpoint, serialize, restore (twice the state: restored counts are summed)
        List<TierCensus.Counts> snapshot = w.snapshotState(1);
        assertThat(snapshot).hasSize(1);
        TierCensus.CountsSerializer serializer = new TierCensus.CountsSerializer();
        TierCensus.Counts copy = serializer.deserialize(serializer.getVersion(), serializer.serialize(snapshot.get(0)));
        assertThat(copy.byKind).isEqualTo(snapshot.get(0).byKind);
        GaugeCapture restoredGroup = new GaugeCapture();
        TierCensus.Writer restored = sink.writer(restoredGroup, List.of(copy, copy));
        assertThat(restoredGroup.value(census("pql", "engaged"))).isEqualTo(2);
        assertThat(restoredGroup.value(census("pql", "a_b"))).isEqualTo(2);
        assertThat(restoredGroup.value(census("pql", "pql"))).isZero();

        restored.apply(transition("pql", "hot", "none"));
        restored.apply(transition("pqa", "pqa", "none"));
        assertThat(restored.get("pql", "hot")).isEqualTo(1);
        assertThat(restored.get("pqa", "pqa")).isEqualTo(1);
        assertThat(restoredGroup.value(census("pql", "hot"))).isEqualTo(1);
    }
}
