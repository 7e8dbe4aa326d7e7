package io.pqlscore.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.RejectReason;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.TopSignal;
import io.pqlscore.scoring.Transition;
import io.pqlscore.testing.Schemas;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SPEC 5: the JSON shapes of transitions, current scores and dead letters. */
class OutputJsonTest {

    /** 2026-03-02T09:00:00Z. */
    private static final long T0 = 1_772_442_000_000L;
    private static final long HOUR = 3_600_000L;

    /** Reads the written text back with a plain mapper, as a consumer would. */
    private static JsonNode roundTrip(ObjectNode n) throws Exception {
        String text = OutputJson.text(n);
        assertThat(text).doesNotContain("\n");
        return new ObjectMapper().readTree(text);
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static BigDecimal decimal(JsonNode n) {
        assertThat(n.isNumber()).as("%s is a number", n).isTrue();
        return n.decimalValue();
    }

    private static Transition userUp() {
        Transition t = new Transition();
        t.eventId = "b01d8779-68c6-576d-bef4-26488c9c9223";
        t.kind = Transition.PQL;
        t.accountId = "acme";
        t.userId = "u1";
        t.tierFrom = "engaged";
        t.tierTo = "pql";
        t.direction = "up";
        t.score = 41.23456;
        t.occurredAt = T0 + 5;
        t.cause = Transition.CAUSE_EVENT;
        t.emittedAt = T0 + 60_000 + 17;
        t.modelId = "simple";
        t.modelVersion = "1";
        t.breakdownCategories = new String[] {"main", "capped", "fit"};
        t.breakdownPoints = new double[] {11.23456, 30.0, 0.0};
        t.topSignals = new TopSignal[] {
            new TopSignal("block", "capped", 30.0, T0 - HOUR),
            new TopSignal("ping", "main", 11.23456, T0 + 5),
            new TopSignal("has_role", "fit", 0.004, Long.MIN_VALUE),
        };
        t.activeUsers7d = -1;
        t.traitsJson = "{\"account\":{\"employees\":5000},\"user\":{\"role\":\"admin\"}}";
        t.route = "sales";
        t.slaMs = 4 * HOUR;
        return t;
    }

    private static Transition accountDown() {
        Transition t = new Transition();
        t.eventId = "1e254aaf-6534-58b4-b630-bd8053412b64";
        t.kind = Transition.PQA;
        t.accountId = "acme";
        t.userId = null;
        t.tierFrom = "pqa";
        t.tierTo = "none";
        t.direction = "down";
        t.score = 44.999;
        t.occurredAt = T0 + 3 * HOUR;
        t.cause = Transition.CAUSE_TICK;
        t.emittedAt = T0 + 4 * HOUR;
        t.modelId = "simple";
        t.modelVersion = "1";
        t.breakdownCategories = new String[] {"main"};
        t.breakdownPoints = new double[] {44.999};
        t.topSignals = new TopSignal[0];
        t.activeUsers7d = 3;
        t.traitsJson = "{\"account\":{}}";
        t.route = "none";
        t.slaMs = 0;
        return t;
    }

    @Test
    void transitionHasEverySpecFieldInSnakeCase() throws Exception {
        JsonNode n = roundTrip(OutputJson.transition(userUp()));
        assertThat(fieldNames(n)).containsExactlyInAnyOrder(
                "event_id", "kind", "account_id", "user_id", "tier_from", "tier_to", "direction", "score",
                "occurred_at", "cause", "emitted_at", "model_id", "model_version", "breakdown", "top_signals",
                "active_users_7d", "traits", "routing");

        assertThat(n.get("event_id").textValue()).isEqualTo("b01d8779-68c6-576d-bef4-26488c9c9223");
        assertThat(n.get("kind").textValue()).isEqualTo("pql");
        assertThat(n.get("account_id").textValue()).isEqualTo("acme");
        assertThat(n.get("user_id").textValue()).isEqualTo("u1");
        assertThat(n.get("tier_from").textValue()).isEqualTo("engaged");
        assertThat(n.get("tier_to").textValue()).isEqualTo("pql");
        assertThat(n.get("direction").textValue()).isEqualTo("up");
        assertThat(decimal(n.get("score"))).isEqualByComparingTo("41.23");
        assertThat(n.get("occurred_at").textValue()).isEqualTo("2026-03-02T09:00:00.005Z");
        assertThat(n.get("cause").textValue()).isEqualTo("event");
        assertThat(n.get("emitted_at").textValue()).isEqualTo("2026-03-02T09:01:00.017Z");
        assertThat(n.get("model_id").textValue()).isEqualTo("simple");
        assertThat(n.get("model_version").isTextual()).isTrue();
        assertThat(n.get("model_version").textValue()).isEqualTo("1");
    }

    @Test
    void transitionBreakdownAndTopSignals() throws Exception {
        JsonNode n = roundTrip(OutputJson.transition(userUp()));
        JsonNode b = n.get("breakdown");
        assertThat(b.isObject()).isTrue();
        assertThat(fieldNames(b)).containsExactly("main", "capped", "fit");
        assertThat(decimal(b.get("main"))).isEqualByComparingTo("11.23");
        assertThat(decimal(b.get("capped"))).isEqualByComparingTo("30");
        assertThat(decimal(b.get("fit"))).isEqualByComparingTo("0");

        JsonNode top = n.get("top_signals");
        assertThat(top.isArray()).isTrue();
        assertThat(top).hasSize(3);
        for (JsonNode s : top) {
            assertThat(fieldNames(s)).containsExactlyInAnyOrder("signal", "category", "points", "last_seen");
        }
        assertThat(top.get(0).get("signal").textValue()).isEqualTo("block");
        assertThat(top.get(0).get("category").textValue()).isEqualTo("capped");
        assertThat(decimal(top.get(0).get("points"))).isEqualByComparingTo("30");
        assertThat(top.get(0).get("last_seen").textValue()).isEqualTo("2026-03-02T08:00:00.000Z");
        assertThat(top.get(1).get("signal").textValue()).isEqualTo("ping");
        assertThat(decimal(top.get(1).get("points"))).isEqualByComparingTo("11.23");
        assertThat(top.get(1).get("last_seen").textValue()).isEqualTo("2026-03-02T09:00:00.005Z");
        // unknown last time seen: null; points rounded
        assertThat(top.get(2).get("last_seen").isNull()).isTrue();
        assertThat(decimal(top.get(2).get("points"))).isEqualByComparingTo("0");
    }

    @Test
    void userTransitionTraitsActiveUsersAndRouting() throws Exception {
        JsonNode n = roundTrip(OutputJson.transition(userUp()));
        assertThat(n.get("active_users_7d").isNull()).isTrue();
        assertThat(n.get("traits").isObject()).isTrue();
        assertThat(n.get("traits").get("account").get("employees").intValue()).isEqualTo(5000);
        assertThat(n.get("traits").get("user").get("role").textValue()).isEqualTo("admin");

        JsonNode r = n.get("routing");
        assertThat(fieldNames(r)).containsExactlyInAnyOrder("route", "sla", "respond_by");
        assertThat(r.get("route").textValue()).isEqualTo("sales");
        assertThat(r.get("sla").textValue()).isEqualTo("PT4H");
        assertThat(java.time.Duration.parse(r.get("sla").textValue()).toMillis()).isEqualTo(4 * HOUR);
        assertThat(r.get("respond_by").textValue()).isEqualTo("2026-03-02T13:00:00.005Z");
    }

    @Test
    void slaIsAnIsoDuration() throws Exception {
        Transition t = userUp();
        t.slaMs = 90 * 60_000L;
        JsonNode r = roundTrip(OutputJson.transition(t)).get("routing");
        assertThat(r.get("sla").textValue()).isEqualTo("PT1H30M");
        assertThat(r.get("respond_by").textValue()).isEqualTo("2026-03-02T10:30:00.005Z");
        t.slaMs = 2 * 24 * HOUR;
        assertThat(roundTrip(OutputJson.transition(t)).get("routing").get("sla").textValue()).isEqualTo("PT48H");
    }

    @Test
    void upwardTierWithoutSlaHasNullSla() throws Exception {
        Transition t = userUp();
        t.tierFrom = "none";
        t.tierTo = "engaged";
        t.route = "self_serve";
        t.slaMs = 0;
        JsonNode r = roundTrip(OutputJson.transition(t)).get("routing");
        assertThat(r.get("route").textValue()).isEqualTo("self_serve");
        assertThat(r.has("sla")).isTrue();
        assertThat(r.get("sla").isNull()).isTrue();
        assertThat(r.get("respond_by").isNull()).isTrue();
    }

    @Test
    void accountTransition() throws Exception {
        JsonNode n = roundTrip(OutputJson.transition(accountDown()));
        assertThat(fieldNames(n)).hasSize(18);
        assertThat(n.get("kind").textValue()).isEqualTo("pqa");
        // user_id is present and null for accounts
        assertThat(n.has("user_id")).isTrue();
        assertThat(n.get("user_id").isNull()).isTrue();
        assertThat(n.get("direction").textValue()).isEqualTo("down");
        assertThat(n.get("cause").textValue()).isEqualTo("tick");
        assertThat(decimal(n.get("score"))).isEqualByComparingTo("45.00");
        assertThat(n.get("occurred_at").textValue()).isEqualTo("2026-03-02T12:00:00.000Z");
        assertThat(n.get("active_users_7d").isInt()).isTrue();
        assertThat(n.get("active_users_7d").intValue()).isEqualTo(3);
        assertThat(n.get("top_signals").isArray()).isTrue();
        assertThat(n.get("top_signals")).isEmpty();
        assertThat(n.get("traits").get("account").isObject()).isTrue();
        assertThat(n.get("traits").has("user")).isFalse();
        JsonNode r = n.get("routing");
        assertThat(r.get("route").textValue()).isEqualTo("none");
        assertThat(r.get("sla").isNull()).isTrue();
        assertThat(r.get("respond_by").isNull()).isTrue();
    }

    @Test
    void activeUsersZeroIsZeroNotNull() throws Exception {
        Transition t = accountDown();
        t.activeUsers7d = 0;
        JsonNode n = roundTrip(OutputJson.transition(t));
        assertThat(n.get("active_users_7d").isNull()).isFalse();
        assertThat(n.get("active_users_7d").intValue()).isZero();
    }

    @Test
    void scoresAreRoundedToTwoDecimals() {
        assertThat(OutputJson.round(41.23456)).isEqualByComparingTo("41.23");
        assertThat(OutputJson.round(41.235)).isEqualByComparingTo("41.24");
        assertThat(OutputJson.round(44.999)).isEqualByComparingTo("45.00");
        assertThat(OutputJson.round(40)).isEqualByComparingTo("40");
        assertThat(OutputJson.round(0.004)).isEqualByComparingTo("0");
        assertThat(OutputJson.round(1e-9)).isEqualByComparingTo("0");
        assertThat(OutputJson.round(12345.678)).isEqualByComparingTo("12345.68");
        assertThat(OutputJson.round(41.23456).scale()).isEqualTo(2);
        // written as a plain number, not exponent notation
        ObjectNode n = OutputJson.transition(userUp());
        assertThat(OutputJson.text(n)).contains("\"score\":41.23");
        Transition tiny = userUp();
        tiny.score = 1e-9;
        assertThat(OutputJson.text(OutputJson.transition(tiny))).contains("\"score\":0.00");
    }

    @Test
    void currentScore() throws Exception {
        CurrentScore s = new CurrentScore();
        s.kind = "pql";
        s.accountId = "acme";
        s.userId = "u1";
        s.tier = "hot";
        s.score = 71.005;
        s.asOf = T0 + 1;
        s.modelId = "simple";
        s.modelVersion = "1";
        s.breakdownCategories = new String[] {"main", "fit"};
        s.breakdownPoints = new double[] {51.005, 20};
        s.forgotten = false;

        JsonNode n = roundTrip(OutputJson.currentScore(s));
        assertThat(fieldNames(n)).containsExactlyInAnyOrder(
                "kind", "account_id", "user_id", "tier", "score", "as_of", "model_id", "model_version", "breakdown", "forgotten");
        assertThat(n.get("kind").textValue()).isEqualTo("pql");
        assertThat(n.get("account_id").textValue()).isEqualTo("acme");
        assertThat(n.get("user_id").textValue()).isEqualTo("u1");
        assertThat(n.get("tier").textValue()).isEqualTo("hot");
        assertThat(decimal(n.get("score"))).isEqualByComparingTo("71.01");
        assertThat(n.get("as_of").textValue()).isEqualTo("2026-03-02T09:00:00.001Z");
        assertThat(n.get("model_id").textValue()).isEqualTo("simple");
        assertThat(n.get("model_version").textValue()).isEqualTo("1");
        assertThat(fieldNames(n.get("breakdown"))).containsExactly("main", "fit");
        assertThat(decimal(n.get("breakdown").get("main"))).isEqualByComparingTo("51.01");
        assertThat(decimal(n.get("breakdown").get("fit"))).isEqualByComparingTo("20");
        assertThat(n.get("forgotten").isBoolean()).isTrue();
        assertThat(n.get("forgotten").booleanValue()).isFalse();

        s.kind = "pqa";
        s.userId = null;
        s.tier = "none";
        s.forgotten = true;
        JsonNode a = roundTrip(OutputJson.currentScore(s));
        assertThat(a.has("user_id")).isTrue();
        assertThat(a.get("user_id").isNull()).isTrue();
        assertThat(a.get("tier").textValue()).isEqualTo("none");
        assertThat(a.get("forgotten").booleanValue()).isTrue();
    }

    @Test
    void deadLetter() throws Exception {
        String text = "{\"type\":\"Track\"}";
        DeadLetter d = EventParser.deadLetter(RejectReason.BAD_TYPE, "type \"Track\" is not one of ...",
                text.getBytes(StandardCharsets.UTF_8), new SourcePosition("usage-events", 2, 1234L));
        JsonNode n = roundTrip(OutputJson.deadLetter(d));
        assertThat(fieldNames(n)).containsExactlyInAnyOrder("reason", "detail", "source", "partition", "offset", "payload");
        assertThat(n.get("reason").textValue()).isEqualTo("bad_type");
        assertThat(n.get("detail").textValue()).isEqualTo("type \"Track\" is not one of ...");
        assertThat(n.get("source").textValue()).isEqualTo("usage-events");
        assertThat(n.get("partition").intValue()).isEqualTo(2);
        assertThat(n.get("offset").isIntegralNumber()).isTrue();
        assertThat(n.get("offset").longValue()).isEqualTo(1234L);
        // the payload is the original text, as a string (not embedded JSON)
        assertThat(n.get("payload").isTextual()).isTrue();
        assertThat(n.get("payload").textValue()).isEqualTo(text);
    }

    @Test
    void deadLetterWithInvalidUtf8CarriesBase64() throws Exception {
        byte[] raw = {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'};
        DeadLetter d = EventParser.deadLetter(RejectReason.BAD_JSON, "invalid UTF-8", raw, new SourcePosition("f.jsonl", 0, 7L));
        JsonNode n = roundTrip(OutputJson.deadLetter(d));
        assertThat(n.get("reason").textValue()).isEqualTo("bad_json");
        assertThat(n.get("offset").longValue()).isEqualTo(7L);
        assertThat(n.get("payload").textValue()).isEqualTo("{\"a\":\"\uFFFD\"}");
        assertThat(Base64.getDecoder().decode(n.get("payload_base64").textValue())).isEqualTo(raw);
    }

    @Test
    void deadLetterWithLargeOffset() throws Exception {
        DeadLetter d = new DeadLetter(RejectReason.LATE, "late", "{}", null, new SourcePosition("t", 11, 9_000_000_000L));
        JsonNode n = roundTrip(OutputJson.deadLetter(d));
        assertThat(n.get("reason").textValue()).isEqualTo("late");
        assertThat(n.get("partition").intValue()).isEqualTo(11);
        assertThat(n.get("offset").longValue()).isEqualTo(9_000_000_000L);
        assertThat(n.has("payload_base64")).isFalse();
    }

    /** Every shape these tests build, as OutputJson writes it, passes its published schema (schemas/). */
    @Test
    void everyShapeValidatesAgainstItsPublishedSchema() {
        List<Transition> transitions = new ArrayList<>();
        transitions.add(userUp());
        transitions.add(accountDown());
        Transition ninetyMinutes = userUp();
        ninetyMinutes.slaMs = 90 * 60_000L;
        transitions.add(ninetyMinutes);
        Transition twoDays = userUp();
        twoDays.slaMs = 2 * 24 * HOUR;
        transitions.add(twoDays);
        Transition halfASecond = userUp();
        halfASecond.slaMs = 500;
        transitions.add(halfASecond);
        Transition noSla = userUp();
        noSla.tierFrom = "none";
        noSla.tierTo = "engaged";
        noSla.route = "self_serve";
        noSla.slaMs = 0;
        transitions.add(noSla);
        Transition noActiveUsers = accountDown();
        noActiveUsers.activeUsers7d = 0;
        transitions.add(noActiveUsers);
        for (Transition t : transitions) {
            Schemas.assertValid(Schemas.TRANSITION, OutputJson.text(OutputJson.transition(t)), "transition");
        }

        CurrentScore s = new CurrentScore();
        s.kind = "pql";
        s.accountId = "acme";
        s.userId = "u1";
        s.tier = "hot";
        s.score = 71.005;
        s.asOf = T0 + 1;
        s.modelId = "simple";
        s.modelVersion = "1";
        s.breakdownCategories = new String[] {"main", "fit"};
        s.breakdownPoints = new double[] {51.005, 20};
        Schemas.assertValid(Schemas.CURRENT_SCORE, OutputJson.text(OutputJson.currentScore(s)), "current score");
        s.kind = "pqa";
        s.userId = null;
        s.tier = "none";
        s.forgotten = true;
        Schemas.assertValid(Schemas.CURRENT_SCORE, OutputJson.text(OutputJson.currentScore(s)), "forgotten account");

        List<DeadLetter> deadLetters = new ArrayList<>();
        deadLetters.add(EventParser.deadLetter(RejectReason.BAD_TYPE, "type \"Track\" is not one of ...",
                "{\"type\":\"Track\"}".getBytes(StandardCharsets.UTF_8), new SourcePosition("usage-events", 2, 1234L)));
        deadLetters.add(EventParser.deadLetter(RejectReason.BAD_JSON, "invalid UTF-8",
                new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'}, new SourcePosition("f.jsonl", 0, 7L)));
        deadLetters.add(new DeadLetter(RejectReason.LATE, "late", "{}", null, new SourcePosition("t", 11, 9_000_000_000L)));
        DeadLetter tooLarge = EventParser.deadLetter(RejectReason.TOO_LARGE, "too large",
                "{\"a\":".getBytes(StandardCharsets.UTF_8), new SourcePosition("usage-events", 0, 5L));
        tooLarge.truncated = true;
        tooLarge.recordBytes = 2_000_000;
        deadLetters.add(tooLarge);
        DeadLetter sizeUnknown = EventParser.deadLetter(RejectReason.TOO_LARGE, "too large",
                "{\"a\":".getBytes(StandardCharsets.UTF_8), new SourcePosition("file:/data/e.jsonl", 0, 9L));
        sizeUnknown.truncated = true;
        deadLetters.add(sizeUnknown);
        deadLetters.add(new DeadLetter(RejectReason.LATE, "late after the shuffle: messageId m1", null, null,
                new SourcePosition("account:acme", -1, T0)));
        for (DeadLetter d : deadLetters) {
            Schemas.assertValid(Schemas.DEAD_LETTER, OutputJson.text(OutputJson.deadLetter(d)), "dead letter " + d);
        }
    }
}
