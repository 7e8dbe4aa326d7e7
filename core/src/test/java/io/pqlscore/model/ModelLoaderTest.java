package io.pqlscore.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLoaderTest {

    private static final long MIN = 60_000L;
    private static final long HOUR = 60 * MIN;
    private static final long DAY = 24 * HOUR;

    static Path sharedDir() {
        return Path.of(System.getProperty("shared.dir", "contract"));
    }

    private static Signal signal(ScoringModel m, String id) {
        return m.signals().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void loadsTheFormatFileUnchanged() {
        ScoringModel m = ModelLoader.load(sharedDir().resolve("model-format.yaml"));
        assertFormatModel(m);
        assertThat(m.id()).isEqualTo("example");
    }

    @Test
    void loadsTheDefaultModel() {
        ScoringModel m = ModelLoader.loadDefault();
        assertThat(m.id()).isEqualTo("default");
        assertThat(m.version()).isEqualTo("1");
        assertFormatModel(m);
        assertThat(ModelLoader.load("classpath:/models/default.yaml").id()).isEqualTo("default");
        assertThat(ModelLoader.load("classpath:models/default.yaml").id()).isEqualTo("default");
    }

    /** The structure of model-format.yaml (the default model has the same signals and numbers). */
    private static void assertFormatModel(ScoringModel m) {
        assertThat(m.version()).isEqualTo("1");
        assertThat(m.time().maxOutOfOrdernessMs()).isEqualTo(5 * MIN);
        assertThat(m.time().evaluationIntervalMs()).isEqualTo(HOUR);
        assertThat(m.time().dedupeWindowMs()).isEqualTo(24 * HOUR);
        assertThat(m.time().retentionMs()).isEqualTo(90 * DAY);
        assertThat(m.accountIdPaths()).extracting(JsonPath::toString)
                .containsExactly("context.groupId", "groupId", "properties.accountId");

        assertThat(m.categoryNames()).containsExactly("frequency", "activation", "team", "depth", "intent", "fit");
        assertThat(m.cap("frequency")).isEqualTo(30.0);
        assertThat(m.cap("activation")).isEqualTo(25.0);
        assertThat(m.cap("team")).isEqualTo(20.0);
        assertThat(m.cap("depth")).isEqualTo(15.0);
        assertThat(m.cap("intent")).isEqualTo(10.0);
        assertThat(m.cap("fit")).isEqualTo(10.0);

        assertThat(m.signals()).hasSize(14);
        assertThat(m.signals()).extracting(Signal::id).containsExactly("active_days", "onboarding_completed",
                "primary_activation", "secondary_activation", "teammate_invited", "active_users", "feature_depth",
                "pricing_page", "billing_page", "checkout_started", "usage_limit_approach", "icp_company_size",
                "icp_industry", "buyer_role");
        for (int i = 0; i < m.signals().size(); i++) {
            assertThat(m.signals().get(i).index()).isEqualTo(i);
        }
        assertThat(m.signals()).extracting(Signal::kind).containsExactly(SignalKind.DISTINCT, SignalKind.POINTS,
                SignalKind.SEQUENCE, SignalKind.SEQUENCE, SignalKind.POINTS, SignalKind.DISTINCT, SignalKind.DISTINCT,
                SignalKind.POINTS, SignalKind.POINTS, SignalKind.POINTS, SignalKind.USAGE, SignalKind.TRAIT,
                SignalKind.TRAIT, SignalKind.TRAIT);
        assertThat(m.signals()).extracting(Signal::scope).containsExactly(Scope.BOTH, Scope.BOTH, Scope.BOTH,
                Scope.ACCOUNT, Scope.BOTH, Scope.ACCOUNT, Scope.BOTH, Scope.BOTH, Scope.BOTH, Scope.BOTH, Scope.BOTH,
                Scope.BOTH, Scope.BOTH, Scope.USER);

        Signal activeDays = signal(m, "active_days");
        assertThat(activeDays.category()).isEqualTo("frequency");
        assertThat(activeDays.distinctBy()).isEqualTo(Signal.DistinctBy.DAY);
        assertThat(activeDays.windowMs()).isEqualTo(7 * DAY);
        assertThat(activeDays.match().types()).containsExactlyInAnyOrder("track", "page", "screen");
        assertThat(activeDays.match().events()).isNull();
        assertThat(activeDays.tiers()).extracting(PointTier::min).containsExactly(1L, 3L, 5L);
        assertThat(activeDays.tiers()).extracting(PointTier::points).containsExactly(5.0, 15.0, 30.0);
        assertThat(activeDays.pointsForCount(4)).isEqualTo(15.0);

        Signal onboarding = signal(m, "onboarding_completed");
        assertThat(onboarding.match().types()).containsExactly("track");
        assertThat(onboarding.match().events()).containsExactly("Onboarding Completed");
        assertThat(onboarding.points()).isEqualTo(5.0);
        assertThat(onboarding.once()).isTrue();
        assertThat(onboarding.decays()).isFalse();

        Signal primary = signal(m, "primary_activation");
        assertThat(primary.steps()).hasSize(2);
        assertThat(primary.steps().get(0).events()).containsExactly("Data Source Connected");
        assertThat(primary.steps().get(1).events()).containsExactly("Dashboard Created");
        assertThat(primary.withinMs()).isEqualTo(14 * DAY);
        assertThat(primary.points()).isEqualTo(15.0);
        assertThat(primary.halfLifeMs()).isEqualTo(60 * DAY);

        Signal secondary = signal(m, "secondary_activation");
        assertThat(secondary.steps()).hasSize(3);
        assertThat(secondary.withinMs()).isEqualTo(30 * DAY);
        assertThat(secondary.decays()).isFalse();

        assertThat(signal(m, "teammate_invited").halfLifeMs()).isEqualTo(30 * DAY);
        assertThat(signal(m, "active_users").distinctBy()).isEqualTo(Signal.DistinctBy.USER);
        assertThat(signal(m, "active_users").maxTierMin()).isEqualTo(5);

        Signal depth = signal(m, "feature_depth");
        assertThat(depth.distinctBy()).isEqualTo(Signal.DistinctBy.PATH);
        assertThat(depth.distinctPath()).hasToString("properties.feature");
        assertThat(depth.windowMs()).isEqualTo(30 * DAY);

        Signal pricing = signal(m, "pricing_page");
        assertThat(pricing.match().types()).containsExactly("page");
        assertThat(pricing.match().names()).containsExactly("Pricing");
        assertThat(pricing.match().events()).isNull();
        assertThat(pricing.halfLifeMs()).isEqualTo(7 * DAY);
        assertThat(signal(m, "billing_page").match().names()).containsExactlyInAnyOrder("Billing", "Upgrade");
        assertThat(signal(m, "checkout_started").halfLifeMs()).isEqualTo(3 * DAY);

        Signal usage = signal(m, "usage_limit_approach");
        assertThat(usage.match().events()).containsExactly("Usage Reported");
        assertThat(usage.metricPath()).hasToString("properties.metric");
        assertThat(usage.usedPath()).hasToString("properties.used");
        assertThat(usage.limitPath()).hasToString("properties.limit");
        assertThat(usage.at()).isEqualTo(0.8);
        assertThat(usage.points()).isEqualTo(10.0);
        assertThat(usage.halfLifeMs()).isEqualTo(14 * DAY);

        Signal size = signal(m, "icp_company_size");
        assertThat(size.trait().of()).isEqualTo(TraitTest.Of.ACCOUNT);
        assertThat(size.trait().path()).hasToString("employees");
        assertThat(size.trait().test().op()).isEqualTo(ValueTest.Op.RANGE);
        assertThat(size.trait().test().test(new BigDecimal("50"))).isTrue();
        assertThat(size.trait().test().test(new BigDecimal("5000"))).isTrue();
        assertThat(size.trait().test().test(new BigDecimal("49"))).isFalse();
        assertThat(size.trait().test().test(new BigDecimal("5001"))).isFalse();
        assertThat(size.points()).isEqualTo(5.0);
        assertThat(size.decays()).isFalse();

        Signal industry = signal(m, "icp_industry");
        assertThat(industry.trait().test().op()).isEqualTo(ValueTest.Op.IN);
        assertThat(industry.trait().test().test("fintech")).isTrue();
        assertThat(industry.trait().test().test("retail")).isFalse();

        Signal role = signal(m, "buyer_role");
        assertThat(role.trait().of()).isEqualTo(TraitTest.Of.USER);
        assertThat(role.points()).isEqualTo(2.0);

        assertThat(m.pql().hysteresis()).isEqualTo(5.0);
        assertThat(m.pql().minActiveUsers()).isZero();
        assertThat(m.pql().tiers()).extracting(TierDef::name).containsExactly("engaged", "pql", "hot");
        assertThat(m.pql().tiers()).extracting(TierDef::min).containsExactly(20.0, 40.0, 70.0);
        assertThat(m.pql().tiers()).extracting(TierDef::route).containsExactly("self_serve", "sales", "sales_priority");
        assertThat(m.pql().tiers()).extracting(TierDef::slaMs).containsExactly(0L, 4 * HOUR, HOUR);
        assertThat(m.pql().tiers().get(0).hasSla()).isFalse();
        assertThat(m.pqa().hysteresis()).isEqualTo(5.0);
        assertThat(m.pqa().minActiveUsers()).isEqualTo(3);
        assertThat(m.pqa().tiers()).extracting(TierDef::name).containsExactly("pqa");
        assertThat(m.pqa().tiers().get(0).min()).isEqualTo(50.0);
        assertThat(m.pqa().tiers().get(0).route()).isEqualTo("enterprise");
        assertThat(m.pqa().tiers().get(0).slaMs()).isEqualTo(4 * HOUR);

        RoutingOverride override = m.enterpriseOverride();
        assertThat(override).isNotNull();
        assertThat(override.tiers()).containsExactly("hot");
        assertThat(override.trait().of()).isEqualTo(TraitTest.Of.ACCOUNT);
        assertThat(override.trait().path()).hasToString("employees");
        assertThat(override.trait().test().test(new BigDecimal("1000"))).isTrue();
        assertThat(override.trait().test().test(new BigDecimal("999"))).isFalse();
    }

    @Test
    void loadsTheConformanceModel() {
        ScoringModel m = ModelLoader.load(sharedDir().resolve("conformance/model-simple.yaml"));
        assertThat(m.id()).isEqualTo("simple");
        assertThat(m.signals()).hasSize(15);
        assertThat(m.categoryNames()).containsExactly("capped", "main", "fit");
        assertThat(m.cap("capped")).isEqualTo(30.0);
        assertThat(m.cap("main")).isNull();
        assertThat(m.pqa().minActiveUsers()).isEqualTo(2);
        assertThat(m.enterpriseOverride()).isNull();

        Signal sqlOrApi = signal(m, "sql_or_api");
        assertThat(sqlOrApi.match().where()).hasSize(2);
        PathTest feature = sqlOrApi.match().where().get(0);
        assertThat(feature.path()).hasToString("properties.feature");
        assertThat(feature.test().op()).isEqualTo(ValueTest.Op.IN);
        PathTest count = sqlOrApi.match().where().get(1);
        assertThat(count.test().op()).isEqualTo(ValueTest.Op.RANGE);
        assertThat(count.test().test(new BigDecimal("10"))).isTrue();
        assertThat(count.test().test(new BigDecimal("11"))).isFalse();

        PathTest seats = signal(m, "fifty_seats").match().where().get(0);
        assertThat(seats.test().op()).isEqualTo(ValueTest.Op.EQ);
        assertThat(seats.test().test(new BigDecimal("50.0"))).isTrue();
        assertThat(seats.test().test("50")).isFalse();
        assertThat(signal(m, "flag_one").match().where().get(0).test().test(Boolean.TRUE)).isFalse();

        Signal settings = signal(m, "settings_pages");
        assertThat(settings.match().types()).containsExactly("page");
        assertThat(settings.match().where().get(0).test().op()).isEqualTo(ValueTest.Op.PREFIX);
        assertThat(settings.match().where().get(0).test().test("/settings/billing")).isTrue();

        assertThat(signal(m, "visit_days").scope()).isEqualTo(Scope.USER);
        assertThat(signal(m, "visit_days").windowMs()).isEqualTo(3 * DAY);
        assertThat(signal(m, "onboarding").steps()).hasSize(3);
        assertThat(signal(m, "quota").halfLifeMs()).isEqualTo(2 * DAY);
        Signal hasRole = signal(m, "has_role");
        assertThat(hasRole.trait().test().op()).isEqualTo(ValueTest.Op.PRESENT);
    }

    @Test
    void defaultsApplyWhenOptionalBlocksAreAbsent() {
        ScoringModel m = ModelLoader.parse("""
                id: tiny
                version: "2024-01-15"
                signals:
                  - {id: a, category: c, match: {name: Home}, points: 1}
                  - {id: b, category: c, match: {}, points: 1}
                scores:
                  pql: {tiers: [{name: pql, min: 40, route: sales}]}
                  pqa: {tiers: [{name: pqa, min: 50, route: sales}]}
                """, "tiny.yaml");
        // a timestamp-looking scalar stays a string
        assertThat(m.version()).isEqualTo("2024-01-15");
        assertThat(m.time().maxOutOfOrdernessMs()).isEqualTo(TimeSettings.DEFAULT_MAX_OUT_OF_ORDERNESS_MS);
        assertThat(m.time().evaluationIntervalMs()).isEqualTo(TimeSettings.DEFAULT_EVALUATION_INTERVAL_MS);
        assertThat(m.time().dedupeWindowMs()).isEqualTo(TimeSettings.DEFAULT_DEDUPE_WINDOW_MS);
        assertThat(m.time().retentionMs()).isEqualTo(TimeSettings.DEFAULT_RETENTION_MS);
        assertThat(m.accountIdPaths()).extracting(JsonPath::toString)
                .containsExactly("context.groupId", "groupId", "properties.accountId");
        assertThat(m.categoryNames()).containsExactly("c");
        assertThat(m.cap("c")).isNull();
        assertThat(m.pql().hysteresis()).isEqualTo(ScoreScale.DEFAULT_HYSTERESIS);
        assertThat(m.pqa().minActiveUsers()).isZero();
        assertThat(m.enterpriseOverride()).isNull();
        assertThat(m.signals().get(0).scope()).isEqualTo(Scope.BOTH);
        assertThat(m.signals().get(0).match().types()).containsExactlyInAnyOrder("page", "screen");
        assertThat(m.signals().get(1).match().types()).containsExactlyInAnyOrder("track", "page", "screen");
    }

    @Test
    void durationsAcceptDecimalsAndAllUnits() {
        ScoringModel m = ModelLoader.parse("""
                id: d
                version: "1"
                time:
                  max-out-of-orderness: 0s
                  evaluation-interval: 1.5h
                  dedupe-window: 250ms
                  retention: 0.0015s
                signals:
                  - {id: a, category: c, match: {event: A}, points: 1, half-life: 90s}
                  - {id: b, category: c, match: {event: B}, points: 1, half-life: .5m}
                scores:
                  pql: {tiers: [{name: pql, min: 40, route: sales, sla: 2.5d}]}
                  pqa: {tiers: [{name: pqa, min: 50, route: sales}]}
                """, "d.yaml");
        assertThat(m.time().maxOutOfOrdernessMs()).isZero();
        assertThat(m.time().evaluationIntervalMs()).isEqualTo(90 * MIN);
        assertThat(m.time().dedupeWindowMs()).isEqualTo(250);
        assertThat(m.time().retentionMs()).isEqualTo(2); // 1.5 ms rounds half up
        assertThat(m.signals().get(0).halfLifeMs()).isEqualTo(90_000);
        assertThat(m.signals().get(1).halfLifeMs()).isEqualTo(30_000);
        assertThat(m.pql().tiers().get(0).slaMs()).isEqualTo(60 * HOUR);
    }

    @Test
    void whereValuesAreCanonicalJsonValues() {
        ScoringModel m = ModelLoader.parse("""
                id: w
                version: "1"
                signals:
                  - id: a
                    category: c
                    match:
                      event: A
                      where:
                        properties.n: 50
                        properties.flag: yes
                        properties.s: "50"
                        properties.day: 2024-01-15
                        properties.x: {in: [1, two, 3.5, false]}
                        properties.seats: {gte: 5}
                    points: 1
                scores:
                  pql: {tiers: [{name: pql, min: 40, route: sales}]}
                  pqa: {tiers: [{name: pqa, min: 50, route: sales}]}
                """, "w.yaml");
        List<PathTest> where = m.signals().get(0).match().where();
        assertThat(where).extracting(t -> t.path().toString())
                .containsExactly("properties.n", "properties.flag", "properties.s", "properties.day", "properties.x",
                        "properties.seats");
        assertThat(where.get(0).test().test(new BigDecimal("50.0"))).isTrue();
        assertThat(where.get(0).test().test("50")).isFalse();
        assertThat(where.get(1).test().test(Boolean.TRUE)).isTrue(); // YAML 1.1: yes is a boolean
        assertThat(where.get(2).test().test("50")).isTrue();
        assertThat(where.get(2).test().test(new BigDecimal("50"))).isFalse();
        assertThat(where.get(3).test().test("2024-01-15")).isTrue(); // no timestamp resolution
        assertThat(where.get(4).test().test(JsonValues.fromYaml(1))).isTrue();
        assertThat(where.get(4).test().test("two")).isTrue();
        assertThat(where.get(4).test().test(new BigDecimal("3.50"))).isTrue();
        assertThat(where.get(4).test().test(Boolean.FALSE)).isTrue();
        assertThat(where.get(4).test().test("1")).isFalse();
        assertThat(where.get(5).test().test(new BigDecimal("5"))).isTrue();
        assertThat(where.get(5).test().test(new BigDecimal("4.99"))).isFalse();
    }

    @Test
    void explicitTypesAreUsedAsGiven() {
        ScoringModel m = ModelLoader.parse("""
                id: t
                version: "1"
                signals:
                  - {id: a, category: c, match: {type: screen, name: Home}, points: 1}
                  - {id: b, category: c, match: {type: [track, page], event: A}, points: 1}
                  - {id: c, category: c, match: {type: [page]}, points: 1}
                scores:
                  pql: {tiers: [{name: pql, min: 40, route: sales}]}
                  pqa: {tiers: [{name: pqa, min: 50, route: sales}]}
                """, "t.yaml");
        assertThat(m.signals().get(0).match().types()).containsExactly("screen");
        assertThat(m.signals().get(1).match().types()).containsExactlyInAnyOrder("track", "page");
        assertThat(m.signals().get(2).match().types()).containsExactly("page");
    }

    @Test
    void anchorsAndAliasesWithinTheLimitWork() {
        ScoringModel m = ModelLoader.parse("""
                id: a
                version: "1"
                signals:
                  - {id: a, category: c, match: &m {event: A, where: {properties.plan: pro}}, points: 1}
                  - {id: b, category: c, match: *m, points: 2}
                scores:
                  pql: {tiers: [{name: pql, min: 40, route: sales}]}
                  pqa: {tiers: [{name: pqa, min: 50, route: sales}]}
                """, "a.yaml");
        assertThat(m.signals().get(1).match().events()).containsExactly("A");
        assertThat(m.signals().get(1).match().where()).hasSize(1);
    }

    @Test
    void loadsFromAFilePathString(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.yaml");
        Files.writeString(file, Files.readString(sharedDir().resolve("model-format.yaml")));
        assertThat(ModelLoader.load(file.toString()).signals()).hasSize(14);
    }

    @Test
    void missingFilesAndResourcesAreReported(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> ModelLoader.load(missing))
                .isInstanceOf(ModelValidationException.class)
                .hasMessage(missing + ": cannot read the model: no such file");
        assertThatThrownBy(() -> ModelLoader.load("classpath:/models/nope.yaml"))
                .isInstanceOf(ModelValidationException.class)
                .hasMessage("classpath:/models/nope.yaml: cannot read the model: no such classpath resource");
    }

    @Test
    void refusesInvalidUtf8(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.write(file, new byte[] {'i', 'd', ':', ' ', (byte) 0xC3, (byte) 0x28});
        assertThatThrownBy(() -> ModelLoader.load(file))
                .isInstanceOf(ModelValidationException.class)
                .hasMessageContaining("not valid UTF-8");
    }

    @Test
    void theDefaultModelKeepsAllSignalsOfTheFormatFile() {
        Set<String> format = ModelLoader.load(sharedDir().resolve("model-format.yaml")).signals().stream()
                .map(Signal::id).collect(Collectors.toSet());
        Set<String> dflt = ModelLoader.loadDefault().signals().stream().map(Signal::id).collect(Collectors.toSet());
        assertThat(dflt).isEqualTo(format);
    }
}
