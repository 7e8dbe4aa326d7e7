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

/** PatternSignals' package-private pieces for the benchmarks (bench.jmh), account scope. */
public final class PatternSignalsAccess {
    private PatternSignalsAccess() {}

    private static TypeSerializer<UsageEvent> serializer() {
        return TypeInformation.of(UsageEvent.class).createSerializer(new SerializerConfigImpl());
    }

    /** The job's usage operator. */
    public static CepOperator<UsageEvent, String, SignalFiring> usageOperator(Signal s, ScoringModel model) {
        return PatternSignals.usageOperator(s, false, model, serializer());
    }

    /** Flink's CepOperator as CEP.pattern(...).inEventTime().process(...) builds it for the same pattern. */
    public static CepOperator<UsageEvent, String, SignalFiring> eventTimeCep(Signal s, ScoringModel model) {
        Pattern<UsageEvent, UsageEvent> pattern = PatternSignals.pattern(s, model);
        return new CepOperator<>(serializer(), false, NFACompiler.compileFactory(pattern, false), new MessageIdOrder(),
                pattern.getAfterMatchSkipStrategy(), PatternSignals.emitter(s, false), null);
    }

    public static KeySelector<UsageEvent, String> key(Signal s) {
        return PatternSignals.key(s, false);
    }
}
