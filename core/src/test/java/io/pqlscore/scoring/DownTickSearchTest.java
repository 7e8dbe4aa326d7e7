package io.pqlscore.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.PassDriver;
import io.pqlscore.testing.Shared;
import java.nio.file.Files;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The down-tick search starts from the previous answer (a hint) and gallops; whatever the hint,
 * the answer must be the one a search without it gives. Checked on every entity with a tier left
 * after every 250th record of the generated conformance case, at several evaluation times and with hints before,
 * at, around and after the answer.
 */
class DownTickSearchTest {
    @Test
    void anyHintGivesTheSameDownTick() throws Exception {
        ScoringModel model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        io.pqlscore.events.EventParser parser = new io.pqlscore.events.EventParser(model);
        java.util.List<io.pqlscore.events.UsageEvent> events = new java.util.ArrayList<>();
        long line = 0;
        for (String l : Files.readAllLines(Shared.conformance().resolve("cases/11-generated.events.jsonl"))) {
            io.pqlscore.events.ParsedRecord r = parser.parse(l.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    new io.pqlscore.events.SourcePosition("case 11", 0, ++line));
            if (r.isValid() && r.event.accountId != null) {
                events.add(r.event);
            }
        }
        ScoreEngine engine = new ScoreEngine(model);
        long interval = model.time().evaluationIntervalMs();
        SplittableRandom random = new SplittableRandom(11);
        int checked = 0;
        // the states after every 250th record: time stops at the last one, the entities keep their tiers
        for (int n = 250; n <= events.size(); n += 250) {
            PassDriver driver = new PassDriver(model).run(events.subList(0, n), false);
            for (AccountEntry a : driver.accounts.values()) {
                if (a.account == null) {
                    continue;
                }
                checked += check(engine, a.account, a.account.entity, true, interval, random);
                for (Map.Entry<String, EntityState> u : a.users.entrySet()) {
                    if (u.getValue() != null) {
                        checked += check(engine, a.account, u.getValue(), false, interval, random);
                    }
                }
            }
        }
        assertThat(checked).as("entities with a tier and a down tick").isGreaterThan(20);
    }

    private static int check(ScoreEngine engine, AccountState account, EntityState e, boolean isAccount, long interval,
            SplittableRandom random) {
        if (e.tier == 0) {
            return 0;
        }
        int found = 0;
        for (long t0 = e.lastRecordAt; t0 < e.lastRecordAt + 40 * 24 * 3_600_000L; t0 += 5 * 3_600_000L + 17) {
            long expected = engine.downTick(account, e, isAccount, t0, Long.MAX_VALUE);
            long base = expected == Long.MAX_VALUE ? Math.floorDiv(t0, interval) * interval : expected;
            long[] hints = {base, base - interval, base + interval, base - 7 * interval, base + 300 * interval,
                t0, t0 - 30 * interval, base + random.nextLong(-2000, 2000) * interval};
            for (long hint : hints) {
                assertThat(engine.downTick(account, e, isAccount, t0, hint))
                        .as("t0 %d, hint %d, expected %d", t0, hint, expected).isEqualTo(expected);
            }
            found += expected == Long.MAX_VALUE ? 0 : 1;
        }
        return found > 0 ? 1 : 0;
    }
}
