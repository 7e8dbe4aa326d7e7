package io.pqlscore.bench.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The JMH benchmarks' own code, timed in <b>thread CPU time</b> instead of wall time. On a machine
 * shared with other builds (load averages of 10 to 30 on 2 cores while this was written) JMH's
 * wall-clock scores varied several-fold between runs; the CPU time a single-threaded replay
 * spends per record varies much less, as waiting for a core is not counted. Each scenario runs
 * {@code WARMUPS} times unmeasured, then {@code RUNS} times; prints the median and the minimum of
 * the CPU microseconds per record, and the equivalent records per CPU-second.
 *
 * <pre>mvn -q -Pjmh test-compile exec:exec -Dexec.mainClass=io.pqlscore.bench.jmh.CpuPerRecord \
 *     -Dexec.argline="[WARMUPS [RUNS [PART_OF_A_SCENARIO_NAME...]]]"</pre>
 */
public final class CpuPerRecord {
    /** JMH's Blackhole refuses construction without this acknowledgement. */
    private static final String BLACKHOLE_CHALLENGE =
            "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.";

    private CpuPerRecord() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].trim().contains(" ")) {
            args = args[0].trim().split("\\s+");
        }
        int warmups = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String> only = args.length > 2 ? Arrays.asList(args).subList(2, args.length) : List.of();
        Blackhole bh = new Blackhole(BLACKHOLE_CHALLENGE);

        Map<String, Callable<Integer>> scenarios = new LinkedHashMap<>();
        EventParserBenchmark parser = new EventParserBenchmark();
        parser.setUp();
        scenarios.put("parser.readTree (baseline)", () -> {
            parser.readTree(bh);
            return BenchEvents.RECORDS;
        });
        scenarios.put("parser.parse", () -> {
            parser.parse(bh);
            return BenchEvents.RECORDS;
        });
        for (String store : storesOf(ScoreEngineBenchmark.class)) {
            ScoreEngineBenchmark engine = new ScoreEngineBenchmark();
            engine.store = store;
            engine.setUp();
            scenarios.put("engine.stateAccessOnly (baseline) " + store, () -> {
                engine.stateAccessOnly(bh);
                return BenchEvents.RECORDS;
            });
            scenarios.put("engine.replay " + store, () -> {
                engine.replay(bh);
                return BenchEvents.RECORDS;
            });
        }
        for (String backend : new String[] {"heap", "rocksdb", "rocksdb-job", "rocksdb-job-own-memory"}) {
            KeyedOperatorsBenchmark ops = new KeyedOperatorsBenchmark();
            ops.backend = backend;
            ops.setUp();
            scenarios.put("operator.accountStage " + backend, () -> {
                bh.consume(ops.accountStage());
                return BenchEvents.RECORDS;
            });
        }

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf(Locale.ROOT, "%-48s %12s %12s %16s  (%d warm-ups, %d runs; load average %.1f)%n", "scenario",
                "median µs", "min µs", "records/CPU-s", warmups, runs,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        for (Map.Entry<String, Callable<Integer>> s : scenarios.entrySet()) {
            if (!only.isEmpty() && only.stream().noneMatch(p -> s.getKey().contains(p))) {
                continue;
            }
            for (int i = 0; i < warmups; i++) {
                s.getValue().call();
            }
            List<Double> perRecordMicros = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long cpu0 = threads.getCurrentThreadCpuTime();
                int records = s.getValue().call();
                perRecordMicros.add((threads.getCurrentThreadCpuTime() - cpu0) / 1e3 / records);
            }
            perRecordMicros.sort(null);
            double median = perRecordMicros.get(perRecordMicros.size() / 2);
            System.out.printf(Locale.ROOT, "%-48s %12.2f %12.2f %,16.0f%n", s.getKey(), median, perRecordMicros.get(0),
                    1e6 / median);
        }
        System.exit(0); // RocksDB and Flink leave non-daemon threads behind
    }

    /** The {@code store} parameter values of the engine benchmark (they differ between versions). */
    private static String[] storesOf(Class<?> benchmark) throws Exception {
        return benchmark.getField("store").getAnnotation(org.openjdk.jmh.annotations.Param.class).value();
    }
}
