package io.pqlscore.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.scoring.Transition;
import io.pqlscore.sinks.OutputJson;
import io.pqlscore.testing.JobRun;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC 3's determinism rule on the whole job: the generated conformance streams (default model,
 * every kind of signal; and {@code 14-identity-generated}, whose records mostly carry no account id,
 * SPEC 8) give the same transitions, event ids included, at parallelism 1 and 4, and when their
 * records arrive in other orders within the out-of-orderness bound. Runs are compared with each
 * other, not with the case's expected file.
 */
class DeterminismTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    private static ScoringModel model;
    /** Per case: parallelism 1, file order. */
    private static final Map<String, JobRun> BASELINES = new TreeMap<>();

    @BeforeAll
    static void loadModel() {
        model = ModelLoader.load(Shared.dir().resolve("model-format.yaml"));
    }

    private static Path events(String name) {
        return Shared.conformance().resolve("cases").resolve(name + ".events.jsonl");
    }

    /**
     * The reference run, made once on first use. Not in {@code @BeforeAll}: the extension installs
     * its test environment only around each test, so a job started there would run elsewhere.
     */
    private static synchronized JobRun baseline(String name) throws Exception {
        JobRun baseline = BASELINES.get(name);
        if (baseline == null) {
            baseline = JobRun.run(model, events(name), 1);
            assertThat(baseline.transitions).as("the case produces transitions").hasSizeGreaterThan(100);
            BASELINES.put(name, baseline);
        }
        return baseline;
    }

    /** The fields SPEC 3 makes deterministic (not emitted_at), as one comparable line. */
    static String key(Transition t) {
        return String.join("|", t.kind, t.accountId, String.valueOf(t.userId), t.tierFrom, t.tierTo,
                OutputJson.round(t.score).toPlainString(), Long.toString(t.occurredAt), t.cause, t.eventId);
    }

    static List<String> transitions(JobRun run) {
        return run.transitions.stream().map(DeterminismTest::key).sorted().collect(Collectors.toList());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"11-generated", "14-identity-generated"})
    void parallelismOneAndFourGiveIdenticalOutputs(String name) throws Exception {
        JobRun p1 = baseline(name);
        JobRun p4 = JobRun.run(model, events(name), 4);
        assertThat(transitions(p4)).containsExactlyElementsOf(transitions(p1));
        assertThat(deadLetters(p4)).containsExactlyElementsOf(deadLetters(p1));
        assertThat(deadLetters(p1)).isNotEmpty().noneMatch(s -> s.endsWith(":late"));
    }

    static List<String> deadLetters(JobRun run) {
        return run.deadLetters.stream().sorted(Comparator.comparingLong((DeadLetter d) -> d.offset))
                .map(d -> d.offset + ":" + d.reason).collect(Collectors.toList());
    }

    static Map<String, Long> reasonCounts(JobRun run) {
        return run.deadLetters.stream().collect(Collectors.groupingBy(d -> d.reason, TreeMap::new, Collectors.counting()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"11-generated", "14-identity-generated"})
    void otherArrivalOrdersWithinTheBoundGiveIdenticalTransitions(String name, @TempDir Path dir) throws Exception {
        List<String> lines = Files.readAllLines(events(name), StandardCharsets.UTF_8);
        long bound = model.time().maxOutOfOrdernessMs();
        JobRun reference = baseline(name);
        long[] seeds = {7L, 1234L, 987654321L};
        int[] parallelism = {1, 2, 4};
        for (int i = 0; i < seeds.length; i++) {
            long seed = seeds[i];
            List<String> shuffled = shuffleWithinBound(lines, bound, new Random(seed));
            assertThat(shuffled).as("seed %d reorders the records", seed).isNotEqualTo(lines)
                    .containsExactlyInAnyOrderElementsOf(lines);
            assertWithinBound(shuffled, bound);
            Path file = dir.resolve("shuffled-" + seed + ".events.jsonl");
            Files.write(file, shuffled, StandardCharsets.UTF_8);

            JobRun run = JobRun.run(model, file, parallelism[i]);
            assertThat(transitions(run)).as("transitions with seed %d", seed).containsExactlyElementsOf(transitions(reference));
            assertThat(reasonCounts(run)).as("rejections with seed %d", seed).isEqualTo(reasonCounts(reference));
        }
    }

    // ------------------------------------------------------------------ the shuffle

    /** A line and its event time, or {@code Long.MIN_VALUE} for lines that are not valid records. */
    private static final class Line {
        final String text;
        final long time;
        final double sortKey;

        Line(String text, long time, double sortKey) {
            this.text = text;
            this.time = time;
            this.sortKey = sortKey;
        }
    }

    private static long eventTime(EventParser parser, String line, long n) {
        ParsedRecord r = parser.parse(line.getBytes(StandardCharsets.UTF_8), new SourcePosition("shuffle", 0, n));
        return r.isValid() ? r.event.timestamp : Long.MIN_VALUE;
    }

    /**
     * Sorts the valid records by event time plus a random delay in [0, bound): a record then
     * follows only records at most that much later than itself, so each stays within the bound of
     * the largest event time before it. Invalid lines go anywhere. Blank lines are dropped (they
     * are not records).
     */
    static List<String> shuffleWithinBound(List<String> lines, long bound, Random random) {
        EventParser parser = new EventParser(model);
        List<Line> valid = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        long n = 0;
        for (String l : lines) {
            n++;
            if (l.isBlank()) {
                continue;
            }
            long t = eventTime(parser, l, n);
            if (t == Long.MIN_VALUE) {
                invalid.add(l);
            } else {
                valid.add(new Line(l, t, t + random.nextDouble() * (bound - 1)));
            }
        }
        Collections.shuffle(valid, random); // ties in the key break at random too
        valid.sort(Comparator.comparingDouble(x -> x.sortKey));
        List<String> out = valid.stream().map(x -> x.text).collect(Collectors.toCollection(ArrayList::new));
        for (String l : invalid) {
            out.add(random.nextInt(out.size() + 1), l);
        }
        return out;
    }

    /** Every valid record is at most {@code bound} behind the largest event time before it. */
    static void assertWithinBound(List<String> lines, long bound) {
        EventParser parser = new EventParser(model);
        long max = Long.MIN_VALUE;
        long n = 0;
        int moved = 0;
        for (String l : lines) {
            n++;
            long t = eventTime(parser, l, n);
            if (t == Long.MIN_VALUE) {
                continue;
            }
            if (max != Long.MIN_VALUE) {
                assertThat(max - t).as("line %d (%s) is behind the largest event time before it", n, l)
                        .isLessThanOrEqualTo(bound);
                if (t < max) {
                    moved++;
                }
            }
            max = Math.max(max, t);
        }
        assertThat(moved).as("records out of event-time order").isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"11-generated", "14-identity-generated"})
    void theOriginalFileIsItselfWithinTheBound(String name) {
        try {
            assertWithinBound(Files.readAllLines(events(name), StandardCharsets.UTF_8), model.time().maxOutOfOrdernessMs());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
