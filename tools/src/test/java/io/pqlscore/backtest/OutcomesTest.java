package io.pqlscore.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pqlscore.events.Timestamps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outcomes reader: CSV and JSON lines, the accepted closed_at forms, and every refusal named with its line. */
class OutcomesTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void readsCsvWithQuotesExtraColumnsAnyOrderAndBom() throws Exception {
        Outcomes o = Outcomes.read(file("o.csv", "\uFEFFclosed_at,Account_ID,amount,outcome\r\n"
                + "2026-03-14T16:05:00Z,acme,\"1,200\",won\r\n"
                + "2026-03-20,\"globex, inc.\",,LOST\r\n"
                + "\r\n"
                + "2026-03-21T10:00:00.123+02:00,\"say \"\"hi\"\"\",5, won \n"));
        assertThat(o.size()).isEqualTo(3);
        assertThat(o.won()).isEqualTo(2);
        assertThat(o.lost()).isEqualTo(1);
        assertThat(o.outcome("acme")).isEqualTo("won");
        assertThat(o.closedAt("acme")).isEqualTo(Timestamps.parseMillis("2026-03-14T16:05:00Z"));
        // a bare date is the start of that UTC day
        assertThat(o.outcome("globex, inc.")).isEqualTo("lost");
        assertThat(o.closedAt("globex, inc.")).isEqualTo(Timestamps.parseMillis("2026-03-20T00:00:00Z"));
        assertThat(o.closedAt("say \"hi\"")).isEqualTo(Timestamps.parseMillis("2026-03-21T08:00:00.123Z"));
        assertThat(o.outcome("initech")).isNull();
        assertThat(o.closedAt("initech")).isEqualTo(Long.MAX_VALUE);
        assertThat(o.accountIds()).containsExactly("acme", "globex, inc.", "say \"hi\"");
    }

    @Test
    void readsJsonLinesByExtensionOrContent() throws Exception {
        String text = "{\"account_id\":\"acme\",\"outcome\":\"won\",\"closed_at\":\"2026-03-14T16:05:00Z\",\"amount\":5}\n\n"
                + "{\"account_id\":\"globex\",\"outcome\":\"lost\",\"closed_at\":\"2026-03-20\"}\n";
        for (String name : List.of("o.jsonl", "o.ndjson", "outcomes.txt")) {
            Outcomes o = Outcomes.read(file(name, text));
            assertThat(o.size()).isEqualTo(2);
            assertThat(o.outcome("globex")).isEqualTo("lost");
        }
    }

    @Test
    void csvRoundTrips() throws Exception {
        Outcomes o = Outcomes.of("x", List.of(new Outcomes.Row("b,1", true, 1_000L), new Outcomes.Row("a", false, 2_000L)));
        Outcomes back = Outcomes.read(file("back.csv", o.toCsv()));
        assertThat(back.accountIds()).containsExactly("a", "b,1");
        assertThat(back.closedAt("b,1")).isEqualTo(1_000L);
        assertThat(back.outcome("a")).isEqualTo("lost");
    }

    @Test
    void listsEveryProblemWithItsLine() throws Exception {
        Path p = file("bad.csv", "account_id,outcome,closed_at\n"
                + "acme,won,2026-03-14T16:05:00Z\n"
                + ",won,2026-03-14T16:05:00Z\n"
                + "globex,closed,2026-03-14T16:05:00Z\n"
                + "initech,lost,03/14/2026\n"
                + "umbrella,won,2026-03-14T16:05:00\n"
                + "acme,lost,2026-03-15\n"
                + "short,won\n");
        assertThatThrownBy(() -> Outcomes.read(p))
                .isInstanceOf(Outcomes.OutcomesException.class)
                .hasMessageContaining(p + ":3: account_id is empty")
                .hasMessageContaining(p + ":4: outcome \"closed\" is not won or lost")
                .hasMessageContaining(p + ":5: closed_at \"03/14/2026\" is not an ISO-8601 instant with an offset")
                .hasMessageContaining(p + ":6: closed_at \"2026-03-14T16:05:00\" is not")
                .hasMessageContaining(p + ":7: account \"acme\" already has an outcome on line 2")
                .hasMessageContaining(p + ":8: has 2 columns, the header has 3")
                .hasMessageEndingWith("outcomes refused: 6 problems");
    }

    @Test
    void refusesMissingColumnsEmptyFilesBadJsonAndBrokenQuotes() throws Exception {
        assertThatThrownBy(() -> Outcomes.read(file("h.csv", "account,outcome,date\nacme,won,2026-03-01\n")))
                .hasMessageContaining(":1: the header row [account, outcome, date] lacks the columns account_id, closed_at");
        assertThatThrownBy(() -> Outcomes.read(file("e.csv", "account_id,outcome,closed_at\n")))
                .hasMessageContaining("no outcomes");
        assertThatThrownBy(() -> Outcomes.read(file("e.jsonl", "\n")))
                .hasMessageContaining("no outcomes");
        assertThatThrownBy(() -> Outcomes.read(file("j.jsonl", "{\"account_id\":\"a\",\"outcome\":\"won\"}\n"
                + "[1]\n{\"account_id\":7,\"outcome\":\"won\",\"closed_at\":\"2026-03-01\"}\n{nope\n")))
                .hasMessageContaining(":1: missing closed_at")
                .hasMessageContaining(":2: not a JSON object")
                .hasMessageContaining(":3: account_id must be a string, not 7")
                .hasMessageContaining(":4: not valid JSON");
        assertThatThrownBy(() -> Outcomes.read(file("q.csv", "account_id,outcome,closed_at\n\"acme,won,2026-03-01\n")))
                .hasMessageContaining(":2: a quoted field is not closed");
        assertThatThrownBy(() -> Outcomes.read(dir.resolve("missing.csv")))
                .hasMessageContaining("cannot read outcomes file");
    }

    @Test
    void stopsListingAfterTwentyProblems() throws Exception {
        StringBuilder b = new StringBuilder("account_id,outcome,closed_at\n");
        for (int i = 0; i < 30; i++) {
            b.append("a").append(i).append(",maybe,2026-03-01\n");
        }
        assertThatThrownBy(() -> Outcomes.read(file("many.csv", b.toString())))
                .hasMessageContaining("... and 10 more problems")
                .hasMessageEndingWith("outcomes refused: 30 problems");
    }
}
