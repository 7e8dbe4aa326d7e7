package io.pqlscore.model;

import static io.pqlscore.model.ProblemText.describe;
import static io.pqlscore.model.ProblemText.join;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a model document (SPEC 2 and 7; the keys of {@code model-format.yaml}) into a
 * {@link ScoringModel}, top to bottom: id, version, time, input, categories, then the signals
 * ({@link SignalReader}), scores and routing ({@link ScoresReader}). Every problem is collected in
 * the {@link TypedChecker}, in document order; the model is built only when there is none.
 */
final class ModelReader {
    private static final List<String> TOP_KEYS =
            List.of("id", "version", "time", "input", "categories", "signals", "scores", "routing");
    private static final List<String> TIME_KEYS =
            List.of("max-out-of-orderness", "evaluation-interval", "dedupe-window", "retention");
    private static final List<String> INPUT_KEYS = List.of("account-id-paths");
    private static final List<String> CATEGORY_KEYS = List.of("cap");

    private final TypedChecker check;
    private final SignalReader signalReader;
    private final ScoresReader scoresReader;

    ModelReader(TypedChecker check) {
        this.check = check;
        MatchReader matches = new MatchReader(check);
        this.signalReader = new SignalReader(check, matches);
        this.scoresReader = new ScoresReader(check, matches);
    }

    ScoringModel model(Object document) {
        if (document == null) {
            check.add("", "the model is empty: expected a mapping with the keys " + String.join(", ", TOP_KEYS));
            return null;
        }
        if (!(document instanceof Map)) {
            check.add("", "the model must be a mapping with the keys " + String.join(", ", TOP_KEYS) + ", got "
                    + describe(document));
            return null;
        }
        Map<String, Object> m = check.map(document, "", "the model");
        check.allowKeys(m, "", TOP_KEYS, " at the top level");
        String id = check.reqString(m, "", "id", "the model's id, e.g. id: default");
        String version = version(m);
        TimeSettings time = time(m);
        List<JsonPath> accountIdPaths = input(m);
        LinkedHashMap<String, Double> categories = categories(m);
        List<Signal> signals = signalReader.signals(m);
        ScoreScale[] scales = scoresReader.scores(m);
        RoutingOverride override = scoresReader.routing(m, scales);
        if (check.problemCount() > 0) {
            return null;
        }
        return new ScoringModel(id, version, time, accountIdPaths, categories, signals, scales[0], scales[1],
                override);
    }

    private String version(Map<String, Object> m) {
        if (!m.containsKey("version")) {
            check.missing("version", "the model's version as a string, e.g. version: \"1\"");
            return null;
        }
        Object v = m.get("version");
        if (v instanceof Number) {
            check.add("version", "expected a string, got the number " + v + ": quote it, e.g. version: \"" + v
                    + "\" (unquoted, YAML reads " + v + " as a number)");
            return null;
        }
        return check.string(v, "version");
    }

    private TimeSettings time(Map<String, Object> root) {
        if (root.get("time") == null) {
            return TimeSettings.defaults();
        }
        Map<String, Object> m = check.map(root.get("time"), "time", "the time settings");
        if (m == null) {
            return null;
        }
        check.allowKeys(m, "time", TIME_KEYS, " in time");
        Long lag = optDuration(m, "max-out-of-orderness", true, TimeSettings.DEFAULT_MAX_OUT_OF_ORDERNESS_MS);
        Long tick = optDuration(m, "evaluation-interval", false, TimeSettings.DEFAULT_EVALUATION_INTERVAL_MS);
        Long dedupe = optDuration(m, "dedupe-window", true, TimeSettings.DEFAULT_DEDUPE_WINDOW_MS);
        Long retention = optDuration(m, "retention", false, TimeSettings.DEFAULT_RETENTION_MS);
        if (lag == null || tick == null || dedupe == null || retention == null) {
            return null;
        }
        return new TimeSettings(lag, tick, dedupe, retention);
    }

    private Long optDuration(Map<String, Object> m, String key, boolean allowZero, long dflt) {
        return m.containsKey(key) ? check.duration(m.get(key), join("time", key), allowZero) : Long.valueOf(dflt);
    }

    private List<JsonPath> input(Map<String, Object> root) {
        List<JsonPath> defaults = new ArrayList<>();
        for (String p : ModelLoader.DEFAULT_ACCOUNT_ID_PATHS) {
            defaults.add(JsonPath.of(p));
        }
        if (root.get("input") == null) {
            return defaults;
        }
        Map<String, Object> m = check.map(root.get("input"), "input", "the input settings");
        if (m == null) {
            return null;
        }
        check.allowKeys(m, "input", INPUT_KEYS, " in input");
        if (!m.containsKey("account-id-paths")) {
            return defaults;
        }
        String p = "input.account-id-paths";
        List<?> l = check.list(m.get("account-id-paths"), p, "a non-empty list of dotted paths", true);
        if (l == null) {
            return null;
        }
        List<JsonPath> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            out.add(check.path(l.get(i), p + "[" + i + "]"));
        }
        return out.contains(null) ? null : out;
    }

    private LinkedHashMap<String, Double> categories(Map<String, Object> root) {
        LinkedHashMap<String, Double> out = new LinkedHashMap<>();
        if (root.get("categories") == null) {
            return out;
        }
        Map<String, Object> m = check.map(root.get("categories"), "categories", "category name to {cap: number}");
        if (m == null) {
            return out;
        }
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String p = join("categories", e.getKey());
            if (e.getKey().isBlank()) {
                check.add(p, "a category name must not be empty");
                continue;
            }
            if (e.getValue() == null) {
                out.put(e.getKey(), null);
                continue;
            }
            Map<String, Object> c = check.map(e.getValue(), p, "{cap: number}");
            if (c == null) {
                continue;
            }
            check.allowKeys(c, p, CATEGORY_KEYS, " in a category");
            Double cap = c.containsKey("cap") ? check.nonNegative(c.get("cap"), join(p, "cap"), "cap") : null;
            out.put(e.getKey(), cap);
        }
        return out;
    }
}
