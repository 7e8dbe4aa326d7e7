package io.pqlscore.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * SPEC 5 and 7: {@code event_id} is a name-based UUID (version 5, nil namespace) of
 * {@code model_id|model_version|kind|account_id|user_id|occurred_at ms|tier_to|trigger}. Expected
 * values were computed independently with Python: {@code uuid.uuid5(uuid.UUID(int=0), name)}.
 */
class EventIdTest {

    /** 2026-03-02T09:00:00Z. */
    private static final long T0 = 1_772_442_000_000L;

    private static Transition user() {
        Transition t = new Transition();
        t.modelId = "simple";
        t.modelVersion = "1";
        t.kind = Transition.PQL;
        t.accountId = "acme";
        t.userId = "u1";
        t.tierFrom = "engaged";
        t.tierTo = "pql";
        t.direction = "up";
        t.score = 41.5;
        t.occurredAt = T0;
        t.cause = Transition.CAUSE_EVENT;
        t.emittedAt = 123L;
        return t;
    }

    private static Transition account() {
        Transition t = user();
        t.kind = Transition.PQA;
        t.userId = null;
        t.tierFrom = "none";
        t.tierTo = "pqa";
        return t;
    }

    @Test
    void uuid5MatchesRfc4122WithTheNilNamespace() {
        assertThat(ScoreOutputs.uuid5("abc")).isEqualTo(UUID.fromString("b01d8779-68c6-576d-bef4-26488c9c9223"));
        assertThat(ScoreOutputs.uuid5("")).isEqualTo(UUID.fromString("e129f27c-5103-5c5c-844b-cdf0a15e160d"));
        // the name is UTF-8
        assertThat(ScoreOutputs.uuid5("simple|1|pql|äcme|u1|1772442000000|pql|m-1"))
                .isEqualTo(UUID.fromString("da8abf5a-28a2-5a42-b5f2-b28060101fd0"));
    }

    @Test
    void uuid5IsVersion5WithTheRfcVariant() {
        for (String name : new String[] {"abc", "", "x|y|z", "simple|1|pql|acme|u1|1772442000000|pql|tick"}) {
            UUID u = ScoreOutputs.uuid5(name);
            assertThat(u.version()).isEqualTo(5);
            assertThat(u.variant()).isEqualTo(2);
            assertThat(u.toString().charAt(14)).isEqualTo('5');
            assertThat(u.toString()).matches("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        }
    }

    @Test
    void userEventIdName() {
        // simple|1|pql|acme|u1|1772442000000|pql|m-1
        assertThat(ScoreOutputs.eventId(user(), "m-1")).isEqualTo("821c918c-bee0-559c-9503-fd7db6d6faf9");
        // simple|1|pql|acme|u1|1772442000000|pql|tick
        assertThat(ScoreOutputs.eventId(user(), "tick")).isEqualTo("a81d9280-b0e0-5270-a5da-3d2c3290d777");
        assertThat(ScoreOutputs.eventId(user(), "retention")).isEqualTo("a31de8b8-9965-57cc-ac05-6825c262559d");
    }

    @Test
    void accountEventIdHasAnEmptyUserId() {
        // simple|1|pqa|acme||1772442000000|pqa|m-1
        assertThat(ScoreOutputs.eventId(account(), "m-1")).isEqualTo("1e254aaf-6534-58b4-b630-bd8053412b64");
        Transition down = account();
        down.tierFrom = "pqa";
        down.tierTo = "none";
        down.direction = "down";
        // simple|1|pqa|acme||1772442000000|none|retention
        assertThat(ScoreOutputs.eventId(down, "retention")).isEqualTo("99cf3d8a-0546-5ac3-aa69-b445e9f2d8de");
    }

    @Test
    void eachNamePartChangesTheId() {
        Transition t = user();
        t.modelVersion = "2";
        assertThat(ScoreOutputs.eventId(t, "m-1")).isEqualTo("be28fd6d-7b43-5d16-8138-8d959ed70251");
        t = user();
        t.occurredAt = T0 + 1;
        assertThat(ScoreOutputs.eventId(t, "m-1")).isEqualTo("02f67755-5b77-5bb0-b5c2-1a222646d248");
        t = user();
        t.tierTo = "hot";
        assertThat(ScoreOutputs.eventId(t, "m-1")).isEqualTo("b435940a-80ce-5656-9571-a4acd25ab184");
        // occurred_at is the epoch milliseconds as a decimal integer, sign included
        t = user();
        t.occurredAt = -5;
        t.tierTo = "none";
        assertThat(ScoreOutputs.eventId(t, "tick")).isEqualTo("5d20d567-4754-51f1-b570-805bc4145d76");
    }

    @Test
    void stableAcrossCallsAndIndependentOfOtherFields() {
        String id = ScoreOutputs.eventId(user(), "m-1");
        assertThat(ScoreOutputs.eventId(user(), "m-1")).isEqualTo(id);
        assertThat(ScoreOutputs.uuid5("abc")).isEqualTo(ScoreOutputs.uuid5("abc"));
        // score, tier_from, direction, cause, emitted_at are not part of the name
        Transition t = user();
        t.score = 99.99;
        t.tierFrom = "none";
        t.cause = Transition.CAUSE_TICK;
        t.emittedAt = 999_999L;
        assertThat(ScoreOutputs.eventId(t, "m-1")).isEqualTo(id);
    }

    @Test
    void differentTriggerDifferentId() {
        String m1 = ScoreOutputs.eventId(user(), "m-1");
        String m2 = ScoreOutputs.eventId(user(), "m-2");
        assertThat(m2).isEqualTo("f6377f1a-82f3-53e3-adb7-891fa3766693");
        assertThat(m1).isNotEqualTo(m2);
        assertThat(ScoreOutputs.eventId(user(), "tick")).isNotEqualTo(m1).isNotEqualTo(ScoreOutputs.eventId(user(), "retention"));
        // a user's id never equals the account's for the same instant and trigger
        assertThat(ScoreOutputs.eventId(account(), "m-1")).isNotEqualTo(m1);
    }
}
