package io.pqlscore.sinks;

import io.pqlscore.pipeline.ScoringSinks;
import io.pqlscore.pipeline.ScoringStreams;
import java.util.List;

/** Several sink sets at once (e.g. files and stdout). */
public final class CombinedSinks implements ScoringSinks {
    private static final long serialVersionUID = 1L;

    private final List<ScoringSinks> parts;

    public CombinedSinks(List<ScoringSinks> parts) {
        this.parts = List.copyOf(parts);
    }

    @Override
    public boolean takesCurrentScores() {
        return parts.stream().anyMatch(ScoringSinks::takesCurrentScores);
    }

    @Override
    public void attach(ScoringStreams streams) {
        for (ScoringSinks p : parts) {
            p.attach(streams);
        }
    }
}
