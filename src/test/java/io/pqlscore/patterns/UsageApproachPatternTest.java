package io.pqlscore.patterns;

import static io.pqlscore.patterns.SequencePatternTest.DAY;
import static io.pqlscore.patterns.SequencePatternTest.HOUR;
import static io.pqlscore.patterns.SequencePatternTest.MINUTE;
import static io.pqlscore.patterns.SequencePatternTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.patterns.SequencePatternTest.Cep;
import io.pqlscore.scoring.SignalFiring;
import io.pqlscore.testing.Shared;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The re-arming half of a {@code usage} signal (SPEC 2 kind 4) on the real Flink CEP operator,
 * built as {@link PatternSignals} builds it (see {@link SequencePatternTest.Cep}), keyed by entity
 * and metric. Signal {@code quota} of {@code model-simple.yaml}: ratio
 * {@code properties.used / properties.limit} per {@code properties.metric}, {@code at: 0.8},
 * scope {@code both} (one operator per user, one per account).
 *
 * <p>CEP only sees upward crossings (a reading below {@code at} immediately followed by one at or
 * above it); "or which is the first reading" is the scorer's ({@code ScoreEngine.applyHits}).
 */
class UsageApproachPatternTest {

    static ScoringModel simple;

    private Cep cep;
    private Cep perUser;

    @BeforeAll
    static void loadModel() {
        simple = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
    }

    @AfterEach
    void close() throws Exception {
        if (cep != null) {
            cep.close();
        }
        if (perUser != null) {
            perUser.close();
        }
    }

    private static String reading(String metric, double used, double limit) {
        return "{" + (metric == null ? "" : "\"metric\":\"" + metric + "\",") + "\"used\":" + used + ",\"limit\":" + limit + "}";
    }

    private void read(Cep c, String messageId, long t, String userId, String metric, double used) throws Exception {
        c.record(messageId, t, userId, "a9", "Usage", reading(metric, used, 1000));
    }

    private static String describe(SignalFiring f) {
        return f.accountId + "/" + f.userId + " " + f.messageId + "@" + f.timestamp;
    }

    @Test
    void aCrossingFromBelowToAtOrAboveFiresAtTheAtOrAboveReading() throws Exception {
        cep = Cep.of(simple, "quota", false);
        perUser = Cep.of(simple, "quota", true);
        for (Cep c : new Cep[] {cep, perUser}) {
            read(c, "r1", T0, "u1", "rows", 500); // 0.5
            read(c, "r2", T0 + HOUR, "u1", "rows", 850); // 0.85
            c.finish();
        }
        assertThat(cep.firings()).extracting(UsageApproachPatternTest::describe).containsExactly("a9/null r2@" + (T0 + HOUR));
        assertThat(perUser.firings()).extracting(UsageApproachPatternTest::describe).containsExactly("a9/u1 r2@" + (T0 + HOUR));
        SignalFiring f = cep.firings().get(0);
        assertThat(f.signal).isEqualTo(cep.signal.index());
        assertThat(cep.harness.extractOutputStreamRecords().get(0).getTimestamp()).isEqualTo(T0 + HOUR);
    }

    @Test
    void aReadingExactlyAtTheThresholdCountsAsAtOrAbove() throws Exception {
        cep = Cep.of(simple, "quota", false);
        read(cep, "r1", T0, "u1", "rows", 799); // 0.799
        read(cep, "r2", T0 + HOUR, "u1", "rows", 800); // 0.8 exactly
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.messageId).containsExactly("r2");
    }

    @Test
    void stayingAboveDoesNotRefire() throws Exception {
        cep = Cep.of(simple, "quota", false);
        read(cep, "r1", T0, "u1", "rows", 500);
        read(cep, "r2", T0 + HOUR, "u1", "rows", 850);
        read(cep, "r3", T0 + 2 * HOUR, "u1", "rows", 900);
        read(cep, "r4", T0 + 3 * HOUR, "u2", "rows", 1000); // another user, same account metric: still above
        read(cep, "r5", T0 + 4 * HOUR, "u1", "rows", 800);
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.messageId).containsExactly("r2");
    }

    @Test
    void aReadingBelowReArmsAndTheNextCrossingFiresAgain() throws Exception {
        cep = Cep.of(simple, "quota", false);
        read(cep, "r1", T0, "u1", "rows", 500);
        read(cep, "r2", T0 + HOUR, "u1", "rows", 850); // fires
        read(cep, "r3", T0 + 2 * HOUR, "u1", "rows", 900); // still above
        read(cep, "r4", T0 + 3 * HOUR, "u1", "rows", 700); // below: re-arms
        read(cep, "r5", T0 + 4 * HOUR, "u1", "rows", 600); // still below
        read(cep, "r6", T0 + 5 * HOUR, "u1", "rows", 800); // fires again, exactly at `at`
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.messageId + "@" + f.timestamp)
                .containsExactly("r2@" + (T0 + HOUR), "r6@" + (T0 + 5 * HOUR));
    }

    @Test
    void readingsOfAnotherMetricDoNotInterfere() throws Exception {
        cep = Cep.of(simple, "quota", false);
        read(cep, "r1", T0, "u1", "rows", 500); // rows below
        read(cep, "s1", T0 + HOUR, "u1", "seats", 900); // seats' first reading, above: not a crossing of rows
        read(cep, "s2", T0 + 2 * HOUR, "u1", "seats", 100); // seats below: would break a shared chain
        read(cep, "r2", T0 + 3 * HOUR, "u1", "rows", 850); // rows crosses: its previous reading is r1
        read(cep, "n1", T0 + 4 * HOUR, "u1", null, 500); // the unnamed metric is a metric of its own
        read(cep, "s3", T0 + 5 * HOUR, "u1", "seats", 950); // seats crosses
        read(cep, "n2", T0 + 6 * HOUR, "u1", null, 999); // unnamed crosses
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.messageId).containsExactlyInAnyOrder("r2", "s3", "n2");
        assertThat(cep.firings()).extracting(f -> f.timestamp)
                .containsExactlyInAnyOrder(T0 + 3 * HOUR, T0 + 5 * HOUR, T0 + 6 * HOUR);
    }

    @Test
    void firstReadingAtOrAboveDoesNotFireInCepTheScorerDecidesIt() throws Exception {
        cep = Cep.of(simple, "quota", false);
        read(cep, "r1", T0, "u1", "rows", 900); // the first reading: ScoreEngine.applyHits fires it
        read(cep, "r2", T0 + HOUR, "u1", "rows", 950);
        cep.finish();
        assertThat(cep.firings()).isEmpty();
    }

    @Test
    void nonReadingsAreNoReadingsBetweenTwoReadings() throws Exception {
        cep = Cep.of(simple, "quota", false);
        read(cep, "r1", T0, "u1", "rows", 500);
        // limit 0 and a string `used`: no reading, so r1 stays the previous reading of rows
        assertThat(cep.record("x1", T0 + MINUTE, "u1", "a9", "Usage", "{\"metric\":\"rows\",\"used\":900,\"limit\":0}")).isFalse();
        assertThat(cep.record("x2", T0 + 2 * MINUTE, "u1", "a9", "Usage", "{\"metric\":\"rows\",\"used\":\"900\",\"limit\":1000}"))
                .isFalse();
        read(cep, "r2", T0 + HOUR, "u1", "rows", 850);
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.messageId).containsExactly("r2");
    }

    @Test
    void perUserReadingsDoNotCombineUsersButTheAccountsDo() throws Exception {
        cep = Cep.of(simple, "quota", false);
        perUser = Cep.of(simple, "quota", true);
        for (Cep c : new Cep[] {cep, perUser}) {
            read(c, "r1", T0, "u1", "rows", 500); // u1 below
            read(c, "r2", T0 + HOUR, "u2", "rows", 900); // u2's first reading, above
            c.finish();
        }
        assertThat(perUser.firings()).as("u2's first reading is the scorer's").isEmpty();
        assertThat(cep.firings()).as("the account's readings: 0.5 then 0.9").extracting(UsageApproachPatternTest::describe)
                .containsExactly("a9/null r2@" + (T0 + HOUR));
    }

    /**
     * The operator's input comes from the sequencer, which releases an account's records in SPEC
     * order (event time, ties by messageId: EventSequencerHarnessTest) once the watermark passed
     * them; the operator matches them in that order as they arrive (ExpiringCepOperator), so
     * readings of one instant are read in messageId order because that is how they come.
     */
    @Test
    void readingsOfOneInstantAreReadInTheOrderTheSequencerReleasesThem() throws Exception {
        cep = Cep.of(simple, "quota", false);
        long t = T0 + HOUR;
        // rows: below "m-1" then above "m-2" at one instant: a crossing
        read(cep, "m-1", t, "u1", "rows", 500);
        read(cep, "m-2", t, "u1", "rows", 900);
        // seats: above "m-3" then below "m-4": no crossing
        read(cep, "m-3", t, "u1", "seats", 900);
        read(cep, "m-4", t, "u1", "seats", 500);
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.messageId).containsExactly("m-2");
    }

    /** Released records are final: they are matched at once, not buffered again until the watermark. */
    @Test
    void aReleasedReadingIsMatchedOnArrivalWithoutWaitingForTheWatermark() throws Exception {
        cep = Cep.of(simple, "quota", false);
        read(cep, "r1", T0 + MINUTE, "u1", "rows", 500);
        read(cep, "r2", T0 + 2 * MINUTE, "u1", "rows", 900);
        assertThat(cep.firings()).as("before any watermark passed r2").extracting(f -> f.messageId + "@" + f.timestamp)
                .containsExactly("r2@" + (T0 + 2 * MINUTE));
        read(cep, "r3", T0 + 3 * MINUTE, "u1", "rows", 400);
        cep.finish();
        assertThat(cep.firings()).hasSize(1);
    }

    // ------------------------------------------------------------------ state of entities that left

    /**
     * An account whose latest reading was below {@code at} and which then left (no reading ever
     * again) must not keep that reading in CEP's state for good: {@link ExpiringCepOperator} forgets
     * the key at its expiry timer, the first multiple of a quarter of the retention at or after the
     * reading + the retention. Flink's plain CepOperator kept it (no {@code within} on the pattern).
     */
    @Test
    void aReadingBelowOfAnAccountThatLeftIsForgottenAfterTheRetention() throws Exception {
        long retention = simple.time().usageExpiryMs();
        long expiry = ExpiringCepOperator.expiryAt(T0, retention, ExpiringCepOperator.granularityFor(retention));
        assertThat(expiry).isBetween(T0 + retention, T0 + retention + retention / 4);
        cep = Cep.of(simple, "quota", false);
        read(cep, "r1", T0, "u1", "rows", 500);
        cep.watermark(T0 + HOUR);
        assertThat(cep.harness.numKeyedStateEntries()).as("the reading below, kept as a partial match").isPositive();
        cep.watermark(expiry - 1);
        assertThat(cep.harness.numKeyedStateEntries()).as("before the expiry timer: kept").isPositive();
        cep.watermark(expiry);
        assertThat(cep.harness.numKeyedStateEntries()).as("keyed state entries after the expiry").isZero();
        assertThat(cep.harness.numEventTimeTimers()).isZero();
    }

    /** A key whose reading below is younger than the retention at its expiry timer is kept, and its crossing fires. */
    @Test
    void aKeyWithAReadingWithinTheRetentionIsKept() throws Exception {
        long retention = simple.time().usageExpiryMs();
        long granularity = ExpiringCepOperator.granularityFor(retention);
        cep = Cep.of(simple, "quota", false);
        read(cep, "r1", T0, "u1", "rows", 500);
        long firstExpiry = ExpiringCepOperator.expiryAt(T0, retention, granularity);
        read(cep, "r2", firstExpiry - retention + DAY, "u1", "rows", 600); // below again, before the first expiry
        cep.watermark(firstExpiry);
        assertThat(cep.harness.numKeyedStateEntries()).as("r2 is younger than the retention: kept").isPositive();
        read(cep, "r3", firstExpiry + DAY, "u1", "rows", 900);
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.messageId).containsExactly("r3");
    }

    /**
     * CEP's half of the rule: crossings whose reading below is younger than the retention. One whose
     * reading below was forgotten is the scorer's ({@code ScoreEngine.usageReading},
     * {@code UsageReadingTest}), which fires {@code r4} here.
     */
    @Test
    void aCrossingWithinTheRetentionIsCepsOneAfterTheKeyWasForgottenIsTheScorers() throws Exception {
        assertThat(simple.time().usageExpiryMs()).isEqualTo(90 * DAY);
        cep = Cep.of(simple, "quota", false);
        read(cep, "r1", T0, "u1", "rows", 500);
        read(cep, "r2", T0 + 90 * DAY - 1, "u1", "rows", 850); // 1 ms under the retention: CEP's
        read(cep, "r3", T0 + 100 * DAY, "u1", "rows", 500);
        cep.watermark(T0 + 250 * DAY); // past r3's expiry timer: forgotten
        read(cep, "r4", T0 + 260 * DAY, "u1", "rows", 850);
        cep.finish();
        assertThat(cep.firings()).extracting(f -> f.messageId).containsExactly("r2");
    }
}
