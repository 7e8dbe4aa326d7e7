package io.pqlscore.bench.jmh;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import io.pqlscore.patterns.PatternSignalsAccess;
import io.pqlscore.scoring.SignalFiring;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
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
 * The usage-approach operator per reading, on RocksDB (two configurations, {@link #rocksdb}): nightly readings of
 * {@link #KEYS} (account, metric) keys over {@link #DAYS} days, in the order the sequencer releases
 * them, the watermark following every {@link #WATERMARK_EVERY} readings. {@code event-time-cep} is
 * Flink's CepOperator as {@code CEP.pattern(...).inEventTime()} builds it (what the job ran before:
 * every reading buffered again until the watermark), {@code on-arrival} the job's
 * {@code ExpiringCepOperator} (matches a released reading at once). Same run, same input.
 *
 * <pre>mvn -q -Pjmh test-compile exec:exec -Dexec.argline="UsagePatternBenchmark"</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class UsagePatternBenchmark {
    static final int KEYS = 8_000;
    static final int DAYS = 3;
    static final int WATERMARK_EVERY = 100;

    @Param({"event-time-cep", "on-arrival"})
    public String operator;

    /**
     * As in {@link KeyedOperatorsBenchmark#backend}: {@code rocksdb-job-own-memory}, the job's
     * RocksDB settings with RocksDB's own memory sizes (the harness's managed-memory budget is
     * tiny, and a RocksDB flushing its memtables constantly is not what the job runs with);
     * {@code rocksdb}, Flink's default options in the harness's managed memory.
     */
    @Param({"rocksdb-job-own-memory", "rocksdb"})
    public String rocksdb;

    private ScoringModel model;
    private Signal usage;
    private List<UsageEvent> readings;

    @Setup
    public void setUp() {
        model = ModelLoader.loadDefault();
        usage = model.signals().stream().filter(s -> s.kind() == SignalKind.USAGE).findFirst().orElseThrow();
        EventParser parser = new EventParser(model);
        long t0 = Instant.parse("2026-03-02T00:30:00Z").toEpochMilli();
        readings = new ArrayList<>(KEYS * DAYS);
        for (int d = 0; d < DAYS; d++) {
            for (int k = 0; k < KEYS; k++) {
                long t = t0 + d * 86_400_000L + (long) k * 3_600_000L / KEYS; // a nightly batch over an hour
                String line = "{\"type\":\"track\",\"event\":\"Usage Reported\",\"messageId\":\"m-" + d + "-" + k
                        + "\",\"timestamp\":\"" + Instant.ofEpochMilli(t) + "\",\"properties\":{\"accountId\":\"acc_" + k
                        + "\",\"metric\":\"rows\",\"used\":" + (500 + d * 150 + (k % 7) * 10) + ",\"limit\":1000}}";
                ParsedRecord r = parser.parse(line.getBytes(StandardCharsets.UTF_8), new SourcePosition("bench", 0, k));
                if (!r.isValid()) {
                    throw new IllegalStateException("not a valid reading: " + line);
                }
                readings.add(r.event);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(KEYS * DAYS)
    public long usageReadings() throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, UsageEvent, SignalFiring> h = new KeyedOneInputStreamOperatorTestHarness<>(
                operator.equals("on-arrival") ? PatternSignalsAccess.usageOperator(usage, false, model)
                        : PatternSignalsAccess.eventTimeCep(usage, false, model),
                PatternSignalsAccess.key(usage, false), Types.STRING)) {
            h.setStateBackend(KeyedOperatorsBenchmark.stateBackend(rocksdb));
            h.open();
            long firings = 0;
            int n = 0;
            for (UsageEvent e : readings) {
                h.processElement(e, e.timestamp);
                if (++n % WATERMARK_EVERY == 0) {
                    h.processWatermark(e.timestamp);
                    firings += h.getOutput().size();
                    h.getOutput().clear();
                }
            }
            h.processWatermark(Long.MAX_VALUE);
            return firings + h.getOutput().size();
        }
    }
}
