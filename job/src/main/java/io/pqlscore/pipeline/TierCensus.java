package io.pqlscore.pipeline;

import io.pqlscore.metrics.Metrics;
import io.pqlscore.model.ScoreScale;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.scoring.Transition;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * Entities per tier: a sink that reads the transitions and keeps, per kind ({@code pql} for users,
 * {@code pqa} for accounts) and tier, how many entities are in that tier now (transitions into it
 * minus transitions out of it; {@code none} is not counted, it is everyone else). Each count is
 * the gauge {@code pqlscore.entities} with labels {@code kind} and {@code tier}; every tier of the
 * model has one from the start, at 0.
 *
 * <p>Writes nothing anywhere. Runs as one subtask (uid {@link #UID}): transitions are rare, and a
 * single subtask sees them all, so each gauge is the job's total. The counts are the writer's
 * checkpointed state (operator list state), so they rewind and replay with the rest of the job;
 * restored states are summed, which is right at any parallelism since counts are additive. A
 * savepoint taken before this operator existed restores (the operator is new, its state empty),
 * but its counts then start at 0 while entities are already in tiers: they are off by the
 * entities that were above {@code none} at the savepoint (and can go negative) until those have
 * all moved.
 */
public final class TierCensus implements Sink<Transition>, SupportsWriterState<Transition, TierCensus.Counts> {
    private static final long serialVersionUID = 1L;

    /** The operator's uid in savepoints: never change it. */
    public static final String UID = "tier-census";

    /** kind -> the model's tiers of that kind, without {@code none}, registered as gauges at start. */
    private final Map<String, List<String>> modelTiers;

    public TierCensus(ScoringModel model) {
        this.modelTiers = new TreeMap<>();
        modelTiers.put(Transition.PQL, tierNames(model.pql()));
        modelTiers.put(Transition.PQA, tierNames(model.pqa()));
    }

    private static List<String> tierNames(ScoreScale scale) {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= scale.tiers().size(); i++) {
            names.add(scale.name(i));
        }
        return names;
    }

    @Override
    public Writer createWriter(WriterInitContext context) {
        return writer(context.metricGroup(), List.of());
    }

    @Override
    public Writer restoreWriter(WriterInitContext context, Collection<Counts> recoveredState) {
        return writer(context.metricGroup(), recoveredState);
    }

    /** A writer reporting under {@code operatorGroup}, starting from the sum of {@code restored}. */
    Writer writer(MetricGroup operatorGroup, Collection<Counts> restored) {
        return new Writer(operatorGroup, modelTiers, restored);
    }

    @Override
    public SimpleVersionedSerializer<Counts> getWriterStateSerializer() {
        return new CountsSerializer();
    }

    /** The census of one subtask: kind -> tier -> entities in it (a plain value, the writer's state). */
    public static final class Counts {
        public final Map<String, Map<String, Long>> byKind = new TreeMap<>();

        public long get(String kind, String tier) {
            Map<String, Long> tiers = byKind.get(kind);
            Long n = tiers == null ? null : tiers.get(tier);
            return n == null ? 0 : n;
        }

        public void put(String kind, String tier, long n) {
            byKind.computeIfAbsent(kind, k -> new TreeMap<>()).put(tier, n);
        }

        @Override
        public String toString() {
            return byKind.toString();
        }
    }

    /**
     * Applies transitions to the counts and exposes them as gauges. The task thread writes, the
     * metric reporter's thread reads: each count is an {@link AtomicLong}.
     */
    public static final class Writer implements StatefulSinkWriter<Transition, Counts> {
        private final MetricGroup pqlscore;
        private final Map<String, Map<String, AtomicLong>> counts = new TreeMap<>();

        Writer(MetricGroup operatorGroup, Map<String, List<String>> modelTiers, Collection<Counts> restored) {
            this.pqlscore = Metrics.group(operatorGroup);
            for (Map.Entry<String, List<String>> kind : modelTiers.entrySet()) {
                for (String tier : kind.getValue()) {
                    count(kind.getKey(), tier);
                }
            }
            for (Counts c : restored) {
                for (Map.Entry<String, Map<String, Long>> kind : c.byKind.entrySet()) {
                    for (Map.Entry<String, Long> tier : kind.getValue().entrySet()) {
                        count(kind.getKey(), tier.getKey()).addAndGet(tier.getValue());
                    }
                }
            }
        }

        /** The count of a tier, registered as a gauge on first use. */
        private AtomicLong count(String kind, String tier) {
            // sanitized once, here: the label values are the key, so names that sanitize alike share a count
            String k = Metrics.name(kind);
            String t = Metrics.name(tier);
            Map<String, AtomicLong> tiers = counts.computeIfAbsent(k, x -> new TreeMap<>());
            AtomicLong n = tiers.get(t);
            if (n == null) {
                AtomicLong created = new AtomicLong();
                Metrics.gauge(pqlscore, Metrics.ENTITIES, (Gauge<Long>) created::get, k, t);
                tiers.put(t, created);
                n = created;
            }
            return n;
        }

        /** Applies one transition: out of {@code tier_from}, into {@code tier_to}; {@code none} is not counted. */
        public void apply(Transition t) {
            if (!ScoreScale.NONE.equals(t.tierFrom)) {
                count(t.kind, t.tierFrom).decrementAndGet();
            }
            if (!ScoreScale.NONE.equals(t.tierTo)) {
                count(t.kind, t.tierTo).incrementAndGet();
            }
        }

        /** The current count of a tier (0 for one never seen). */
        public long get(String kind, String tier) {
            Map<String, AtomicLong> tiers = counts.get(Metrics.name(kind));
            AtomicLong n = tiers == null ? null : tiers.get(Metrics.name(tier));
            return n == null ? 0 : n.get();
        }

        @Override
        public void write(Transition t, SinkWriter.Context context) {
            apply(t);
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public List<Counts> snapshotState(long checkpointId) {
            Counts c = new Counts();
            for (Map.Entry<String, Map<String, AtomicLong>> kind : counts.entrySet()) {
                for (Map.Entry<String, AtomicLong> tier : kind.getValue().entrySet()) {
                    c.put(kind.getKey(), tier.getKey(), tier.getValue().get());
                }
            }
            return List.of(c);
        }

        @Override
        public void close() {}
    }

    /** Version 1: number of entries, then per entry kind (UTF), tier (UTF), count (long). */
    static final class CountsSerializer implements SimpleVersionedSerializer<Counts> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(Counts c) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(64);
            int entries = 0;
            for (Map<String, Long> tiers : c.byKind.values()) {
                entries += tiers.size();
            }
            out.writeInt(entries);
            for (Map.Entry<String, Map<String, Long>> kind : c.byKind.entrySet()) {
                for (Map.Entry<String, Long> tier : kind.getValue().entrySet()) {
                    out.writeUTF(kind.getKey());
                    out.writeUTF(tier.getKey());
                    out.writeLong(tier.getValue());
                }
            }
            return out.getCopyOfBuffer();
        }

        @Override
        public Counts deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) {
                throw new IOException("unknown tier census state version " + version);
            }
            DataInputDeserializer in = new DataInputDeserializer(serialized);
            Counts c = new Counts();
            int entries = in.readInt();
            for (int i = 0; i < entries; i++) {
                String kind = in.readUTF();
                String tier = in.readUTF();
                c.put(kind, tier, in.readLong());
            }
            return c;
        }
    }
}
