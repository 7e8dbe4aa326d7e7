package io.pqlscore.model;

import static io.pqlscore.model.ModelLoader.MAX_ALIASES_FOR_COLLECTIONS;
import static io.pqlscore.model.ModelLoader.MAX_BYTES;
import static io.pqlscore.model.ModelLoader.MAX_CODE_POINTS;
import static io.pqlscore.model.ModelLoader.MAX_NESTING_DEPTH;
import static io.pqlscore.model.ProblemText.fail;
import static io.pqlscore.model.ProblemText.join;

import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * The YAML reader of model files: bytes to text (UTF-8 only, bounded), text to a document of
 * maps, lists and scalars. YAML 1.1 with SnakeYAML's safe constructor, except that
 * timestamp-looking scalars stay strings; size, nesting depth and aliases are bounded and
 * duplicate keys refused, each with a message naming the line, so a hostile file is refused
 * before anything is built from it. What the document means is {@link ModelReader}'s.
 */
final class ModelYaml {
    private ModelYaml() {}

    /** The document of model text (a byte order mark is skipped), or a refusal naming {@code source}. */
    static Object read(String yamlText, String source) {
        if (yamlText == null) {
            throw fail(source, "no model text");
        }
        String text = yamlText.startsWith("\uFEFF") ? yamlText.substring(1) : yamlText;
        if (text.length() > MAX_CODE_POINTS && text.codePointCount(0, text.length()) > MAX_CODE_POINTS) {
            throw fail(source, "refused: the model is larger than " + MAX_CODE_POINTS + " characters (1 MiB)");
        }
        return readYaml(text, source);
    }

    static String decode(byte[] bytes, String source) {
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
}
