package io.pqlscore.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The part of kustomize that k8s/ uses, for tests on a machine without kustomize or kubectl:
 * {@code resources} (files and directories), {@code configMapGenerator} ({@code files},
 * {@code behavior}, {@code options.labels}, {@code options.disableNameSuffixHash}, and the
 * content-hash suffix of the generated name), {@code patches} with a {@code path} and a
 * {@code target} (merged as kustomize merges a patch into a custom resource without a schema: a
 * JSON merge patch), {@code components}, {@code namespace}, and {@code configurations}'
 * {@code nameReference} entries, which write a generated name into the fields they list (merged
 * from bases into overlays, as kustomize's accumulator does). Anything else in a kustomization
 * is an error here, so a new feature needs a test first.
 */
final class Kustomize {
    private Kustomize() {}

    static final Set<String> KNOWN_FIELDS = Set.of("apiVersion", "kind", "resources", "configMapGenerator", "patches",
            "components", "namespace", "configurations");

    /** One path of a nameReference fieldSpec: where {@code kind} refers to a {@code referredKind} by name. */
    record FieldSpec(String referredKind, String kind, String path) {}

    /** What a kustomization builds, and what it read to build it. */
    static final class Build {
        final Path dir;
        final List<KubernetesManifestsTest.Doc> resources = new ArrayList<>();
        final List<FieldSpec> nameReferences = new ArrayList<>();
        /** Generated ConfigMap: the name in the kustomization -> the name it got. */
        final Map<String, String> generatedNames = new LinkedHashMap<>();
        /** Every file and directory the kustomizations of this build list (resolved, normalized). */
        final Set<Path> listed = new LinkedHashSet<>();

        Build(Path dir) {
            this.dir = dir;
        }

        List<KubernetesManifestsTest.Doc> ofKind(String kind) {
            return resources.stream().filter(d -> d.kind().equals(kind)).toList();
        }

        KubernetesManifestsTest.Doc one(String kind) {
            List<KubernetesManifestsTest.Doc> all = ofKind(kind);
            if (all.size() != 1) {
                throw new AssertionError(dir + " builds " + all.size() + " " + kind + ", not one");
            }
            return all.get(0);
        }
    }

    static JsonNode kustomization(Path dir) {
        Path file = dir.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) {
            throw new AssertionError(dir + " has no kustomization.yaml");
        }
        JsonNode k = KubernetesManifestsTest.PLAIN.valueToTree(KubernetesManifestsTest.yaml().load(KubernetesManifestsTest.read(file)));
        k.fieldNames().forEachRemaining(f -> {
            if (!KNOWN_FIELDS.contains(f)) {
                throw new AssertionError(file + ": " + f + " is not a kustomization field this emulation knows");
            }
        });
        return k;
    }

    /** Builds the kustomization in {@code dir} (kind Kustomization). */
    static Build build(Path dir) {
        return build(dir, null);
    }

    /** Applies the component in {@code dir} to {@code build}, as an overlay's {@code components:} entry would. */
    static Build applyComponent(Path dir, Build build) {
        return build(dir, build);
    }

    /** Builds {@code dir}; with {@code into} set, {@code dir} is a Component applied to that build. */
    private static Build build(Path dir, Build into) {
        JsonNode k = kustomization(dir);
        String kind = k.path("kind").asText();
        if (into == null && !kind.equals("Kustomization") || into != null && !kind.equals("Component")) {
            throw new AssertionError(dir + ": kind " + kind + (into == null ? ", expected Kustomization" : ", expected Component"));
        }
        Build b = into != null ? into : new Build(dir);
        b.listed.add(dir.resolve("kustomization.yaml").normalize());
        for (JsonNode c : k.path("configurations")) {
            Path f = listed(b, dir, c.asText());
            JsonNode conf = KubernetesManifestsTest.PLAIN.valueToTree(KubernetesManifestsTest.yaml().load(KubernetesManifestsTest.read(f)));
            conf.fieldNames().forEachRemaining(field -> {
                if (!field.equals("nameReference")) {
                    throw new AssertionError(f + ": " + field + " is not a transformer configuration this emulation knows");
                }
            });
            for (JsonNode ref : conf.path("nameReference")) {
                for (JsonNode spec : ref.path("fieldSpecs")) {
                    b.nameReferences.add(new FieldSpec(ref.path("kind").asText(), spec.path("kind").asText(), spec.path("path").asText()));
                }
            }
        }
        for (JsonNode r : k.path("resources")) {
            Path p = listed(b, dir, r.asText());
            if (Files.isDirectory(p)) {
                Build sub = build(p);
                b.resources.addAll(sub.resources);
                b.nameReferences.addAll(sub.nameReferences);
                b.generatedNames.putAll(sub.generatedNames);
                b.listed.addAll(sub.listed);
            } else {
                b.resources.addAll(KubernetesManifestsTest.load(p));
            }
        }
        Map<String, String> renamed = new TreeMap<>();
        for (JsonNode g : k.path("configMapGenerator")) {
            generate(b, dir, g, renamed);
        }
        for (JsonNode c : k.path("components")) {
            build(listed(b, dir, c.asText()), b);
        }
        for (JsonNode patch : k.path("patches")) {
            Path f = listed(b, dir, patch.path("path").asText());
            JsonNode target = patch.path("target");
            List<KubernetesManifestsTest.Doc> docs = KubernetesManifestsTest.load(f);
            if (docs.size() != 1) {
                throw new AssertionError(f + ": one patch per file");
            }
            JsonNode body = docs.get(0).node().deepCopy();
            ((ObjectNode) body).remove(List.of("apiVersion", "kind", "metadata"));
            boolean matched = false;
            for (int i = 0; i < b.resources.size(); i++) {
                KubernetesManifestsTest.Doc d = b.resources.get(i);
                if (d.kind().equals(target.path("kind").asText()) && d.name().equals(target.path("name").asText())
                        && d.node().path("apiVersion").asText().startsWith(target.path("group").asText() + "/")) {
                    b.resources.set(i, new KubernetesManifestsTest.Doc(d.file(), d.index(),
                            KubernetesManifestsTest.mergePatch(d.node().deepCopy(), body)));
                    matched = true;
                }
            }
            if (!matched) {
                throw new AssertionError(f + ": the patch's target " + target + " is no resource of " + dir);
            }
        }
        if (k.has("namespace")) {
            for (KubernetesManifestsTest.Doc d : b.resources) {
                ((ObjectNode) d.node().path("metadata")).put("namespace", k.path("namespace").asText());
            }
        }
        // name references: every generated name of this level, into the fields configurations list
        for (Map.Entry<String, String> e : renamed.entrySet()) {
            for (FieldSpec f : b.nameReferences) {
                if (!f.referredKind().equals("ConfigMap")) {
                    continue;
                }
                for (KubernetesManifestsTest.Doc d : b.resources) {
                    if (d.kind().equals(f.kind())) {
                        rewrite(d.node(), f.path().split("/"), 0, e.getKey(), e.getValue());
                    }
                }
            }
        }
        return b;
    }

    private static Path listed(Build b, Path dir, String entry) {
        Path p = dir.resolve(entry).normalize();
        if (!Files.exists(p)) {
            throw new AssertionError(dir.resolve("kustomization.yaml") + " lists " + entry + ", which does not exist");
        }
        b.listed.add(p);
        return p;
    }

    /** A configMapGenerator entry: a ConfigMap of the listed files, named with its content hash unless told not to. */
    private static void generate(Build b, Path dir, JsonNode g, Map<String, String> renamed) {
        String name = g.path("name").asText();
        String behavior = g.path("behavior").asText("create");
        ObjectNode data = KubernetesManifestsTest.PLAIN.createObjectNode();
        for (JsonNode f : g.path("files")) {
            String entry = f.asText();
            String key = entry.contains("=") ? entry.substring(0, entry.indexOf('=')) : Path.of(entry).getFileName().toString();
            Path file = listed(b, dir, entry.contains("=") ? entry.substring(entry.indexOf('=') + 1) : entry);
            data.put(key, KubernetesManifestsTest.read(file));
        }
        for (String field : List.of("literals", "envs", "env")) {
            if (g.has(field)) {
                throw new AssertionError(dir + ": configMapGenerator " + field + " is not emulated");
            }
        }
        ObjectNode cm = KubernetesManifestsTest.PLAIN.createObjectNode();
        cm.put("apiVersion", "v1");
        cm.put("kind", "ConfigMap");
        ObjectNode meta = cm.putObject("metadata");
        meta.put("name", name);
        JsonNode labels = g.path("options").path("labels");
        if (labels.isObject()) {
            meta.set("labels", labels.deepCopy());
        }
        cm.set("data", data);
        String original = name;
        if (!behavior.equals("create")) {
            // replace: the base's ConfigMap of that name goes, under whatever name it was given
            String previous = b.generatedNames.get(name);
            if (previous == null || !behavior.equals("replace")) {
                throw new AssertionError(dir + ": configMapGenerator " + name + " behavior " + behavior
                        + " needs a generated ConfigMap of that name in a base (only replace is emulated)");
            }
            b.resources.removeIf(d -> d.kind().equals("ConfigMap") && d.name().equals(previous));
            // the references were rewritten to the previous name already: rewrite them from there
            original = previous;
        }
        if (!g.path("options").path("disableNameSuffixHash").asBoolean(false)) {
            meta.put("name", name + "-" + hash(name, data));
        }
        b.generatedNames.put(name, meta.path("name").asText());
        renamed.put(original, meta.path("name").asText());
        b.resources.add(new KubernetesManifestsTest.Doc(dir.resolve("kustomization.yaml"), -1, cm));
    }

    /**
     * The name suffix kustomize gives a generated ConfigMap: the SHA-256 of the JSON of
     * {@code {"data":...,"kind":"ConfigMap","name":...}} (keys sorted, as Go's encoder writes a
     * map, with its HTML escaping of {@code < > &}), its first 10 hex digits with 0, 1, 3, a, e
     * written as g, h, k, m, t (kustomize's {@code hasher.encode}, which keeps words out of names).
     * Not verified against a kustomize binary here; what the tests rely on is that it changes
     * with the content.
     */
    static String hash(String name, JsonNode data) {
        StringBuilder json = new StringBuilder("{\"data\":{");
        List<String> keys = new ArrayList<>();
        data.fieldNames().forEachRemaining(keys::add);
        keys.sort(null);
        for (int i = 0; i < keys.size(); i++) {
            json.append(i == 0 ? "" : ",").append(goJson(keys.get(i))).append(':').append(goJson(data.path(keys.get(i)).asText()));
        }
        json.append("},\"kind\":\"ConfigMap\",\"name\":").append(goJson(name)).append('}');
        try {
            String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(json.toString().getBytes(StandardCharsets.UTF_8)));
            StringBuilder out = new StringBuilder();
            for (char c : hex.substring(0, 10).toCharArray()) {
                out.append(switch (c) {
                    case '0' -> 'g';
                    case '1' -> 'h';
                    case '3' -> 'k';
                    case 'a' -> 'm';
                    case 'e' -> 't';
                    default -> c;
                });
            }
            return out.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JSON string as Go's encoding/json writes it (HTML-safe escaping). */
    private static String goJson(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '<' -> b.append("\\u003c");
                case '>' -> b.append("\\u003e");
                case '&' -> b.append("\\u0026");
                case '\u2028' -> b.append("\\u2028");
                case '\u2029' -> b.append("\\u2029");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** Sets the field at {@code path} (lists: each element) to {@code to} where it is {@code from}. */
    private static void rewrite(JsonNode node, String[] path, int i, String from, String to) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return;
        }
        if (node.isArray()) {
            for (JsonNode e : node) {
                rewrite(e, path, i, from, to);
            }
            return;
        }
        if (!node.isObject()) {
            return;
        }
        if (i == path.length - 1) {
            JsonNode v = node.get(path[i]);
            if (v != null && v.isTextual() && v.asText().equals(from)) {
                ((ObjectNode) node).put(path[i], to);
            }
            return;
        }
        rewrite(node.get(path[i]), path, i + 1, from, to);
    }

    /** Every regular file under {@code dir}, minus the subtrees of other kustomizations. */
    static List<Path> filesOf(Path dir) {
        List<Path> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path p : files.sorted().toList()) {
                if (Files.isDirectory(p)) {
                    if (!Files.exists(p.resolve("kustomization.yaml"))) {
                        out.addAll(filesOf(p));
                    }
                } else {
                    out.add(p.normalize());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
