package io.pqlscore.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads and validates a scoring model (SPEC section 2 and 7; the keys are those of
 * {@code model-format.yaml}). The file is read as YAML 1.1 with SnakeYAML's safe constructor,
 * except that timestamp-looking scalars stay strings; its size, nesting depth and aliases are
 * bounded. Every problem, from an unreadable file to an unknown key, is reported as a
 * {@link ModelValidationException} naming the source and the full key path; validation collects
 * all problems of a document before refusing it.
 */
public final class ModelLoader {

    /** The model that ships with the job. */
    public static final String DEFAULT_MODEL = "classpath:/models/default.yaml";
    public static final String CLASSPATH_PREFIX = "classpath:";
    /** SPEC section 1: where the account id is looked up when the model does not say. */
    public static final List<String> DEFAULT_ACCOUNT_ID_PATHS =
            List.of("context.groupId", "groupId", "properties.accountId");

    /** Bounds on the input: a hostile model file is refused, never expanded. */
    public static final int MAX_CODE_POINTS = 1 << 20;
    public static final int MAX_ALIASES_FOR_COLLECTIONS = 50;
    public static final int MAX_NESTING_DEPTH = 50;
    /** UTF-8 takes at most 4 bytes per code point. */
    static final int MAX_BYTES = 4 * MAX_CODE_POINTS;
    /** Longest accepted duration: 100 years of 365 days (keeps event-time arithmetic far from overflow). */
    public static final long MAX_DURATION_MS = 36_500L * 86_400_000L;

    private static final String DURATION_HINT = "a duration like 14d (a number and one of ms, s, m, h, d)";
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?|\\.\\d+)(ms|s|m|h|d)");

    private static final List<String> TOP_KEYS =
            List.of("id", "version", "time", "input", "categories", "signals", "scores", "routing");
    private static final List<String> TIME_KEYS =
            List.of("max-out-of-orderness", "evaluation-interval", "dedupe-window", "retention");
    private static final List<String> INPUT_KEYS = List.of("account-id-paths");
    private static final List<String> CATEGORY_KEYS = List.of("cap");
    private static final List<String> KIND_KEYS = List.of("distinct", "sequence", "usage", "trait");
    private static final List<String> POINTS_KEYS =
            List.of("id", "category", "scope", "match", "points", "half-life", "once");
    private static final List<String> DISTINCT_KEYS =
            List.of("id", "category", "scope", "distinct", "window", "match", "tiers");
    private static final List<String> SEQUENCE_KEYS =
            List.of("id", "category", "scope", "sequence", "within", "points", "half-life");
    private static final List<String> USAGE_KEYS =
            List.of("id", "category", "scope", "usage", "at", "points", "half-life");
    private static final List<String> TRAIT_SIGNAL_KEYS = List.of("id", "category", "scope", "trait", "points");
    private static final List<String> POINT_TIER_KEYS = List.of("min", "points");
    private static final List<String> USAGE_BLOCK_KEYS = List.of("match", "metric", "used", "limit");
    private static final List<String> MATCH_KEYS = List.of("type", "event", "name", "where");
    private static final List<String> WHERE_TEST_KEYS = List.of("in", "prefix", "gte", "lte");
    private static final List<String> TRAIT_KEYS = List.of("of", "path", "eq", "in", "prefix", "gte", "lte");
    private static final List<String> SCORES_KEYS = List.of("pql", "pqa");
    private static final List<String> PQL_KEYS = List.of("hysteresis", "tiers");
    private static final List<String> PQA_KEYS = List.of("hysteresis", "min-active-users", "tiers");
    private static final List<String> SCORE_TIER_KEYS = List.of("name", "min", "route", "sla");
    private static final List<String> ROUTING_KEYS = List.of("enterprise-override");
    private static final List<String> OVERRIDE_KEYS = List.of("trait", "tiers");
    private static final List<String> ACTIVITY_TYPES = List.of("track", "page", "screen");

    private ModelLoader() {}

    // ------------------------------------------------------------------ entry points

    /** Loads {@code classpath:/...} or a file path. */
    public static ScoringModel load(String pathOrClasspath) {
        if (pathOrClasspath == null || pathOrClasspath.isBlank()) {
            throw fail("model", "no model given: expected a file path or classpath:/...");
        }
        if (pathOrClasspath.startsWith(CLASSPATH_PREFIX)) {
            String resource = pathOrClasspath.substring(CLASSPATH_PREFIX.length());
            if (!resource.startsWith("/")) {
                resource = "/" + resource;
            }
            return loadResource(resource, pathOrClasspath);
        }
        return load(Path.of(pathOrClasspath));
    }

    /** The model that ships with the job ({@code /models/default.yaml} on the classpath). */
    public static ScoringModel loadDefault() {
        return load(DEFAULT_MODEL);
    }

    public static ScoringModel load(Path file) {
        String source = file.toString();
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw fail(source, "cannot read the model: no such file");
        } catch (AccessDeniedException e) {
            throw fail(source, "cannot read the model: permission denied");
        } catch (IOException e) {
            throw fail(source, "cannot read the model: " + e.getMessage());
        }
        return parse(decode(bytes, source), source);
    }

    private static ScoringModel loadResource(String resource, String source) {
        byte[] bytes;
        try (InputStream in = ModelLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw fail(source, "cannot read the model: no such classpath resource");
            }
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            throw fail(source, "cannot read the model: " + e.getMessage());
        }
        return parse(decode(bytes, source), source);
    }

    /** Parses and validates model text; {@code sourceName} prefixes every problem. */
    public static ScoringModel parse(String yamlText, String sourceName) {
        String source = sourceName == null || sourceName.isEmpty() ? "model" : sourceName;
        Object document = readDocument(yamlText, source);
        Checker checker = new Checker(source);
        ScoringModel model = checker.model(document);
        if (!checker.problems.isEmpty()) {
            throw new ModelValidationException(source, checker.problems);
        }
        return model;
    }

    /**
     * The YAML document of model text exactly as {@link #parse} reads it, before validation: maps,
     * lists, strings, numbers, booleans and nulls (timestamp-looking scalars stay strings), with
     * the same bounds and the same refusal of unreadable YAML and duplicate keys. For checking a
     * model file against {@code schemas/model.schema.json}; {@link #parse} is what validates it.
     */
    public static Object readDocument(String yamlText, String sourceName) {
        String source = sourceName == null || sourceName.isEmpty() ? "model" : sourceName;
        if (yamlText == null) {
            throw fail(source, "no model text");
        }
        String text = yamlText.startsWith("\uFEFF") ? yamlText.substring(1) : yamlText;
        if (text.length() > MAX_CODE_POINTS && text.codePointCount(0, text.length()) > MAX_CODE_POINTS) {
            throw fail(source, "refused: the model is larger than " + MAX_CODE_POINTS + " characters (1 MiB)");
        }
        return readYaml(text, source);
    }

    // ------------------------------------------------------------------ YAML

    private static String decode(byte[] bytes, String source) {
        if (bytes.length > MAX_BYTES) {
            throw fail(source, "refused: the model file is larger than " + MAX_BYTES + " bytes");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw fail(source, "cannot read the model: not valid UTF-8 text");
        }
    }

    /** YAML 1.1 resolution without the timestamp rule: {@code 2024-01-01} stays a string. */
    private static final class NoTimestampResolver extends Resolver {
        @Override
        public void addImplicitResolver(Tag tag, Pattern regexp, String first) {
            if (!Tag.TIMESTAMP.equals(tag)) {
                super.addImplicitResolver(tag, regexp, first);
            }
        }

        @Override
        public void addImplicitResolver(Tag tag, Pattern regexp, String first, int limit) {
            if (!Tag.TIMESTAMP.equals(tag)) {
                super.addImplicitResolver(tag, regexp, first, limit);
            }
        }
    }

    /** The safe constructor, applied to a node tree we have already checked. */
    private static final class TreeConstructor extends SafeConstructor {
        TreeConstructor(LoaderOptions options) {
            super(options);
        }

        Object build(Node root) {
            return constructDocument(root);
        }
    }

    static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(MAX_ALIASES_FOR_COLLECTIONS);
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setNestingDepthLimit(MAX_NESTING_DEPTH);
        options.setAllowRecursiveKeys(false);
        options.setWrappedToRootException(false);
        return options;
    }

    private static Object readYaml(String text, String source) {
        LoaderOptions options = loaderOptions();
        TreeConstructor constructor = new TreeConstructor(options);
        DumperOptions dumper = new DumperOptions();
        Yaml yaml = new Yaml(constructor, new Representer(dumper), dumper, options, new NoTimestampResolver());
        Node root;
        try {
            root = yaml.compose(new StringReader(text));
        } catch (YAMLException | StackOverflowError e) {
            throw fail(source, yamlProblem(e));
        }
        if (root == null) {
            return null;
        }
        List<String> duplicates = new ArrayList<>();
        findDuplicateKeys(root, "", source, duplicates, Collections.newSetFromMap(new IdentityHashMap<>()));
        if (!duplicates.isEmpty()) {
            throw new ModelValidationException(source, duplicates);
        }
        try {
            return constructor.build(root);
        } catch (YAMLException | StackOverflowError e) {
            throw fail(source, yamlProblem(e));
        }
    }

    private static String yamlProblem(Throwable e) {
        if (e instanceof StackOverflowError) {
            return "refused: the YAML is nested too deeply";
        }
        String message = String.valueOf(e.getMessage());
        if (message.contains("Number of aliases for non-scalar nodes exceeds")) {
            return "refused: more than " + MAX_ALIASES_FOR_COLLECTIONS
                    + " aliases to collections (YAML anchors/aliases are limited to guard against"
                    + " 'billion laughs' expansion)";
        }
        if (message.contains("Nesting Depth exceeded")) {
            return "refused: the YAML is nested more than " + MAX_NESTING_DEPTH + " levels deep";
        }
        if (message.contains("exceeds the limit") && message.contains("code points")) {
            return "refused: the model is larger than " + MAX_CODE_POINTS + " characters (1 MiB)";
        }
        if (message.contains("Recursive key")) {
            return "refused: recursive keys (a mapping key that contains itself through an alias)";
        }
        if (e instanceof MarkedYAMLException) {
            MarkedYAMLException m = (MarkedYAMLException) e;
            Mark mark = m.getProblemMark() != null ? m.getProblemMark() : m.getContextMark();
            StringBuilder sb = new StringBuilder("not valid YAML");
            if (mark != null) {
                sb.append(" at line ").append(mark.getLine() + 1).append(", column ").append(mark.getColumn() + 1);
            }
            sb.append(": ").append(oneLine(m.getProblem() != null ? m.getProblem() : message));
            if (m.getContext() != null) {
                sb.append(" (").append(oneLine(m.getContext()));
                Mark context = m.getContextMark();
                if (context != null && context != mark) {
                    sb.append(" at line ").append(context.getLine() + 1).append(", column ").append(context.getColumn() + 1);
                }
                sb.append(")");
            }
            return sb.toString();
        }
        return "not valid YAML: " + oneLine(message);
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*\\n\\s*", " ").trim();
    }

    /** Duplicate keys, reported with their full key paths and lines (each node is visited once). */
    private static void findDuplicateKeys(Node node, String path, String source, List<String> out, Set<Node> visited) {
        if (!visited.add(node)) {
            return;
        }
        if (node instanceof MappingNode) {
            Map<String, Integer> seen = new HashMap<>();
            for (NodeTuple t : ((MappingNode) node).getValue()) {
                Node key = t.getKeyNode();
                String childPath = path;
                if (key instanceof ScalarNode && !Tag.MERGE.equals(key.getTag())) {
                    String name = ((ScalarNode) key).getValue();
                    childPath = join(path, name);
                    int line = key.getStartMark() == null ? 0 : key.getStartMark().getLine() + 1;
                    Integer first = seen.putIfAbsent(key.getTag() + "\u0000" + name, line);
                    if (first != null) {
                        out.add(source + ": " + childPath + ": duplicate key (first at line " + first + ", again at line "
                                + line + "): a key may appear only once in a mapping");
                    }
                }
                findDuplicateKeys(t.getValueNode(), childPath, source, out, visited);
            }
        } else if (node instanceof SequenceNode) {
            List<Node> items = ((SequenceNode) node).getValue();
            for (int i = 0; i < items.size(); i++) {
                String itemPath = path + "[" + i + "]";
                if (path.equals("signals")) {
                    String id = scalarValueOf(items.get(i), "id");
                    if (id != null && !id.isEmpty()) {
                        itemPath += " (id: " + id + ")";
                    }
                }
                findDuplicateKeys(items.get(i), itemPath, source, out, visited);
            }
        }
    }

    private static String scalarValueOf(Node node, String key) {
        if (node instanceof MappingNode) {
            for (NodeTuple t : ((MappingNode) node).getValue()) {
                if (t.getKeyNode() instanceof ScalarNode && key.equals(((ScalarNode) t.getKeyNode()).getValue())
                        && t.getValueNode() instanceof ScalarNode) {
                    return ((ScalarNode) t.getValueNode()).getValue();
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ helpers

    /** One line for an unexpected throwable: its class and the first line of its message. */
    public static String describe(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        return e.getClass().getSimpleName() + ": " + (m.length() > 300 ? m.substring(0, 300) + "..." : m);
    }

    private static ModelValidationException fail(String source, String problem) {
        return new ModelValidationException(source, List.of(source + ": " + problem));
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** A value as a message shows it. Never prints a collection (it may be huge or recursive). */
    static String describe(Object v) {
        if (v == null) {
            return "nothing (null)";
        }
        if (v instanceof String) {
            return "'" + abbreviate((String) v) + "'";
        }
        if (v instanceof Boolean) {
            return "the boolean " + v;
        }
        if (v instanceof Number) {
            return "the number " + v;
        }
        if (v instanceof Map) {
            return "a mapping";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof Set) {
            return "a set (!!set)";
        }
        if (v instanceof java.util.Date) {
            return "a timestamp (!!timestamp)";
        }
        if (v instanceof byte[]) {
            return "binary data (!!binary)";
        }
        return "an unsupported YAML value (" + v.getClass().getSimpleName() + ")";
    }

    private static String abbreviate(String s) {
        String t = s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
        return t.length() > 80 ? t.substring(0, 77) + "..." : t;
    }

    /** A hint for a scalar YAML did not read as a string. */
    private static String quoteHint(Object v) {
        if (v instanceof Boolean) {
            return " (YAML 1.1 reads unquoted yes/no/on/off/true/false as booleans: quote the value)";
        }
        if (v instanceof Number) {
            return " (quote it to make it a string: \"" + v + "\")";
        }
        return "";
    }

    /** A number for messages: 40.0 as 40, 0.8 as 0.8. */
    private static String num(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    private static String scopeName(Scope s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    private static String didYouMean(String key, List<String> allowed) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String a : allowed) {
            int d = distance(key.toLowerCase(Locale.ROOT).replace('_', '-'), a);
            if (d < bestDistance) {
                bestDistance = d;
                best = a;
            }
        }
        int tolerated = key.length() < 3 ? 0 : key.length() <= 4 ? 1 : 2;
        return best != null && bestDistance <= tolerated ? " (did you mean '" + best + "'?)" : "";
    }

    private static int distance(String a, String b) {
        if (a.length() > 64) {
            return Integer.MAX_VALUE;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    // ------------------------------------------------------------------ validation

    /** Walks the constructed document by the model's schema, collecting every problem. */
    private static final class Checker {
        private final String source;
        private final List<String> problems = new ArrayList<>();

        Checker(String source) {
            this.source = source;
        }

        private void add(String path, String problem) {
            problems.add(source + ": " + (path.isEmpty() ? "" : path + ": ") + problem);
        }

        private void missing(String path, String context) {
            add(path, "missing required key" + (context == null ? "" : " (" + context + ")"));
        }

        // ---------------------------------------------------------- typed values

        /** A mapping with string keys, or null (reported). */
        private Map<String, Object> map(Object v, String path, String what) {
            if (!(v instanceof Map)) {
                add(path, "expected a mapping (" + what + "), got " + describe(v));
                return null;
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (e.getKey() instanceof String) {
                    out.put((String) e.getKey(), e.getValue());
                } else {
                    add(path, "keys must be strings, got " + describe(e.getKey()) + " as a key" + quoteHint(e.getKey()));
                }
            }
            return out;
        }

        private List<?> list(Object v, String path, String what, boolean nonEmpty) {
            if (!(v instanceof List)) {
                add(path, "expected " + what + ", got " + describe(v));
                return null;
            }
            List<?> l = (List<?>) v;
            if (nonEmpty && l.isEmpty()) {
                add(path, "expected " + what + ", got an empty list");
                return null;
            }
            return l;
        }

        private void allowKeys(Map<String, Object> m, String path, List<String> allowed, String where) {
            for (String key : m.keySet()) {
                if (!allowed.contains(key)) {
                    add(join(path, key), "unknown key" + where + "; allowed keys: " + String.join(", ", allowed)
                            + didYouMean(key, allowed));
                }
            }
        }

        private String string(Object v, String path) {
            if (!(v instanceof String)) {
                add(path, "expected a string, got " + describe(v) + quoteHint(v));
                return null;
            }
            String s = (String) v;
            if (s.isBlank()) {
                add(path, "must not be empty");
                return null;
            }
            return s;
        }

        private String reqString(Map<String, Object> m, String path, String key, String context) {
            if (!m.containsKey(key)) {
                missing(join(path, key), context);
                return null;
            }
            return string(m.get(key), join(path, key));
        }

        /** A finite number, or null (reported). */
        private Double number(Object v, String path) {
            if (!(v instanceof Number)) {
                add(path, "expected a number, got " + describe(v));
                return null;
            }
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                add(path, "expected a finite number, got " + describe(v));
                return null;
            }
            return d;
        }

        private Double reqNumber(Map<String, Object> m, String path, String key, String context) {
            if (!m.containsKey(key)) {
                missing(join(path, key), context);
                return null;
            }
            return number(m.get(key), join(path, key));
        }

        private Double nonNegative(Object v, String path, String what) {
            Double d = number(v, path);
            if (d != null && d < 0) {
                add(path, what + " must be >= 0, got " + describe(v));
                return null;
            }
            return d;
        }

        /** {@code points}: required, a number >= 0. */
        private Double points(Map<String, Object> m, String path, String context) {
            String p = join(path, "points");
            if (!m.containsKey("points")) {
                missing(p, context);
                return null;
            }
            return nonNegative(m.get("points"), p, "points (negative points are not allowed)");
        }

        /** A whole number, or null (reported). */
        private Long integer(Object v, String path) {
            if (v instanceof Integer || v instanceof Long) {
                return ((Number) v).longValue();
            }
            if (v instanceof BigInteger) {
                if (((BigInteger) v).bitLength() < 63) {
                    return ((BigInteger) v).longValue();
                }
                add(path, "the number " + v + " is too large");
                return null;
            }
            if (v instanceof Double) {
                double d = (Double) v;
                if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9.0e15) {
                    return (long) d;
                }
            }
            add(path, "expected a whole number, got " + describe(v));
            return null;
        }

        private Boolean bool(Object v, String path) {
            if (!(v instanceof Boolean)) {
                add(path, "expected true or false, got " + describe(v));
                return null;
            }
            return (Boolean) v;
        }

        private JsonPath path(Object v, String path) {
            if (!(v instanceof String)) {
                add(path, "expected a dotted path like properties.plan, got " + describe(v) + quoteHint(v));
                return null;
            }
            try {
                return JsonPath.of((String) v);
            } catch (IllegalArgumentException e) {
                add(path, "expected a dotted path like properties.plan (names separated by single dots), got "
                        + describe(v));
                return null;
            }
        }

        private JsonPath reqPath(Map<String, Object> m, String path, String key, String context) {
            if (!m.containsKey(key)) {
                missing(join(path, key), context);
                return null;
            }
            return path(m.get(key), join(path, key));
        }

        /** A duration in ms, or null (reported). */
        private Long duration(Object v, String path, boolean allowZero) {
            if (v instanceof Number) {
                add(path, "needs a unit: expected " + DURATION_HINT + ", got the bare number " + v);
                return null;
            }
            if (!(v instanceof String)) {
                add(path, "expected " + DURATION_HINT + ", got " + describe(v));
                return null;
            }
            Matcher mt = DURATION.matcher((String) v);
            if (!mt.matches()) {
                add(path, "expected " + DURATION_HINT + ", got " + describe(v));
                return null;
            }
            long unit;
            switch (mt.group(2)) {
                case "ms":
                    unit = 1L;
                    break;
                case "s":
                    unit = 1_000L;
                    break;
                case "m":
                    unit = 60_000L;
                    break;
                case "h":
                    unit = 3_600_000L;
                    break;
                default:
                    unit = 86_400_000L;
            }
            BigDecimal ms = new BigDecimal(mt.group(1)).multiply(BigDecimal.valueOf(unit))
                    .setScale(0, RoundingMode.HALF_UP);
            if (ms.compareTo(BigDecimal.valueOf(MAX_DURATION_MS)) > 0) {
                add(path, "too long: at most 36500d, got " + describe(v));
                return null;
            }
            long result = ms.longValueExact();
            if (result == 0 && !allowZero) {
                add(path, "must be longer than 0 ms, got " + describe(v));
                return null;
            }
            return result;
        }

        private Long reqDuration(Map<String, Object> m, String path, String key, String context) {
            if (!m.containsKey(key)) {
                missing(join(path, key), context);
                return null;
            }
            return duration(m.get(key), join(path, key), false);
        }

        /** {@code half-life}: optional duration > 0; 0 (no decay) when absent or invalid. */
        private long halfLife(Map<String, Object> m, String path) {
            if (!m.containsKey("half-life")) {
                return 0;
            }
            Long d = duration(m.get("half-life"), join(path, "half-life"), false);
            return d == null ? 0 : d;
        }

        /** A YAML scalar as a canonical JSON value for equality tests, or null (reported). */
        private Object scalar(Object v, String path) {
            if (v == null) {
                add(path, "null never matches (a path holding null counts as missing); give a value");
                return null;
            }
            if (v instanceof List) {
                add(path, "a list is not a value to compare with: for one of several values write {in: [a, b]}");
                return null;
            }
            if (v instanceof Map) {
                add(path, "a mapping is not a value to compare with");
                return null;
            }
            if (v instanceof Number && !Double.isFinite(((Number) v).doubleValue())) {
                add(path, "expected a finite number, got " + describe(v));
                return null;
            }
            if (!(v instanceof String || v instanceof Boolean || v instanceof Number)) {
                add(path, "expected a string, number or boolean, got " + describe(v));
                return null;
            }
            return JsonValues.fromYaml(v);
        }

        private BigDecimal decimal(Object v, String path) {
            Double d = number(v, path);
            return d == null ? null : (BigDecimal) JsonValues.fromYaml(v);
        }

        // ---------------------------------------------------------- the model

        ScoringModel model(Object document) {
            if (document == null) {
                add("", "the model is empty: expected a mapping with the keys " + String.join(", ", TOP_KEYS));
                return null;
            }
            if (!(document instanceof Map)) {
                add("", "the model must be a mapping with the keys " + String.join(", ", TOP_KEYS) + ", got "
                        + describe(document));
                return null;
            }
            Map<String, Object> m = map(document, "", "the model");
            allowKeys(m, "", TOP_KEYS, " at the top level");
            String id = reqString(m, "", "id", "the model's id, e.g. id: default");
            String version = version(m);
            TimeSettings time = time(m);
            List<JsonPath> accountIdPaths = input(m);
            LinkedHashMap<String, Double> categories = categories(m);
            List<Signal> signals = signals(m);
            ScoreScale[] scales = scores(m);
            RoutingOverride override = routing(m, scales);
            if (!problems.isEmpty()) {
                return null;
            }
            return new ScoringModel(id, version, time, accountIdPaths, categories, signals, scales[0], scales[1],
                    override);
        }

        private String version(Map<String, Object> m) {
            if (!m.containsKey("version")) {
                missing("version", "the model's version as a string, e.g. version: \"1\"");
                return null;
            }
            Object v = m.get("version");
            if (v instanceof Number) {
                add("version", "expected a string, got the number " + v + ": quote it, e.g. version: \"" + v
                        + "\" (unquoted, YAML reads " + v + " as a number)");
                return null;
            }
            return string(v, "version");
        }

        private TimeSettings time(Map<String, Object> root) {
            if (root.get("time") == null) {
                return TimeSettings.defaults();
            }
            Map<String, Object> m = map(root.get("time"), "time", "the time settings");
            if (m == null) {
                return null;
            }
            allowKeys(m, "time", TIME_KEYS, " in time");
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
            return m.containsKey(key) ? duration(m.get(key), join("time", key), allowZero) : Long.valueOf(dflt);
        }

        private List<JsonPath> input(Map<String, Object> root) {
            List<JsonPath> defaults = new ArrayList<>();
            for (String p : DEFAULT_ACCOUNT_ID_PATHS) {
                defaults.add(JsonPath.of(p));
            }
            if (root.get("input") == null) {
                return defaults;
            }
            Map<String, Object> m = map(root.get("input"), "input", "the input settings");
            if (m == null) {
                return null;
            }
            allowKeys(m, "input", INPUT_KEYS, " in input");
            if (!m.containsKey("account-id-paths")) {
                return defaults;
            }
            String p = "input.account-id-paths";
            List<?> l = list(m.get("account-id-paths"), p, "a non-empty list of dotted paths", true);
            if (l == null) {
                return null;
            }
            List<JsonPath> out = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                out.add(path(l.get(i), p + "[" + i + "]"));
            }
            return out.contains(null) ? null : out;
        }

        private LinkedHashMap<String, Double> categories(Map<String, Object> root) {
            LinkedHashMap<String, Double> out = new LinkedHashMap<>();
            if (root.get("categories") == null) {
                return out;
            }
            Map<String, Object> m = map(root.get("categories"), "categories", "category name to {cap: number}");
            if (m == null) {
                return out;
            }
            for (Map.Entry<String, Object> e : m.entrySet()) {
                String p = join("categories", e.getKey());
                if (e.getKey().isBlank()) {
                    add(p, "a category name must not be empty");
                    continue;
                }
                if (e.getValue() == null) {
                    out.put(e.getKey(), null);
                    continue;
                }
                Map<String, Object> c = map(e.getValue(), p, "{cap: number}");
                if (c == null) {
                    continue;
                }
                allowKeys(c, p, CATEGORY_KEYS, " in a category");
                Double cap = c.containsKey("cap") ? nonNegative(c.get("cap"), join(p, "cap"), "cap") : null;
                out.put(e.getKey(), cap);
            }
            return out;
        }

        // ---------------------------------------------------------- signals

        private List<Signal> signals(Map<String, Object> root) {
            if (!root.containsKey("signals")) {
                missing("signals", "a model needs a non-empty list of signals");
                return null;
            }
            List<?> l = list(root.get("signals"), "signals", "a non-empty list of signals", true);
            if (l == null) {
                return null;
            }
            Map<String, Integer> ids = new HashMap<>();
            List<Signal> out = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                out.add(signal(l.get(i), i, ids));
            }
            return out.contains(null) ? null : out;
        }

        private Signal signal(Object raw, int index, Map<String, Integer> ids) {
            int before = problems.size();
            String base = "signals[" + index + "]";
            Map<String, Object> m = map(raw, base, "a signal");
            if (m == null) {
                return null;
            }
            Object rawId = m.get("id");
            String sp = rawId instanceof String && !((String) rawId).isBlank() ? base + " (id: " + rawId + ")" : base;
            String id = reqString(m, sp, "id", "every signal needs a unique id");
            if (id != null) {
                Integer previous = ids.putIfAbsent(id, index);
                if (previous != null) {
                    add(join(sp, "id"), "duplicate signal id '" + id + "': signals[" + previous
                            + "] already has it (ids must be unique)");
                }
            }
            String category = reqString(m, sp, "category", "every signal belongs to a category");
            Scope scope = scope(m, sp);

            List<String> kindKeys = new ArrayList<>();
            for (String k : KIND_KEYS) {
                if (m.containsKey(k)) {
                    kindKeys.add(k);
                }
            }
            if (kindKeys.size() > 1) {
                add(sp, "a signal has at most one kind key (distinct, sequence, usage or trait), found "
                        + String.join(" and ", kindKeys));
                return null;
            }
            SignalKind kind = kindKeys.isEmpty() ? SignalKind.POINTS
                    : SignalKind.valueOf(kindKeys.get(0).toUpperCase(Locale.ROOT));
            allowSignalKeys(m, sp, kind);

            Signal.Builder b;
            switch (kind) {
                case POINTS: {
                    EventMatch match = reqMatch(m, sp, "match", "an event-points signal selects events with match");
                    Double points = points(m, sp, "an event-points signal adds points per matching event");
                    long halfLife = halfLife(m, sp);
                    Boolean once = m.containsKey("once") ? bool(m.get("once"), join(sp, "once")) : Boolean.FALSE;
                    if (problems.size() > before) {
                        return null;
                    }
                    b = Signal.builder(id, index, category, scope, kind)
                            .match(match).points(points).halfLifeMs(halfLife).once(once);
                    break;
                }
                case DISTINCT: {
                    String dp = join(sp, "distinct");
                    Object d = m.get("distinct");
                    Signal.DistinctBy by = null;
                    JsonPath distinctPath = null;
                    if ("day".equals(d)) {
                        by = Signal.DistinctBy.DAY;
                    } else if ("user".equals(d)) {
                        by = Signal.DistinctBy.USER;
                        if (scope != null && scope != Scope.ACCOUNT) {
                            add(dp, "distinct: user counts the identified users of an account, so it needs"
                                    + " scope: account; this signal's scope is " + scopeName(scope)
                                    + (m.containsKey("scope") ? "" : " (the default)"));
                        }
                    } else if (d instanceof String) {
                        distinctPath = path(d, dp);
                        by = Signal.DistinctBy.PATH;
                    } else {
                        add(dp, "expected day, user or a dotted property path like properties.feature, got "
                                + describe(d));
                    }
                    Long window = reqDuration(m, sp, "window", "a distinct signal counts within a window, e.g. 7d");
                    EventMatch match = reqMatch(m, sp, "match", "a distinct signal counts matching events");
                    List<PointTier> tiers = pointTiers(m, sp);
                    if (problems.size() > before) {
                        return null;
                    }
                    b = Signal.builder(id, index, category, scope, kind).match(match)
                            .distinct(by, distinctPath, window, tiers);
                    break;
                }
                case SEQUENCE: {
                    String qp = join(sp, "sequence");
                    List<?> l = list(m.get("sequence"), qp, "a list of steps, each a match", false);
                    List<EventMatch> steps = new ArrayList<>();
                    if (l != null) {
                        if (l.size() < 2) {
                            add(qp, "a sequence needs at least 2 steps, got " + l.size());
                        }
                        for (int i = 0; i < l.size(); i++) {
                            steps.add(match(l.get(i), qp + "[" + i + "]"));
                        }
                    }
                    Long within = reqDuration(m, sp, "within",
                            "a sequence's last step must come within this long after the first, e.g. 14d");
                    Double points = points(m, sp, "a sequence signal adds points when it completes");
                    long halfLife = halfLife(m, sp);
                    if (problems.size() > before) {
                        return null;
                    }
                    b = Signal.builder(id, index, category, scope, kind).sequence(steps, within)
                            .points(points).halfLifeMs(halfLife);
                    break;
                }
                case USAGE: {
                    String up = join(sp, "usage");
                    Map<String, Object> u = map(m.get("usage"), up, "{match, metric, used, limit}");
                    EventMatch match = null;
                    JsonPath metric = null;
                    JsonPath used = null;
                    JsonPath limit = null;
                    if (u != null) {
                        allowKeys(u, up, USAGE_BLOCK_KEYS, " in usage");
                        match = reqMatch(u, up, "match", "usage readings come from matching events");
                        metric = u.containsKey("metric") ? path(u.get("metric"), join(up, "metric")) : null;
                        used = reqPath(u, up, "used",
                                "a usage signal needs the path of the amount used, e.g. used: properties.used");
                        limit = reqPath(u, up, "limit",
                                "a usage signal needs the path of the limit, e.g. limit: properties.limit");
                    }
                    Double at = reqNumber(m, sp, "at", "the used/limit ratio that fires the signal, e.g. at: 0.8");
                    if (at != null && at <= 0) {
                        add(join(sp, "at"), "must be greater than 0 (the used/limit ratio that fires the signal,"
                                + " e.g. 0.8), got " + describe(m.get("at")));
                    }
                    Double points = points(m, sp, "a usage signal adds points each time it fires");
                    long halfLife = halfLife(m, sp);
                    if (problems.size() > before) {
                        return null;
                    }
                    b = Signal.builder(id, index, category, scope, kind).match(match)
                            .usage(metric, used, limit, at).points(points).halfLifeMs(halfLife);
                    break;
                }
                case TRAIT: {
                    String tp = join(sp, "trait");
                    TraitTest trait = trait(m.get("trait"), tp);
                    if (trait != null && trait.of() == TraitTest.Of.USER && scope != null && scope != Scope.USER) {
                        add(join(tp, "of"), "of: user tests the user's own traits, so it needs scope: user;"
                                + " this signal's scope is " + scopeName(scope)
                                + (m.containsKey("scope") ? "" : " (the default)"));
                    }
                    Double points = points(m, sp, "a trait signal adds points while its test passes");
                    if (problems.size() > before) {
                        return null;
                    }
                    b = Signal.builder(id, index, category, scope, kind).trait(trait).points(points);
                    break;
                }
                default:
                    throw new IllegalStateException("unknown kind " + kind);
            }
            return b.build();
        }

        private Scope scope(Map<String, Object> m, String sp) {
            if (!m.containsKey("scope")) {
                return Scope.BOTH;
            }
            Object v = m.get("scope");
            if ("user".equals(v)) {
                return Scope.USER;
            }
            if ("account".equals(v)) {
                return Scope.ACCOUNT;
            }
            if ("both".equals(v)) {
                return Scope.BOTH;
            }
            add(join(sp, "scope"), "expected user, account or both, got " + describe(v));
            return null;
        }

        private void allowSignalKeys(Map<String, Object> m, String sp, SignalKind kind) {
            List<String> allowed = keysOf(kind);
            for (String key : m.keySet()) {
                if (allowed.contains(key)) {
                    continue;
                }
                StringBuilder sb = new StringBuilder("unknown key for ").append(kindName(kind))
                        .append(" signal; allowed keys: ").append(String.join(", ", allowed));
                List<String> owners = new ArrayList<>();
                for (SignalKind other : SignalKind.values()) {
                    if (other != kind && keysOf(other).contains(key)) {
                        owners.add(kindName(other).replaceFirst("^an? ", ""));
                    }
                }
                if (!owners.isEmpty()) {
                    sb.append(" ('").append(key).append("' belongs to ").append(String.join(" and ", owners))
                            .append(" signals)");
                } else {
                    sb.append(didYouMean(key, allowed));
                }
                add(join(sp, key), sb.toString());
            }
        }

        private List<String> keysOf(SignalKind kind) {
            switch (kind) {
                case DISTINCT:
                    return DISTINCT_KEYS;
                case SEQUENCE:
                    return SEQUENCE_KEYS;
                case USAGE:
                    return USAGE_KEYS;
                case TRAIT:
                    return TRAIT_SIGNAL_KEYS;
                default:
                    return POINTS_KEYS;
            }
        }

        private String kindName(SignalKind kind) {
            switch (kind) {
                case DISTINCT:
                    return "a distinct";
                case SEQUENCE:
                    return "a sequence";
                case USAGE:
                    return "a usage";
                case TRAIT:
                    return "a trait";
                default:
                    return "an event-points";
            }
        }

        private List<PointTier> pointTiers(Map<String, Object> m, String sp) {
            String p = join(sp, "tiers");
            if (!m.containsKey("tiers")) {
                missing(p, "a distinct signal maps counts to points, e.g. tiers: [{min: 1, points: 5}]");
                return null;
            }
            List<?> l = list(m.get("tiers"), p, "a non-empty list of {min, points}", true);
            if (l == null) {
                return null;
            }
            List<PointTier> out = new ArrayList<>();
            Long previousMin = null;
            int previousIndex = -1;
            for (int i = 0; i < l.size(); i++) {
                String tp = p + "[" + i + "]";
                Map<String, Object> t = map(l.get(i), tp, "a tier {min, points}");
                if (t == null) {
                    out.add(null);
                    continue;
                }
                allowKeys(t, tp, POINT_TIER_KEYS, " in a distinct tier");
                Long min = null;
                if (!t.containsKey("min")) {
                    missing(join(tp, "min"), "the least distinct count that earns the points");
                } else {
                    min = integer(t.get("min"), join(tp, "min"));
                    if (min != null && min < 1) {
                        add(join(tp, "min"), "must be at least 1, got " + min);
                        min = null;
                    }
                }
                Double points = points(t, tp, "the points this tier earns");
                if (min != null && previousMin != null && min <= previousMin) {
                    add(join(tp, "min"), "tier mins must be strictly increasing: min " + min + " of tiers[" + i
                            + "] is not greater than min " + previousMin + " of tiers[" + previousIndex + "]");
                }
                if (min != null) {
                    previousMin = min;
                    previousIndex = i;
                }
                out.add(min == null || points == null ? null : new PointTier(min, points));
            }
            return out.contains(null) ? null : out;
        }

        // ---------------------------------------------------------- match and tests

        private EventMatch reqMatch(Map<String, Object> m, String path, String key, String context) {
            if (!m.containsKey(key)) {
                missing(join(path, key), context);
                return null;
            }
            return match(m.get(key), join(path, key));
        }

        private EventMatch match(Object raw, String path) {
            int before = problems.size();
            Map<String, Object> m = map(raw, path, "a match: type, event, name, where");
            if (m == null) {
                return null;
            }
            allowKeys(m, path, MATCH_KEYS, " in a match");
            Set<String> types = m.containsKey("type") ? types(m.get("type"), join(path, "type")) : null;
            Set<String> events = m.containsKey("event") ? names(m.get("event"), join(path, "event"), "event") : null;
            Set<String> names = m.containsKey("name") ? names(m.get("name"), join(path, "name"), "name") : null;
            if (m.containsKey("event") && m.containsKey("name")) {
                add(path, "give either event (track calls) or name (page and screen calls), not both");
            }
            if (!m.containsKey("type")) {
                if (m.containsKey("event")) {
                    types = Set.of("track");
                } else if (m.containsKey("name")) {
                    types = new LinkedHashSet<>(List.of("page", "screen"));
                } else {
                    types = new LinkedHashSet<>(ACTIVITY_TYPES);
                }
            } else if (types != null) {
                if (m.containsKey("event") && !types.contains("track")) {
                    add(join(path, "event"), "event names only match track calls, but type is " + types
                            + ": add track to type, or use name for page and screen calls");
                }
                if (m.containsKey("name") && !types.contains("page") && !types.contains("screen")) {
                    add(join(path, "name"), "names only match page and screen calls, but type is " + types
                            + ": add page or screen to type, or use event for track calls");
                }
            }
            List<PathTest> where = new ArrayList<>();
            if (m.containsKey("where")) {
                String wp = join(path, "where");
                Map<String, Object> w = map(m.get("where"), wp, "dotted paths to tests");
                if (w != null) {
                    for (Map.Entry<String, Object> e : w.entrySet()) {
                        String tp = join(wp, e.getKey());
                        JsonPath jp = path(e.getKey(), tp);
                        ValueTest test = whereTest(e.getValue(), tp);
                        if (jp != null && test != null) {
                            where.add(new PathTest(jp, test));
                        }
                    }
                }
            }
            if (problems.size() > before) {
                return null;
            }
            return new EventMatch(types, events, names, where);
        }

        private Set<String> types(Object v, String path) {
            List<?> items;
            boolean single = !(v instanceof List);
            if (single) {
                items = Collections.singletonList(v);
            } else {
                items = list(v, path, "an activity type or a non-empty list of them (track, page, screen)", true);
                if (items == null) {
                    return null;
                }
            }
            Set<String> out = new LinkedHashSet<>();
            boolean ok = true;
            for (int i = 0; i < items.size(); i++) {
                String ip = single ? path : path + "[" + i + "]";
                Object t = items.get(i);
                if (ACTIVITY_TYPES.contains(t)) {
                    out.add((String) t);
                } else if ("identify".equals(t) || "group".equals(t)) {
                    add(ip, "'" + t + "' is not an activity type: a match only selects activity events (track, page,"
                            + " screen); identify and group calls only update traits (use a trait signal)");
                    ok = false;
                } else {
                    add(ip, "expected an activity type (track, page or screen), got " + describe(t));
                    ok = false;
                }
            }
            return ok ? out : null;
        }

        private Set<String> names(Object v, String path, String what) {
            if (v instanceof List) {
                List<?> l = list(v, path, "a " + what + " name or a non-empty list of them", true);
                if (l == null) {
                    return null;
                }
                Set<String> out = new LinkedHashSet<>();
                for (int i = 0; i < l.size(); i++) {
                    out.add(string(l.get(i), path + "[" + i + "]"));
                }
                return out.contains(null) ? null : out;
            }
            String s = string(v, path);
            return s == null ? null : Set.of(s);
        }

        private ValueTest whereTest(Object v, String path) {
            if (!(v instanceof Map)) {
                Object value = scalar(v, path);
                return value == null ? null : ValueTest.eq(value);
            }
            Map<String, Object> t = map(v, path, "a test");
            if (t == null) {
                return null;
            }
            int before = problems.size();
            for (String key : t.keySet()) {
                if (!WHERE_TEST_KEYS.contains(key)) {
                    add(join(path, key), "unknown test key; a where test is a value (equality) or a mapping with"
                            + " one of in, prefix, gte/lte" + ("eq".equals(key)
                                    ? " (for equality write the value directly, e.g. {properties.plan: pro})"
                                    : didYouMean(key, WHERE_TEST_KEYS)));
                }
            }
            if (problems.size() > before) {
                return null;
            }
            if (t.isEmpty()) {
                add(path, "an empty test: give a value (equality) or one of in, prefix, gte/lte");
                return null;
            }
            return test(t, path);
        }

        /** The test keys of a where test or trait (already checked for unknown keys). */
        private ValueTest test(Map<String, Object> t, String path) {
            List<String> given = new ArrayList<>();
            for (String k : List.of("eq", "in", "prefix")) {
                if (t.containsKey(k)) {
                    given.add(k);
                }
            }
            boolean range = t.containsKey("gte") || t.containsKey("lte");
            if (range) {
                given.add(t.containsKey("gte") && t.containsKey("lte") ? "gte/lte" : t.containsKey("gte") ? "gte" : "lte");
            }
            if (given.size() > 1) {
                add(path, "at most one test (eq, in, prefix, or a gte/lte range), found " + String.join(" and ", given));
                return null;
            }
            if (given.isEmpty()) {
                return ValueTest.present();
            }
            if (t.containsKey("eq")) {
                Object value = scalar(t.get("eq"), join(path, "eq"));
                return value == null ? null : ValueTest.eq(value);
            }
            if (t.containsKey("in")) {
                String ip = join(path, "in");
                List<?> l = list(t.get("in"), ip, "a non-empty list of values, e.g. in: [pro, business]", true);
                if (l == null) {
                    return null;
                }
                List<Object> values = new ArrayList<>();
                boolean ok = true;
                for (int i = 0; i < l.size(); i++) {
                    Object value = scalar(l.get(i), ip + "[" + i + "]");
                    ok &= value != null;
                    values.add(value);
                }
                return ok ? ValueTest.in(values) : null;
            }
            if (t.containsKey("prefix")) {
                Object p = t.get("prefix");
                if (!(p instanceof String)) {
                    add(join(path, "prefix"), "expected a string, got " + describe(p) + quoteHint(p));
                    return null;
                }
                return ValueTest.prefix((String) p);
            }
            BigDecimal gte = t.containsKey("gte") ? decimal(t.get("gte"), join(path, "gte")) : null;
            BigDecimal lte = t.containsKey("lte") ? decimal(t.get("lte"), join(path, "lte")) : null;
            if ((t.containsKey("gte") && gte == null) || (t.containsKey("lte") && lte == null)) {
                return null;
            }
            if (gte != null && lte != null && gte.compareTo(lte) > 0) {
                add(path, "an empty range: gte " + gte.toPlainString() + " is greater than lte " + lte.toPlainString());
                return null;
            }
            return ValueTest.range(gte, lte);
        }

        private TraitTest trait(Object raw, String path) {
            int before = problems.size();
            Map<String, Object> m = map(raw, path, "a trait test: of, path and one of eq, in, prefix, gte/lte");
            if (m == null) {
                return null;
            }
            allowKeys(m, path, TRAIT_KEYS, " in a trait test");
            TraitTest.Of of = null;
            if (!m.containsKey("of")) {
                missing(join(path, "of"), "whose traits: of: account or of: user");
            } else if ("account".equals(m.get("of"))) {
                of = TraitTest.Of.ACCOUNT;
            } else if ("user".equals(m.get("of"))) {
                of = TraitTest.Of.USER;
            } else {
                add(join(path, "of"), "expected account or user, got " + describe(m.get("of")));
            }
            JsonPath traitPath = reqPath(m, path, "path", "a dotted path into the traits, e.g. path: employees");
            Map<String, Object> tests = new LinkedHashMap<>(m);
            tests.keySet().retainAll(TRAIT_KEYS);
            ValueTest test = test(tests, path);
            if (problems.size() > before) {
                return null;
            }
            return new TraitTest(of, traitPath, test);
        }

        // ---------------------------------------------------------- scores and routing

        private ScoreScale[] scores(Map<String, Object> root) {
            ScoreScale[] out = new ScoreScale[2];
            if (!root.containsKey("scores")) {
                missing("scores", "a model needs scores: {pql: ..., pqa: ...}");
                return out;
            }
            Map<String, Object> m = map(root.get("scores"), "scores", "pql and pqa");
            if (m == null) {
                return out;
            }
            allowKeys(m, "scores", SCORES_KEYS, " in scores");
            out[0] = scale(m, "pql");
            out[1] = scale(m, "pqa");
            return out;
        }

        private ScoreScale scale(Map<String, Object> scores, String key) {
            String p = join("scores", key);
            if (!scores.containsKey(key)) {
                missing(p, key.equals("pql") ? "the user score's tiers" : "the account score's tiers");
                return null;
            }
            int before = problems.size();
            Map<String, Object> m = map(scores.get(key), p, "hysteresis, min-active-users, tiers");
            if (m == null) {
                return null;
            }
            boolean accounts = key.equals("pqa");
            if (!accounts && m.containsKey("min-active-users")) {
                add(join(p, "min-active-users"), "only allowed on pqa: the active-user gate applies to accounts,"
                        + " not users");
                Map<String, Object> rest = new LinkedHashMap<>(m);
                rest.remove("min-active-users");
                allowKeys(rest, p, PQL_KEYS, " in scores.pql");
            } else {
                allowKeys(m, p, accounts ? PQA_KEYS : PQL_KEYS, " in scores." + key);
            }
            Double hysteresis = m.containsKey("hysteresis")
                    ? nonNegative(m.get("hysteresis"), join(p, "hysteresis"), "hysteresis")
                    : Double.valueOf(ScoreScale.DEFAULT_HYSTERESIS);
            long minActiveUsers = 0;
            if (accounts && m.containsKey("min-active-users")) {
                String mp = join(p, "min-active-users");
                Long n = integer(m.get("min-active-users"), mp);
                if (n != null && (n < 0 || n > Integer.MAX_VALUE)) {
                    add(mp, "must be a whole number >= 0 (0: no gate), got " + n);
                } else if (n != null) {
                    minActiveUsers = n;
                }
            }
            List<TierDef> tiers = scoreTiers(m, p);
            if (problems.size() > before) {
                return null;
            }
            return new ScoreScale(hysteresis, (int) minActiveUsers, tiers);
        }

        private List<TierDef> scoreTiers(Map<String, Object> m, String sp) {
            String p = join(sp, "tiers");
            if (!m.containsKey("tiers")) {
                missing(p, "a non-empty list of {name, min, route, sla}");
                return null;
            }
            List<?> l = list(m.get("tiers"), p, "a non-empty list of {name, min, route, sla}", true);
            if (l == null) {
                return null;
            }
            List<TierDef> out = new ArrayList<>();
            Map<String, Integer> names = new HashMap<>();
            String previousName = null;
            Double previousMin = null;
            for (int i = 0; i < l.size(); i++) {
                String tp = p + "[" + i + "]";
                Map<String, Object> t = map(l.get(i), tp, "a tier {name, min, route, sla}");
                if (t == null) {
                    out.add(null);
                    continue;
                }
                allowKeys(t, tp, SCORE_TIER_KEYS, " in a score tier");
                String name = reqString(t, tp, "name", null);
                if (name != null && name.equals(ScoreScale.NONE)) {
                    add(join(tp, "name"), "'none' is the base tier below the lowest tier and cannot be defined;"
                            + " choose another name");
                    name = null;
                } else if (name != null) {
                    Integer first = names.putIfAbsent(name, i);
                    if (first != null) {
                        add(join(tp, "name"), "duplicate tier name '" + name + "': " + p + "[" + first
                                + "] already has it");
                    }
                }
                Double min = reqNumber(t, tp, "min", "the least score of this tier");
                String route = reqString(t, tp, "route", "where transitions into this tier are routed");
                long sla = 0;
                if (t.containsKey("sla")) {
                    Long d = duration(t.get("sla"), join(tp, "sla"), false);
                    sla = d == null ? 0 : d;
                }
                if (min != null && previousMin != null && min <= previousMin) {
                    add(join(tp, "min"), "tier mins must be strictly increasing: tier '" + name + "' (min " + num(min)
                            + ") must be above tier '" + previousName + "' (min " + num(previousMin) + ")");
                }
                if (min != null) {
                    previousMin = min;
                    previousName = name;
                }
                out.add(name == null || min == null || route == null ? null : new TierDef(name, min, route, sla));
            }
            return out.contains(null) ? null : out;
        }

        private RoutingOverride routing(Map<String, Object> root, ScoreScale[] scales) {
            if (root.get("routing") == null) {
                return null;
            }
            Map<String, Object> m = map(root.get("routing"), "routing", "enterprise-override");
            if (m == null) {
                return null;
            }
            allowKeys(m, "routing", ROUTING_KEYS, " in routing");
            if (!m.containsKey("enterprise-override")) {
                return null;
            }
            String p = "routing.enterprise-override";
            Map<String, Object> o = map(m.get("enterprise-override"), p, "{trait: ..., tiers: [...]}");
            if (o == null) {
                return null;
            }
            allowKeys(o, p, OVERRIDE_KEYS, " in enterprise-override");
            TraitTest trait = null;
            if (!o.containsKey("trait")) {
                missing(join(p, "trait"), "the account trait test that selects enterprise accounts");
            } else {
                trait = trait(o.get("trait"), join(p, "trait"));
                if (trait != null && trait.of() != TraitTest.Of.ACCOUNT) {
                    add(join(p, "trait.of"), "must be account: the enterprise override tests the account's traits");
                    trait = null;
                }
            }
            Set<String> tiers = new LinkedHashSet<>();
            String tp = join(p, "tiers");
            boolean ok = true;
            if (!o.containsKey("tiers")) {
                missing(tp, "the tiers whose upward transitions the override routes");
                ok = false;
            } else {
                List<?> l = list(o.get("tiers"), tp, "a non-empty list of tier names", true);
                ok = l != null;
                Set<String> known = new LinkedHashSet<>();
                boolean scalesOk = scales[0] != null && scales[1] != null;
                for (ScoreScale s : scales) {
                    if (s != null) {
                        s.tiers().forEach(t -> known.add(t.name()));
                    }
                }
                for (int i = 0; l != null && i < l.size(); i++) {
                    String ip = tp + "[" + i + "]";
                    String name = string(l.get(i), ip);
                    if (name == null) {
                        ok = false;
                    } else if (scalesOk && !known.contains(name)) {
                        add(ip, "unknown tier '" + name + "'; the tiers of pql and pqa are " + String.join(", ", known));
                        ok = false;
                    } else {
                        tiers.add(name);
                    }
                }
            }
            return trait != null && ok ? new RoutingOverride(trait, tiers) : null;
        }
    }
}
