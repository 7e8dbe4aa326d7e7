package io.pqlscore.backtest;

import io.pqlscore.events.Timestamps;
import io.pqlscore.model.ScoreScale;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.scoring.Transition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The calibration report of one model: plain Java over the run's {@link AccountSummary} records
 * (no Flink), so every number can be checked in a unit test. Definitions (docs/BACKTEST.md):
 *
 * <ul>
 *   <li><b>Population</b>: the accounts with at least one scored record, minus those whose close
 *       came before their first record (nothing could have predicted them); with {@code
 *       onlyClosed}, only accounts with an outcome. <b>Base rate</b>: won / population.</li>
 *   <li><b>Reached before close</b>: the entity was in the tier (or above) at an evaluation with
 *       {@code as_of < closed_at}; accounts without an outcome never close.</li>
 *   <li><b>Tiers</b>: per kind and tier, the entities (users for PQL, accounts for PQA) that
 *       reached it, their distinct accounts, how many of those won (conversion = won / accounts),
 *       lift = conversion / base rate, and the days from the account's first qualification to its
 *       close, for the accounts that won.</li>
 *   <li><b>Score curves</b> (per kind, account level): an account's score is its highest score
 *       before close (PQA: the account's own; PQL: its best user's). Precision of "reached s" =
 *       won / accounts at or above s; recall = won at or above s / all won. Leads per week =
 *       entities that reached s / weeks of history. Deciles rank accounts by that score.</li>
 *   <li><b>Signals</b>: a signal fired for an account when it gave the account or one of its users
 *       positive points at an evaluation before close. Lift = conversion of accounts where it fired
 *       / base rate; a two-proportion z-test says whether its rate among winners differs from its
 *       rate among the rest.</li>
 * </ul>
 */
public final class BacktestReport {
    static final double DAY_MS = 86_400_000.0;
    static final double WEEK_MS = 7 * DAY_MS;
    /** A suggested threshold needs at least this many accounts at or above it. */
    static final int MIN_SUPPORT = 10;
    /** Expected count below which a signal is "too rare to tell". */
    static final double MIN_EXPECTED = 5;
    static final double Z_95 = 1.959964;
    /**
     * A significant signal is "predictive" only with a lift of at least this (or "negative" at most
     * its inverse); below it the difference is real but too small to act on: "weak". Large
     * histories make tiny differences significant.
     */
    static final double MIN_LIFT = 1.2;

    private BacktestReport() {}

    /** How to compute it. */
    public record Settings(boolean onlyClosed, Double targetPrecision, Double targetWeeklyLeads) {
        public static Settings defaults() {
            return new Settings(false, null, null);
        }
    }

    // ---------------------------------------------------------------- the report's shape (JSON: snake_case)

    public record Report(ModelInfo model, RunInfo run, Population population, List<TierRow> tiers,
            Map<String, ScoreCurve> curves, List<SignalRow> signals) {}

    public record ModelInfo(String label, String id, String version, String source, int signals,
            Map<String, List<TierMark>> tiers) {}

    public record TierMark(String tier, double min) {}

    public record RunInfo(long records, long valid, Map<String, Long> rejected, String firstEventTime,
            String lastEventTime, Double weeks, double seconds, Double recordsPerSecond, int parallelism,
            String stateBackend) {}

    public record Population(String definition, int accountsScored, int accounts, int won, int lost, int noOutcome,
            Double baseRate, int users, int excludedClosedBeforeFirstRecord, int outcomesWithoutEvents) {}

    public record TierRow(String kind, String tier, double min, int entities, int accounts, int won, int lost,
            Double conversionRate, Double lift, Double medianDaysToClose, Double p25DaysToClose, Double p75DaysToClose,
            int entitiesReachedOnlyAfterClose) {}

    public record ScoreCurve(String kind, String unit, Double auc, double step, List<ThresholdPoint> points,
            List<ThresholdPoint> tierThresholds, List<Decile> deciles, Suggestion suggestion) {}

    public record ThresholdPoint(String tier, double threshold, int accounts, int won, Double precision, Double recall,
            Double f1, int entities, Double leadsPerWeek) {}

    public record Decile(int decile, int accounts, int won, Double conversionRate, Double lift, double minScore,
            double maxScore) {}

    public record Suggestion(String method, Double target, Double threshold, Double precision, Double recall,
            Double leadsPerWeek, int accounts, int won, String note) {}

    public record SignalRow(String signal, String category, String kind, int firedWon, int firedRest, Double rateWon,
            Double rateRest, Double conversionWhenFired, Double lift, Double z, String verdict) {}

    // ---------------------------------------------------------------- computing it

    /** The accounts of the population, as chosen by {@link Settings#onlyClosed} (and the exclusion rule). */
    static List<AccountSummary> population(List<AccountSummary> accounts, Settings settings) {
        List<AccountSummary> pop = new ArrayList<>();
        for (AccountSummary a : accounts) {
            if (a.closedAt != AccountSummary.NEVER && a.closedAt <= a.firstScoredAt) {
                continue;
            }
            if (settings.onlyClosed() && a.outcome == null) {
                continue;
            }
            pop.add(a);
        }
        return pop;
    }

    public static Report compute(BacktestJob.ModelRun run, Outcomes outcomes, Settings settings) {
        return compute(run.label, run.model, run.modelSource, run.accounts, outcomes, settings, runInfo(run));
    }

    static RunInfo runInfo(BacktestJob.ModelRun run) {
        Double weeks = weeks(run.firstEventTime, run.lastEventTime);
        return new RunInfo(run.records, run.valid, run.rejected,
                run.firstEventTime == Long.MIN_VALUE ? null : Timestamps.format(run.firstEventTime),
                run.lastEventTime == Long.MIN_VALUE ? null : Timestamps.format(run.lastEventTime),
                round(weeks, 3), round(run.seconds, 1), run.seconds > 0 ? round(run.records / run.seconds, 0) : null,
                run.parallelism, run.stateBackend);
    }

    static Double weeks(long first, long last) {
        if (first == Long.MIN_VALUE || last == Long.MIN_VALUE || last <= first) {
            return null;
        }
        return (last - first) / WEEK_MS;
    }

    public static Report compute(String label, ScoringModel model, String modelSource, List<AccountSummary> accounts,
            Outcomes outcomes, Settings settings, RunInfo run) {
        List<AccountSummary> pop = population(accounts, settings);
        int won = 0;
        int lost = 0;
        int users = 0;
        for (AccountSummary a : pop) {
            if (a.won()) {
                won++;
            } else if (a.lost()) {
                lost++;
            }
            users += a.users;
        }
        int excluded = 0;
        java.util.Set<String> scored = new java.util.HashSet<>();
        for (AccountSummary a : accounts) {
            scored.add(a.accountId);
            if (a.closedAt != AccountSummary.NEVER && a.closedAt <= a.firstScoredAt) {
                excluded++;
            }
        }
        int withoutEvents = 0;
        for (String id : outcomes.accountIds()) {
            if (!scored.contains(id)) {
                withoutEvents++;
            }
        }
        Double baseRate = pop.isEmpty() ? null : (double) won / pop.size();
        Population population = new Population(settings.onlyClosed()
                ? "accounts with an outcome and at least one scored record before their close"
                : "accounts with at least one scored record, except those closed before their first record",
                accounts.size(), pop.size(), won, lost, pop.size() - won - lost, round(baseRate, 6), users, excluded,
                withoutEvents);

        List<TierRow> tiers = new ArrayList<>();
        tiers.addAll(tierRows(Transition.PQL, model.pql(), pop, baseRate));
        tiers.addAll(tierRows(Transition.PQA, model.pqa(), pop, baseRate));

        Double weeks = run == null ? null : run.weeks();
        Map<String, ScoreCurve> curves = new LinkedHashMap<>();
        curves.put(Transition.PQL, curve(Transition.PQL, model.pql(), pop, won, baseRate, weeks, settings));
        curves.put(Transition.PQA, curve(Transition.PQA, model.pqa(), pop, won, baseRate, weeks, settings));

        List<SignalRow> signals = signalRows(model, pop, won, baseRate);

        Map<String, List<TierMark>> marks = new LinkedHashMap<>();
        marks.put(Transition.PQL, marks(model.pql()));
        marks.put(Transition.PQA, marks(model.pqa()));
        ModelInfo info = new ModelInfo(label, model.id(), model.version(), modelSource, model.signals().size(), marks);
        return new Report(info, run, population, tiers, curves, signals);
    }

    private static List<TierMark> marks(ScoreScale scale) {
        List<TierMark> m = new ArrayList<>();
        for (int i = 1; i <= scale.tiers().size(); i++) {
            m.add(new TierMark(scale.name(i), scale.tier(i).min()));
        }
        return m;
    }

    // ---------------------------------------------------------------- tiers

    static List<TierRow> tierRows(String kind, ScoreScale scale, List<AccountSummary> pop, Double baseRate) {
        boolean pqa = Transition.PQA.equals(kind);
        List<TierRow> rows = new ArrayList<>();
        for (int k = 0; k < scale.tiers().size(); k++) {
            int entities = 0;
            int accounts = 0;
            int won = 0;
            int lost = 0;
            int afterClose = 0;
            List<Double> days = new ArrayList<>();
            for (AccountSummary a : pop) {
                long at;
                int n;
                if (pqa) {
                    at = k < a.accountTierAt.length ? a.accountTierAt[k] : AccountSummary.NEVER;
                    n = at == AccountSummary.NEVER ? 0 : 1;
                    afterClose += k < a.accountTierAfterClose.length && a.accountTierAfterClose[k] ? 1 : 0;
                } else {
                    at = k < a.usersTierAt.length ? a.usersTierAt[k] : AccountSummary.NEVER;
                    n = k < a.usersReachedTier.length ? a.usersReachedTier[k] : 0;
                    afterClose += k < a.usersReachedTierAfterClose.length ? a.usersReachedTierAfterClose[k] : 0;
                }
                if (n == 0) {
                    continue;
                }
                entities += n;
                accounts++;
                if (a.won()) {
                    won++;
                    days.add((a.closedAt - at) / DAY_MS);
                } else if (a.lost()) {
                    lost++;
                }
            }
            Double conversion = accounts == 0 ? null : (double) won / accounts;
            Double lift = conversion == null || baseRate == null || baseRate == 0 ? null : conversion / baseRate;
            double[] d = days.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            rows.add(new TierRow(kind, scale.name(k + 1), scale.tier(k + 1).min(), entities, accounts, won, lost,
                    round(conversion, 6), round(lift, 4), round(quantile(d, 0.5), 2), round(quantile(d, 0.25), 2),
                    round(quantile(d, 0.75), 2), afterClose));
        }
        return rows;
    }

    /** Linear-interpolated quantile of sorted values; null when empty. */
    static Double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return null;
        }
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    // ---------------------------------------------------------------- score curves

    /** An account's score for the curves of {@code kind}: its (PQA) own or its best user's (PQL) max before close. */
    static double accountScore(String kind, AccountSummary a) {
        return Transition.PQA.equals(kind) ? Math.max(0, a.accountMaxScore) : a.maxUserScore();
    }

    static ScoreCurve curve(String kind, ScoreScale scale, List<AccountSummary> pop, int totalWon, Double baseRate,
            Double weeks, Settings settings) {
        boolean pqa = Transition.PQA.equals(kind);
        int n = pop.size();
        double[] scores = new double[n];
        boolean[] won = new boolean[n];
        List<Double> entityScores = new ArrayList<>();
        double max = 0;
        for (int i = 0; i < n; i++) {
            AccountSummary a = pop.get(i);
            scores[i] = accountScore(kind, a);
            won[i] = a.won();
            max = Math.max(max, scores[i]);
            if (pqa) {
                if (a.accountMaxScore >= 0) {
                    entityScores.add(a.accountMaxScore);
                }
            } else {
                for (double s : a.userMaxScores) {
                    entityScores.add(s);
                }
            }
        }
        double[] entities = entityScores.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        // sorted account scores, and won counts at or above each position
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> scores[i]).thenComparing(i -> pop.get(i).accountId));
        double[] sorted = new double[n];
        int[] wonFrom = new int[n + 1]; // won among sorted[i..n)
        for (int i = n - 1; i >= 0; i--) {
            sorted[i] = scores[order[i]];
            wonFrom[i] = wonFrom[i + 1] + (won[order[i]] ? 1 : 0);
        }

        double step = max <= 200 ? 1 : Math.ceil(max / 200);
        List<ThresholdPoint> points = new ArrayList<>();
        for (double s = 0; s <= Math.ceil(max) + step / 2; s += step) {
            points.add(point(null, s, sorted, wonFrom, totalWon, entities, weeks));
        }
        List<ThresholdPoint> tierPoints = new ArrayList<>();
        for (int k = 1; k <= scale.tiers().size(); k++) {
            tierPoints.add(point(scale.name(k), scale.tier(k).min(), sorted, wonFrom, totalWon, entities, weeks));
        }

        List<Decile> deciles = new ArrayList<>();
        int groups = Math.min(10, n);
        for (int g = 0; g < groups; g++) {
            int from = (int) ((long) g * n / groups);
            int to = (int) ((long) (g + 1) * n / groups);
            int w = wonFrom[from] - wonFrom[to];
            Double conv = to > from ? (double) w / (to - from) : null;
            deciles.add(new Decile(g + 1, to - from, w, round(conv, 6),
                    conv == null || baseRate == null || baseRate == 0 ? null : round(conv / baseRate, 4),
                    round(sorted[from], 2), round(sorted[to - 1], 2)));
        }

        String unit = pqa ? "account: its own highest PQA score before close"
                : "account: the highest PQL score of any of its users before close";
        return new ScoreCurve(kind, unit, round(auc(scores, won), 4), step, points, tierPoints, deciles,
                suggest(points, settings));
    }

    private static ThresholdPoint point(String tier, double s, double[] sorted, int[] wonFrom, int totalWon,
            double[] entities, Double weeks) {
        int from = firstAtOrAbove(sorted, s);
        int accounts = sorted.length - from;
        int w = wonFrom[from];
        Double precision = accounts == 0 ? null : (double) w / accounts;
        Double recall = totalWon == 0 ? null : (double) w / totalWon;
        Double f1 = precision == null || recall == null || precision + recall == 0 ? null
                : 2 * precision * recall / (precision + recall);
        int ent = entities.length - firstAtOrAbove(entities, s);
        return new ThresholdPoint(tier, s, accounts, w, round(precision, 6), round(recall, 6), round(f1, 6), ent,
                weeks == null ? null : round(ent / weeks, 2));
    }

    /** Index of the first value {@code >= s} in ascending {@code sorted}. */
    static int firstAtOrAbove(double[] sorted, double s) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < s) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** ROC AUC by the rank-sum (Mann-Whitney) statistic, ties counted half; null without both classes. */
    static Double auc(double[] scores, boolean[] positive) {
        int n = scores.length;
        long pos = 0;
        for (boolean p : positive) {
            if (p) {
                pos++;
            }
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return null;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        double rankSum = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (positive[order[k]]) {
                    rankSum += rank;
                }
            }
            i = j + 1;
        }
        return (rankSum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    /**
     * The suggested threshold: with a target precision, the lowest threshold whose precision
     * reaches it (so recall is the highest possible) with at least {@value #MIN_SUPPORT} accounts at
     * or above it; with a target weekly volume, the lowest threshold whose leads per week stay
     * within it; with neither, the threshold of the best F1 (the lowest of equals).
     */
    static Suggestion suggest(List<ThresholdPoint> points, Settings settings) {
        if (settings.targetPrecision() != null) {
            double p = settings.targetPrecision();
            for (ThresholdPoint t : points) {
                if (t.accounts() >= MIN_SUPPORT && t.precision() != null && t.precision() >= p) {
                    return suggestion("target_precision", p, t, null);
                }
            }
            return new Suggestion("target_precision", p, null, null, null, null, 0, 0,
                    "no threshold reaches a precision of " + p + " with at least " + MIN_SUPPORT + " accounts above it");
        }
        if (settings.targetWeeklyLeads() != null) {
            double v = settings.targetWeeklyLeads();
            for (ThresholdPoint t : points) {
                if (t.leadsPerWeek() == null) {
                    return new Suggestion("target_weekly_leads", v, null, null, null, null, 0, 0,
                            "the history spans no time: leads per week are unknown");
                }
                if (t.leadsPerWeek() <= v) {
                    return suggestion("target_weekly_leads", v, t, null);
                }
            }
            return new Suggestion("target_weekly_leads", v, null, null, null, null, 0, 0,
                    "even the highest threshold gives more than " + v + " leads a week");
        }
        ThresholdPoint best = null;
        for (ThresholdPoint t : points) {
            if (t.f1() != null && t.accounts() >= MIN_SUPPORT && (best == null || t.f1() > best.f1())) {
                best = t;
            }
        }
        if (best == null) {
            return new Suggestion("best_f1", null, null, null, null, null, 0, 0,
                    "no winners among the accounts (or too few accounts): nothing to calibrate against");
        }
        return suggestion("best_f1", null, best, "no target given: the threshold with the best balance of precision"
                + " and recall (F1); give --target-precision or --target-weekly-leads for your own trade-off");
    }

    private static Suggestion suggestion(String method, Double target, ThresholdPoint t, String note) {
        return new Suggestion(method, target, t.threshold(), t.precision(), t.recall(), t.leadsPerWeek(), t.accounts(),
                t.won(), note);
    }

    // ---------------------------------------------------------------- signals

    static List<SignalRow> signalRows(ScoringModel model, List<AccountSummary> pop, int won, Double baseRate) {
        List<SignalRow> rows = new ArrayList<>();
        int n = pop.size();
        int rest = n - won;
        for (int i = 0; i < model.signals().size(); i++) {
            Signal s = model.signals().get(i);
            int fw = 0;
            int fr = 0;
            for (AccountSummary a : pop) {
                if (a.signalFired(i)) {
                    if (a.won()) {
                        fw++;
                    } else {
                        fr++;
                    }
                }
            }
            Double rateWon = won == 0 ? null : (double) fw / won;
            Double rateRest = rest == 0 ? null : (double) fr / rest;
            Double conv = fw + fr == 0 ? null : (double) fw / (fw + fr);
            Double lift = conv == null || baseRate == null || baseRate == 0 ? null : conv / baseRate;
            Double z = null;
            String verdict;
            if (won == 0 || rest == 0) {
                verdict = "no outcomes to compare";
            } else if (fw + fr == 0) {
                verdict = "never fired";
            } else {
                double p = (double) (fw + fr) / n;
                double se = Math.sqrt(p * (1 - p) * (1.0 / won + 1.0 / rest));
                if (se > 0) {
                    z = (rateWon - rateRest) / se;
                }
                // the z-test needs about 5 expected accounts in each cell of the 2x2 table
                if (Math.min(p * won, p * rest) < MIN_EXPECTED) {
                    verdict = "too rare to tell";
                } else if (Math.min((1 - p) * won, (1 - p) * rest) < MIN_EXPECTED) {
                    verdict = "fires for almost all";
                } else {
                    if (z != null && z >= Z_95) {
                        verdict = lift != null && lift >= MIN_LIFT ? "predictive" : "weak";
                    } else if (z != null && z <= -Z_95) {
                        verdict = lift != null && lift <= 1 / MIN_LIFT ? "negative" : "weak";
                    } else {
                        verdict = "noise";
                    }
                }
            }
            rows.add(new SignalRow(s.id(), s.category(), s.kind().name().toLowerCase(java.util.Locale.ROOT), fw, fr,
                    round(rateWon, 6), round(rateRest, 6), round(conv, 6), round(lift, 4), round(z, 3), verdict));
        }
        return rows;
    }

    static Double round(Double v, int digits) {
        if (v == null || v.isNaN() || v.isInfinite()) {
            return null;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
