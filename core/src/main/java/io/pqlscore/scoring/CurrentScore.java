package io.pqlscore.scoring;

/** The latest score of one entity, upserted by entity with an {@code as_of} guard (SPEC 5). */
public class CurrentScore {
    public String kind;
    public String accountId;
    /** Null for accounts. */
    public String userId;
    public String tier;
    public double score;
    public long asOf;
    public String modelId;
    public String modelVersion;
    public String[] breakdownCategories;
    public double[] breakdownPoints;
    /** True when the entity was forgotten (retention) at {@code asOf}. */
    public boolean forgotten;
    /**
     * Each signal's points at {@code asOf}, in the model's signal order; only from an engine made
     * {@link ScoreEngine#withSignalPointsInScores() for a backtest}, else null (never written out).
     */
    public double[] signalPoints;

    public CurrentScore() {}
}
