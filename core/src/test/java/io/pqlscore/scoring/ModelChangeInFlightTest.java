package io.pqlscore.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.patterns.SequencePattern;
import io.pqlscore.testing.InMemoryAccountStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.cep.pattern.conditions.IterativeCondition;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;
import org.junit.jupiter.api.Test;

/**
 * Records parsed before a restore with a changed model carry the old model's hit positions. They
 * must not be read with the new positions: they count as records, without signal hits.
 */
class ModelChangeInFlightTest {

    private static final String BEFORE = """
            id: m
            version: "1"
            signals:
              - {id: pings, category: c, match: {event: Ping}, points: 25}
              - {id: pongs, category: c, match: {event: Pong}, points: 5}
            scores:
              pql: {tiers: [{name: engaged, min: 20, route: self_serve}]}
              pqa: {tiers: [{name: pqa, min: 50, route: enterprise}]}
            """;
    // the same signals, in the other order: position 0 is now `pongs`
    private static final String AFTER = """
            id: m
            version: "2"
            signals:
              - {id: pongs, category: c, match: {event: Pong}, points: 5}
              - {id: pings, category: c, match: {event: Ping}, points: 25}
            scores:
              pql: {tiers: [{name: engaged, min: 20, route: self_serve}]}
              pqa: {tiers: [{name: pqa, min: 50, route: enterprise}]}
            """;

    private static UsageEvent ping(ScoringModel parsedBy) {
        String json = "{\"type\":\"track\",\"event\":\"Ping\",\"messageId\":\"m1\",\"userId\":\"u1\","
                + "\"timestamp\":\"2026-03-02T09:00:00Z\",\"context\":{\"groupId\":\"a1\"}}";
        return new EventParser(parsedBy).parse(json.getBytes(StandardCharsets.UTF_8), new SourcePosition("t", 0, 1)).event;
    }

    @Test
    void layoutsDifferWhenSignalsMoveAndMatchWhenTheyDoNot() {
        ScoringModel before = ModelLoader.parse(BEFORE, "before");
        ScoringModel after = ModelLoader.parse(AFTER, "after");
        assertThat(before.signalLayout()).isNotEqualTo(after.signalLayout());
        assertThat(ModelLoader.parse(BEFORE.replace("version: \"1\"", "version: \"9\""), "same").signalLayout())
                .isEqualTo(before.signalLayout());
        assertThat(ping(before).layout).isEqualTo(before.signalLayout());
    }

    @Test
    void aRecordMatchedByAnotherModelCountsAsActivityButScoresNoSignal() {
        ScoringModel before = ModelLoader.parse(BEFORE, "before");
        ScoringModel after = ModelLoader.parse(AFTER, "after");
        List<CurrentScore> rows = new ArrayList<>();
        ScoringOutput out = new ScoringOutput() {
            @Override
            public void transition(Transition t) {}

            @Override
            public void score(CurrentScore s) {
                rows.add(s);
            }
        };
        InMemoryAccountStore store = new InMemoryAccountStore("a1");
        ScoreEngine engine = new ScoreEngine(after);

        // read with the new positions, the Ping's hit (position 0) would be a `pongs` hit worth 5
        engine.apply(store, ping(before), List.of(), out);
        assertThat(rows).allSatisfy(r -> assertThat(r.score).isZero());
        assertThat(store.user("u1")).isNotNull();
        assertThat(store.user("u1").lastActivityAt).isEqualTo(ping(before).timestamp);

        rows.clear();
        UsageEvent fresh = ping(after);
        fresh.messageId = "m2";
        engine.apply(store, fresh, List.of(), out);
        assertThat(rows).anySatisfy(r -> assertThat(r.score).isEqualTo(25.0));
    }
}
