package io.pqlscore.backtest;

import java.util.Arrays;

/**
 * What one backtest run learned about one account, from the job's current-score records (one per
 * evaluation of the account or one of its users), up to the account's close: the backtest job
 * emits one per account when event time ends ({@link OutcomeAggregator}), and {@link
 * BacktestReport} aggregates them. "Before close" is {@code as_of < closedAt}; an account without
 * an outcome never closes, so its whole history counts.
 *
 * <p>Tier arrays are indexed by tier, 0 being the scale's first tier above {@code none}. A Flink
 * POJO (public fields, primitive arrays): no Kryo.
 */
public class AccountSummary {
    public static final long NEVER = Long.MAX_VALUE;

    public String accountId;
    /** {@code won}, {@code lost}, or null without an outcome. */
    public String outcome;
    /** Epoch ms of the close; {@link #NEVER} without an outcome. */
    public long closedAt = NEVER;
    /** Event time of the account's first evaluation (its first scored record). */
    public long firstScoredAt = NEVER;

    /** The account's (PQA) highest score before close; -1 without an evaluation before close. */
    public double accountMaxScore = -1;
    /** Per PQA tier: the first time before close the account was in it or above; {@link #NEVER}: not before close. */
    public long[] accountTierAt = new long[0];
    /** Per PQA tier: true when the account reached it only after its close. */
    public boolean[] accountTierAfterClose = new boolean[0];

    /** Users of the account with an evaluation before close. */
    public int users;
    /** Each such user's highest (PQL) score before close. */
    public double[] userMaxScores = new double[0];
    /** Per PQL tier: how many users were in it or above before close. */
    public int[] usersReachedTier = new int[0];
    /** Per PQL tier: the first time before close one of the users was in it or above; {@link #NEVER}: none. */
    public long[] usersTierAt = new long[0];
    /** Per PQL tier: how many users reached it only after the account's close. */
    public int[] usersReachedTierAfterClose = new int[0];

    /**
     * Bit {@code i} (word {@code i / 64}): signal {@code i} of the model gave the account or one of
     * its users positive points at some evaluation before close.
     */
    public long[] signalsFired = new long[0];

    public AccountSummary() {}

    public boolean won() {
        return Outcomes.WON.equals(outcome);
    }

    public boolean lost() {
        return Outcomes.LOST.equals(outcome);
    }

    public boolean signalFired(int signal) {
        int w = signal >>> 6;
        return w < signalsFired.length && (signalsFired[w] & (1L << (signal & 63))) != 0;
    }

    /** The highest PQL score of any of the account's users before close, 0 without users. */
    public double maxUserScore() {
        double m = 0;
        for (double s : userMaxScores) {
            m = Math.max(m, s);
        }
        return m;
    }

    @Override
    public String toString() {
        return "AccountSummary{" + accountId + " " + outcome + " closed " + closedAt + " account max " + accountMaxScore
                + " tiers " + Arrays.toString(accountTierAt) + " users " + users + " user max " + maxUserScore()
                + " user tiers " + Arrays.toString(usersReachedTier) + "}";
    }
}
