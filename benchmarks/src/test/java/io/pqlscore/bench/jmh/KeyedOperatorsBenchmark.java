package io.pqlscore.bench.jmh;

import io.pqlscore.events.MessageIdOrder;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.scoring.AccountOperator;
import io.pqlscore.scoring.ScoreEngine;
import io.pqlscore.scoring.Transition;
import java.util.concurrent.TimeUnit;
import java.nio.file.Paths;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The account stage alone on one thread over real RocksDB keyed state (Flink's operator test
 * harness): what a record costs in the {@link AccountOperator} (its event-time buffer, dedupe, the
 * CEP patterns, the engine, the state cache and its writes), without the rest of a cluster
 * (network, checkpoints, other threads). Each invocation replays {@value BenchEvents#RECORDS}
 * generated records in arrival order (duplicates included) from empty state, advancing the
 * watermark every {@value #WATERMARK_EVERY} records to {@value #OUT_OF_ORDERNESS_MS} ms behind the
 * newest event time (the job's bound), takes one snapshot half-way (the cache's write-back and the
 * raw buffer), and ends with the final watermark. Results: microseconds per record.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class KeyedOperatorsBenchmark {
    static final int WATERMARK_EVERY = 100;
    static final long OUT_OF_ORDERNESS_MS = 5 * 60_000L;

    /**
     * {@code rocksdb}: RocksDB with Flink's default options; {@code rocksdb-job}: with the job's
     * RocksDB settings from flink-conf/config.yaml (predefined options, bloom filters);
     * {@code rocksdb-job-own-memory}: the same, with RocksDB's own memory sizes instead of the
     * harness's small managed-memory budget; {@code heap}: the heap backend, to see what RocksDB
     * itself adds.
     */
    @Param({"rocksdb", "rocksdb-job", "rocksdb-job-own-memory", "heap"})
    public String backend;

    private BenchEvents data;

    @Setup
    public void setUp() {
        data = new BenchEvents();
    }

    /** Records in arrival order, duplicates included: what the account stage gets from the source. */
    @Benchmark
    @OperationsPerInvocation(BenchEvents.RECORDS)
    public long accountStage() throws Exception {
        ScoreEngine engine = new ScoreEngine(data.model, ScoreEngine.DEFAULT_TOP_SIGNALS, () -> 0L);
        try (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> h =
                new KeyedOneInputStreamOperatorTestHarness<>(new AccountOperator(engine,
                        data.model.time().dedupeWindowMs(), 200_000, 20_000), e -> e.accountId, Types.STRING)) {
            h.setStateBackend(stateBackend(backend));
            h.open();
            long outputs = 0;
            long newest = Long.MIN_VALUE;
            int n = 0;
            for (UsageEvent e : data.arrivals) {
                h.processElement(e, e.timestamp);
                newest = Math.max(newest, e.timestamp);
                if (++n % WATERMARK_EVERY == 0) {
                    h.processWatermark(newest - OUT_OF_ORDERNESS_MS);
                    outputs += drain(h.getOutput().size(), h);
                }
                if (n == data.arrivals.size() / 2) {
                    h.snapshot(1, n);
                }
            }
            h.processWatermark(Long.MAX_VALUE);
            return outputs + drain(h.getOutput().size(), h);
        }
    }

    /** The state backend named as in {@link #backend}. */
    static StateBackend stateBackend(String backend) {
        switch (backend) {
            case "heap":
                return new HashMapStateBackend();
            case "rocksdb":
                return new EmbeddedRocksDBStateBackend();
            default:
                Configuration jobSettings = GlobalConfiguration.loadConfiguration(Paths.get("flink-conf").toAbsolutePath().toString());
                if (backend.equals("rocksdb-job-own-memory")) {
                    jobSettings.setString("state.backend.rocksdb.memory.managed", "false");
                }
                return new EmbeddedRocksDBStateBackend().configure(jobSettings, KeyedOperatorsBenchmark.class.getClassLoader());
        }
    }

    /** Forgets what the harness collected (it would otherwise keep every output in memory). */
    private static int drain(int size, KeyedOneInputStreamOperatorTestHarness<?, ?, ?> h) {
        h.getOutput().clear();
        if (h.getSideOutput(AccountOperator.CURRENT_SCORES) != null) {
            size += h.getSideOutput(AccountOperator.CURRENT_SCORES).size();
            h.getSideOutput(AccountOperator.CURRENT_SCORES).clear();
        }
        return size;
    }
}
