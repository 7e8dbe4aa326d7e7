package io.pqlscore.patterns;

import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.scoring.SignalFiring;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.cep.nfa.compiler.NFACompiler;
import org.apache.flink.cep.operator.CepOperator;
import org.apache.flink.cep.pattern.Pattern;

/**
 * The pattern operators as the job builds them, for the operator tests and the benchmarks
 * (bench.jmh, which cannot see PatternSignals' package-private pieces).
 */
public final class PatternSignalsAccess {
    private PatternSignalsAccess() {}

    /** The serializer the job's keyed stream of {@link UsageEvent}s has (a POJO, no Kryo). */
    public static TypeSerializer<UsageEvent> serializer() {
        return TypeInformation.of(UsageEvent.class).createSerializer(new SerializerConfigImpl());
    }

    /** The job's usage operator ({@link ExpiringCepOperator}). */
    public static CepOperator<UsageEvent, String, SignalFiring> usageOperator(Signal s, boolean perUser, ScoringModel model) {
        return PatternSignals.usageOperator(s, perUser, model, serializer());
    }

    /**
     * Flink's CepOperator as {@code CEP.pattern(...).inEventTime().process(...)} builds it for the
     * signal ({@code PatternStreamBuilder.build}: event time, {@code NFACompiler.compileFactory(
     * pattern, false)} since {@link FiringEmitter} handles no timeouts, {@link MessageIdOrder} as the
     * tie-break, the pattern's skip strategy, no late-data tag): the sequence signals' operator, and
     * what the usage signals ran before {@link ExpiringCepOperator}.
     */
    public static CepOperator<UsageEvent, String, SignalFiring> eventTimeCep(Signal s, boolean perUser, ScoringModel model) {
        Pattern<UsageEvent, UsageEvent> pattern = PatternSignals.pattern(s, model);
        return new CepOperator<>(serializer(), false, NFACompiler.compileFactory(pattern, false), new MessageIdOrder(),
                pattern.getAfterMatchSkipStrategy(), PatternSignals.emitter(s, perUser), null);
    }

    public static KeySelector<UsageEvent, String> key(Signal s, boolean perUser) {
        return PatternSignals.key(s, perUser);
    }
}
