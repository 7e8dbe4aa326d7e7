package io.pqlscore.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.config.JobOptions;
import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.scoring.Transition;
import io.pqlscore.testing.ExpectedTransition;
import io.pqlscore.testing.Shared;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.source.legacy.RichParallelSourceFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The source going idle and coming back, again and again, changes nothing: conformance case
 * {@code 11-generated} (sequence and usage signals, so CEP operators sit between the sequencer and
 * the scorer) is read in six phases, and between phases the reader pauses well past the idle
 * timeout, so the job's input goes idle and then active again five times. Everything behind the
 * source runs at parallelism {@value PARALLELISM}. The transitions and rejections must be exactly
 * the case's.
 *
 * <p>This is the production situation of all Kafka partitions going quiet (night, an upstream
 * outage). The ordered operators absorb idleness ({@code OrderedKeyedOperator}); in the earlier
 * topology, before its sequencer did, the idle status passed on to the CEP operators and the
 * scorer; on resume, the first sequencer subtask to forward the new watermark moved them on alone,
 * so the others' records reached CEP late (dropped, firings lost) and firings reached the scorer
 * late (orphaned): hundreds of transitions differed.
 *
 * <p>All records come from one of the {@value PARALLELISM} readers (the others have no partition
 * and stay idle), in file order, on purpose: with several readers holding data, one that resumes a little
 * later than another can find its records behind the watermark the other has already moved, which
 * is what source idleness means (an idle split does not hold event time back): those are
 * dead-lettered as {@code late}, documented behaviour that this test is not about. What it pins
 * down is that nothing after the sources makes a record late.
 */
class IdleSourcesTest {
    private static final int PARALLELISM = 4;
    private static final int PHASES = 6;
    private static final long PAUSE_MS = Long.getLong("idle.pause", 1_200);
    private static final long EMPTY_READER_GRACE_MS = 5_000;
    private static final String IDLE_TIMEOUT = "150ms";
    private static final String CASE = "11-generated";

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(PARALLELISM).build());

    @Test
    void sourcesGoingIdleAndActiveAgainScoreExactlyAsOneUninterruptedReplay() throws Exception {
        Path cases = Shared.conformance().resolve("cases");
        ScoringModel model = ModelLoader.load(Shared.dir().resolve("model-format.yaml"));
        List<String> lines = Files.readAllLines(cases.resolve(CASE + ".events.jsonl"), StandardCharsets.UTF_8);

        JobOptions options = JobOptions.parse("--input", "unused", "--parallelism", Integer.toString(PARALLELISM),
                "--idle-timeout", IDLE_TIMEOUT);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ScoringStreams streams = new ScoringPipeline(options, model, new PhasedSource(lines), null).build(env);
        CloseableIterator<Transition> t = streams.transitions.collectAsync();
        CloseableIterator<DeadLetter> d = streams.deadLetters.collectAsync();
        env.execute("idle sources");
        List<Transition> transitions = new ArrayList<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        t.forEachRemaining(transitions::add);
        d.forEachRemaining(deadLetters::add);

        List<ExpectedTransition> expected = ExpectedTransition.readAll(cases.resolve(CASE + ".expected.jsonl"));
        List<ExpectedTransition> actual = transitions.stream().map(ExpectedTransition::of).collect(Collectors.toList());
        assertThat(ExpectedTransition.diff(expected, actual)).as("transition differences").isEmpty();
        assertThat(deadLetters.stream().map(x -> x.offset + ":" + x.reason).sorted())
                .as("rejections").containsExactlyElementsOf(expectedRejections(cases));
    }

    private static List<String> expectedRejections(Path cases) throws IOException {
        return Files.readAllLines(cases.resolve(CASE + ".rejections.jsonl")).stream().filter(l -> !l.isBlank())
                .map(l -> {
                    try {
                        var n = io.pqlscore.model.JsonValues.MAPPER.readTree(l);
                        return n.get("line").asLong() + ":" + n.get("reason").asText();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }).sorted().collect(Collectors.toList());
    }

    /** The case's lines in file order from the first reader, in phases, pausing past the idle timeout between. */
    static final class PhasedSource implements EventSource {
        private static final long serialVersionUID = 1L;
        private final List<String> lines;

        PhasedSource(List<String> lines) {
            this.lines = List.copyOf(lines);
        }

        @Override
        public DataStream<ParsedRecord> open(StreamExecutionEnvironment env, EventParser parser,
                WatermarkStrategy<ParsedRecord> watermarks) {
            return env.addSource(new PhasedReader(lines, parser), "phased test reader", TypeInformation.of(ParsedRecord.class))
                    .uid(UID)
                    .assignTimestampsAndWatermarks(watermarks).uid(UID + "-watermarks");
        }
    }

    static final class PhasedReader extends RichParallelSourceFunction<ParsedRecord> {
        private static final long serialVersionUID = 1L;
        private final List<String> lines;
        private final EventParser parser;
        private volatile boolean running = true;

        PhasedReader(List<String> lines, EventParser parser) {
            this.lines = lines;
            this.parser = parser;
        }

        @Override
        public void run(SourceContext<ParsedRecord> ctx) throws Exception {
            if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() != 0) {
                // a reader without a partition stays (idle) until well after the first one has
                // ended: were it to end first, its end-of-input watermark would be the only
                // active one while the first reader idles, and would flush everything
                Thread.sleep(PHASES * PAUSE_MS + EMPTY_READER_GRACE_MS);
                return;
            }
            int perPhase = (lines.size() + PHASES - 1) / PHASES;
            for (int phase = 0; phase < PHASES && running; phase++) {
                for (int i = phase * perPhase; i < Math.min(lines.size(), (phase + 1) * perPhase); i++) {
                    byte[] raw = lines.get(i).getBytes(StandardCharsets.UTF_8);
                    ParsedRecord r = parser.parse(raw, new SourcePosition(CASE, 0, i + 1));
                    synchronized (ctx.getCheckpointLock()) {
                        ctx.collect(r);
                    }
                }
                if (phase < PHASES - 1) {
                    Thread.sleep(PAUSE_MS);
                }
            }
        }

        @Override
        public void cancel() {
            running = false;
        }
    }
}
