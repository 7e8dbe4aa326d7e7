package io.pqlscore.backtest;

import io.pqlscore.backtest.BacktestReport.Report;
import io.pqlscore.backtest.BacktestReport.SignalRow;
import io.pqlscore.backtest.BacktestReport.Suggestion;
import io.pqlscore.backtest.BacktestReport.TierRow;
import io.pqlscore.scoring.Transition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Two models side by side on the same history: the baseline (the model in production, the first
 * {@code --model}) and the candidate (the second). Per kind the ranking quality (AUC) and the
 * suggested thresholds; per tier (matched by kind and name) reach, conversion and lift, and which
 * accounts each model qualifies that the other does not, with how many of those won; per signal
 * (matched by id) the lift. Deltas are candidate minus baseline.
 */
public final class ModelComparison {
    private ModelComparison() {}

    public record Comparison(String baseline, String candidate, String population, List<KindDelta> kinds,
            List<TierDelta> tiers, List<SignalDelta> signals) {}

    public record KindDelta(String kind, Double aucBaseline, Double aucCandidate, Double aucDelta,
            Suggestion suggestionBaseline, Suggestion suggestionCandidate) {}

    public record TierDelta(String kind, String tier, Double minBaseline, Double minCandidate, Integer entitiesBaseline,
            Integer entitiesCandidate, Integer accountsBaseline, Integer accountsCandidate, Integer wonBaseline,
            Integer wonCandidate, Double conversionBaseline, Double conversionCandidate, Double conversionDelta,
            Double liftBaseline, Double liftCandidate, Double liftDelta, Double medianDaysBaseline,
            Double medianDaysCandidate, Overlap overlap) {}

    /** Accounts that reached the tier before close under both models, or only one of them, and how many of each won. */
    public record Overlap(int both, int bothWon, int baselineOnly, int baselineOnlyWon, int candidateOnly,
            int candidateOnlyWon) {}

    public record SignalDelta(String signal, Double liftBaseline, Double liftCandidate, Double liftDelta,
            Double rateWonBaseline, Double rateWonCandidate, String verdictBaseline, String verdictCandidate) {}

    public static Comparison compare(Report a, List<AccountSummary> accountsA, Report b, List<AccountSummary> accountsB,
            BacktestReport.Settings settings) {
        List<KindDelta> kinds = new ArrayList<>();
        for (String kind : List.of(Transition.PQL, Transition.PQA)) {
            BacktestReport.ScoreCurve ca = a.curves().get(kind);
            BacktestReport.ScoreCurve cb = b.curves().get(kind);
            kinds.add(new KindDelta(kind, ca.auc(), cb.auc(), delta(ca.auc(), cb.auc(), 4), ca.suggestion(),
                    cb.suggestion()));
        }

        List<AccountSummary> popA = BacktestReport.population(accountsA, settings);
        List<AccountSummary> popB = BacktestReport.population(accountsB, settings);
        Map<String, TierRow> rowsA = byTier(a.tiers());
        Map<String, TierRow> rowsB = byTier(b.tiers());
        Set<String> keys = new java.util.LinkedHashSet<>(rowsA.keySet());
        keys.addAll(rowsB.keySet());
        List<TierDelta> tiers = new ArrayList<>();
        for (String key : keys) {
            TierRow ra = rowsA.get(key);
            TierRow rb = rowsB.get(key);
            String kind = ra != null ? ra.kind() : rb.kind();
            String tier = ra != null ? ra.tier() : rb.tier();
            Overlap overlap = null;
            if (ra != null && rb != null) {
                overlap = overlap(reached(popA, kind, tierIndex(a, kind, tier)), reached(popB, kind, tierIndex(b, kind, tier)));
            }
            tiers.add(new TierDelta(kind, tier, ra == null ? null : ra.min(), rb == null ? null : rb.min(),
                    ra == null ? null : ra.entities(), rb == null ? null : rb.entities(),
                    ra == null ? null : ra.accounts(), rb == null ? null : rb.accounts(),
                    ra == null ? null : ra.won(), rb == null ? null : rb.won(),
                    ra == null ? null : ra.conversionRate(), rb == null ? null : rb.conversionRate(),
                    delta(ra == null ? null : ra.conversionRate(), rb == null ? null : rb.conversionRate(), 6),
                    ra == null ? null : ra.lift(), rb == null ? null : rb.lift(),
                    delta(ra == null ? null : ra.lift(), rb == null ? null : rb.lift(), 4),
                    ra == null ? null : ra.medianDaysToClose(), rb == null ? null : rb.medianDaysToClose(), overlap));
        }

        Map<String, SignalRow> sa = new LinkedHashMap<>();
        a.signals().forEach(s -> sa.put(s.signal(), s));
        Map<String, SignalRow> sb = new LinkedHashMap<>();
        b.signals().forEach(s -> sb.put(s.signal(), s));
        Set<String> ids = new java.util.LinkedHashSet<>(sa.keySet());
        ids.addAll(sb.keySet());
        List<SignalDelta> signals = new ArrayList<>();
        for (String id : ids) {
            SignalRow x = sa.get(id);
            SignalRow y = sb.get(id);
            signals.add(new SignalDelta(id, x == null ? null : x.lift(), y == null ? null : y.lift(),
                    delta(x == null ? null : x.lift(), y == null ? null : y.lift(), 4),
                    x == null ? null : x.rateWon(), y == null ? null : y.rateWon(),
                    x == null ? "not in this model" : x.verdict(), y == null ? "not in this model" : y.verdict()));
        }
        String population = a.population().accounts() == b.population().accounts()
                && a.population().won() == b.population().won()
                ? "the same " + a.population().accounts() + " accounts (" + a.population().won() + " won) under both models"
                : "the populations differ (" + a.population().accounts() + " vs " + b.population().accounts()
                        + " accounts): the models' time settings make different records count";
        return new Comparison(a.model().label(), b.model().label(), population, kinds, tiers, signals);
    }

    private static Map<String, TierRow> byTier(List<TierRow> rows) {
        Map<String, TierRow> m = new LinkedHashMap<>();
        for (TierRow r : rows) {
            m.put(r.kind() + "/" + r.tier(), r);
        }
        return m;
    }

    private static int tierIndex(Report r, String kind, String tier) {
        List<BacktestReport.TierMark> marks = r.model().tiers().get(kind);
        for (int i = 0; i < marks.size(); i++) {
            if (marks.get(i).tier().equals(tier)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no tier " + tier);
    }

    /** Account id -> won, for the accounts that reached tier {@code k} of {@code kind} before close. */
    static Map<String, Boolean> reached(List<AccountSummary> pop, String kind, int k) {
        Map<String, Boolean> m = new HashMap<>();
        for (AccountSummary s : pop) {
            boolean r = Transition.PQA.equals(kind)
                    ? k < s.accountTierAt.length && s.accountTierAt[k] != AccountSummary.NEVER
                    : k < s.usersReachedTier.length && s.usersReachedTier[k] > 0;
            if (r) {
                m.put(s.accountId, s.won());
            }
        }
        return m;
    }

    static Overlap overlap(Map<String, Boolean> a, Map<String, Boolean> b) {
        int both = 0;
        int bothWon = 0;
        int aOnly = 0;
        int aOnlyWon = 0;
        int bOnly = 0;
        int bOnlyWon = 0;
        for (Map.Entry<String, Boolean> e : a.entrySet()) {
            if (b.containsKey(e.getKey())) {
                both++;
                bothWon += e.getValue() ? 1 : 0;
            } else {
                aOnly++;
                aOnlyWon += e.getValue() ? 1 : 0;
            }
        }
        for (Map.Entry<String, Boolean> e : b.entrySet()) {
            if (!a.containsKey(e.getKey())) {
                bOnly++;
                bOnlyWon += e.getValue() ? 1 : 0;
            }
        }
        return new Overlap(both, bothWon, aOnly, aOnlyWon, bOnly, bOnlyWon);
    }

    private static Double delta(Double a, Double b, int digits) {
        return a == null || b == null ? null : BacktestReport.round(b - a, digits);
    }
}
