package io.pqlscore.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.patterns.PatternMachines;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A restore with a changed model: an open sequence match follows its signal to its new position in
 * the list (pattern states are keyed by position, remapped by id when an entity is laid out for
 * the running model), and a signal's state is not dropped because another signal was added first.
 */
class PatternStatesAcrossModelChangesTest {
    private static final String SEQUENCE = """
              - id: activation
                category: c
                sequence: [{event: Signup}, {event: Connect}]
                within: 2d
                points: 30
            """;
    private static final String HEADER = """
            id: m
            version: "1"
            signals:
            """;
    private static final String SCORES = """
            scores:
              pql: {tiers: [{name: engaged, min: 20, route: self_serve}]}
              pqa: {tiers: [{name: pqa, min: 50, route: enterprise}]}
            """;
    private static final String PINGS = """
              - {id: pings, category: c, match: {event: Ping}, points: 1}
            """;

    private static UsageEvent record(ScoringModel model, String event, String id, String time) {
        String json = "{\"type\":\"track\",\"event\":\"" + event + "\",\"messageId\":\"" + id + "\",\"userId\":\"u1\","
                + "\"timestamp\":\"" + time + "\",\"context\":{\"groupId\":\"a1\"}}";
        return new EventParser(model).parse(json.getBytes(StandardCharsets.UTF_8), new SourcePosition("t", 0, 1)).event;
    }

    @Test
    void anOpenMatchFollowsItsSignalWhenAnotherIsAddedBeforeIt() throws Exception {
        ScoringModel before = ModelLoader.parse(HEADER + SEQUENCE + SCORES, "before");
        ScoringModel after = ModelLoader.parse(HEADER + PINGS + SEQUENCE + SCORES, "after");
        AccountEntry entry = AccountEntry.inMemory("a1");
        List<Transition> out = new ArrayList<>();
        ScoringOutput sink = new ScoringOutput() {
            @Override
            public void transition(Transition t) {
                out.add(t);
            }

            @Override
            public void score(CurrentScore s) {}
        };
        try (PatternMachines m = new PatternMachines(before)) {
            new AccountPass(new ScoreEngine(before), m, before.time().dedupeWindowMs())
                    .record(entry, record(before, "Signup", "m1", "2026-03-02T09:00:00Z"), sink);
        }
        assertThat(entry.user("u1").patterns).containsOnlyKeys(PatternMachines.key(0, null));
        try (PatternMachines m = new PatternMachines(after)) {
            new AccountPass(new ScoreEngine(after), m, after.time().dedupeWindowMs())
                    .record(entry, record(after, "Connect", "m2", "2026-03-02T10:00:00Z"), sink);
        }
        assertThat(out).as("the sequence completed across the model change: the user went up")
                .anySatisfy(t -> assertThat(t.userId).isEqualTo("u1"));
        assertThat(entry.user("u1").signals[1].fired).as("activation, now second in the list").isTrue();
    }

    @Test
    void aSignalRemovedTakesItsOpenMatchesWithIt() throws Exception {
        ScoringModel before = ModelLoader.parse(HEADER + PINGS + SEQUENCE + SCORES, "before");
        ScoringModel after = ModelLoader.parse(HEADER + PINGS + SCORES, "after");
        AccountEntry entry = AccountEntry.inMemory("a1");
        ScoringOutput none = new ScoringOutput() {
            @Override
            public void transition(Transition t) {}

            @Override
            public void score(CurrentScore s) {}
        };
        try (PatternMachines m = new PatternMachines(before)) {
            new AccountPass(new ScoreEngine(before), m, before.time().dedupeWindowMs())
                    .record(entry, record(before, "Signup", "m1", "2026-03-02T09:00:00Z"), none);
        }
        EntityState u = new ScoreEngine(after).relayout(entry.user("u1"));
        assertThat(u.patterns).isNull();
    }
}
