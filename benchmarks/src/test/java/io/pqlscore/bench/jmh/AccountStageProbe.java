package io.pqlscore.bench.jmh;

import io.pqlscore.events.UsageEvent;
import io.pqlscore.scoring.AccountOperator;
import io.pqlscore.scoring.ScoreEngine;
import io.pqlscore.scoring.Transition;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * The account stage alone on one thread, at a size closer to the benchmark's than JMH's 500
 * accounts (so that the state cache misses and RocksDB holds more than its memtable), repeated so
 * that a profiler sees a warm JIT: what {@link KeyedOperatorsBenchmark#accountStage} measures, as a
 * plain loop for a profile.
 *
 * <pre>{@code
 * mvn -q -Pjmh test-compile exec:exec -Dexec.mainClass=... (see docs/BENCHMARKS.md, "Profiles")
 * java -cp ... io.pqlscore.bench.jmh.AccountStageProbe [accounts] [records] [runs] [backend]
 * }</pre>
 */
public final class AccountStageProbe {
    public static void main(String[] args) throws Exception {
        int accounts = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int records = args.length > 1 ? Integer.parseInt(args[1]) : 400_000;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        String backend = args.length > 3 ? args[3] : "rocksdb-job";
        BenchEvents data = new BenchEvents(accounts, records);
        System.out.printf("%,d records (%,d valid) over %,d accounts, backend %s%n", records, data.arrivals.size(),
                accounts, backend);
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            long outputs = run(data, backend);
            double us = (System.nanoTime() - t0) / 1e3 / data.arrivals.size();
            System.out.printf("run %d: %.2f us/record (%,.0f records/s), %,d outputs%n", r + 1, us, 1e6 / us, outputs);
        }
    }

    static long run(BenchEvents data, String backend) throws Exception {
        // as in the benchmark's full job: its Kafka sinks take no current scores
        ScoreEngine engine = new ScoreEngine(data.model, ScoreEngine.DEFAULT_TOP_SIGNALS, () -> 0L).withoutCurrentScores();
        try (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, Transition> h =
                new KeyedOneInputStreamOperatorTestHarness<>(new AccountOperator(engine,
                        data.model.time().dedupeWindowMs(), 200_000, 20_000), e -> e.accountId, Types.STRING)) {
            h.setStateBackend(KeyedOperatorsBenchmark.stateBackend(backend));
            // snapshots of this size exceed the harness's default in-memory checkpoint storage
            h.setCheckpointStorage(new org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage(
                    java.nio.file.Files.createTempDirectory("account-stage-probe").toUri()));
            h.open();
            long outputs = 0;
            long newest = Long.MIN_VALUE;
            int n = 0;
            for (UsageEvent e : data.arrivals) {
                h.processElement(e, e.timestamp);
                newest = Math.max(newest, e.timestamp);
                if (++n % KeyedOperatorsBenchmark.WATERMARK_EVERY == 0) {
                    h.processWatermark(newest - KeyedOperatorsBenchmark.OUT_OF_ORDERNESS_MS);
                    outputs += h.getOutput().size();
                    h.getOutput().clear();
                }
                if (n % 100_000 == 0) {
                    h.snapshot(n, n);
                }
            }
            h.processWatermark(Long.MAX_VALUE);
            return outputs + h.getOutput().size();
        }
    }
}
