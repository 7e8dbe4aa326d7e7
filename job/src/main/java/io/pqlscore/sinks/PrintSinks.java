package io.pqlscore.sinks;

import io.pqlscore.pipeline.ScoringSinks;
import io.pqlscore.pipeline.ScoringStreams;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.sink.PrintSink;

/** Prints transitions to standard output, one JSON object a line: the quick start's view. */
public final class PrintSinks implements ScoringSinks {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean takesCurrentScores() {
        return false;
    }

    @Override
    public void attach(ScoringStreams s) {
        s.transitions.map(t -> OutputJson.text(OutputJson.transition(t))).returns(Types.STRING)
                .uid("transitions-print-json").name("transitions as JSON (print)")
                .sinkTo(new PrintSink<>()).uid("transitions-print").name("print transitions")
                // one printing subtask: stdout stays plain JSON lines, without "N> " prefixes
                .setParallelism(1);
    }
}
