package io.pqlscore.patterns;

import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import io.pqlscore.scoring.SignalFiring;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.cep.CEP;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;

/**
 * Compiles the model's sequence and usage signals into Flink CEP operators over the ordered,
 * deduplicated record stream, one operator per signal and scope ({@code both} gives two): per
 * user (steps by the same user, key account+user) and per account (any users, key account).
 * Only records that can match one of a pattern's steps reach its operator.
 *
 * <p>Operator uids are derived from the signal id ({@code pattern-<id>-user|account}, and
 * {@code pattern-input-...} for the filter): renaming a signal starts its patterns afresh, and
 * removing one leaves state a savepoint restore must be told to drop
 * ({@code --allowNonRestoredState}); see docs/OPERATIONS.md.
 */
public final class PatternSignals {
    private PatternSignals() {}

    public static boolean any(ScoringModel model) {
        return model.signals().stream().anyMatch(s -> s.kind() == SignalKind.SEQUENCE || s.kind() == SignalKind.USAGE);
    }

    /** All pattern firings of the model, or null when it has no sequence or usage signal. */
    public static DataStream<SignalFiring> detect(DataStream<UsageEvent> ordered, ScoringModel model) {
        DataStream<SignalFiring> all = null;
        for (Signal s : model.signals()) {
            if (s.kind() != SignalKind.SEQUENCE && s.kind() != SignalKind.USAGE) {
                continue;
            }
            if (s.scope().scoresUsers()) {
                all = union(all, detect(ordered, s, true, model));
            }
            if (s.scope().scoresAccounts()) {
                all = union(all, detect(ordered, s, false, model));
            }
        }
        return all;
    }

    public static String uid(Signal s, boolean perUser) {
        return "pattern-" + s.id() + "-" + (perUser ? "user" : "account");
    }

    private static DataStream<SignalFiring> detect(DataStream<UsageEvent> ordered, Signal s, boolean perUser,
            ScoringModel model) {
        boolean usage = s.kind() == SignalKind.USAGE;
        DataStream<UsageEvent> input = ordered
                .filter(inputFilter(s, perUser, model.signalLayout()))
                .uid("pattern-input-" + uid(s, perUser).substring("pattern-".length()))
                .name("records for " + s.id() + (perUser ? " per user" : " per account"));
        String name = (usage ? "usage approach " : "sequence ") + s.id() + (perUser ? " per user" : " per account");
        KeyedStream<UsageEvent, String> keyed = input.keyBy(key(s, perUser), Types.STRING);
        if (usage) {
            TypeSerializer<UsageEvent> serializer = keyed.getType().createSerializer(keyed.getExecutionConfig().getSerializerConfig());
            return keyed.transform(name, TypeInformation.of(SignalFiring.class), usageOperator(s, perUser, model, serializer))
                    .uid(uid(s, perUser));
        }
        return CEP.pattern(keyed, pattern(s, model), new MessageIdOrder())
                .inEventTime()
                .process(emitter(s, perUser), TypeInformation.of(SignalFiring.class))
                .uid(uid(s, perUser))
                .name(name);
    }

    // The pieces below are what the operator tests assemble on a harness, so that they test the
    // job's own wiring rather than a copy of it.

    /** Only records that hit the signal reach its operator (and, per user, only records with a user). */
    static FilterFunction<UsageEvent> inputFilter(Signal s, boolean perUser, int layout) {
        final int index = s.index();
        // hit positions are only meaningful under the model that matched them
        return e -> e.layout == layout && e.hitIndex(index) >= 0 && (!perUser || e.userId != null);
    }

    /** Sequences are keyed by entity; usage approaches by entity and metric. */
    static KeySelector<UsageEvent, String> key(Signal s, boolean perUser) {
        final int index = s.index();
        return s.kind() == SignalKind.USAGE
                ? e -> PatternKeys.of(PatternKeys.entity(e, perUser), e.hitValues[e.hitIndex(index)])
                : e -> PatternKeys.entity(e, perUser);
    }

    static Pattern<UsageEvent, UsageEvent> pattern(Signal s, ScoringModel model) {
        return s.kind() == SignalKind.USAGE ? UsageApproachPattern.of(s, model.signalLayout())
                : SequencePattern.of(s, model.signalLayout());
    }

    /**
     * The operator of a usage signal: Flink's CepOperator (same state and timers as
     * CEP.pattern(...).inEventTime().process(...) builds) that matches each reading the sequencer
     * released on arrival and forgets a key whose latest reading is the retention old
     * ({@link ExpiringCepOperator}). The operator tests run it on a harness.
     */
    static ExpiringCepOperator<UsageEvent, String, SignalFiring> usageOperator(Signal s, boolean perUser, ScoringModel model,
            TypeSerializer<UsageEvent> serializer) {
        long expiry = model.time().usageExpiryMs();
        return new ExpiringCepOperator<>(serializer, pattern(s, model), new MessageIdOrder(), emitter(s, perUser), expiry,
                ExpiringCepOperator.granularityFor(expiry));
    }

    /** Emits a firing for each match, stamped with the match's last record. */
    static FiringEmitter emitter(Signal s, boolean perUser) {
        String last = s.kind() == SignalKind.USAGE ? UsageApproachPattern.AT_OR_ABOVE
                : SequencePattern.stepName(s.steps().size() - 1);
        return new FiringEmitter(s.index(), last, perUser);
    }

    private static DataStream<SignalFiring> union(DataStream<SignalFiring> a, DataStream<SignalFiring> b) {
        return a == null ? b : a.union(b);
    }
}
