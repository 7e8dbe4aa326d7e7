package io.pqlscore.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.scoring.CurrentScore;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The added operator on Flink's keyed harness: what counts before the close, and one summary per account at the end. */
class OutcomeAggregatorTest {
    static final long DAY = 86_400_000L;
    static final long T0 = 1_772_409_600_000L;
    static final ScoringModel MODEL = ModelLoader.loadDefault();

    static CurrentScore row(String kind, String account, String user, String tier, double score, long asOf, int... firing) {
        CurrentScore s = new CurrentScore();
        s.kind = kind;
        s.accountId = account;
        s.userId = user;
        s.tier = tier;
        s.score = score;
        s.asOf = asOf;
        s.signalPoints = new double[MODEL.signals().size()];
        for (int f : firing) {
            s.signalPoints[f] = 5;
        }
        return s;
    }

    @Test
    void foldsRowsBeforeTheCloseAndEmitsOneSummaryPerAccountWhenEventTimeEnds() throws Exception {
        Outcomes outcomes = Outcomes.of("t", List.of(new Outcomes.Row("acme", true, T0 + 10 * DAY)));
        try (KeyedOneInputStreamOperatorTestHarness<String, CurrentScore, AccountSummary> h =
                new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new OutcomeAggregator(MODEL, outcomes)),
                        s -> s.accountId, Types.STRING)) {
            h.open();
            // acme closes (won) on day 10
            h.processElement(row("pqa", "acme", null, "none", 30, T0 + DAY, 0), T0 + DAY);
            h.processElement(row("pql", "acme", "ann", "engaged", 25, T0 + DAY, 0, 1), T0 + DAY);
            h.processElement(row("pql", "acme", "bob", "none", 5, T0 + 2 * DAY, 0), T0 + 2 * DAY);
            h.processElement(row("pqa", "acme", null, "pqa", 62.5, T0 + 3 * DAY, 0, 4), T0 + 3 * DAY);
            h.processElement(row("pql", "acme", "ann", "pql", 44, T0 + 4 * DAY, 0, 7), T0 + 4 * DAY);
            // after the close: higher scores, a new tier and a new signal do not count as "before close"
            h.processElement(row("pql", "acme", "ann", "hot", 80, T0 + 10 * DAY, 9), T0 + 10 * DAY);
            h.processElement(row("pql", "acme", "cat", "engaged", 30, T0 + 11 * DAY, 9), T0 + 11 * DAY);
            h.processElement(row("pqa", "acme", null, "pqa", 90, T0 + 12 * DAY, 9), T0 + 12 * DAY);
            // globex has no outcome: everything counts
            h.processElement(row("pqa", "globex", null, "none", 12, T0 + 5 * DAY, 2), T0 + 5 * DAY);
            h.processElement(row("pql", "globex", "dan", "none", 12, T0 + 400 * DAY, 2), T0 + 400 * DAY);
            assertThat(h.extractOutputValues()).isEmpty();

            h.processWatermark(new Watermark(Long.MAX_VALUE));
            List<AccountSummary> out = h.extractOutputValues();
            assertThat(out).hasSize(2);
            AccountSummary acme = out.stream().filter(a -> a.accountId.equals("acme")).findFirst().orElseThrow();
            assertThat(acme.won()).isTrue();
            assertThat(acme.closedAt).isEqualTo(T0 + 10 * DAY);
            assertThat(acme.firstScoredAt).isEqualTo(T0 + DAY);
            assertThat(acme.accountMaxScore).isEqualTo(62.5);
            assertThat(acme.accountTierAt).containsExactly(T0 + 3 * DAY);
            assertThat(acme.accountTierAfterClose).containsExactly(false);
            // ann and bob were scored before the close; cat only after it
            assertThat(acme.users).isEqualTo(2);
            assertThat(acme.userMaxScores).containsExactly(5.0, 44.0);
            assertThat(acme.usersReachedTier).containsExactly(1, 1, 0);
            assertThat(acme.usersTierAt).containsExactly(T0 + DAY, T0 + 4 * DAY, AccountSummary.NEVER);
            // ann reached hot only at the close, cat engaged only after it
            assertThat(acme.usersReachedTierAfterClose).containsExactly(1, 0, 1);
            for (int s = 0; s < MODEL.signals().size(); s++) {
                assertThat(acme.signalFired(s)).as("signal %d", s).isEqualTo(s == 0 || s == 1 || s == 4 || s == 7);
            }
            AccountSummary globex = out.stream().filter(a -> a.accountId.equals("globex")).findFirst().orElseThrow();
            assertThat(globex.outcome).isNull();
            assertThat(globex.closedAt).isEqualTo(AccountSummary.NEVER);
            assertThat(globex.accountMaxScore).isEqualTo(12.0);
            assertThat(globex.userMaxScores).containsExactly(12.0);
            assertThat(globex.signalFired(2)).isTrue();
            assertThat(globex.accountTierAt).containsExactly(AccountSummary.NEVER);
            // the state is gone once the summary is out
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }
}
