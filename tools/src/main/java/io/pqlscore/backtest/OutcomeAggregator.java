package io.pqlscore.backtest;

import io.pqlscore.model.ScoreScale;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.Transition;
import java.util.Arrays;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The backtest's one added operator: folds the job's current-score records (written at every
 * evaluation, so their maximum is the highest score an entity ever had) into one {@link
 * AccountSummary} per account, keeping only what happened before the account's close, and emits it
 * when event time ends (the final watermark of the bounded replay fires a timer at {@code
 * Long.MAX_VALUE}). It runs keyed by account right behind the scorer (the current scores are
 * already partitioned by account, see {@code BacktestJob}), so the millions of score records never
 * cross a network channel or reach the client: one summary per account does.
 *
 * <p>The tier of a record is the tier the engine decided (hysteresis and the PQA active-users gate
 * included); its score is the real score (for a gated account too). Per-signal points come from
 * {@link CurrentScore#signalPoints}, which the engine fills for backtests.
 */
public class OutcomeAggregator extends KeyedProcessFunction<String, CurrentScore, AccountSummary> {
    private static final long serialVersionUID = 1L;

    /** Accumulator: summaries emitted, so the client can check it received every one. */
    public static final String SUMMARIES = "backtest.summaries";

    private final Outcomes outcomes;
    private final String[] pqlTiers;
    private final String[] pqaTiers;
    private final int signalWords;

    private transient ValueState<AccountAgg> account;
    private transient MapState<String, UserAgg> users;
    private transient LongCounter emitted;

    public OutcomeAggregator(ScoringModel model, Outcomes outcomes) {
        this.outcomes = outcomes;
        this.pqlTiers = names(model.pql());
        this.pqaTiers = names(model.pqa());
        this.signalWords = (model.signals().size() + 63) / 64;
    }

    private static String[] names(ScoreScale scale) {
        String[] n = new String[scale.tiers().size()];
        for (int i = 0; i < n.length; i++) {
            n[i] = scale.name(i + 1);
        }
        return n;
    }

    /** Keyed state of an account (a POJO). */
    public static class AccountAgg {
        public String outcome;
        public long closedAt;
        public long firstScoredAt = AccountSummary.NEVER;
        public double maxScore = -1;
        public long[] tierAt;
        public boolean[] tierAfterClose;
        public long[] signalsFired;

        public AccountAgg() {}
    }

    /** Keyed state of one user of the account (a POJO). */
    public static class UserAgg {
        public double maxScore = -1;
        public long[] tierAt;
        public boolean[] tierAfterClose;

        public UserAgg() {}
    }

    @Override
    public void open(OpenContext openContext) {
        account = getRuntimeContext().getState(new ValueStateDescriptor<>("backtest-account",
                TypeInformation.of(AccountAgg.class)));
        users = getRuntimeContext().getMapState(new MapStateDescriptor<>("backtest-users", Types.STRING,
                TypeInformation.of(UserAgg.class)));
        emitted = new LongCounter();
        getRuntimeContext().addAccumulator(SUMMARIES, emitted);
    }

    /** 1-based index of a tier name, 0 for {@code none} (a scan: a scale has a handful of tiers). */
    static int tierIndex(String[] tiers, String tier) {
        for (int i = 0; i < tiers.length; i++) {
            if (tiers[i].equals(tier)) {
                return i + 1;
            }
        }
        return 0;
    }

    @Override
    public void processElement(CurrentScore s, Context ctx, Collector<AccountSummary> out) throws Exception {
        AccountAgg a = account.value();
        if (a == null) {
            a = new AccountAgg();
            a.outcome = outcomes.outcome(s.accountId);
            a.closedAt = outcomes.closedAt(s.accountId);
            a.tierAt = never(pqaTiers.length);
            a.tierAfterClose = new boolean[pqaTiers.length];
            a.signalsFired = new long[signalWords];
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }
        a.firstScoredAt = Math.min(a.firstScoredAt, s.asOf);
        boolean beforeClose = s.asOf < a.closedAt;
        if (beforeClose && s.signalPoints != null) {
            double[] p = s.signalPoints;
            for (int i = 0; i < p.length; i++) {
                if (p[i] > 0) {
                    a.signalsFired[i >>> 6] |= 1L << (i & 63);
                }
            }
        }
        if (Transition.PQA.equals(s.kind)) {
            a.maxScore = fold(s, pqaTiers, beforeClose, a.maxScore, a.tierAt, a.tierAfterClose);
        } else {
            UserAgg u = users.get(s.userId);
            if (u == null) {
                u = new UserAgg();
                u.tierAt = never(pqlTiers.length);
                u.tierAfterClose = new boolean[pqlTiers.length];
            }
            u.maxScore = fold(s, pqlTiers, beforeClose, u.maxScore, u.tierAt, u.tierAfterClose);
            users.put(s.userId, u);
        }
        account.update(a);
    }

    /** Folds one record into an entity's max score and first-reach times; returns the new max. */
    private static double fold(CurrentScore s, String[] tiers, boolean beforeClose, double max,
            long[] tierAt, boolean[] tierAfterClose) {
        int t = tierIndex(tiers, s.tier);
        if (beforeClose) {
            for (int k = 0; k < t; k++) {
                if (tierAt[k] == AccountSummary.NEVER) {
                    tierAt[k] = s.asOf;
                }
            }
            return Math.max(max, s.score);
        }
        for (int k = 0; k < t; k++) {
            if (tierAt[k] == AccountSummary.NEVER) {
                tierAfterClose[k] = true;
            }
        }
        return max;
    }

    private static long[] never(int n) {
        long[] a = new long[n];
        Arrays.fill(a, AccountSummary.NEVER);
        return a;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AccountSummary> out) throws Exception {
        AccountAgg a = account.value();
        if (a == null) {
            return;
        }
        AccountSummary r = new AccountSummary();
        r.accountId = ctx.getCurrentKey();
        r.outcome = a.outcome;
        r.closedAt = a.closedAt;
        r.firstScoredAt = a.firstScoredAt;
        r.accountMaxScore = a.maxScore;
        r.accountTierAt = a.tierAt;
        r.accountTierAfterClose = a.tierAfterClose;
        r.signalsFired = a.signalsFired;
        int n = pqlTiers.length;
        r.usersReachedTier = new int[n];
        r.usersTierAt = never(n);
        r.usersReachedTierAfterClose = new int[n];
        double[] scores = new double[8];
        int count = 0;
        for (UserAgg u : users.values()) {
            for (int k = 0; k < n; k++) {
                if (u.tierAt[k] != AccountSummary.NEVER) {
                    r.usersReachedTier[k]++;
                    r.usersTierAt[k] = Math.min(r.usersTierAt[k], u.tierAt[k]);
                } else if (u.tierAfterClose[k]) {
                    r.usersReachedTierAfterClose[k]++;
                }
            }
            if (u.maxScore >= 0) {
                if (count == scores.length) {
                    scores = Arrays.copyOf(scores, count * 2);
                }
                scores[count++] = u.maxScore;
            }
        }
        r.userMaxScores = Arrays.copyOf(scores, count);
        Arrays.sort(r.userMaxScores);
        r.users = count;
        out.collect(r);
        emitted.add(1L);
        account.clear();
        users.clear();
    }
}
