package io.pqlscore.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.JobRun;
import io.pqlscore.testing.Shared;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's half of a {@code usage} signal (SPEC 2 kind 4): the first reading of a metric, and
 * a crossing whose previous reading (below {@code at}) is the retention or more before it
 * (UsageApproachPatternTest has CEP's half). Together: "a reading {@code >= at} whose previous reading of the same metric and entity
 * was {@code < at}, or which is the first reading", however long ago that previous reading was.
 */
class UsageReadingTest {
    static final long DAY = 86_400_000L;
    static final long WITHIN = 90 * DAY;
    static final long T0 = Instant.parse("2026-03-02T09:00:00Z").toEpochMilli();

    @TempDir
    Path tmp;

    @Test
    void theFirstReadingFiresWhenAtOrAbove() {
        assertThat(SignalMath.usageReading(new SignalState(), "rows", true, T0, WITHIN)).isTrue();
        assertThat(SignalMath.usageReading(new SignalState(), "rows", false, T0, WITHIN)).isFalse();
    }

    @Test
    void aCrossingWithinTheRetentionIsLeftToCep() {
        SignalState st = new SignalState();
        SignalMath.usageReading(st, "rows", false, T0, WITHIN);
        assertThat(SignalMath.usageReading(st, "rows", true, T0 + WITHIN - 1, WITHIN)).isFalse();
    }

    @Test
    void aCrossingFromAReadingBelowTheRetentionOrMoreAgoFiresHere() {
        SignalState st = new SignalState();
        SignalMath.usageReading(st, "rows", false, T0, WITHIN);
        assertThat(SignalMath.usageReading(st, "rows", true, T0 + WITHIN, WITHIN)).isTrue();
        // re-armed only by a reading below
        assertThat(SignalMath.usageReading(st, "rows", true, T0 + 3 * WITHIN, WITHIN)).isFalse();
        SignalMath.usageReading(st, "rows", false, T0 + 4 * WITHIN, WITHIN);
        assertThat(SignalMath.usageReading(st, "rows", true, T0 + 6 * WITHIN, WITHIN)).isTrue();
    }

    @Test
    void metricsAreApart() {
        SignalState st = new SignalState();
        SignalMath.usageReading(st, "rows", false, T0, WITHIN);
        assertThat(SignalMath.usageReading(st, "seats", true, T0 + WITHIN, WITHIN)).as("first reading of seats").isTrue();
        assertThat(SignalMath.usageReading(st, "seats", true, T0 + 3 * WITHIN, WITHIN)).isFalse();
        assertThat(SignalMath.usageReading(st, "rows", true, T0 + 2 * WITHIN, WITHIN)).as("rows was below").isTrue();
        assertThat(st.keys).containsExactly("rows", "seats");
        assertThat(st.times).hasSize(4);
    }

    /** State restored from a savepoint of a version that kept only the metric names: CEP decides alone until the next reading. */
    @Test
    void metricsFromBeforeReadingTimesWereKeptAreLeftToCep() {
        SignalState st = new SignalState();
        st.keys = new String[] {"rows"};
        assertThat(SignalMath.usageReading(st, "rows", true, T0 + 5 * WITHIN, WITHIN)).isFalse();
        assertThat(st.times).containsExactly(T0 + 5 * WITHIN, 0L);
        SignalMath.usageReading(st, "rows", false, T0 + 6 * WITHIN, WITHIN);
        assertThat(SignalMath.usageReading(st, "rows", true, T0 + 7 * WITHIN, WITHIN)).isTrue();
    }

    /**
     * The whole job: u1's reading of {@code quota} (at 0.8, 20 points, model-simple) below at T0,
     * other records keep u1 from being forgotten, and the next reading, 150 days later, is above:
     * a crossing, so u1 enters {@code engaged} (min 20) at that reading.
     */
    @Test
    void theJobFiresACrossingWhosePreviousReadingIsOlderThanTheRetention() throws Exception {
        ScoringModel model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        List<String> lines = new ArrayList<>();
        lines.add(usage("m1", T0, 500));
        for (int d = 40; d < 150; d += 40) {
            lines.add("{\"type\":\"track\",\"messageId\":\"n" + d + "\",\"timestamp\":\"" + Instant.ofEpochMilli(T0 + d * DAY)
                    + "\",\"userId\":\"u1\",\"context\":{\"groupId\":\"a1\"},\"event\":\"Noop\"}");
        }
        lines.add(usage("m2", T0 + 150 * DAY, 900));
        Path events = tmp.resolve("events.jsonl");
        Files.write(events, lines);

        JobRun run = JobRun.run(model, events, 2);
        List<String> up = run.transitions.stream().filter(t -> "up".equals(t.direction))
                .map(t -> t.kind + " " + t.userId + " " + t.tierFrom + "->" + t.tierTo + " at day " + (t.occurredAt - T0) / DAY + " " + t.cause)
                .toList();
        assertThat(up).containsExactly("pql u1 none->engaged at day 150 event");
    }

    private static String usage(String id, long t, double used) {
        return "{\"type\":\"track\",\"messageId\":\"" + id + "\",\"timestamp\":\"" + Instant.ofEpochMilli(t)
                + "\",\"userId\":\"u1\",\"context\":{\"groupId\":\"a1\"},\"event\":\"Usage\",\"properties\":{\"metric\":\"rows\",\"used\":"
                + used + ",\"limit\":1000}}";
    }
}
