package io.pqlscore.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pqlscore.testing.Schemas;
import io.pqlscore.testing.Shared;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * {@code schemas/model.schema.json} against the loader: every model file of the repository and of
 * the contract is read as the job reads it ({@link ModelLoader#readDocument}: SnakeYAML, YAML 1.1,
 * timestamps kept as strings) and passes both the schema and {@link ModelLoader#parse}; models the
 * loader refuses for an unknown key, a wrong type or a bad value are refused by the schema too,
 * so an editor using it flags them as the analyst types; and the few rules only the loader can
 * check (docs/MODEL.md lists them) pass the schema and fail the loader, as documented.
 */
class ModelSchemaTest {

    /** Every model file: the contract's, the shipped ones, the test fixtures', the Kubernetes base's. */
    static Stream<Arguments> modelFiles() throws IOException {
        List<Arguments> out = new ArrayList<>();
        out.add(file(Shared.dir().resolve("model-format.yaml")));
        out.add(file(Shared.conformance().resolve("model-simple.yaml")));
        try (Stream<Path> shipped = Files.list(Path.of("core/src/main/resources/models"))) {
            shipped.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(p -> out.add(file(p)));
        }
        out.add(file(Path.of("tools/src/test/resources/savepoints/v1/model.yaml")));
        out.add(file(Path.of("tools/src/test/resources/savepoints/v2/model.yaml")));
        // the kustomize base's model, which its configMapGenerator turns into the model ConfigMap
        out.add(file(Path.of("k8s/base/model.yaml")));
        for (String[] block : modelBlocksOfModelMd()) {
            out.add(Arguments.of(block[0], block[1]));
        }
        return out.stream();
    }

    private static Arguments file(Path p) {
        try {
            return Arguments.of(Path.of("").toAbsolutePath().relativize(p.toAbsolutePath()).toString(),
                    Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The complete models in docs/MODEL.md: ```yaml blocks holding both id: and signals:. */
    static List<String[]> modelBlocksOfModelMd() throws IOException {
        String md = Files.readString(Path.of("docs/MODEL.md"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?s)```yaml\\n(.*?)```").matcher(md);
        List<String[]> out = new ArrayList<>();
        while (m.find()) {
            String block = m.group(1);
            if (block.contains("\nsignals:") && (block.startsWith("id:") || block.contains("\nid:"))) {
                int line = md.substring(0, m.start()).split("\n", -1).length;
                out.add(new String[] {"docs/MODEL.md line " + line, block});
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modelFiles")
    void everyModelFileMatchesTheSchemaAndLoads(String name, String yaml) {
        assertThat(Schemas.modelProblems(yaml, name)).as("%s against schemas/model.schema.json", name).isEmpty();
        assertThat(ModelLoader.parse(yaml, name)).isNotNull();
    }

    @Test
    void modelMdHasCompleteExampleModels() throws IOException {
        assertThat(modelBlocksOfModelMd()).hasSizeGreaterThanOrEqualTo(2);
    }

    // ------------------------------------------------------------------ bad models

    private static final String POINTS_SIGNAL = "  - id: s\n    category: c\n    match: {event: E}\n    points: 5\n";
    private static final String SCORES = "scores:\n  pql:\n    tiers:\n      - {name: engaged, min: 20, route: self_serve}\n"
            + "  pqa:\n    tiers:\n      - {name: pqa, min: 50, route: sales}\n";

    /** A small valid model, with {@code signals} and extra top-level text as given. */
    static String model(String signals, String extra) {
        return "id: m\nversion: \"1\"\n" + extra + "signals:\n" + signals + SCORES;
    }

    static String signal(String body) {
        return "  - id: s\n    category: c\n" + body.replaceAll("(?m)^", "    ") + "\n";
    }

    @Test
    void theBaseOfTheBadModelsIsValid() {
        String yaml = model(POINTS_SIGNAL, "");
        assertThat(Schemas.modelProblems(yaml, "base")).isEmpty();
        assertThat(ModelLoader.parse(yaml, "base")).isNotNull();
    }

    static Stream<Arguments> badModels() {
        return Stream.of(
                Arguments.of("an unknown top-level key", model(POINTS_SIGNAL, "owner: revops\n"), "owner"),
                Arguments.of("a misspelt signal key", model(signal("match: {event: E}\npoints: 5\nhalflife: 7d"), ""), "halflife"),
                Arguments.of("an unknown match key", model(signal("match: {event: E, properties: {plan: pro}}\npoints: 5"), ""),
                        "properties"),
                Arguments.of("an unknown key in time", model(POINTS_SIGNAL, "time: {watermark: 5m}\n"), "watermark"),
                Arguments.of("version as a number", model(POINTS_SIGNAL, "").replace("version: \"1\"", "version: 1"), null),
                Arguments.of("points as text", model(signal("match: {event: E}\npoints: five"), ""), null),
                Arguments.of("negative points", model(signal("match: {event: E}\npoints: -1"), ""), null),
                Arguments.of("once as text", model(signal("match: {event: E}\npoints: 5\nonce: always"), ""), null),
                Arguments.of("an unknown scope", model(signal("scope: team\nmatch: {event: E}\npoints: 5"), ""), null),
                Arguments.of("a match on identify", model(signal("match: {type: identify}\npoints: 5"), ""), null),
                Arguments.of("event and name in one match", model(signal("match: {event: E, name: Pricing}\npoints: 5"), ""), null),
                Arguments.of("an event name with type page", model(signal("match: {type: page, event: E}\npoints: 5"), ""), null),
                Arguments.of("an empty list of events", model(signal("match: {event: []}\npoints: 5"), ""), null),
                Arguments.of("eq in a where test", model(signal("match: {event: E, where: {properties.plan: {eq: pro}}}\npoints: 5"),
                        ""), null),
                Arguments.of("two tests in one where test",
                        model(signal("match: {event: E, where: {properties.plan: {in: [a], prefix: b}}}\npoints: 5"), ""), null),
                Arguments.of("null in a where test", model(signal("match: {event: E, where: {properties.plan: null}}\npoints: 5"), ""),
                        null),
                Arguments.of("a path with an empty segment", model(signal("match: {event: E, where: {properties..plan: 1}}\npoints: 5"),
                        ""), null),
                Arguments.of("a duration without a unit", model(signal("distinct: day\nwindow: 7\nmatch: {event: E}\n"
                        + "tiers: [{min: 1, points: 5}]"), ""), null),
                Arguments.of("a duration in weeks", model(signal("match: {event: E}\npoints: 5\nhalf-life: 2w"), ""), null),
                Arguments.of("a retention of 0", model(POINTS_SIGNAL, "time: {retention: 0d}\n"), null),
                Arguments.of("distinct: user in the default scope", model(signal("distinct: user\nwindow: 7d\nmatch: {event: E}\n"
                        + "tiers: [{min: 2, points: 5}]"), ""), null),
                Arguments.of("a distinct tier of min 0", model(signal("distinct: day\nwindow: 7d\nmatch: {event: E}\n"
                        + "tiers: [{min: 0, points: 5}]"), ""), null),
                Arguments.of("a distinct tier min of 1.5", model(signal("distinct: day\nwindow: 7d\nmatch: {event: E}\n"
                        + "tiers: [{min: 1.5, points: 5}]"), ""), null),
                Arguments.of("a trait of: user in the default scope", model(signal("trait: {of: user, path: role}\npoints: 2"), ""),
                        null),
                Arguments.of("two tests in a trait", model(signal("trait: {of: account, path: plan, eq: pro, in: [pro]}\npoints: 2"),
                        ""), null),
                Arguments.of("a trait of: team", model(signal("trait: {of: team, path: plan}\npoints: 2"), ""), null),
                Arguments.of("two kind keys", model(signal("distinct: day\nwindow: 7d\nmatch: {event: E}\n"
                        + "tiers: [{min: 1, points: 5}]\ntrait: {of: account, path: plan}"), ""), "trait"),
                Arguments.of("a key of another kind", model(signal("match: {event: E}\npoints: 5\nwithin: 2d"), ""), "within"),
                Arguments.of("a sequence of one step", model(signal("sequence: [{event: A}]\nwithin: 2d\npoints: 5"), ""), null),
                Arguments.of("a usage signal without limit", model(signal("usage: {match: {event: U}, used: properties.used}\n"
                        + "at: 0.8\npoints: 5"), ""), null),
                Arguments.of("a usage signal at 0", model(signal("usage: {match: {event: U}, used: properties.used, limit: "
                        + "properties.limit}\nat: 0\npoints: 5"), ""), null),
                Arguments.of("no signals", model("", "").replace("signals:\n", "signals: []\n"), null),
                Arguments.of("no scores", "id: m\nversion: \"1\"\nsignals:\n" + POINTS_SIGNAL, null),
                Arguments.of("min-active-users on pql", model(POINTS_SIGNAL, "").replace("  pql:\n", "  pql:\n    min-active-users: 2\n"),
                        "min-active-users"),
                Arguments.of("a tier named none", model(POINTS_SIGNAL, "").replace("name: engaged", "name: none"), null),
                Arguments.of("a tier without route", model(POINTS_SIGNAL, "").replace(", route: self_serve", ""), null),
                Arguments.of("an SLA as a number", model(POINTS_SIGNAL, "").replace("route: sales}", "route: sales, sla: 4}"), null),
                Arguments.of("a negative cap", model(POINTS_SIGNAL, "categories: {c: {cap: -1}}\n"), null),
                Arguments.of("an enterprise override of user traits", model(POINTS_SIGNAL,
                        "routing: {enterprise-override: {trait: {of: user, path: role}, tiers: [pqa]}}\n"), null),
                Arguments.of("an empty account-id path list", model(POINTS_SIGNAL, "input: {account-id-paths: []}\n"), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badModels")
    void aModelTheLoaderRefusesIsRefusedByTheSchemaToo(String what, String yaml, String namedKey) {
        assertThatThrownBy(() -> ModelLoader.parse(yaml, "bad.yaml")).as("the loader refuses " + what)
                .isInstanceOf(ModelValidationException.class);
        List<String> problems = Schemas.modelProblems(yaml, "bad.yaml");
        assertThat(problems).as("the schema refuses " + what).isNotEmpty();
        if (namedKey != null) {
            assertThat(problems).as("the schema's message names the key").anyMatch(p -> p.contains(namedKey));
        }
    }

    /** The rules docs/MODEL.md says only ValidateModel checks: the schema passes them, the loader does not. */
    static Stream<Arguments> onlyTheLoaderSees() {
        String distinct = "distinct: day\nwindow: 7d\nmatch: {event: E}\n";
        return Stream.of(
                Arguments.of("two signals with one id", model(POINTS_SIGNAL + POINTS_SIGNAL, "")),
                Arguments.of("tier mins not increasing", model(POINTS_SIGNAL, "").replace("min: 20", "min: 60")
                        .replace("route: self_serve}", "route: self_serve}\n      - {name: pql, min: 40, route: sales}")),
                Arguments.of("two tiers with one name", model(POINTS_SIGNAL, "")
                        .replace("route: self_serve}", "route: self_serve}\n      - {name: engaged, min: 40, route: sales}")),
                Arguments.of("distinct tier mins not increasing", model(signal(distinct + "tiers: [{min: 3, points: 5}, {min: 2, points: 9}]"),
                        "")),
                Arguments.of("a range with gte above lte", model(signal("match: {event: E, where: {properties.n: {gte: 5, lte: 1}}}\n"
                        + "points: 5"), "")),
                Arguments.of("an override naming an unknown tier", model(POINTS_SIGNAL,
                        "routing: {enterprise-override: {trait: {of: account, path: employees, gte: 1000}, tiers: [vip]}}\n")),
                Arguments.of("a duration over 36500d", model(signal("match: {event: E}\npoints: 5\nhalf-life: 36501d"), "")),
                Arguments.of("a half-life rounding to 0 ms", model(signal("match: {event: E}\npoints: 5\nhalf-life: 0.0001ms"), "")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("onlyTheLoaderSees")
    void whatOnlyValidateModelChecksPassesTheSchema(String what, String yaml) {
        assertThat(Schemas.modelProblems(yaml, "gap.yaml")).as("the schema cannot see " + what).isEmpty();
        assertThatThrownBy(() -> ModelLoader.parse(yaml, "gap.yaml")).as("the loader refuses " + what)
                .isInstanceOf(ModelValidationException.class);
    }

    @Test
    void aModelIsReadAsTheJobReadsIt() {
        // YAML 1.1 as the loader reads it: a date stays a string, 3.0 is a whole number for min-active-users
        String yaml = model(POINTS_SIGNAL, "").replace("version: \"1\"", "version: 2026-03-02")
                .replace("  pqa:\n", "  pqa:\n    min-active-users: 3.0\n");
        assertThat(Schemas.modelDocument(yaml, "m").get("version").isTextual()).isTrue();
        assertThat(Schemas.modelProblems(yaml, "m")).isEmpty();
        assertThat(ModelLoader.parse(yaml, "m").version()).isEqualTo("2026-03-02");
        // a duplicate key is refused while reading, before any schema
        assertThatThrownBy(() -> ModelLoader.readDocument("id: a\nid: b\n", "dup.yaml"))
                .isInstanceOf(ModelValidationException.class).hasMessageContaining("duplicate key");
        assertThat(modelFilesNamed()).contains("core/src/main/resources/models/default.yaml", "k8s/base/model.yaml");
    }

    private static List<String> modelFilesNamed() {
        try {
            return modelFiles().map(a -> (String) a.get()[0]).collect(Collectors.toList());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
