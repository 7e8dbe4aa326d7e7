package io.pqlscore.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.segment.analytics.Analytics;
import com.segment.analytics.messages.GroupMessage;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.PageMessage;
import com.segment.analytics.messages.ScreenMessage;
import com.segment.analytics.messages.TrackMessage;
import io.pqlscore.events.Timestamps;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.Transition;
import io.pqlscore.testing.JobRun;
import io.pqlscore.testing.PassDriver;
import io.pqlscore.testing.SegmentCapture;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calls Segment's own Java library ({@code com.segment.analytics.java:analytics}) sends, as a
 * customer's backend sends them: {@code identify} without any account id, {@code group} naming the
 * user, and {@code track}/{@code page}/{@code screen} mostly without {@code context.groupId}. The
 * library uploads its batches to an in-process HTTP capture; their messages, one JSON line each,
 * are the job's input. SPEC 8 must score them all: user traits from {@code identify} reach the
 * user's scores in the account it joined, activity without an account id is scored for the user's
 * current account, and none of these calls is a dead letter.
 */
class SegmentLibraryTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    private static final long T0 = Timestamps.parseMillis("2026-03-02T09:00:00.000Z");

    private static Date at(int minutes) {
        return new Date(T0 + minutes * 60_000L);
    }

    @Test
    void callsSentBySegmentsJavaLibraryAreResolvedAndScored(@TempDir Path dir) throws Exception {
        List<String> lines;
        try (SegmentCapture capture = new SegmentCapture()) {
            Analytics analytics = Analytics.builder("test-write-key").endpoint(capture.endpoint())
                    .flushQueueSize(4).flushInterval(1, TimeUnit.SECONDS).build();
            // ada: identified first, then joins acme; her activity carries no account id
            analytics.enqueue(IdentifyMessage.builder().userId("ada").timestamp(at(0))
                    .traits(Map.of("role", "vp", "email", "ada@acme.test")));
            analytics.enqueue(GroupMessage.builder("acme").userId("ada").timestamp(at(5))
                    .traits(Map.of("employees", 2000, "plan", "free")));
            analytics.enqueue(TrackMessage.builder("Ping").userId("ada").timestamp(at(10)));
            analytics.enqueue(PageMessage.builder("Billing").userId("ada").timestamp(at(15))
                    .properties(Map.of("path", "/settings/billing")));
            analytics.enqueue(ScreenMessage.builder("Main").userId("ada").timestamp(at(20)));
            // grace: joins acme first, is identified later; one track names the account itself
            analytics.enqueue(GroupMessage.builder("acme").userId("grace").timestamp(at(30)));
            analytics.enqueue(TrackMessage.builder("Ping").userId("grace").timestamp(at(35)));
            analytics.enqueue(IdentifyMessage.builder().userId("grace").timestamp(at(40))
                    .traits(Map.of("role", "engineer")));
            analytics.enqueue(TrackMessage.builder("Pong").userId("grace").timestamp(at(45))
                    .context(Map.of("groupId", "acme")));
            analytics.flush();
            lines = capture.await(9, Duration.ofSeconds(30));
            analytics.shutdown();
            assertThat(capture.requests()).allMatch(r -> r.startsWith("POST /v1/import"));
        }

        // what the library sent: no account id on identify, none on the activity but the last track
        List<JsonNode> sent = lines.stream().map(JsonValues::parse).collect(Collectors.toList());
        assertThat(sent).extracting(m -> m.get("type").asText())
                .containsExactlyInAnyOrder("identify", "group", "track", "page", "screen", "group", "track", "identify",
                        "track");
        assertThat(sent).filteredOn(m -> !m.get("type").asText().equals("group"))
                .filteredOn(m -> m.path("context").has("groupId")).hasSize(1);
        assertThat(sent).noneMatch(m -> m.has("groupId") && !m.get("type").asText().equals("group"));

        Path input = dir.resolve("segment.jsonl");
        Files.write(input, lines.stream().sorted(Comparator.comparing(l -> JsonValues.parse(l).get("timestamp").asText()))
                .collect(Collectors.toList()), StandardCharsets.UTF_8);
        ScoringModel model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        JobRun run = JobRun.run(model, input, 2);

        assertThat(run.deadLetters).as("dead letters").isEmpty();
        // ada's identify traits reach her score in acme: has_role (20) beside the account's big_account (50)
        Transition adaUp = first(run, "ada");
        assertThat(adaUp.occurredAt).as("the join evaluates her").isEqualTo(at(5).getTime());
        assertThat(adaUp.tierTo).isEqualTo("hot");
        assertThat(JsonValues.parse(adaUp.traitsJson).path("user").path("role").asText()).isEqualTo("vp");
        assertThat(breakdown(adaUp, "fit")).isEqualTo(70.0);
        // her track, page and screen without an account id were each applied to acme (one evaluation
        // each): the job writes the latest score per watermark step, so each evaluation is read from
        // the same code run without Flink, which gives exactly the job's transitions
        PassDriver driver = new PassDriver(model).runLines(Files.readAllLines(input));
        assertThat(driver.deadLetters).isEmpty();
        assertThat(driver.transitions.stream().map(t -> t.eventId).sorted())
                .containsExactlyElementsOf(run.transitions.stream().map(t -> t.eventId).sorted().collect(Collectors.toList()));
        assertThat(scoresOf(driver.scores, "ada")).extracting(s -> s.asOf).contains(at(10).getTime(), at(15).getTime(),
                at(20).getTime());
        assertThat(latest(driver.scores, "ada", at(15).getTime()).score)
                .as("ping 25 (5 min of its 1 d half-life), settings page 22, fit 70").isCloseTo(117.0, within(0.1));
        // grace: activity before her identify, in acme; the identify then adds her role there
        assertThat(latest(driver.scores, "grace", at(35).getTime()).score).as("ping 25 and big_account 50").isEqualTo(75.0);
        assertThat(latest(driver.scores, "grace", at(40).getTime()).score).as("plus has_role 20").isCloseTo(95.0, within(0.1));
        // and the job's rows of acme's users are the latest of those evaluations
        assertThat(run.scores).filteredOn(s -> "acme".equals(s.accountId) && s.userId != null).isNotEmpty();
        // two active users of acme, resolved from their group calls: the account qualifies
        assertThat(run.transitions).filteredOn(t -> t.kind.equals(Transition.PQA) && t.direction.equals("up"))
                .singleElement().satisfies(t -> {
                    assertThat(t.accountId).isEqualTo("acme");
                    assertThat(t.occurredAt).isEqualTo(at(35).getTime());
                    assertThat(t.activeUsers7d).isEqualTo(2);
                });
        assertThat(run.transitions).extracting(t -> t.accountId).containsOnly("acme");
    }

    private static Transition first(JobRun run, String user) {
        return run.transitions.stream().filter(t -> user.equals(t.userId))
                .min(Comparator.comparingLong(t -> t.occurredAt)).orElseThrow();
    }

    private static List<CurrentScore> scoresOf(List<CurrentScore> scores, String user) {
        return scores.stream().filter(s -> "acme".equals(s.accountId) && user.equals(s.userId))
                .collect(Collectors.toList());
    }

    private static CurrentScore latest(List<CurrentScore> scores, String user, long asOf) {
        return scoresOf(scores, user).stream().filter(s -> s.asOf == asOf).reduce((a, b) -> b).orElseThrow();
    }

    private static double breakdown(Transition t, String category) {
        return t.breakdownPoints[Arrays.asList(t.breakdownCategories).indexOf(category)];
    }
}
