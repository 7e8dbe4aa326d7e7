package io.pqlscore.scoring;

/** Where the engine puts what it decides. */
public interface ScoringOutput {
    void transition(Transition transition);

    void score(CurrentScore score);
}
