package io.pqlscore.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.patterns.PatternState;
import io.pqlscore.testing.IdentityDriver;
import io.pqlscore.testing.PassDriver;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The compact state layout: every account and user the account stage holds in the middle of the
 * generated case (every kind of signal, open CEP partial matches, wake-ups, kept ids) reads back
 * as written, field by field; and the bytes are small.
 */
class EntityCodecTest {
    private static ScoringModel model;
    private static PassDriver driver;

    @BeforeAll
    static void runHalfTheCase() throws Exception {
        model = ModelLoader.load(Shared.dir().resolve("model-format.yaml"));
        EventParser parser = new EventParser(model);
        List<ParsedRecord> parsed = new ArrayList<>();
        long line = 0;
        List<String> lines = Files.readAllLines(Shared.conformance().resolve("cases/11-generated.events.jsonl"));
        for (String l : lines.subList(0, lines.size() / 2)) {
            parsed.add(parser.parse(l.getBytes(StandardCharsets.UTF_8), new SourcePosition("t", 0, ++line)));
        }
        List<UsageEvent> events = new IdentityDriver(model.time().retentionMs()).resolve(parsed);
        driver = new PassDriver(model).run(events, false);
    }

    /** Every field of an entity as text (pattern states through their own serializers' equality). */
    static String describe(EntityState e) {
        StringBuilder b = new StringBuilder();
        b.append(Arrays.toString(e.signalIds)).append(e.tier).append('|').append(e.lastRecordAt).append('|')
                .append(e.lastActivityAt).append('|').append(e.lastEvalAt).append('|').append(e.tickAt).append('|')
                .append(e.scheduledAt).append('|').append(Arrays.toString(e.traitKeys)).append(Arrays.toString(e.traitValues));
        for (SignalState s : e.signals) {
            b.append("[").append(s.value).append(',').append(s.valueAt).append(',').append(s.lastSeen).append(',')
                    .append(s.fired).append(',').append(Arrays.toString(s.keys)).append(',').append(Arrays.toString(s.times))
                    .append(']');
        }
        if (e.patterns != null) {
            for (Map.Entry<String, PatternState> p : new TreeMap<>(e.patterns).entrySet()) {
                PatternState s = p.getValue();
                // NFAState's stateChanged is a transient flag of CEP's, not state
                b.append('{').append(p.getKey()).append(':').append(s.definition).append(',')
                        .append(String.valueOf(s.nfa).replaceAll("stateChanged=(true|false)", ""))
                        .append(',').append(new TreeMap<>(s.counts)).append(',').append(s.events.size()).append(',')
                        .append(s.entries.size()).append('}');
            }
        }
        return b.toString();
    }

    @Test
    void everyAccountAndUserReadsBackAsWritten() throws Exception {
        SignalLayouts layouts = new SignalLayouts(model);
        EntityCodec codec = new EntityCodec(model, layouts);
        int accounts = 0;
        int users = 0;
        int withPatterns = 0;
        int recentAsPositions = 0;
        long accountBytes = 0;
        long userBytes = 0;
        for (AccountEntry a : driver.accounts.values()) {
            byte[] bytes = codec.encodeAccount(a);
            accountBytes += bytes.length;
            AccountEntry back = codec.decodeAccount(a.accountId, bytes);
            assertThat(back.account == null).isEqualTo(a.account == null);
            if (a.account != null) {
                accounts++;
                assertThat(describe(back.account.entity)).isEqualTo(describe(a.account.entity));
                assertSamePatterns(back.account.entity, a.account.entity);
                assertThat(back.account.recentUsers).containsExactly(a.account.recentUsers);
                assertThat(back.account.recentUserTimes).containsExactly(a.account.recentUserTimes);
                assertThat(back.account.enterprise).isEqualTo(a.account.enterprise);
                // the users' agendas are kept as their earliest times (the users hold their own)
                assertThat(back.earliestUserWake()).isEqualTo(a.earliestUserWake());
                assertThat(back.earliestPatternWake()).isEqualTo(a.earliestPatternWake());
                assertThat(back.nextWake()).isEqualTo(a.nextWake());
                assertThat(back.accountPatternWake).isEqualTo(a.accountPatternWake);
                withPatterns += a.account.entity.patterns == null ? 0 : 1;
            }
            assertThat(keptOf(back)).containsExactlyElementsOf(keptOf(a));
            // users inside the account's value come back byte for byte
            AccountEntry withUsers = codec.decodeAccount(a.accountId, bytes);
            for (Map.Entry<String, EntityState> u : a.users.entrySet()) {
                if (u.getValue() != null) {
                    withUsers.restoreStoredUser(u.getKey(), codec.encodeUser(u.getValue()));
                }
            }
            AccountEntry again = codec.decodeAccount(a.accountId, codec.encodeAccount(withUsers));
            assertThat(again.storedUsers().keySet()).containsExactlyElementsOf(withUsers.storedUsers().keySet());
            if (a.account != null) {
                // recently active users as positions among the stored ones, read back as their prints
                assertThat(again.account.recentUsers).containsExactly(a.account.recentUsers);
                assertThat(again.account.recentUserTimes).containsExactly(a.account.recentUserTimes);
                recentAsPositions += a.account.recentUsers.length > 0 ? 1 : 0;
            }
            for (Map.Entry<String, byte[]> u : withUsers.storedUsers().entrySet()) {
                assertThat(again.storedUsers().get(u.getKey())).isEqualTo(u.getValue());
            }
            for (Map.Entry<String, EntityState> u : a.users.entrySet()) {
                if (u.getValue() == null) {
                    continue;
                }
                users++;
                byte[] ub = codec.encodeUser(u.getValue());
                userBytes += ub.length;
                EntityState backUser = codec.decodeUser(ub);
                assertThat(describe(backUser)).as(u.getKey()).isEqualTo(describe(u.getValue()));
                assertSamePatterns(backUser, u.getValue());
                withPatterns += u.getValue().patterns == null ? 0 : 1;
            }
        }
        assertThat(accounts).isGreaterThan(30);
        assertThat(recentAsPositions).isGreaterThan(10);
        assertThat(users).isGreaterThan(100);
        assertThat(withPatterns).as("entities with open CEP partial matches").isPositive();
        System.out.printf("codec: %d accounts, %.0f bytes each (kept ids included); %d users, %.0f bytes each%n", accounts,
                (double) accountBytes / accounts, users, (double) userBytes / users);
    }

    /** The shared buffer's contents too, lock counts included (their string forms leave those out). */
    private static void assertSamePatterns(EntityState back, EntityState e) {
        if (e.patterns == null) {
            assertThat(back.patterns).isNull();
            return;
        }
        assertThat(back.patterns.keySet()).isEqualTo(e.patterns.keySet());
        for (Map.Entry<String, PatternState> p : e.patterns.entrySet()) {
            PatternState b = back.patterns.get(p.getKey());
            PatternState o = p.getValue();
            assertThat(b.definition).isEqualTo(o.definition);
            assertThat(b.nfa).isEqualTo(o.nfa);
            assertThat(b.counts).isEqualTo(o.counts);
            assertThat(b.events).isEqualTo(o.events);
            assertThat(b.entries).isEqualTo(o.entries);
        }
    }

    private static java.util.List<String> keptOf(AccountEntry a) {
        java.util.List<String> kept = new java.util.ArrayList<>();
        for (int i = 0; i < a.kept.size(); i++) {
            kept.add(a.kept.fingerprintAt(i) + "@" + a.kept.timeAt(i));
        }
        return kept;
    }

    /**
     * Format 3 writes pattern keys as signal and metric and distinct days relative to the entity's
     * last record: keys of any other form (never written by this job, but state is state) still read
     * back as they were.
     */
    @Test
    void unusualPatternKeysAndDayKeysReadBackAsWritten() throws Exception {
        SignalLayouts layouts = new SignalLayouts(model);
        EntityCodec codec = new EntityCodec(model, layouts);
        EntityState withPatterns = null;
        for (AccountEntry a : driver.accounts.values()) {
            for (EntityState u : a.users.values()) {
                if (u != null && u.patterns != null && withPatterns == null) {
                    withPatterns = u;
                }
            }
        }
        assertThat(withPatterns).isNotNull();
        PatternState some = withPatterns.patterns.values().iterator().next();
        EntityState u = codec.decodeUser(codec.encodeUser(withPatterns));
        u.patterns = new java.util.LinkedHashMap<>();
        for (String key : new String[] {"3", "10:s:rows", "007", "x:1", ":", "12:", "-1:a", "2147483647", "99999999999:m"}) {
            u.patterns.put(key, some);
        }
        int day = -1;
        for (int i = 0; i < u.signalIds.length; i++) {
            if (model.signals().get(i).distinctBy() == io.pqlscore.model.Signal.DistinctBy.DAY) {
                day = i;
            }
        }
        assertThat(day).isNotNegative();
        u.signals[day].keys = new String[] {"2026-03-01", "1999-12-31", "0000-01-01", "9999-12-31"};
        u.signals[day].times = new long[] {u.lastRecordAt - 1, u.lastRecordAt - 2, u.lastRecordAt - 3, u.lastRecordAt - 4};
        EntityState back = codec.decodeUser(codec.encodeUser(u));
        assertThat(describe(back)).isEqualTo(describe(u));
        // not canonical days: written as text, read back as they were
        u.signals[day].keys = new String[] {"2026-02-30", "2026-3-01", "20260301", "2026-03-01 "};
        back = codec.decodeUser(codec.encodeUser(u));
        assertThat(describe(back)).isEqualTo(describe(u));
        // values: whole numbers go as varints, anything else as the double it is
        int points = -1;
        for (int i = 0; i < u.signalIds.length; i++) {
            if (model.signals().get(i).kind() == io.pqlscore.model.SignalKind.POINTS) {
                points = i;
            }
        }
        for (double v : new double[] {5.0, -3.0, 0.5, -0.0, 9.007199254740992E15, 9.007199254740994E15, 1e300,
                Double.NaN, Double.POSITIVE_INFINITY, Double.MIN_VALUE, 4.999999999999999}) {
            u.signals[points].value = v;
            u.signals[points].valueAt = u.lastRecordAt - 7;
            u.signals[points].lastSeen = u.lastRecordAt - 7;
            back = codec.decodeUser(codec.encodeUser(u));
            assertThat(Double.doubleToRawLongBits(back.signals[points].value)).as("%s", v)
                    .isEqualTo(Double.doubleToRawLongBits(v));
            assertThat(describe(back)).isEqualTo(describe(u));
        }
        // traits: keys of the layout's list by position, others as text; plain strings without quotes
        u.traitKeys = new String[] {"role", "not_in_the_model", "", "employees", "industry"};
        u.traitValues = new String[] {"\"vp\"", "\"say \\\"hi\\\"\"", "null", "1200", "{\"a\":[1,\"x\"]}"};
        back = codec.decodeUser(codec.encodeUser(u));
        assertThat(back.traitKeys).containsExactly(u.traitKeys);
        assertThat(back.traitValues).containsExactly(u.traitValues);
        u.traitValues = new String[] {"\"\"", "\"\u00e9t\u00e9\"", "\"", "true", "\"a\"b\""};
        back = codec.decodeUser(codec.encodeUser(u));
        assertThat(back.traitValues).containsExactly(u.traitValues);
    }
}
