package io.pqlscore.sinks;

import io.pqlscore.pipeline.ScoringStreams;
import java.io.Serializable;

/** The seam for where outputs go (files and stdout now; Kafka and JDBC later). */
public interface ScoringSinks extends Serializable {
    void attach(ScoringStreams streams);
}
