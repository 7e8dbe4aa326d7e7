package io.pqlscore.scoring;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.generator.EventGenerator;
import io.pqlscore.generator.GeneratorConfig;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.patterns.PatternState;
import io.pqlscore.testing.PassDriver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Where the account stage's bytes go (a measurement tool, not a test): the generator's stream run
 * through the account pass without Flink (time stops at the last record), every account and user
 * encoded as the operator stores them, and again without their pattern states, to size each part.
 *
 * <pre>mvn -q test-compile exec:exec -Dexec.mainClass=io.pqlscore.scoring.StateBreakdown -Dexec.argline="[accounts] [records]"</pre>
 */
public final class StateBreakdown {
    public static void main(String[] args) throws Exception {
        int accounts = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int records = args.length > 1 ? Integer.parseInt(args[1]) : 500_000;
        ScoringModel model = ModelLoader.loadDefault();
        EventParser parser = new EventParser(model);
        List<UsageEvent> events = new ArrayList<>();
        SourcePosition where = new SourcePosition("breakdown", 0, 0);
        for (Iterator<String> it = EventGenerator.stream(new GeneratorConfig().accounts(accounts).events(records).quiet(true))
                .iterator(); it.hasNext(); ) {
            ParsedRecord r = parser.parse(it.next().getBytes(StandardCharsets.UTF_8), where);
            if (r.isValid() && r.event.accountId != null) {
                events.add(r.event);
            }
        }
        PassDriver driver = new PassDriver(model).run(events, false);
        EntityCodec codec = new EntityCodec(model, new SignalLayouts(model));
        long accountBytes = 0, accountNoPatterns = 0, keptIds = 0, n = 0, accountsWithPatterns = 0;
        long userBytes = 0, userNoPatterns = 0, users = 0, usersWithPatterns = 0, traitBytes = 0;
        for (AccountEntry a : driver.accounts.values()) {
            n++;
            accountBytes += codec.encodeAccount(a).length;
            keptIds += a.kept.size();
            EntityState acc = a.account == null ? null : a.account.entity;
            Map<String, PatternState> saved = acc == null ? null : acc.patterns;
            if (saved != null) {
                accountsWithPatterns++;
                acc.patterns = null;
            }
            accountNoPatterns += codec.encodeAccount(a).length;
            if (saved != null) {
                acc.patterns = saved;
            }
            for (Map.Entry<String, EntityState> u : a.users.entrySet()) {
                EntityState e = u.getValue();
                if (e == null) {
                    continue;
                }
                users++;
                userBytes += codec.encodeUser(e).length;
                for (int i = 0; i < e.traitKeys.length; i++) {
                    traitBytes += e.traitKeys[i].length() + e.traitValues[i].length() + 2;
                }
                Map<String, PatternState> p = e.patterns;
                if (p != null) {
                    usersWithPatterns++;
                    e.patterns = null;
                }
                userNoPatterns += codec.encodeUser(e).length;
                e.patterns = p;
            }
        }
        System.out.printf("%,d accounts, %,d users, %,d records (%s .. %s)%n", n, users, events.size(),
                java.time.Instant.ofEpochMilli(events.stream().mapToLong(e -> e.timestamp).min().orElse(0)),
                java.time.Instant.ofEpochMilli(events.stream().mapToLong(e -> e.timestamp).max().orElse(0)));
        System.out.printf("account value %.0f B: patterns %.0f B (%,d accounts have some: %.0f B each), kept ids %.1f"
                + " (about %.0f B), the rest %.0f B%n", (double) accountBytes / n, (double) (accountBytes - accountNoPatterns) / n,
                accountsWithPatterns, accountsWithPatterns == 0 ? 0 : (double) (accountBytes - accountNoPatterns) / accountsWithPatterns,
                (double) keptIds / n, keptIds * 10.5 / n, (accountNoPatterns - keptIds * 10.5) / n);
        System.out.printf("user value %.0f B: patterns %.0f B (%,d users have some: %.0f B each), traits %.0f B, the rest"
                + " %.0f B%n", (double) userBytes / users, (double) (userBytes - userNoPatterns) / users, usersWithPatterns,
                usersWithPatterns == 0 ? 0 : (double) (userBytes - userNoPatterns) / usersWithPatterns,
                (double) traitBytes / users, (double) (userNoPatterns - traitBytes) / users);
    }
}
