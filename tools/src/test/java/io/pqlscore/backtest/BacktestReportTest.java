package io.pqlscore.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.pqlscore.backtest.BacktestReport.Report;
import io.pqlscore.backtest.BacktestReport.ScoreCurve;
import io.pqlscore.backtest.BacktestReport.SignalRow;
import io.pqlscore.backtest.BacktestReport.ThresholdPoint;
import io.pqlscore.backtest.BacktestReport.TierRow;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's arithmetic on hand-made account summaries: no Flink. */
class BacktestReportTest {
    static final long DAY = 86_400_000L;
    static final long T0 = 1_772_409_600_000L; // 2026-03-02T00:00:00Z
    static final long NEVER = AccountSummary.NEVER;
    static final ScoringModel MODEL = ModelLoader.loadDefault(); // pql: engaged 20, pql 40, hot 70; pqa: pqa 50

    /** An account: outcome (null, won, lost), close day, its PQA max and first PQA day, and its users' maxima. */
    static AccountSummary account(String id, String outcome, double closeDay, double accountMax, double pqaDay,
            double... userMax) {
        AccountSummary a = new AccountSummary();
        a.accountId = id;
        a.outcome = outcome;
        a.closedAt = outcome == null ? NEVER : T0 + (long) (closeDay * DAY);
        a.firstScoredAt = T0;
        a.accountMaxScore = accountMax;
        a.accountTierAt = new long[] {pqaDay < 0 ? NEVER : T0 + (long) (pqaDay * DAY)};
        a.accountTierAfterClose = new boolean[1];
        a.userMaxScores = userMax.clone();
        Arrays.sort(a.userMaxScores);
        a.users = userMax.length;
        a.usersReachedTier = new int[3];
        a.usersTierAt = new long[] {NEVER, NEVER, NEVER};
        a.usersReachedTierAfterClose = new int[3];
        double[] mins = {20, 40, 70};
        for (double u : userMax) {
            for (int k = 0; k < 3; k++) {
                if (u >= mins[k]) {
                    a.usersReachedTier[k]++;
                    // a user's first reach of tier k: day k + 1 (a stand-in for the job's as_of)
                    a.usersTierAt[k] = Math.min(a.usersTierAt[k], T0 + (k + 1) * DAY);
                }
            }
        }
        a.signalsFired = new long[1];
        return a;
    }

    static AccountSummary fire(AccountSummary a, int... signals) {
        for (int s : signals) {
            a.signalsFired[0] |= 1L << s;
        }
        return a;
    }

    static Outcomes outcomesOf(List<AccountSummary> accounts, String... extra) {
        List<Outcomes.Row> rows = new ArrayList<>();
        for (AccountSummary a : accounts) {
            if (a.outcome != null) {
                rows.add(new Outcomes.Row(a.accountId, a.won(), a.closedAt));
            }
        }
        for (String id : extra) {
            rows.add(new Outcomes.Row(id, true, T0));
        }
        return Outcomes.of("test", rows);
    }

    static BacktestReport.RunInfo run(double weeks) {
        return new BacktestReport.RunInfo(1000, 1000, Map.of(), "2026-03-02T00:00:00.000Z", "2026-03-16T00:00:00.000Z",
                weeks, 1, 1000.0, 1, "hashmap");
    }

    static Report report(List<AccountSummary> accounts, BacktestReport.Settings settings, String... extraOutcomes) {
        return BacktestReport.compute("m", MODEL, "test", accounts, outcomesOf(accounts, extraOutcomes), settings, run(2));
    }

    static List<AccountSummary> ten() {
        List<AccountSummary> a = new ArrayList<>();
        a.add(account("a01", "won", 10, 60, 3, 45, 10));
        a.add(account("a02", "won", 20, 30, -1, 75));
        a.add(account("a03", "lost", 12, 55, 4, 25));
        a.add(account("a04", "lost", 12, 10, -1, 5));
        for (int i = 5; i <= 10; i++) {
            a.add(account(String.format("a%02d", i), null, 0, i, -1, i));
        }
        return a;
    }

    @Test
    void populationBaseRateAndTiers() {
        Report r = report(ten(), BacktestReport.Settings.defaults(), "not-in-history");
        assertThat(r.population().accounts()).isEqualTo(10);
        assertThat(r.population().won()).isEqualTo(2);
        assertThat(r.population().lost()).isEqualTo(2);
        assertThat(r.population().noOutcome()).isEqualTo(6);
        assertThat(r.population().baseRate()).isEqualTo(0.2);
        assertThat(r.population().users()).isEqualTo(11);
        assertThat(r.population().outcomesWithoutEvents()).isEqualTo(1);

        TierRow engaged = tier(r, "pql", "engaged");
        assertThat(engaged.entities()).isEqualTo(3); // a01's 45, a02's 75, a03's 25
        assertThat(engaged.accounts()).isEqualTo(3);
        assertThat(engaged.won()).isEqualTo(2);
        assertThat(engaged.lost()).isEqualTo(1);
        assertThat(engaged.conversionRate()).isCloseTo(2 / 3.0, within(1e-6));
        assertThat(engaged.lift()).isCloseTo(10 / 3.0, within(1e-4));
        // reached engaged on day 1; closes on days 10 and 20
        assertThat(engaged.medianDaysToClose()).isEqualTo(14.0);
        assertThat(engaged.p25DaysToClose()).isEqualTo(11.5);
        TierRow hot = tier(r, "pql", "hot");
        assertThat(hot.entities()).isEqualTo(1);
        assertThat(hot.conversionRate()).isEqualTo(1.0);
        assertThat(hot.lift()).isEqualTo(5.0);
        assertThat(hot.medianDaysToClose()).isEqualTo(17.0); // day 3 to day 20
        TierRow pqa = tier(r, "pqa", "pqa");
        assertThat(pqa.accounts()).isEqualTo(2); // a01 and a03 reached pqa
        assertThat(pqa.conversionRate()).isEqualTo(0.5);
        assertThat(pqa.lift()).isEqualTo(2.5);
        assertThat(pqa.medianDaysToClose()).isEqualTo(7.0);
    }

    @Test
    void accountsClosedBeforeTheirFirstRecordAreLeftOutAndOnlyClosedKeepsOutcomes() {
        List<AccountSummary> accounts = ten();
        AccountSummary early = account("a00", "won", 0, 0, -1);
        early.firstScoredAt = T0 + DAY; // closed a day before its first record
        accounts.add(early);
        Report r = report(accounts, BacktestReport.Settings.defaults());
        assertThat(r.population().accountsScored()).isEqualTo(11);
        assertThat(r.population().accounts()).isEqualTo(10);
        assertThat(r.population().excludedClosedBeforeFirstRecord()).isEqualTo(1);
        Report closed = report(accounts, new BacktestReport.Settings(true, null, null));
        assertThat(closed.population().accounts()).isEqualTo(4);
        assertThat(closed.population().baseRate()).isEqualTo(0.5);
    }

    @Test
    void precisionRecallLeadsPerWeekAucAndDeciles() {
        Report r = report(ten(), BacktestReport.Settings.defaults());
        ScoreCurve pql = r.curves().get("pql");
        // account scores (best user): 45, 75, 25, 5, 5..10; winners hold the two highest
        assertThat(pql.auc()).isEqualTo(1.0);
        ThresholdPoint at40 = point(pql, 40);
        assertThat(at40.accounts()).isEqualTo(2);
        assertThat(at40.precision()).isEqualTo(1.0);
        assertThat(at40.recall()).isEqualTo(1.0);
        ThresholdPoint at50 = point(pql, 50);
        assertThat(at50.precision()).isEqualTo(1.0);
        assertThat(at50.recall()).isEqualTo(0.5);
        ThresholdPoint at0 = point(pql, 0);
        assertThat(at0.accounts()).isEqualTo(10);
        assertThat(at0.precision()).isEqualTo(0.2);
        // leads per week: users at or above the threshold over two weeks of history (a01 has 45 and 10)
        assertThat(at0.entities()).isEqualTo(11);
        assertThat(at0.leadsPerWeek()).isEqualTo(5.5);
        assertThat(at40.leadsPerWeek()).isEqualTo(1.0);
        // the grid covers the whole range: 0..75 in steps of 1
        assertThat(pql.step()).isEqualTo(1.0);
        assertThat(pql.points()).hasSize(76);
        assertThat(pql.points().get(75).accounts()).isEqualTo(1);
        // the tier thresholds are points of their own
        assertThat(pql.tierThresholds()).extracting(ThresholdPoint::tier).containsExactly("engaged", "pql", "hot");
        assertThat(pql.tierThresholds().get(0).accounts()).isEqualTo(3);
        // ten accounts: ten deciles of one; the top two hold the winners
        assertThat(pql.deciles()).hasSize(10);
        assertThat(pql.deciles().get(9).won()).isEqualTo(1);
        assertThat(pql.deciles().get(9).maxScore()).isEqualTo(75.0);
        assertThat(pql.deciles().get(8).won()).isEqualTo(1);
        assertThat(pql.deciles().get(0).won()).isZero();
        assertThat(pql.deciles().get(9).lift()).isEqualTo(5.0);

        ScoreCurve pqa = r.curves().get("pqa");
        // account scores 60 (won), 30 (won), 55 (lost), 10, 5..10: AUC = (1 + 7/8... ) by rank sum
        double[] s = {60, 30, 55, 10, 5, 6, 7, 8, 9, 10};
        boolean[] won = {true, true, false, false, false, false, false, false, false, false};
        assertThat(pqa.auc()).isEqualTo(BacktestReport.round(BacktestReport.auc(s, won), 4));
        // winners' ranks: 60 is 10th, 30 is 8th; rank sum 18 - 3 = 15 of 16 pairs
        assertThat(pqa.auc()).isEqualTo(0.9375);
    }

    @Test
    void aucCountsTiesHalf() {
        assertThat(BacktestReport.auc(new double[] {1, 1, 1, 1}, new boolean[] {true, false, true, false})).isEqualTo(0.5);
        assertThat(BacktestReport.auc(new double[] {1, 2}, new boolean[] {false, false})).isNull();
    }

    /** 200 accounts with scores 0..99.5; won: every 4th of the top half. */
    static List<AccountSummary> twoHundred() {
        List<AccountSummary> a = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            boolean won = i >= 100 && i % 4 == 0;
            a.add(account(String.format("b%03d", i), won ? "won" : null, 30, i / 2.0, -1, i / 2.0));
        }
        return a;
    }

    @Test
    void suggestedThresholds() {
        // 25 winners, all at scores 50..98
        Report f1 = report(twoHundred(), BacktestReport.Settings.defaults());
        BacktestReport.Suggestion best = f1.curves().get("pql").suggestion();
        assertThat(best.method()).isEqualTo("best_f1");
        assertThat(best.threshold()).isEqualTo(50.0); // all winners, half the accounts: the best F1 on the grid
        assertThat(best.recall()).isEqualTo(1.0);
        assertThat(best.precision()).isEqualTo(0.25);

        Report p = report(twoHundred(), new BacktestReport.Settings(false, 0.25, null));
        assertThat(p.curves().get("pql").suggestion().threshold()).isEqualTo(50.0);
        // winners get denser toward the top: every 4th account of scores 50..75, every 2nd above
        List<AccountSummary> rising = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            boolean w = i >= 100 && i % 4 == 0 || i >= 150 && i % 2 == 0;
            rising.add(account(String.format("c%03d", i), w ? "won" : null, 30, i / 2.0, -1, i / 2.0));
        }
        Report high = report(rising, new BacktestReport.Settings(false, 0.4, null));
        BacktestReport.Suggestion s = high.curves().get("pql").suggestion();
        ThresholdPoint at = point(high.curves().get("pql"), s.threshold());
        assertThat(at.precision()).isGreaterThanOrEqualTo(0.4);
        assertThat(point(high.curves().get("pql"), s.threshold() - 1).precision()).isLessThan(0.4);
        assertThat(at.accounts()).isGreaterThanOrEqualTo(BacktestReport.MIN_SUPPORT);
        Report impossible = report(twoHundred(), new BacktestReport.Settings(false, 0.99, null));
        assertThat(impossible.curves().get("pql").suggestion().threshold()).isNull();
        assertThat(impossible.curves().get("pql").suggestion().note()).contains("no threshold reaches a precision of 0.99");

        // two weeks of history: 20 leads a week = 40 users at or above the threshold: 80 (scores 80..99.5)
        Report v = report(twoHundred(), new BacktestReport.Settings(false, null, 20.0));
        BacktestReport.Suggestion vol = v.curves().get("pql").suggestion();
        assertThat(vol.method()).isEqualTo("target_weekly_leads");
        assertThat(vol.threshold()).isEqualTo(80.0);
        assertThat(vol.leadsPerWeek()).isEqualTo(20.0);
    }

    @Test
    void signalVerdicts() {
        List<AccountSummary> a = twoHundred();
        int won = 0;
        int rest = 0;
        for (AccountSummary s : a) {
            fire(s, 0); // active_days: everyone
            if (s.won()) {
                // onboarding_completed: 20 of 25 winners; teammate_invited: 5 of 25 (20 %); pricing_page: half
                if (won < 20) {
                    fire(s, 1);
                }
                if (won < 5) {
                    fire(s, 4);
                }
                if (won % 2 == 0) {
                    fire(s, 7);
                }
                won++;
            } else {
                if (rest < 35) {
                    fire(s, 1); // 35 of 175 = 20 %
                }
                if (rest < 105) {
                    fire(s, 4); // 60 %
                }
                if (rest % 2 == 0) {
                    fire(s, 7);
                }
                if (rest == 3) {
                    fire(s, 9); // checkout_started: once
                }
                rest++;
            }
        }
        Report r = report(a, BacktestReport.Settings.defaults());
        assertThat(signal(r, "onboarding_completed").verdict()).isEqualTo("predictive");
        assertThat(signal(r, "onboarding_completed").rateWon()).isEqualTo(0.8);
        assertThat(signal(r, "onboarding_completed").rateRest()).isEqualTo(0.2);
        assertThat(signal(r, "onboarding_completed").lift()).isCloseTo((20 / 55.0) / 0.125, within(1e-3));
        assertThat(signal(r, "teammate_invited").verdict()).isEqualTo("negative");
        assertThat(signal(r, "pricing_page").verdict()).isEqualTo("noise");
        assertThat(signal(r, "active_days").verdict()).isEqualTo("fires for almost all");
        assertThat(signal(r, "active_days").lift()).isEqualTo(1.0);
        assertThat(signal(r, "checkout_started").verdict()).isEqualTo("too rare to tell");
        assertThat(signal(r, "usage_limit_approach").verdict()).isEqualTo("never fired");
        assertThat(r.signals()).hasSize(MODEL.signals().size());
    }

    @Test
    void aSignificantButSmallDifferenceIsWeakNotPredictive() {
        // 2,000 winners and 18,000 others: a signal firing for 60 % of winners and 55 % of the rest
        List<AccountSummary> a = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            boolean won = i < 2_000;
            AccountSummary s = account(String.format("w%05d", i), won ? "won" : null, 30, 10, -1, 10);
            if (won ? i < 1_200 : i < 2_000 + 9_900) {
                fire(s, 7);
            }
            a.add(s);
        }
        SignalRow pricing = signal(report(a, BacktestReport.Settings.defaults()), "pricing_page");
        assertThat(pricing.z()).isGreaterThan(4.0);
        assertThat(pricing.lift()).isCloseTo(1.08, within(0.01));
        assertThat(pricing.verdict()).isEqualTo("weak");
    }

    static TierRow tier(Report r, String kind, String tier) {
        return r.tiers().stream().filter(t -> t.kind().equals(kind) && t.tier().equals(tier)).findFirst().orElseThrow();
    }

    static ThresholdPoint point(ScoreCurve c, double s) {
        return c.points().stream().filter(p -> p.threshold() == s).findFirst().orElseThrow();
    }

    static SignalRow signal(Report r, String id) {
        return r.signals().stream().filter(s -> s.signal().equals(id)).findFirst().orElseThrow();
    }
}
