package io.pqlscore.bench.jmh;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.model.JsonValues;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link EventParser#parse} (validation, SPEC 1 rejections, every signal's match, trait capture)
 * against its floor, Jackson's {@code readTree} of the same bytes: the difference is what the
 * parser adds on top of reading the JSON. Results in records per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class EventParserBenchmark {
    private byte[][] lines;
    private EventParser parser;
    private final SourcePosition where = new SourcePosition("bench", 0, 0);

    @Setup
    public void setUp() {
        BenchEvents data = new BenchEvents();
        lines = data.lines;
        parser = data.parser;
    }

    /** Baseline: Jackson's tree of the same bytes, nothing else. */
    @Benchmark
    @OperationsPerInvocation(BenchEvents.RECORDS)
    public void readTree(Blackhole bh) throws IOException {
        for (byte[] line : lines) {
            bh.consume(JsonValues.MAPPER.readTree(line));
        }
    }

    @Benchmark
    @OperationsPerInvocation(BenchEvents.RECORDS)
    public void parse(Blackhole bh) {
        for (byte[] line : lines) {
            ParsedRecord r = parser.parse(line, where);
            bh.consume(r);
        }
    }
}
