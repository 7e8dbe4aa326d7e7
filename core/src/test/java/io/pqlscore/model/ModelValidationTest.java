package io.pqlscore.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per kind of mistake; each checks that the message names the key path and the problem. */
class ModelValidationTest {

    private static final String SOURCE = "test.yaml";

    private static final String SCORES = """
            scores:
              pql:
                hysteresis: 5
                tiers:
                  - {name: pql, min: 40, route: sales, sla: 4h}
                  - {name: hot, min: 70, route: sales_priority, sla: 1h}
              pqa:
                min-active-users: 3
                tiers:
                  - {name: pqa, min: 50, route: enterprise}
            """;

    /** A valid model around the given signal lines (each line a flow mapping or block item). */
    private static String model(String signals) {
        return "id: t\nversion: \"1\"\nsignals:\n" + signals + SCORES;
    }

    private static String oneSignal(String signal) {
        return model("  - " + signal + "\n");
    }

    private static List<String> problems(String yaml) {
        ModelValidationException e =
                catchThrowableOfType(() -> ModelLoader.parse(yaml, SOURCE), ModelValidationException.class);
        assertThat(e).as("expected the model to be refused").isNotNull();
        assertThat(e.source()).isEqualTo(SOURCE);
        assertThat(e.getMessage()).isEqualTo(String.join("\n", e.problems()));
        assertThat(e.problems()).allSatisfy(p -> assertThat(p).startsWith(SOURCE + ": ").doesNotContain("\n"));
        return e.problems();
    }

    /** Asserts that one problem line starts with {@code "test.yaml: " + prefix} and contains the fragments. */
    private static void assertProblem(String yaml, String prefix, String... fragments) {
        List<String> problems = problems(yaml);
        assertThat(problems).as("problems").anySatisfy(p -> {
            assertThat(p).startsWith(SOURCE + ": " + prefix);
            for (String f : fragments) {
                assertThat(p).contains(f);
            }
        });
    }

    @Test
    void theBaseModelIsValid() {
        assertThatCode(() -> ModelLoader.parse(oneSignal("{id: a, category: c, match: {event: A}, points: 5}"), SOURCE))
                .doesNotThrowAnyException();
    }

    // ------------------------------------------------------------------ unknown keys

    @Test
    void unknownTopLevelKey() {
        String yaml = "extra: 1\n" + oneSignal("{id: a, category: c, match: {event: A}, points: 5}");
        assertProblem(yaml, "extra: unknown key at the top level; allowed keys: id, version, time, input, categories,"
                + " signals, scores, routing");
        assertProblem(yaml.replace("signals:", "signal:"), "signal: unknown key", "did you mean 'signals'?");
    }

    @Test
    void unknownSignalKey() {
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: 5, colour: red}"),
                "signals[0] (id: a).colour: unknown key for an event-points signal; allowed keys: id, category,"
                        + " scope, match, points, half-life, once");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: 5, half_life: 7d}"),
                "signals[0] (id: a).half_life: unknown key", "did you mean 'half-life'?");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: 5, window: 7d}"),
                "signals[0] (id: a).window: unknown key for an event-points signal", "'window' belongs to distinct");
        assertProblem(oneSignal("{id: a, category: c, distinct: day, window: 7d, match: {}, tiers: [{min: 1, points: 1}],"
                + " points: 5}"), "signals[0] (id: a).points: unknown key for a distinct signal");
    }

    @Test
    void unknownMatchKey() {
        assertProblem(oneSignal("{id: a, category: c, match: {evnt: A}, points: 5}"),
                "signals[0] (id: a).match.evnt: unknown key in a match; allowed keys: type, event, name, where",
                "did you mean 'event'?");
    }

    @Test
    void unknownKeysInNestedBlocks() {
        assertProblem("time: {retention: 90d, tick: 1h}\n" + oneSignal("{id: a, category: c, match: {event: A}, points: 5}"),
                "time.tick: unknown key in time");
        assertProblem("categories: {c: {cap: 5, floor: 1}}\n"
                + oneSignal("{id: a, category: c, match: {event: A}, points: 5}"), "categories.c.floor: unknown key");
        assertProblem(oneSignal("{id: a, category: c, trait: {of: account, path: x, eq: 1, neq: 2}, points: 5}"),
                "signals[0] (id: a).trait.neq: unknown key in a trait test");
        assertProblem(oneSignal("{id: a, category: c, usage: {match: {}, used: u, limit: l, ratio: r}, at: 1, points: 1}"),
                "signals[0] (id: a).usage.ratio: unknown key in usage");
        assertProblem(oneSignal("{id: a, category: c, distinct: day, window: 7d, match: {}, tiers: [{min: 1, points: 1,"
                + " max: 3}]}"), "signals[0] (id: a).tiers[0].max: unknown key in a distinct tier");
        assertProblem(model("  - {id: a, category: c, match: {event: A}, points: 5}\n").replace("hysteresis: 5",
                "hysteresis: 5\n    colour: red"), "scores.pql.colour: unknown key in scores.pql");
    }

    // ------------------------------------------------------------------ types and values

    @Test
    void wrongTypeForPoints() {
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: five}"),
                "signals[0] (id: a).points: expected a number, got 'five'");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: \"5\"}"),
                "signals[0] (id: a).points: expected a number, got '5'");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: [5]}"),
                "signals[0] (id: a).points: expected a number, got a list");
    }

    @Test
    void versionMustBeAQuotedString() {
        String yaml = oneSignal("{id: a, category: c, match: {event: A}, points: 5}").replace("version: \"1\"", "version: 1");
        assertProblem(yaml, "version: expected a string, got the number 1: quote it, e.g. version: \"1\"");
        String decimal = yaml.replace("version: 1", "version: 1.0");
        assertProblem(decimal, "version: expected a string, got the number 1.0");
    }

    @Test
    void badDuration() {
        String yaml = model("""
                  - id: primary_activation
                    category: activation
                    sequence:
                      - {event: Data Source Connected}
                      - {event: Dashboard Created}
                    within: 14 days
                    points: 15
                """);
        assertThat(problems(yaml)).containsExactly("test.yaml: signals[0] (id: primary_activation).within: expected a"
                + " duration like 14d (a number and one of ms, s, m, h, d), got '14 days'");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: 5, half-life: 14D}"),
                "signals[0] (id: a).half-life: expected a duration like 14d", "got '14D'");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: 5, half-life: 0d}"),
                "signals[0] (id: a).half-life: must be longer than 0 ms");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: 5, half-life: -1d}"),
                "signals[0] (id: a).half-life: expected a duration like 14d");
        assertProblem("time: {evaluation-interval: 0s}\n" + oneSignal("{id: a, category: c, match: {event: A}, points: 5}"),
                "time.evaluation-interval: must be longer than 0 ms");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: 5, half-life: 99999999d}"),
                "signals[0] (id: a).half-life: too long");
    }

    @Test
    void durationWithoutUnit() {
        assertProblem(oneSignal("{id: a, category: c, distinct: day, window: 7, match: {}, tiers: [{min: 1, points: 1}]}"),
                "signals[0] (id: a).window: needs a unit", "got the bare number 7");
        assertProblem("time: {retention: 90}\n" + oneSignal("{id: a, category: c, match: {event: A}, points: 5}"),
                "time.retention: needs a unit");
        assertProblem("time: {max-out-of-orderness: 0}\n"
                + oneSignal("{id: a, category: c, match: {event: A}, points: 5}"), "time.max-out-of-orderness: needs a unit");
    }

    @Test
    void otherWrongTypes() {
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: 5, once: maybe}"),
                "signals[0] (id: a).once: expected true or false, got 'maybe'");
        assertProblem(oneSignal("{id: a, category: c, scope: team, match: {event: A}, points: 5}"),
                "signals[0] (id: a).scope: expected user, account or both, got 'team'");
        assertProblem(oneSignal("{id: a, category: yes, match: {event: A}, points: 5}"),
                "signals[0] (id: a).category: expected a string, got the boolean true", "quote the value");
        assertProblem(oneSignal("{id: a, category: c, distinct: properties..x, window: 7d, match: {},"
                + " tiers: [{min: 1, points: 1}]}"), "signals[0] (id: a).distinct: expected a dotted path");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A, where: {properties.plan: [pro, biz]}}, points: 5}"),
                "signals[0] (id: a).match.where.properties.plan: a list is not a value", "{in: [a, b]}");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A, where: {properties.plan: {eq: pro}}}, points: 5}"),
                "signals[0] (id: a).match.where.properties.plan.eq: unknown test key", "write the value directly");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A, where: {properties.seats: {gte: five}}},"
                + " points: 5}"), "signals[0] (id: a).match.where.properties.seats.gte: expected a number, got 'five'");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A, where: {properties.seats: {gte: 9, lte: 2}}},"
                + " points: 5}"), "signals[0] (id: a).match.where.properties.seats: an empty range");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A, where: {properties.plan: {in: pro}}}, points: 5}"),
                "signals[0] (id: a).match.where.properties.plan.in: expected a non-empty list");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A, where: {properties.plan: ~}}, points: 5}"),
                "signals[0] (id: a).match.where.properties.plan: null never matches");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A, where: {properties.plan: {in: [a], prefix: b}}},"
                + " points: 5}"), "signals[0] (id: a).match.where.properties.plan: at most one test");
        assertProblem(oneSignal("{id: a, category: c, trait: {of: account, path: x, eq: 1, in: [2]}, points: 5}"),
                "signals[0] (id: a).trait: at most one test", "found eq and in");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A, where: {properties.path: {prefix: 5}}},"
                + " points: 5}"), "signals[0] (id: a).match.where.properties.path.prefix: expected a string");
        assertProblem(oneSignal("{id: a, category: c, match: {type: click}, points: 5}"),
                "signals[0] (id: a).match.type: expected an activity type (track, page or screen), got 'click'");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: .nan}"),
                "signals[0] (id: a).points: expected a finite number");
        assertProblem(model("  - not a signal\n"), "signals[0]: expected a mapping (a signal), got 'not a signal'");
        assertProblem("id: t\nversion: \"1\"\nsignals: []\n" + SCORES, "signals: expected a non-empty list of signals,"
                + " got an empty list");
    }

    // ------------------------------------------------------------------ signal kinds

    @Test
    void twoKindKeys() {
        assertProblem(oneSignal("{id: a, category: c, distinct: day, sequence: [{event: A}, {event: B}], window: 7d,"
                + " within: 1d, match: {}, tiers: [{min: 1, points: 1}], points: 1}"),
                "signals[0] (id: a): a signal has at most one kind key (distinct, sequence, usage or trait),"
                        + " found distinct and sequence");
    }

    @Test
    void traitOfUserNeedsScopeUser() {
        assertProblem(oneSignal("{id: role, category: fit, trait: {of: user, path: role, in: [vp]}, points: 2}"),
                "signals[0] (id: role).trait.of: of: user tests the user's own traits, so it needs scope: user;"
                        + " this signal's scope is both (the default)");
        assertProblem(oneSignal("{id: role, category: fit, scope: account, trait: {of: user, path: role}, points: 2}"),
                "signals[0] (id: role).trait.of:", "this signal's scope is account");
    }

    @Test
    void distinctUserNeedsScopeAccount() {
        assertProblem(oneSignal("{id: users, category: team, scope: user, distinct: user, window: 7d, match: {},"
                + " tiers: [{min: 2, points: 10}]}"),
                "signals[0] (id: users).distinct: distinct: user counts the identified users of an account, so it"
                        + " needs scope: account; this signal's scope is user");
        assertProblem(oneSignal("{id: users, category: team, distinct: user, window: 7d, match: {},"
                + " tiers: [{min: 2, points: 10}]}"), "signals[0] (id: users).distinct:", "scope is both (the default)");
    }

    @Test
    void matchNamingIdentify() {
        assertProblem(oneSignal("{id: a, category: c, match: {type: identify}, points: 5}"),
                "signals[0] (id: a).match.type: 'identify' is not an activity type: a match only selects activity"
                        + " events (track, page, screen)");
    }

    @Test
    void matchNamingGroup() {
        assertProblem(oneSignal("{id: a, category: c, match: {type: [track, group]}, points: 5}"),
                "signals[0] (id: a).match.type[1]: 'group' is not an activity type", "only update traits");
        assertProblem(model("""
                  - id: s
                    category: c
                    sequence:
                      - {event: A}
                      - {type: group}
                    within: 1d
                    points: 5
                """), "signals[0] (id: s).sequence[1].type: 'group' is not an activity type");
    }

    @Test
    void eventAndNameBoth() {
        assertProblem(oneSignal("{id: a, category: c, match: {event: A, name: B}, points: 5}"),
                "signals[0] (id: a).match: give either event (track calls) or name (page and screen calls), not both");
    }

    @Test
    void eventOrNameThatCanNeverMatchItsTypes() {
        assertProblem(oneSignal("{id: a, category: c, match: {type: page, event: A}, points: 5}"),
                "signals[0] (id: a).match.event: event names only match track calls");
        assertProblem(oneSignal("{id: a, category: c, match: {type: track, name: Pricing}, points: 5}"),
                "signals[0] (id: a).match.name: names only match page and screen calls");
    }

    @Test
    void negativePoints() {
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: -5}"),
                "signals[0] (id: a).points: points (negative points are not allowed) must be >= 0, got the number -5");
        assertProblem(oneSignal("{id: a, category: c, distinct: day, window: 7d, match: {}, tiers: [{min: 1,"
                + " points: -1}]}"), "signals[0] (id: a).tiers[0].points:", "negative points are not allowed");
        assertProblem(oneSignal("{id: a, category: c, trait: {of: account, path: x}, points: -0.5}"),
                "signals[0] (id: a).points:", "negative points are not allowed");
        assertProblem("categories: {c: {cap: -1}}\n" + oneSignal("{id: a, category: c, match: {event: A}, points: 5}"),
                "categories.c.cap: cap must be >= 0");
    }

    @Test
    void distinctTierMinsMustIncrease() {
        assertProblem(oneSignal("{id: a, category: c, distinct: day, window: 7d, match: {},"
                + " tiers: [{min: 1, points: 5}, {min: 3, points: 15}, {min: 3, points: 30}]}"),
                "signals[0] (id: a).tiers[2].min: tier mins must be strictly increasing: min 3 of tiers[2] is not"
                        + " greater than min 3 of tiers[1]");
        assertProblem(oneSignal("{id: a, category: c, distinct: day, window: 7d, match: {},"
                + " tiers: [{min: 0, points: 5}]}"), "signals[0] (id: a).tiers[0].min: must be at least 1, got 0");
        assertProblem(oneSignal("{id: a, category: c, distinct: day, window: 7d, match: {},"
                + " tiers: [{min: 1.5, points: 5}]}"), "signals[0] (id: a).tiers[0].min: expected a whole number");
    }

    @Test
    void scoreTierMinsMustIncrease() {
        String yaml = oneSignal("{id: a, category: c, match: {event: A}, points: 5}")
                .replace("{name: hot, min: 70", "{name: hot, min: 40");
        assertProblem(yaml, "scores.pql.tiers[1].min: tier mins must be strictly increasing: tier 'hot' (min 40)"
                + " must be above tier 'pql' (min 40)");
    }

    @Test
    void atMustBePositive() {
        String usage = "{id: q, category: c, usage: {match: {event: U}, used: properties.used, limit: properties.limit},"
                + " at: %s, points: 10}";
        assertProblem(oneSignal(usage.formatted("0")), "signals[0] (id: q).at: must be greater than 0", "got the number 0");
        assertProblem(oneSignal(usage.formatted("-0.5")), "signals[0] (id: q).at: must be greater than 0");
        assertThatCode(() -> ModelLoader.parse(oneSignal(usage.formatted("0.8")), SOURCE)).doesNotThrowAnyException();
    }

    @Test
    void usageWithoutUsed() {
        assertProblem(oneSignal("{id: q, category: c, usage: {match: {event: U}, limit: properties.limit}, at: 0.8,"
                + " points: 10}"), "signals[0] (id: q).usage.used: missing required key",
                "needs the path of the amount used");
    }

    @Test
    void usageWithoutLimit() {
        assertProblem(oneSignal("{id: q, category: c, usage: {match: {event: U}, used: properties.used}, at: 0.8,"
                + " points: 10}"), "signals[0] (id: q).usage.limit: missing required key", "needs the path of the limit");
    }

    @Test
    void sequenceNeedsTwoSteps() {
        assertProblem(oneSignal("{id: s, category: c, sequence: [{event: A}], within: 1d, points: 5}"),
                "signals[0] (id: s).sequence: a sequence needs at least 2 steps, got 1");
    }

    @Test
    void duplicateSignalId() {
        assertProblem(model("""
                  - {id: a, category: c, match: {event: A}, points: 5}
                  - {id: a, category: c, match: {event: B}, points: 5}
                """), "signals[1] (id: a).id: duplicate signal id 'a': signals[0] already has it");
    }

    @Test
    void missingRequiredKey() {
        assertProblem(oneSignal("{id: a, match: {event: A}, points: 5}"),
                "signals[0] (id: a).category: missing required key");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}}"),
                "signals[0] (id: a).points: missing required key");
        assertProblem(oneSignal("{category: c, match: {event: A}, points: 5}"), "signals[0].id: missing required key");
        assertProblem(oneSignal("{id: a, category: c, points: 5}"), "signals[0] (id: a).match: missing required key");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: 5}").replace("id: t\n", ""),
                "id: missing required key");
        assertProblem("id: t\nversion: \"1\"\n" + SCORES, "signals: missing required key");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: 5}").replaceAll("(?s)  pqa:.*", ""),
                "scores.pqa: missing required key");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A}, points: 5}")
                .replace("{name: pqa, min: 50, route: enterprise}", "{name: pqa, min: 50}"),
                "scores.pqa.tiers[0].route: missing required key");
        assertProblem(oneSignal("{id: a, category: c, trait: {path: x}, points: 5}"),
                "signals[0] (id: a).trait.of: missing required key");
    }

    // ------------------------------------------------------------------ scores and routing

    @Test
    void tierNamedNone() {
        String yaml = oneSignal("{id: a, category: c, match: {event: A}, points: 5}").replace("{name: pql,", "{name: none,");
        assertProblem(yaml, "scores.pql.tiers[0].name: 'none' is the base tier below the lowest tier and cannot be"
                + " defined");
    }

    @Test
    void duplicateTierName() {
        String yaml = oneSignal("{id: a, category: c, match: {event: A}, points: 5}").replace("{name: hot,", "{name: pql,");
        assertProblem(yaml, "scores.pql.tiers[1].name: duplicate tier name 'pql'");
    }

    @Test
    void minActiveUsersOnPql() {
        String yaml = oneSignal("{id: a, category: c, match: {event: A}, points: 5}")
                .replace("hysteresis: 5", "hysteresis: 5\n    min-active-users: 2");
        assertProblem(yaml, "scores.pql.min-active-users: only allowed on pqa");
        String negative = oneSignal("{id: a, category: c, match: {event: A}, points: 5}")
                .replace("min-active-users: 3", "min-active-users: -1");
        assertProblem(negative, "scores.pqa.min-active-users: must be a whole number >= 0");
    }

    @Test
    void routingTierUnknown() {
        String yaml = oneSignal("{id: a, category: c, match: {event: A}, points: 5}")
                + "routing:\n  enterprise-override: {trait: {of: account, path: employees, gte: 1000}, tiers: [vip]}\n";
        assertProblem(yaml, "routing.enterprise-override.tiers[0]: unknown tier 'vip'; the tiers of pql and pqa are pql,"
                + " hot, pqa");
        String ofUser = yaml.replace("of: account", "of: user").replace("[vip]", "[hot]");
        assertProblem(ofUser, "routing.enterprise-override.trait.of: must be account");
        String ok = yaml.replace("[vip]", "[hot, pqa]");
        assertThat(ModelLoader.parse(ok, SOURCE).enterpriseOverride().tiers()).containsExactlyInAnyOrder("hot", "pqa");
    }

    // ------------------------------------------------------------------ YAML level

    @Test
    void duplicateYamlKeys() {
        assertProblem(model("""
                  - id: a
                    category: c
                    match: {event: A}
                    points: 5
                    points: 6
                """), "signals[0] (id: a).points: duplicate key (first at line 7, again at line 8)");
        assertProblem("id: t\nid: u\nversion: \"1\"\n", "id: duplicate key (first at line 1, again at line 2)");
        assertProblem(oneSignal("{id: a, category: c, match: {event: A, where: {p: 1, p: 2}}, points: 5}"),
                "signals[0] (id: a).match.where.p: duplicate key");
    }

    @Test
    void malformedYaml() {
        List<String> problems = problems("id: t\nversion: \"1\"\nsignals: [\n  {id: a\n");
        assertThat(problems).singleElement().satisfies(p -> assertThat(p).startsWith("test.yaml: not valid YAML at line"));
        assertProblem("id: t\n  version: 1\n", "not valid YAML at line 2", "mapping values are not allowed here");
        assertProblem("id: t\n---\nid: u\n", "not valid YAML", "expected a single document");
        assertProblem("id: !!python/object:os.system t\n", "not valid YAML");
        assertProblem("id: \"t\u0001\"\n", "not valid YAML");
    }

    @Test
    void yamlBombIsRefused() {
        String bomb = """
                a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
                b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
                c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
                d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
                e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
                f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
                g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
                h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
                i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
                """;
        assertThat(problems(bomb)).singleElement().satisfies(p -> assertThat(p)
                .startsWith("test.yaml: refused: more than 50 aliases").contains("billion laughs"));
    }

    @Test
    void deepNestingAndHugeInputAreRefused() {
        String deep = "id: " + "[".repeat(200) + "]".repeat(200) + "\n";
        assertThat(problems(deep)).singleElement()
                .satisfies(p -> assertThat(p).startsWith("test.yaml: refused: the YAML is nested more than 50 levels"));
        String huge = "id: t\n# " + "x".repeat(ModelLoader.MAX_CODE_POINTS) + "\n";
        assertThat(problems(huge)).singleElement()
                .satisfies(p -> assertThat(p).startsWith("test.yaml: refused: the model is larger than"));
    }

    @Test
    void recursiveAliasesDoNotHang() {
        assertProblem(model("  - &s {id: a, category: c, match: {event: A, where: {p: *s}}, points: 5}\n"),
                "signals[0] (id: a).match.where.p.category: unknown test key");
        assertProblem(model("  - {id: a, category: c, match: {event: A, where: {p: {in: &l [x, *l]}}}, points: 5}\n"),
                "signals[0] (id: a).match.where.p.in[1]: a list is not a value");
        assertProblem(model("  - &s {id: a, category: c, sequence: [*s, *s], within: 1d, points: 5}\n"),
                "signals[0] (id: a).sequence[0].id: unknown key in a match");
    }

    @Test
    void nonMappingDocument() {
        assertProblem("- id: t\n- version: 1\n", "the model must be a mapping with the keys id, version", "got a list");
        assertProblem("just a string\n", "the model must be a mapping", "got 'just a string'");
        assertProblem("", "the model is empty");
        assertProblem("# only a comment\n", "the model is empty");
    }

    @Test
    void allProblemsAreReportedTogether() {
        String yaml = model("""
                  - {id: a, category: c, match: {event: A}, points: -1}
                  - {id: b, category: c, match: {type: identify}, points: 5}
                  - {id: c, category: c, match: {event: A}, points: 5, half-life: 3 days}
                """).replace("version: \"1\"", "version: 1");
        List<String> problems = problems(yaml);
        assertThat(problems).hasSize(4);
        assertThat(problems.get(0)).startsWith("test.yaml: version:");
        assertThat(problems.get(1)).startsWith("test.yaml: signals[0] (id: a).points:");
        assertThat(problems.get(2)).startsWith("test.yaml: signals[1] (id: b).match.type:");
        assertThat(problems.get(3)).startsWith("test.yaml: signals[2] (id: c).half-life:");
    }

    @Test
    void unusedListedCategoriesAndUnlistedUsedCategoriesAreFine() {
        ScoringModel m = ModelLoader.parse("categories: {unused: {cap: 5}, open: {}, bare: ~}\n"
                + oneSignal("{id: a, category: c, match: {event: A}, points: 5}"), SOURCE);
        assertThat(m.categoryNames()).containsExactly("unused", "open", "bare", "c");
        assertThat(m.cap("unused")).isEqualTo(5.0);
        assertThat(m.cap("open")).isNull();
        assertThat(m.cap("c")).isNull();
    }
}
