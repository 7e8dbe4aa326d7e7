package io.pqlscore.pipeline;

import java.io.Serializable;

/**
 * Where the job's outputs go: the pipeline's port for sinks. The pipeline only knows this
 * interface; the sinks themselves (sinks/: JSON lines, stdout; kafka/, jdbc/) implement it from
 * the layers above, so the pipeline never depends on a connector.
 */
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
