package io.pqlscore.sinks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.testing.Schemas;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The published schemas themselves ({@code schemas/*.schema.json}): valid draft 2020-12 with an
 * {@code $id}, a title and a description, they accept the records of the docs' examples (the
 * README's transition, docs/LOCAL-RUNS.md's) and refuse
 * each way a record could differ from what the job writes (a missing or extra field, a wrong enum,
 * a timestamp without milliseconds, an account with a user, ...). That the job's real outputs pass
 * is {@code OutputSchemasConformanceTest}'s part (and {@link OutputJsonTest}'s for each shape).
 */
class OutputSchemasTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The README's acme-analytics PQA (an account going up, enterprise route, 4 h SLA). */
    static final String ACCOUNT_UP = "{\"event_id\":\"c4d8d74e-ecfe-5422-bc85-41baac01f4d5\",\"kind\":\"pqa\","
            + "\"account_id\":\"acme-analytics\",\"user_id\":null,\"tier_from\":\"none\",\"tier_to\":\"pqa\",\"direction\":\"up\","
            + "\"score\":77.66,\"occurred_at\":\"2026-03-04T14:47:42.694Z\",\"cause\":\"event\",\"emitted_at\":\"2026-11-23T12:25:36.771Z\","
            + "\"model_id\":\"default\",\"model_version\":\"1\",\"breakdown\":{\"frequency\":15.00,\"activation\":19.66,\"team\":20.00,"
            + "\"depth\":15.00,\"intent\":0.00,\"fit\":8.00},\"top_signals\":[{\"signal\":\"active_days\",\"category\":\"frequency\","
            + "\"points\":15.00,\"last_seen\":\"2026-03-04T14:47:42.694Z\"},{\"signal\":\"feature_depth\",\"category\":\"depth\","
            + "\"points\":15.00,\"last_seen\":\"2026-03-04T09:36:43.155Z\"},{\"signal\":\"primary_activation\",\"category\":\"activation\","
            + "\"points\":14.66,\"last_seen\":\"2026-03-02T15:13:13.640Z\"}],\"active_users_7d\":3,"
            + "\"traits\":{\"account\":{\"employees\":1200,\"industry\":\"software\"}},"
            + "\"routing\":{\"route\":\"enterprise\",\"sla\":\"PT4H\",\"respond_by\":\"2026-03-04T18:47:42.694Z\"}}";

    /** docs/LOCAL-RUNS.md's Maria going hot (a user going up). */
    static final String USER_UP = "{\"event_id\":\"7fd5dbd0-702e-5e0c-ab32-83f3a76a8a70\",\"kind\":\"pql\","
            + "\"account_id\":\"acme-analytics\",\"user_id\":\"u-acme-maria\",\"tier_from\":\"pql\",\"tier_to\":\"hot\",\"direction\":\"up\","
            + "\"score\":74.06,\"occurred_at\":\"2026-03-04T17:01:23.015Z\",\"cause\":\"event\",\"emitted_at\":\"2026-11-23T12:25:36.787Z\","
            + "\"model_id\":\"default\",\"model_version\":\"1\",\"breakdown\":{\"frequency\":15.00,\"activation\":19.64,\"team\":14.41,"
            + "\"depth\":15.00,\"intent\":0.00,\"fit\":10.00},\"top_signals\":[{\"signal\":\"active_days\",\"category\":\"frequency\","
            + "\"points\":15.00,\"last_seen\":\"2026-03-04T17:01:23.015Z\"}],\"active_users_7d\":null,"
            + "\"traits\":{\"account\":{\"employees\":1200,\"industry\":\"software\"},\"user\":{\"role\":\"vp\"}},"
            + "\"routing\":{\"route\":\"enterprise\",\"sla\":\"PT1H\",\"respond_by\":\"2026-03-04T18:01:23.015Z\"}}";

    /** A user dropping back to none on a tick. */
    static final String USER_DOWN = "{\"event_id\":\"3ce43fb3-3cde-52c2-afed-d72620c4defb\",\"kind\":\"pql\","
            + "\"account_id\":\"globex\",\"user_id\":\"u-globex-priya\",\"tier_from\":\"engaged\",\"tier_to\":\"none\",\"direction\":\"down\","
            + "\"score\":14.87,\"occurred_at\":\"2026-03-09T03:00:00.000Z\",\"cause\":\"tick\",\"emitted_at\":\"2026-11-23T12:25:36.796Z\","
            + "\"model_id\":\"default\",\"model_version\":\"1\",\"breakdown\":{\"frequency\":5.00,\"fit\":9.87},\"top_signals\":[],"
            + "\"active_users_7d\":null,\"traits\":{\"account\":{},\"user\":{}},"
            + "\"routing\":{\"route\":\"none\",\"sla\":null,\"respond_by\":null}}";

    static final String SCORE = "{\"kind\":\"pql\",\"account_id\":\"acme\",\"user_id\":\"u1\",\"tier\":\"hot\",\"score\":71.01,"
            + "\"as_of\":\"2026-03-02T09:00:00.001Z\",\"model_id\":\"simple\",\"model_version\":\"1\","
            + "\"breakdown\":{\"main\":51.01,\"fit\":20.00},\"forgotten\":false}";

    static final String FORGOTTEN_ACCOUNT = "{\"kind\":\"pqa\",\"account_id\":\"acme\",\"user_id\":null,\"tier\":\"none\",\"score\":3.50,"
            + "\"as_of\":\"2026-06-02T09:00:00.000Z\",\"model_id\":\"simple\",\"model_version\":\"1\","
            + "\"breakdown\":{\"main\":3.50},\"forgotten\":true}";

    static final String DEAD_LETTER = "{\"reason\":\"bad_timestamp\",\"detail\":\"timestamp \\\"03/10/2026 14:05\\\" is not ISO-8601"
            + " with an offset\",\"source\":\"file:/work/main/samples/events.jsonl\",\"partition\":0,\"offset\":257,"
            + "\"payload\":\"{\\\"type\\\":\\\"track\\\"}\"}";

    static final String TRUNCATED = "{\"reason\":\"too_large\",\"detail\":\"record of 52428800 bytes\",\"source\":\"usage-events\","
            + "\"partition\":1,\"offset\":0,\"payload\":\"{\\\"a\\\":\",\"payload_base64\":\"eyJhIjo=\",\"payload_truncated\":true,"
            + "\"record_bytes\":52428800}";

    static final String LATE_AFTER_SHUFFLE = "{\"reason\":\"late\",\"detail\":\"late after the shuffle: messageId m1\","
            + "\"source\":\"account:acme\",\"partition\":-1,\"offset\":1772442000000,\"payload\":null}";

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {Schemas.TRANSITION, Schemas.CURRENT_SCORE, Schemas.DEAD_LETTER, Schemas.MODEL})
    void isDraft2020SchemaWithIdTitleAndDescription(String name) {
        assertThat(Schemas.metaSchemaProblems(name)).as("schemas/%s.schema.json against the 2020-12 meta-schema", name).isEmpty();
        JsonNode doc = Schemas.document(name);
        assertThat(doc.path("$schema").asText()).isEqualTo(Schemas.META_SCHEMA);
        assertThat(doc.path("$id").asText()).isEqualTo("urn:pqlscore:schema:" + name);
        assertThat(doc.path("title").asText()).isNotBlank();
        assertThat(doc.path("description").asText()).contains("SPEC");
        // the schema loads and compiles (every $ref resolves)
        assertThat(Schemas.schema(name)).isNotNull();
    }

    @Test
    void theMetaSchemaCheckCatchesABrokenSchema() throws Exception {
        assertThat(Schemas.metaSchemaProblems(JSON.readTree("{\"type\": \"whole number\", \"required\": \"id\"}")))
                .anyMatch(p -> p.startsWith("/type")).anyMatch(p -> p.startsWith("/required"));
    }

    /** The transition the README shows, as it shows it (pretty-printed), is the one above and valid. */
    @Test
    void theReadmesTransitionIsValid() throws Exception {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
        int b = readme.indexOf("```json\n");
        assertThat(b).as("README.md has a ```json block").isGreaterThanOrEqualTo(0);
        String shown = readme.substring(b + "```json\n".length(), readme.indexOf("```", b + 7));
        Schemas.assertValid(Schemas.TRANSITION, shown, "README's transition");
        assertThat(JSON.readTree(shown)).isEqualTo(JSON.readTree(ACCOUNT_UP));
    }

    @Test
    void acceptsTheRecordsOfTheDocs() {
        Schemas.assertValid(Schemas.TRANSITION, ACCOUNT_UP, "README's PQA");
        Schemas.assertValid(Schemas.TRANSITION, USER_UP, "LOCAL-RUNS.md's hot user");
        Schemas.assertValid(Schemas.TRANSITION, USER_DOWN, "a user down on a tick");
        Schemas.assertValid(Schemas.CURRENT_SCORE, SCORE, "a user's current score");
        Schemas.assertValid(Schemas.CURRENT_SCORE, FORGOTTEN_ACCOUNT, "a forgotten account");
        Schemas.assertValid(Schemas.DEAD_LETTER, DEAD_LETTER, "LOCAL-RUNS.md's bad_timestamp");
        Schemas.assertValid(Schemas.DEAD_LETTER, TRUNCATED, "a truncated dead letter");
        Schemas.assertValid(Schemas.DEAD_LETTER, LATE_AFTER_SHUFFLE, "a record late after the shuffle");
        // SLA forms java.time.Duration writes
        for (String sla : List.of("PT1H30M", "PT48H", "PT0.5S", "PT0.001S", "PT1H0.5S", "PT15M")) {
            Schemas.assertValid(Schemas.TRANSITION, mutate(USER_UP, n -> routing(n).put("sla", sla)), "sla " + sla);
        }
    }

    static Stream<Arguments> badTransitions() {
        List<Arguments> out = new ArrayList<>();
        for (String field : List.of("event_id", "kind", "account_id", "user_id", "tier_from", "tier_to", "direction", "score",
                "occurred_at", "cause", "emitted_at", "model_id", "model_version", "breakdown", "top_signals", "active_users_7d",
                "traits", "routing")) {
            out.add(bad("without " + field, ACCOUNT_UP, n -> n.remove(field)));
        }
        out.add(bad("an unknown field", ACCOUNT_UP, n -> n.put("region", "emea")));
        out.add(bad("kind PQA", ACCOUNT_UP, n -> n.put("kind", "PQA")));
        out.add(bad("direction sideways", ACCOUNT_UP, n -> n.put("direction", "sideways")));
        out.add(bad("cause decay", ACCOUNT_UP, n -> n.put("cause", "decay")));
        out.add(bad("a UUID v4 event_id", ACCOUNT_UP, n -> n.put("event_id", "c4d8d74e-ecfe-4422-bc85-41baac01f4d5")));
        out.add(bad("an upper-case event_id", ACCOUNT_UP, n -> n.put("event_id", "C4D8D74E-ECFE-5422-BC85-41BAAC01F4D5")));
        out.add(bad("occurred_at without milliseconds", ACCOUNT_UP, n -> n.put("occurred_at", "2026-03-04T14:47:42Z")));
        out.add(bad("occurred_at with an offset", ACCOUNT_UP, n -> n.put("occurred_at", "2026-03-04T14:47:42.694+00:00")));
        out.add(bad("emitted_at an epoch number", ACCOUNT_UP, n -> n.put("emitted_at", 1772635662694L)));
        out.add(bad("an impossible date", ACCOUNT_UP, n -> n.put("occurred_at", "2026-02-30T14:47:42.694Z")));
        out.add(bad("score as a string", ACCOUNT_UP, n -> n.put("score", "77.66")));
        out.add(bad("a negative score", ACCOUNT_UP, n -> n.put("score", -1.5)));
        out.add(bad("an empty account_id", ACCOUNT_UP, n -> n.put("account_id", "")));
        out.add(bad("an account id over 1 KiB", ACCOUNT_UP, n -> n.put("account_id", "a".repeat(1025))));
        out.add(bad("model_version a number", ACCOUNT_UP, n -> n.put("model_version", 1)));
        out.add(bad("an account with a user_id", ACCOUNT_UP, n -> n.put("user_id", "u1")));
        out.add(bad("an account without active_users_7d", ACCOUNT_UP, n -> n.putNull("active_users_7d")));
        out.add(bad("an account with user traits", ACCOUNT_UP, n -> ((ObjectNode) n.get("traits")).putObject("user")));
        out.add(bad("a user without user_id", USER_UP, n -> n.putNull("user_id")));
        out.add(bad("a user with active_users_7d", USER_UP, n -> n.put("active_users_7d", 2)));
        out.add(bad("a user without user traits", USER_UP, n -> ((ObjectNode) n.get("traits")).remove("user")));
        out.add(bad("traits with a third key", USER_UP, n -> ((ObjectNode) n.get("traits")).putObject("device")));
        out.add(bad("a negative active_users_7d", ACCOUNT_UP, n -> n.put("active_users_7d", -1)));
        out.add(bad("a breakdown point as text", ACCOUNT_UP, n -> ((ObjectNode) n.get("breakdown")).put("fit", "8.00")));
        out.add(bad("an empty breakdown", ACCOUNT_UP, n -> n.putObject("breakdown")));
        out.add(bad("a top signal with an extra key", ACCOUNT_UP,
                n -> ((ObjectNode) n.get("top_signals").get(0)).put("kind", "distinct")));
        out.add(bad("a top signal without last_seen", ACCOUNT_UP, n -> ((ObjectNode) n.get("top_signals").get(0)).remove("last_seen")));
        out.add(bad("routing with an extra key", ACCOUNT_UP, n -> routing(n).put("owner", "ae")));
        out.add(bad("an SLA in model form", ACCOUNT_UP, n -> routing(n).put("sla", "4h")));
        out.add(bad("an SLA in days", ACCOUNT_UP, n -> routing(n).put("sla", "P2D")));
        out.add(bad("an empty SLA", ACCOUNT_UP, n -> routing(n).put("sla", "PT")));
        out.add(bad("an SLA without respond_by", ACCOUNT_UP, n -> routing(n).putNull("respond_by")));
        out.add(bad("respond_by without an SLA", USER_DOWN, n -> routing(n).put("respond_by", "2026-03-09T07:00:00.000Z")));
        out.add(bad("down with a route", USER_DOWN, n -> routing(n).put("route", "sales")));
        out.add(bad("down with an SLA", USER_DOWN, n -> routing(n).put("sla", "PT4H").put("respond_by", "2026-03-09T07:00:00.000Z")));
        out.add(bad("up on a tick", USER_UP, n -> n.put("cause", "tick")));
        out.add(bad("retention into a tier", USER_DOWN, n -> n.put("cause", "retention").put("tier_to", "engaged")
                .put("tier_from", "pql")));
        out.add(bad("up into none", USER_DOWN, n -> n.put("direction", "up").put("cause", "event")));
        out.add(bad("down from none", USER_UP, n -> n.put("tier_from", "none").put("direction", "down")));
        return out.stream();
    }

    @ParameterizedTest(name = "transition: {0}")
    @MethodSource("badTransitions")
    void refusesATransitionThatDiffersFromWhatTheJobWrites(String what, String json) {
        assertThat(Schemas.problems(Schemas.TRANSITION, json)).as(what).isNotEmpty();
    }

    static Stream<Arguments> badScores() {
        List<Arguments> out = new ArrayList<>();
        for (String field : List.of("kind", "account_id", "user_id", "tier", "score", "as_of", "model_id", "model_version",
                "breakdown", "forgotten")) {
            out.add(bad("without " + field, SCORE, n -> n.remove(field)));
        }
        out.add(bad("an unknown field", SCORE, n -> n.put("updated_at", "2026-03-02T09:00:00.001Z")));
        out.add(bad("kind lead", SCORE, n -> n.put("kind", "lead")));
        out.add(bad("as_of without milliseconds", SCORE, n -> n.put("as_of", "2026-03-02T09:00:00Z")));
        out.add(bad("forgotten as text", SCORE, n -> n.put("forgotten", "false")));
        out.add(bad("a user without user_id", SCORE, n -> n.putNull("user_id")));
        out.add(bad("an account with a user_id", FORGOTTEN_ACCOUNT, n -> n.put("user_id", "u1")));
        out.add(bad("forgotten above none", FORGOTTEN_ACCOUNT, n -> n.put("tier", "pqa")));
        out.add(bad("a negative breakdown point", SCORE, n -> ((ObjectNode) n.get("breakdown")).put("main", -0.01)));
        return out.stream();
    }

    @ParameterizedTest(name = "current score: {0}")
    @MethodSource("badScores")
    void refusesACurrentScoreThatDiffersFromWhatTheJobWrites(String what, String json) {
        assertThat(Schemas.problems(Schemas.CURRENT_SCORE, json)).as(what).isNotEmpty();
    }

    static Stream<Arguments> badDeadLetters() {
        List<Arguments> out = new ArrayList<>();
        for (String field : List.of("reason", "detail", "source", "partition", "offset", "payload")) {
            out.add(bad("without " + field, DEAD_LETTER, n -> n.remove(field)));
        }
        out.add(bad("an unknown field", DEAD_LETTER, n -> n.put("topic", "usage-events")));
        out.add(bad("an unknown reason", DEAD_LETTER, n -> n.put("reason", "duplicate")));
        out.add(bad("a reason in upper case", DEAD_LETTER, n -> n.put("reason", "BAD_TIMESTAMP")));
        out.add(bad("an empty source", DEAD_LETTER, n -> n.put("source", "")));
        out.add(bad("offset as text", DEAD_LETTER, n -> n.put("offset", "257")));
        out.add(bad("a negative offset", DEAD_LETTER, n -> n.put("offset", -3)));
        out.add(bad("partition -2", DEAD_LETTER, n -> n.put("partition", -2)));
        out.add(bad("payload_truncated false", DEAD_LETTER, n -> n.put("payload_truncated", false)));
        out.add(bad("record_bytes without payload_truncated", TRUNCATED, n -> n.remove("payload_truncated")));
        out.add(bad("record_bytes 0", TRUNCATED, n -> n.put("record_bytes", 0)));
        out.add(bad("payload_base64 that is not base64", TRUNCATED, n -> n.put("payload_base64", "not base64!")));
        out.add(bad("no payload for a bad record", DEAD_LETTER, n -> n.putNull("payload")));
        out.add(bad("partition -1 for a bad record", DEAD_LETTER, n -> n.put("partition", -1)));
        out.add(bad("late after the shuffle from a topic", LATE_AFTER_SHUFFLE, n -> n.put("source", "usage-events")));
        return out.stream();
    }

    @ParameterizedTest(name = "dead letter: {0}")
    @MethodSource("badDeadLetters")
    void refusesADeadLetterThatDiffersFromWhatTheJobWrites(String what, String json) {
        assertThat(Schemas.problems(Schemas.DEAD_LETTER, json)).as(what).isNotEmpty();
    }

    private static Arguments bad(String what, String json, Consumer<ObjectNode> change) {
        return Arguments.of(what, mutate(json, change));
    }

    private static String mutate(String json, Consumer<ObjectNode> change) {
        try {
            ObjectNode n = (ObjectNode) JSON.readTree(json);
            change.accept(n);
            return JSON.writeValueAsString(n);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode routing(ObjectNode n) {
        return (ObjectNode) n.get("routing");
    }
}
