package io.pqlscore.sinks;

import io.pqlscore.pipeline.ScoringStreams;
import java.io.Serializable;

/** The seam for where outputs go (files and stdout now; Kafka and JDBC later). */
public interface ScoringSinks extends Serializable {
    void attach(ScoringStreams streams);

    /**
     * Whether these sinks consume current scores. When none does, the job builds none (the engine
     * skips the rows); transitions are the same either way.
     */
    default boolean takesCurrentScores() {
        return true;
    }
}
