package io.pqlscore.scoring;

import static io.pqlscore.scoring.ScoreEngineTest.H;
import static io.pqlscore.scoring.ScoreEngineTest.HEADER;
import static io.pqlscore.scoring.ScoreEngineTest.HIGH_SCORES;
import static io.pqlscore.scoring.ScoreEngineTest.M;
import static io.pqlscore.scoring.ScoreEngineTest.SCORES;
import static io.pqlscore.scoring.ScoreEngineTest.T0;
import static io.pqlscore.scoring.ScoreEngineTest.group;
import static io.pqlscore.scoring.ScoreEngineTest.identify;
import static io.pqlscore.scoring.ScoreEngineTest.rec;
import static io.pqlscore.scoring.ScoreEngineTest.tiersOf;
import static io.pqlscore.scoring.ScoreEngineTest.track;
import static io.pqlscore.scoring.ScoreEngineTest.ts;
import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.model.JsonValues;
import io.pqlscore.scoring.ScoreEngineTest.Harness;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Trait merges and trait tests (SPEC 2 kind 5, 3, 7) and routing (SPEC 6, 7) on the plain-Java engine. */
class ScoreEngineTraitsTest {

    /** Account traits: employees >= 1000 (40), industry = software (20), company.size >= 100 (5), plan present (1); user role (10). */
    static final String TRAITS = HEADER + """
            signals:
              - {id: big, category: fit, trait: {of: account, path: employees, gte: 1000}, points: 40}
              - {id: industry, category: fit, trait: {of: account, path: industry, eq: software}, points: 20}
              - {id: size, category: fit, trait: {of: account, path: company.size, gte: 100}, points: 5}
              - {id: plan, category: fit, trait: {of: account, path: plan}, points: 1}
              - id: role
                category: fit
                scope: user
                trait: {of: user, path: role, in: [vp, director]}
                points: 10
            """ + SCORES;

    // ================================================================ merges

    @Test
    void groupMergesAccountTraitsShallowly() {
        Harness h = new Harness(TRAITS);
        h.apply(group("g1", T0, "{\"employees\":2000,\"industry\":\"software\",\"company\":{\"size\":500,\"name\":\"A\"}}"));
        // 40 + 20 + 5 = 65
        assertThat(h.scoreAt(null, T0)).isEqualTo(65);
        // employees overwritten (10 fails), industry and company kept: 20 + 5 = 25
        h.apply(group("g2", T0 + H, "{\"employees\":10}"));
        assertThat(h.scoreAt(null, T0 + H)).isEqualTo(25);
        // industry overwritten; company replaced as a whole (shallow): size is gone -> 0
        h.apply(group("g3", T0 + 2 * H, "{\"industry\":\"retail\",\"company\":{\"name\":\"B\"}}"));
        assertThat(h.scoreAt(null, T0 + 2 * H)).isZero();
        // employees back up: 40
        h.apply(group("g4", T0 + 3 * H, "{\"employees\":5000}"));
        assertThat(h.scoreAt(null, T0 + 3 * H)).isEqualTo(40);
        // the merged traits as the transitions show them
        h.apply(track("m5", T0 + 4 * H, "u1", "Noop")); // u1 sees 40 -> pql
        Transition u = h.transitions("u1").get(0);
        assertThat(JsonValues.parse(u.traitsJson)).isEqualTo(JsonValues.parse(
                "{\"account\":{\"employees\":5000,\"industry\":\"retail\",\"company\":{\"name\":\"B\"}},\"user\":{}}"));
    }

    @Test
    void aTraitKeySetToNullFailsEveryTest() {
        Harness h = new Harness(TRAITS);
        h.apply(group("g1", T0, "{\"industry\":\"software\",\"plan\":\"x\"}"));
        assertThat(h.scoreAt(null, T0)).isEqualTo(21); // 20 + present plan 1
        h.apply(group("g2", T0 + H, "{\"industry\":null}"));
        assertThat(h.scoreAt(null, T0 + H)).isEqualTo(1); // null replaces software and fails eq
        h.apply(group("g3", T0 + 2 * H, "{\"plan\":null}"));
        assertThat(h.scoreAt(null, T0 + 2 * H)).isZero(); // null is not "present"
        h.apply(group("g4", T0 + 3 * H, "{\"plan\":false}"));
        assertThat(h.scoreAt(null, T0 + 3 * H)).isEqualTo(1); // false is a non-null value
    }

    @Test
    void identifyWithoutUserIdChangesNothing() {
        Harness h = new Harness(TRAITS);
        h.apply(rec("identify", "i0", ts(T0), null, null, null, "traits", "{\"role\":\"vp\"}"));
        assertThat(h.store.users).isEmpty();
        assertThat(h.store.account().entity.traitKeys).isEmpty();
        h.apply(track("m1", T0 + H, "u1", "Noop"));
        assertThat(h.scoreAt("u1", T0 + H)).isZero();
        // with a userId it does: role vp -> 10
        h.apply(identify("i1", T0 + 2 * H, "u1", "{\"role\":\"vp\"}"));
        assertThat(h.scoreAt("u1", T0 + 2 * H)).isEqualTo(10);
        // an identify without the key keeps it
        h.apply(identify("i2", T0 + 3 * H, "u1", "{\"other\":1}"));
        assertThat(h.scoreAt("u1", T0 + 3 * H)).isEqualTo(10);
        h.apply(identify("i3", T0 + 4 * H, "u1", "{\"role\":\"intern\"}"));
        assertThat(h.scoreAt("u1", T0 + 4 * H)).isZero();
        // user traits are the user's only: the account never scores role
        assertThat(h.scoreAt(null, T0 + 2 * H)).isZero();
    }

    @Test
    void userScoresSeeAccountTraits() {
        Harness h = new Harness(TRAITS);
        h.apply(track("m1", T0, "u1", "Noop"));
        h.apply(group("g1", T0 + H, "{\"employees\":2000,\"industry\":\"software\"}"));
        // u1 has no points of its own but sees 40 + 20 = 60 -> pql, by the group
        assertThat(h.scoreAt("u1", T0 + H)).isEqualTo(60);
        assertThat(tiersOf(h.transitions("u1"))).isEqualTo("none>pql@" + ts(T0 + H) + "/event");
        // plus its own role: 70 -> hot
        h.apply(identify("i1", T0 + 2 * H, "u1", "{\"role\":\"director\"}"));
        assertThat(h.scoreAt("u1", T0 + 2 * H)).isEqualTo(70);
        assertThat(h.transitions("u1").get(1).tierTo).isEqualTo("hot");
    }

    @Test
    void aGroupReEvaluatesEveryUserAtOnce() {
        Harness h = new Harness(TRAITS);
        h.apply(track("m1", T0, "u1", "Noop"));
        h.apply(track("m2", T0 + 1, "u2", "Noop"));
        h.apply(track("m3", T0 + 2, "u3", "Noop"));
        h.apply(group("g1", T0 + H, "{\"employees\":2000,\"industry\":\"software\",\"company\":{\"size\":100}}"));
        // 65 for the account (-> pqa) and for every user (-> pql), all at the group's instant, account first
        List<Transition> at = h.transitions.stream().filter(t -> t.occurredAt == T0 + H).collect(Collectors.toList());
        assertThat(at).extracting(t -> t.userId + ":" + t.tierFrom + ">" + t.tierTo)
                .containsExactly("null:none>pqa", "u1:none>pql", "u2:none>pql", "u3:none>pql");
        assertThat(at).extracting(t -> t.cause).containsOnly("event");
        assertThat(at).extracting(t -> t.score).containsOnly(65.0);
        assertThat(at.stream().map(t -> t.eventId).distinct().count()).isEqualTo(4);
        // a group is not a record of the users: their lastRecordAt stays
        assertThat(h.store.user("u1").lastRecordAt).isEqualTo(T0);
    }

    // ================================================================ trait tests

    @Test
    void traitTestKeysEqInPrefixGteLtePresent() {
        Harness h = new Harness(HEADER + """
                signals:
                  - {id: eq, category: fit, trait: {of: account, path: plan, eq: pro}, points: 1}
                  - {id: in, category: fit, trait: {of: account, path: industry, in: [software, fintech]}, points: 2}
                  - {id: prefix, category: fit, trait: {of: account, path: domain, prefix: acme}, points: 4}
                  - {id: gte, category: fit, trait: {of: account, path: employees, gte: 1000}, points: 8}
                  - {id: lte, category: fit, trait: {of: account, path: employees, lte: 50}, points: 16}
                  - {id: present, category: fit, trait: {of: account, path: region}, points: 32}
                  - {id: eqnum, category: fit, trait: {of: account, path: seats, eq: 50}, points: 64}
                """ + HIGH_SCORES);
        // pro, fintech, acme.io, 1000 (gte inclusive, not <= 50), eu, 50.0 (= 50): 1+2+4+8+32+64 = 111
        h.apply(group("g1", T0, "{\"plan\":\"pro\",\"industry\":\"fintech\",\"domain\":\"acme.io\",\"employees\":1000,"
                + "\"region\":\"eu\",\"seats\":50.0}"));
        assertThat(h.scoreAt(null, T0)).isEqualTo(111);
        // Pro (case), retail, xacme, 50 (lte inclusive), null region, "50" (a string): only lte -> 16
        h.apply(group("g2", T0 + 1, "{\"plan\":\"Pro\",\"industry\":\"retail\",\"domain\":\"xacme\",\"employees\":50,"
                + "\"region\":null,\"seats\":\"50\"}"));
        assertThat(h.scoreAt(null, T0 + 1)).isEqualTo(16);
        // pro, "5000" (a string: no range holds), 5 (a number: no prefix), false (present), 50: 1 + 32 + 64 = 97
        h.apply(group("g3", T0 + 2, "{\"plan\":\"pro\",\"employees\":\"5000\",\"domain\":5,\"region\":false,\"seats\":50}"));
        assertThat(h.scoreAt(null, T0 + 2)).isEqualTo(97);
        // users see the account traits too
        h.apply(track("m4", T0 + 3, "u1", "Noop"));
        assertThat(h.scoreAt("u1", T0 + 3)).isEqualTo(97);
    }

    @Test
    void traitsJsonHoldsTheTraitKeysTheModelReads() {
        Harness h = new Harness(TRAITS);
        h.apply(group("g1", T0, "{\"employees\":2000,\"name\":\"Acme\",\"industry\":\"software\"}"));
        h.apply(identify("i1", T0 + H, "u1", "{\"role\":\"vp\",\"email\":\"a@b.c\"}"));
        // account: 40 + 20 = 60 -> pqa; u1: 60 + 10 = 70 -> hot
        Transition acc = h.transitions(null).get(0);
        Transition u = h.transitions("u1").get(0);
        assertThat(u.tierTo).isEqualTo("hot");
        assertThat(JsonValues.parse(acc.traitsJson))
                .isEqualTo(JsonValues.parse("{\"account\":{\"employees\":2000,\"industry\":\"software\"}}"));
        assertThat(JsonValues.parse(u.traitsJson)).isEqualTo(JsonValues.parse(
                "{\"account\":{\"employees\":2000,\"industry\":\"software\"},\"user\":{\"role\":\"vp\"}}"));
        // top signals of a trait carry the time of the call that set the key
        assertThat(u.topSignals).extracting(s -> s.signal + "@" + s.lastSeen)
                .containsExactly("big@" + T0, "industry@" + T0, "role@" + (T0 + H));
    }

    // ================================================================ routing

    static final String ROUTED = HEADER + """
            signals:
              - {id: big, category: main, match: {event: Big}, points: 75, half-life: 1d}
              - {id: mid, category: main, match: {event: Mid}, points: 45}
              - {id: low, category: main, match: {event: Low}, points: 25}
            """ + SCORES;

    static final String OVERRIDE = """
            routing:
              enterprise-override: {trait: {of: account, path: employees, gte: 1000}, tiers: [hot]}
            """;

    @Test
    void upwardTransitionsCarryTheTierRouteAndSlaDownwardCarryNone() {
        Harness h = new Harness(ROUTED);
        h.apply(track("m1", T0, "u1", "Low")); // 25: engaged
        h.apply(track("m2", T0 + M, "u2", "Mid")); // 45: pql; the account 70: pqa
        h.apply(track("m3", T0 + 2 * M, "u3", "Big")); // 75: hot
        Transition engaged = h.transitions("u1").get(0);
        assertThat(engaged.route).isEqualTo("self_serve");
        assertThat(engaged.slaMs).isZero(); // no sla
        Transition pql = h.transitions("u2").get(0);
        assertThat(pql.route).isEqualTo("sales");
        assertThat(pql.slaMs).isEqualTo(4 * H);
        Transition hot = h.transitions("u3").get(0);
        assertThat(hot.route).isEqualTo("sales_priority");
        assertThat(hot.slaMs).isEqualTo(H);
        Transition pqa = h.transitions(null).get(0);
        assertThat(pqa.route).isEqualTo("am");
        assertThat(pqa.slaMs).isEqualTo(4 * H);
        h.finish();
        // u3 decays through pql and engaged to none; everything ends in none (retention for the others)
        assertThat(h.transitions("u3")).extracting(t -> t.tierTo).containsExactly("hot", "pql", "engaged", "none");
        for (Transition t : h.transitions) {
            if (t.direction.equals("down")) {
                assertThat(t.route).as(t.toString()).isEqualTo("none");
                assertThat(t.slaMs).as(t.toString()).isZero();
            }
        }
        assertThat(h.transitions.stream().filter(t -> t.direction.equals("down")).count()).isEqualTo(6);
    }

    @Test
    void enterpriseOverrideRoutesListedTiersOfEnterpriseAccounts() {
        Harness h = new Harness(ROUTED + OVERRIDE);
        h.apply(group("g1", T0, "{\"employees\":2000}"));
        h.apply(track("m1", T0 + M, "u1", "Big")); // hot, listed, enterprise band
        h.apply(track("m2", T0 + 2 * M, "u2", "Mid")); // pql: not listed
        Transition u1 = h.transitions("u1").get(0);
        assertThat(u1.tierTo).isEqualTo("hot");
        assertThat(u1.route).isEqualTo("enterprise");
        assertThat(u1.slaMs).isEqualTo(H); // the tier's SLA stays
        Transition u2 = h.transitions("u2").get(0);
        assertThat(u2.route).isEqualTo("sales");
        assertThat(u2.slaMs).isEqualTo(4 * H);
        assertThat(h.transitions(null).get(0).route).isEqualTo("am"); // pqa is not listed
        // pql -> hot for u2: listed -> enterprise
        h.apply(track("m3", T0 + 3 * M, "u2", "Big"));
        assertThat(h.transitions("u2").get(1).tierTo).isEqualTo("hot");
        assertThat(h.transitions("u2").get(1).route).isEqualTo("enterprise");

        // out of the band: hot keeps its own route
        h.apply(group("g2", T0 + H, "{\"employees\":999}"));
        h.apply(track("m4", T0 + H + M, "u3", "Big"));
        assertThat(h.transitions("u3").get(0).route).isEqualTo("sales_priority");
        // back in (gte is inclusive)
        h.apply(group("g3", T0 + 2 * H, "{\"employees\":1000}"));
        h.apply(track("m5", T0 + 2 * H + M, "u4", "Big"));
        assertThat(h.transitions("u4").get(0).route).isEqualTo("enterprise");
        // downward: none, whatever the band
        h.finish();
        assertThat(h.transitions.stream().filter(t -> t.direction.equals("down")).map(t -> t.route).distinct()
                .collect(Collectors.toList())).containsExactly("none");

        // an account without traits: no override
        Harness g = new Harness(ROUTED + OVERRIDE);
        g.apply(track("m1", T0, "u1", "Big"));
        assertThat(g.transitions("u1").get(0).route).isEqualTo("sales_priority");
    }
}
