package io.pqlscore.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pqlscore.events.Timestamps;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.patterns.PatternMachines;
import io.pqlscore.patterns.PatternState;
import io.pqlscore.patterns.UsageApproachPattern;
import io.pqlscore.scoring.AccountEntries;
import io.pqlscore.scoring.AccountEntry;
import io.pqlscore.scoring.AccountPass;
import io.pqlscore.scoring.AccountState;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.EntityCodec;
import io.pqlscore.scoring.EntityState;
import io.pqlscore.scoring.KeptMessageIds;
import io.pqlscore.scoring.ScoreEngine;
import io.pqlscore.scoring.ScorerInput;
import io.pqlscore.scoring.ScoringOutput;
import io.pqlscore.scoring.SignalFiring;
import io.pqlscore.scoring.SignalLayouts;
import io.pqlscore.scoring.SignalState;
import io.pqlscore.scoring.Transition;
import io.pqlscore.testing.Shared;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The conversion rules of {@link AccountConversion}, one account at a time without Flink, on the
 * contract's model ({@code primary_activation}: a sequence of scope both, {@code
 * secondary_activation}: a sequence per account, {@code usage_limit_approach}: a usage signal of
 * scope both). The whole conversion on a real v1 savepoint is {@code CommittedSavepointTest}'s.
 */
class AccountConversionTest {
    private static final long HOUR = 3_600_000L;
    private static final long T0 = Timestamps.parseMillis("2026-04-03T10:00:00.000Z");

    private static ScoringModel model;
    private static ScoreEngine engine;
    private static Signal sequence;
    private static Signal accountSequence;
    private static Signal usage;

    private AccountConversion conversion;
    private MigrationCounts counts;

    @BeforeAll
    static void loadModel() {
        model = ModelLoader.load(Shared.dir().resolve("model-format.yaml"));
        engine = new ScoreEngine(model);
        for (Signal s : model.signals()) {
            switch (s.id()) {
                case "primary_activation" -> sequence = s;
                case "secondary_activation" -> accountSequence = s;
                case "usage_limit_approach" -> usage = s;
                default -> { }
            }
        }
    }

    @BeforeEach
    void open() {
        conversion = new AccountConversion(engine);
        counts = new MigrationCounts();
    }

    @AfterEach
    void close() throws Exception {
        conversion.close();
    }

    // ---------------------------------------------------------------- the Long events of pattern states

    @Test
    void aBufferedRecordBecomesItsStepMaskForASequenceAndItsReadingSideForAUsageSignal() {
        assertThat(V1Pattern.event(sequence, model.signalLayout(), step("m1", "u1", T0, 0b10))).isEqualTo(0b10L);
        assertThat(V1Pattern.event(usage, model.signalLayout(), reading("m2", "u1", T0, "s:seats", 0.8)))
                .isEqualTo(UsageApproachPattern.AT_OR_ABOVE_READING);
        assertThat(V1Pattern.event(usage, model.signalLayout(), reading("m3", "u1", T0, "s:seats", 0.79)))
                .isEqualTo(UsageApproachPattern.BELOW_READING);
    }

    @Test
    void aBufferedRecordThatDoesNotHitItsSignalUnderTheModelGivenMeansAnotherModel() {
        UsageEvent other = step("m1", "u1", T0, 1);
        other.layout = model.signalLayout() + 1;
        assertThatThrownBy(() -> V1Pattern.event(sequence, model.signalLayout(), other))
                .isInstanceOf(MigrationException.class).hasMessageContaining("the model the v1 job ran with");
        assertThatThrownBy(() -> V1Pattern.event(usage, model.signalLayout(), step("m2", "u1", T0, 1)))
                .isInstanceOf(MigrationException.class);
    }

    // ---------------------------------------------------------------- v1 pattern keys

    @Test
    void v1PatternKeysNameTheAccountTheUserAndTheMetric() {
        assertThat(V1Pattern.parseKey(key("acct:1"), false, false)).containsExactly("acct:1", null, null);
        assertThat(V1Pattern.parseKey(key("a1", "u:12"), false, true)).containsExactly("a1", "u:12", null);
        assertThat(V1Pattern.parseKey(key(key("a1", "u1"), "s:seats"), true, true)).containsExactly("a1", "u1", "s:seats");
        assertThat(V1Pattern.parseKey(key(key("a1"), ""), true, false)).containsExactly("a1", null, "");
        assertThatThrownBy(() -> V1Pattern.parseKey(key("a1", "u1"), false, false)).isInstanceOf(IllegalArgumentException.class);
    }

    /** v1's {@code PatternKeys.of}: each part as {@code <length>:<chars>}. */
    private static String key(String... parts) {
        StringBuilder b = new StringBuilder();
        for (String p : parts) {
            b.append(p.length()).append(':').append(p);
        }
        return b.toString();
    }

    // ---------------------------------------------------------------- dedupe

    @Test
    void keptIdsAreCarriedAsFingerprintsOldestFirstButNotThoseOfRecordsTheScorerStillHeld() throws Exception {
        V1Account v1 = new V1Account("a1");
        v1.account = account();
        v1.kept.put("m-late", T0 + 2 * HOUR);
        v1.kept.put("m-early", T0);
        v1.kept.put("m-waiting", T0 + 3 * HOUR); // released by the sequencer, not applied by the scorer
        waitingAtScorer(v1, activity("m-waiting", null, T0 + 3 * HOUR));

        AccountEntry entry = decode(conversion.convert(v1, counts));
        KeptMessageIds kept = AccountEntries.kept(entry);
        assertThat(kept.size()).isEqualTo(2);
        assertThat(kept.fingerprintAt(0)).isEqualTo(KeptMessageIds.fingerprint("m-early"));
        assertThat(kept.timeAt(0)).isEqualTo(T0);
        assertThat(kept.fingerprintAt(1)).isEqualTo(KeptMessageIds.fingerprint("m-late"));
        assertThat(counts.get(MigrationCounts.KEPT_IDS_RELEASED_AGAIN)).isEqualTo(1);
    }

    @Test
    void aRecordSentAgainAfterTheConversionIsStillADuplicateAndAWaitingRecordIsKeptWhenReleased() throws Exception {
        V1Account v1 = new V1Account("a1");
        v1.kept.put("m1", T0); // an account forgotten with its ids still in the dedupe window
        v1.kept.put("m-waiting", T0 + HOUR);
        waitingAtScorer(v1, activity("m-waiting", null, T0 + HOUR));
        Converted c = conversion.convert(v1, counts);
        assertThat(c.spilled).extracting(e -> e.messageId).containsExactly("m-waiting");

        AccountEntry entry = AccountEntries.boundTo(decode(c), Map.of());
        AccountPass pass = new AccountPass(engine, new PatternMachines(model), model.time().dedupeWindowMs());
        assertThat(pass.record(entry, activity("m1", null, T0 + 2 * HOUR), NO_OUTPUT)).as("m1 again").isFalse();
        assertThat(pass.record(entry, c.spilled.get(0), NO_OUTPUT)).as("the waiting record, released").isTrue();
        assertThat(pass.record(entry, activity("m-waiting", null, T0 + 3 * HOUR), NO_OUTPUT)).as("it again").isFalse();
    }

    // ---------------------------------------------------------------- records the scorer still held

    @Test
    void aRecordStillQueuedAtItsPatternOperatorsCarriesNoOutcome() throws Exception {
        V1Account v1 = known();
        UsageEvent r = step("m1", "u1", T0, 1);
        waitingAtScorer(v1, r);
        queued(v1, sequence.index(), null, null, r);
        queued(v1, sequence.index(), "u1", null, r);

        UsageEvent c = conversion.convert(v1, counts).spilled.get(0);
        assertThat(c.patternsRan).as("the new pass runs it").isZero();
    }

    @Test
    void aRecordItsOperatorsHadRunCarriesTheirOutcomesForTheAccountAndTheUser() throws Exception {
        V1Account v1 = known();
        UsageEvent r = reading("m1", "u1", T0, "s:seats", 0.9);
        waitingAtScorer(v1, r, new SignalFiring(usage.index(), "a1", null, "m1", T0),
                new SignalFiring(usage.index(), "a1", "u1", "m1", T0));
        UsageEvent other = reading("m2", "u1", T0, "s:rows", 0.9); // ran, fired nowhere
        waitingAtScorer(v1, other);

        List<UsageEvent> spilled = conversion.convert(v1, counts).spilled;
        long bit = 1L << usage.index();
        assertThat(spilled.get(0).patternsRan).isEqualTo(bit);
        assertThat(spilled.get(0).accountFired).isEqualTo(bit);
        assertThat(spilled.get(0).userFired).isEqualTo(bit);
        assertThat(spilled.get(1).patternsRan).isEqualTo(bit);
        assertThat(spilled.get(1).accountFired | spilled.get(1).userFired).isZero();
        assertThat(counts.get(MigrationCounts.OUTCOMES_CARRIED)).isEqualTo(2);
        assertThat(counts.get(MigrationCounts.ORPHAN_FIRINGS)).isZero();
    }

    @Test
    void aRecordOfAnAccountTheScorerDidNotHoldYetRunsItsPatternsAfreshAndItsPatternStatesAreDropped() throws Exception {
        V1Account v1 = new V1Account("a1"); // all its records still wait: no entity yet
        UsageEvent r = reading("m1", "u1", T0, "s:seats", 0.9);
        waitingAtScorer(v1, r, new SignalFiring(usage.index(), "a1", "u1", "m1", T0));
        v1.patterns.add(new V1Pattern(usage.index(), "a1", "u1", "s:seats", belowReading(), List.of()));

        Converted c = conversion.convert(v1, counts);
        assertThat(c.spilled.get(0).patternsRan).isZero();
        assertThat(c.account).as("nothing of the account to keep").isNull();
        assertThat(counts.get(MigrationCounts.PATTERN_STATES_WITHOUT_ENTITY)).isEqualTo(1);
        assertThat(counts.get(MigrationCounts.ORPHAN_FIRINGS)).as("its firings are not orphans: run again").isZero();
    }

    @Test
    void aNewUserOfAKnownAccountTakesTheOutcomeAndItsLostPatternStateIsCounted() throws Exception {
        V1Account v1 = known();
        UsageEvent r = reading("m1", "u-new", T0, "s:seats", 0.2);
        waitingAtScorer(v1, r);

        UsageEvent c = conversion.convert(v1, counts).spilled.get(0);
        assertThat(c.patternsRan).isEqualTo(1L << usage.index());
        assertThat(counts.get(MigrationCounts.USER_PATTERN_STATES_LOST)).isEqualTo(1);
    }

    @Test
    void aRecordRunAtOneOperatorOfASignalAndQueuedAtTheOtherIsRefused() {
        V1Account v1 = known();
        UsageEvent r = step("m1", "u1", T0, 1);
        waitingAtScorer(v1, r);
        queued(v1, sequence.index(), "u1", null, r);
        assertThatThrownBy(() -> conversion.convert(v1, counts)).isInstanceOf(MigrationException.class)
                .hasMessageContaining("primary_activation");
    }

    @Test
    void aRecordQueuedAtAPatternOperatorButNotAtTheScorerIsNoV1State() {
        V1Account v1 = known();
        queued(v1, sequence.index(), "u1", null, step("m1", "u1", T0, 1));
        assertThatThrownBy(() -> conversion.convert(v1, counts)).isInstanceOf(MigrationException.class);
    }

    @Test
    void theSequencersWaitingRecordsGoBackAsTheyAre() throws Exception {
        V1Account v1 = known();
        UsageEvent a = step("m1", "u1", T0 + HOUR, 1);
        UsageEvent b = step("m1", "u1", T0 + HOUR, 1); // a duplicate: the new pass drops it on release
        v1.sequencerPending.put(T0 + HOUR, new ArrayList<>(List.of(a, b)));
        List<UsageEvent> spilled = conversion.convert(v1, counts).spilled;
        assertThat(spilled).containsExactly(a, b);
        assertThat(spilled).allMatch(e -> e.patternsRan == 0);
    }

    // ---------------------------------------------------------------- entities and their patterns

    /** v1 kept distinct users and property values as they were; the current job keeps their fingerprints. */
    @Test
    void distinctValuesByUserOrPropertyAndRecentUsersBecomeFingerprints() throws Exception {
        V1Account v1 = known();
        Signal byUser = null;
        Signal byDay = null;
        for (Signal s : model.signals()) {
            if (s.kind() == io.pqlscore.model.SignalKind.DISTINCT && s.distinctBy() == Signal.DistinctBy.USER) {
                byUser = s;
            } else if (s.kind() == io.pqlscore.model.SignalKind.DISTINCT && s.distinctBy() == Signal.DistinctBy.DAY) {
                byDay = s;
            }
        }
        SignalState users = v1.account.entity.signals[byUser.index()];
        users.keys = new String[] {"u1", "u2"};
        users.times = new long[] {T0 - 2 * HOUR, T0 - HOUR};
        SignalState days = v1.users.get("u1").signals[byDay.index()];
        days.keys = new String[] {"2026-03-01"};
        days.times = new long[] {T0 - HOUR};
        v1.account.recentUsers = new String[] {"u1"};
        v1.account.recentUserTimes = new long[] {T0 - HOUR};
        UsageEvent waiting = activity("m9", "u2", T0 + HOUR);
        waiting.hitSignals = new int[] {byUser.index()};
        waiting.hitValues = new String[] {"u2"};
        waiting.hitRatios = new double[] {Double.NaN};
        waiting.hitSteps = new long[] {0};
        v1.sequencerPending.put(T0 + HOUR, new ArrayList<>(List.of(waiting)));

        Converted c = conversion.convert(v1, counts);
        AccountEntry entry = decode(c);
        assertThat(entry.account().entity.signals[byUser.index()].keys)
                .containsExactly(io.pqlscore.events.KeyPrint.of("u1"), io.pqlscore.events.KeyPrint.of("u2"));
        assertThat(entry.account().recentUsers).containsExactly(io.pqlscore.events.KeyPrint.of("u1"));
        EntityState u1 = new EntityCodec(model, new SignalLayouts(model)).decodeUser(entry.storedUsers().get("u1"));
        assertThat(u1.signals[byDay.index()].keys).as("days stay dates").containsExactly("2026-03-01");
        assertThat(c.spilled.get(0).hitValues).containsExactly(io.pqlscore.events.KeyPrint.of("u2"));
        assertThat(waiting.hitValues).as("the v1 record itself is not changed").containsExactly("u2");
    }

    @Test
    void entitiesGetTheirPatternStatesTheirWakeUpsAndTheirPruningTimes() throws Exception {
        V1Account v1 = known();
        v1.users.get("u1").scheduledAt = T0 + 5 * HOUR;
        PatternState started = sequenceStarted("u1");
        v1.patterns.add(new V1Pattern(sequence.index(), "a1", "u1", null, started, List.of()));
        v1.patterns.add(new V1Pattern(usage.index(), "a1", null, "s:seats", belowReading(), List.of()));
        v1.patterns.add(new V1Pattern(sequence.index(), "a1", "u-gone", null, sequenceStarted("u-gone"), List.of()));

        Converted c = conversion.convert(v1, counts);
        EntityCodec codec = new EntityCodec(model, new SignalLayouts(model));
        AccountEntry entry = codec.decodeAccount("a1", c.account);
        assertThat(entry.account().entity.patterns).containsOnlyKeys(PatternMachines.key(usage.index(), "s:seats"));
        EntityState u1 = codec.decodeUser(entry.storedUsers().get("u1"));
        assertThat(u1.patterns).containsOnlyKeys(PatternMachines.key(sequence.index(), null));
        assertThat(u1.patterns.get(PatternMachines.key(sequence.index(), null)).definition)
                .isEqualTo(PatternMachines.definition(sequence));
        // the stored account keeps the earliest of its users' times (each user keeps its own)
        assertThat(AccountEntries.earliestUserWake(entry)).isEqualTo(T0 + 5 * HOUR);
        assertThat(u1.scheduledAt).isEqualTo(T0 + 5 * HOUR);
        assertThat(AccountEntries.earliestPatternWake(entry)).as("when the partial match is older than within")
                .isEqualTo(T0 + sequence.withinMs() + 1);
        assertThat(AccountEntries.accountPatternWake(entry)).as("a usage pattern has no window").isEqualTo(Long.MAX_VALUE);
        assertThat(entry.wakeTime()).isEqualTo(T0 + 5 * HOUR);
        assertThat(counts.get(MigrationCounts.PATTERN_STATES)).isEqualTo(2);
        assertThat(counts.get(MigrationCounts.PATTERN_STATES_WITHOUT_ENTITY)).as("u-gone").isEqualTo(1);
    }

    // ---------------------------------------------------------------- helpers

    private static final ScoringOutput NO_OUTPUT = new ScoringOutput() {
        @Override
        public void transition(Transition t) {}

        @Override
        public void score(CurrentScore s) {}
    };

    /** An account the scorer held, with user u1. */
    private static V1Account known() {
        V1Account v1 = new V1Account("a1");
        v1.account = account();
        v1.users.put("u1", entity());
        return v1;
    }

    private static AccountState account() {
        AccountState a = new AccountState();
        a.entity = entity();
        return a;
    }

    /** An entity as v1 stored it: every signal, with the model's ids. */
    private static EntityState entity() {
        EntityState e = new EntityState();
        e.lastRecordAt = T0 - HOUR;
        e.signalIds = model.signals().stream().map(Signal::id).toArray(String[]::new);
        e.signals = new SignalState[e.signalIds.length];
        for (int i = 0; i < e.signals.length; i++) {
            e.signals[i] = new SignalState();
        }
        return e;
    }

    private static void waitingAtScorer(V1Account v1, UsageEvent r, SignalFiring... firings) {
        List<ScorerInput> at = v1.scorerPending.computeIfAbsent(r.timestamp, t -> new ArrayList<>());
        at.add(ScorerInput.of(r));
        for (SignalFiring f : firings) {
            at.add(ScorerInput.of(f));
        }
    }

    private static void queued(V1Account v1, int signal, String userId, String metric, UsageEvent r) {
        v1.patterns.add(new V1Pattern(signal, "a1", userId, metric, null, List.of(V1Pattern.queued(r.timestamp, r.messageId))));
    }

    private static AccountEntry decode(Converted c) throws Exception {
        return new EntityCodec(model, new SignalLayouts(model)).decodeAccount("a1", c.account);
    }

    private static UsageEvent activity(String messageId, String userId, long t) {
        UsageEvent e = new UsageEvent();
        e.type = UsageEvent.TRACK;
        e.messageId = messageId;
        e.accountId = "a1";
        e.userId = userId;
        e.timestamp = t;
        e.layout = model.signalLayout();
        return e;
    }

    private static UsageEvent step(String messageId, String userId, long t, long steps) {
        UsageEvent e = activity(messageId, userId, t);
        e.hitSignals = new int[] {sequence.index()};
        e.hitValues = new String[] {null};
        e.hitRatios = new double[] {0};
        e.hitSteps = new long[] {steps};
        return e;
    }

    private static UsageEvent reading(String messageId, String userId, long t, String metric, double ratio) {
        UsageEvent e = activity(messageId, userId, t);
        e.hitSignals = new int[] {usage.index()};
        e.hitValues = new String[] {metric};
        e.hitRatios = new double[] {ratio};
        e.hitSteps = new long[] {0};
        return e;
    }

    /** A user's pattern state of {@code primary_activation} holding a partial match started at T0. */
    private static PatternState sequenceStarted(String userId) throws Exception {
        return run(step("start-" + userId, userId, T0, 1), true, PatternMachines.key(sequence.index(), null));
    }

    /** The account's usage pattern state holding a reading below {@code at}. */
    private static PatternState belowReading() throws Exception {
        return run(reading("below", null, T0, "s:seats", 0.1), false, PatternMachines.key(usage.index(), "s:seats"));
    }

    private static PatternState run(UsageEvent e, boolean user, String key) throws Exception {
        Map<String, PatternState> states = new HashMap<>();
        try (PatternMachines machines = new PatternMachines(model)) {
            machines.process(e, user, new PatternMachines.States() {
                @Override
                public PatternState get(String k) {
                    return states.get(k);
                }

                @Override
                public void put(String k, PatternState s) {
                    states.put(k, s);
                }

                @Override
                public void remove(String k) {
                    states.remove(k);
                }
            }, new boolean[model.signals().size()], new boolean[model.signals().size()]);
        }
        assertThat(states).containsKey(key);
        return states.get(key);
    }
}
