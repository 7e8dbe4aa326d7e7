package io.pqlscore.pipeline;

import io.pqlscore.events.DeadLetter;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.Transition;
import org.apache.flink.streaming.api.datastream.DataStream;

/** The job's three outputs, ready for whichever sinks are configured. */
public final class ScoringStreams {
    public final DataStream<Transition> transitions;
    public final DataStream<CurrentScore> scores;
    public final DataStream<DeadLetter> deadLetters;

    public ScoringStreams(DataStream<Transition> transitions, DataStream<CurrentScore> scores,
            DataStream<DeadLetter> deadLetters) {
        this.transitions = transitions;
        this.scores = scores;
        this.deadLetters = deadLetters;
    }
}
