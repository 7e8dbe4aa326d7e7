package io.pqlscore.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Flink Kubernetes Operator's CustomResourceDefinitions of release {@value #VERSION}, as JSON
 * Schemas for networknt's validator. The CRDs are copies of the release's
 * ({@code job/src/test/resources/k8s/operator-1.15.0/}, provenance in the README there): the operator's
 * API classes generate them, so a manifest that validates here is one those classes read.
 *
 * <p>A CRD's {@code openAPIV3Schema} is OpenAPI v3 with Kubernetes extensions; it becomes a draft
 * 2020-12 JSON Schema as the API server with strict field validation ({@code kubectl apply}'s
 * default) would apply it, and as strict as the API classes read with unknown fields refused:
 *
 * <ul>
 *   <li>every object schema (one with {@code type: object} or {@code properties}) that has no
 *       {@code additionalProperties} of its own and is not {@code x-kubernetes-preserve-unknown-fields:
 *       true} gets {@code additionalProperties: false}: an unknown or misspelled field fails
 *       (only {@code spec.flinkConfiguration} preserves unknown fields in 1.15.0);
 *   <li>{@code x-kubernetes-int-or-string: true} is an integer or a string (its {@code anyOf}, or
 *       {@code type: [integer, string]} without one); {@code nullable: true} adds {@code null};
 *       anything else is not null;
 *   <li>{@code type}, {@code enum}, {@code required}, {@code items}, {@code properties},
 *       {@code additionalProperties}, {@code anyOf} and the bounds keep their meaning, enums
 *       exactly as the CRD lists them; {@code description} and {@code default} are annotations
 *       and dropped; any other keyword or extension is an error here (it needs a translation
 *       before a test can rely on it);
 *   <li>the root, which the CRD leaves to the API server, gets {@code apiVersion} and
 *       {@code kind} (the CRD's group/version and kind), and {@code metadata} as the CRD itself
 *       renders {@code ObjectMeta} (in the FlinkDeployment's {@code spec.podTemplate.metadata},
 *       generated from the same fabric8 class that the API classes' root metadata is), all
 *       three required.
 * </ul>
 */
final class OperatorCrds {
    private OperatorCrds() {}

    /** The operator release whose CRDs are copied into the test resources. */
    static final String VERSION = "1.15.0";
    static final String DIR = "/k8s/operator-" + VERSION + "/";
    static final String GROUP = "flink.apache.org";
    /** The CRD file of each kind copied (the release's file names). */
    static final Map<String, String> FILES = Map.of(
            "FlinkDeployment", "flinkdeployments.flink.apache.org-v1.yml",
            "FlinkStateSnapshot", "flinkstatesnapshots.flink.apache.org-v1.yml");

    static final String PRESERVE_UNKNOWN_FIELDS = "x-kubernetes-preserve-unknown-fields";
    static final String INT_OR_STRING = "x-kubernetes-int-or-string";
    /** OpenAPI keywords with the same meaning in JSON Schema 2020-12. */
    static final Set<String> SAME_MEANING = Set.of("enum", "required", "pattern", "minimum", "maximum", "minLength",
            "maxLength", "minItems", "maxItems", "uniqueItems", "multipleOf", "minProperties", "maxProperties");
    /** Annotations: no effect on validity. */
    static final Set<String> ANNOTATIONS = Set.of("description", "default", "title", "example");
    static final Set<String> TRANSLATED = Set.of("type", "properties", "additionalProperties", "items", "anyOf",
            "nullable", PRESERVE_UNKNOWN_FIELDS, INT_OR_STRING);

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final Map<String, JsonNode> DEFINITIONS = new ConcurrentHashMap<>();
    private static final Map<String, JsonNode> JSON_SCHEMAS = new ConcurrentHashMap<>();
    private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

    /** The text of a copied CRD file. */
    static byte[] bytes(String file) {
        try (InputStream in = OperatorCrds.class.getResourceAsStream(DIR + file)) {
            if (in == null) {
                throw new AssertionError(DIR + file + " is not on the test classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The CustomResourceDefinition of a kind, as JSON. */
    static JsonNode definition(String kind) {
        String file = FILES.get(kind);
        if (file == null) {
            throw new AssertionError("no CRD of kind " + kind + " in " + DIR + " (copied: " + FILES.keySet() + ")");
        }
        return DEFINITIONS.computeIfAbsent(kind, k -> {
            JsonNode crd = MAPPER.valueToTree(KubernetesManifestsTest.yaml().load(new String(bytes(file), StandardCharsets.UTF_8)));
            if (!crd.path("kind").asText().equals("CustomResourceDefinition")
                    || !crd.path("spec").path("names").path("kind").asText().equals(kind)
                    || !crd.path("spec").path("group").asText().equals(GROUP)) {
                throw new AssertionError(DIR + file + " is not the CustomResourceDefinition of " + GROUP + " " + kind);
            }
            return crd;
        });
    }

    /** The versions of a kind the CRD serves, by name, each with its openAPIV3Schema. */
    static Map<String, JsonNode> servedVersions(String kind) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (JsonNode v : definition(kind).path("spec").path("versions")) {
            if (v.path("served").asBoolean(false)) {
                out.put(v.path("name").asText(), v.path("schema").path("openAPIV3Schema"));
            }
        }
        return out;
    }

    /** group/version of the version the CRD stores, what a manifest should say. */
    static String apiVersion(String kind) {
        for (JsonNode v : definition(kind).path("spec").path("versions")) {
            if (v.path("storage").asBoolean(false)) {
                return GROUP + "/" + v.path("name").asText();
            }
        }
        throw new AssertionError("the CRD of " + kind + " has no storage version");
    }

    /** The JSON Schema (draft 2020-12) of one version of a kind, translated as the class comment says. */
    static JsonNode jsonSchema(String kind, String version) {
        return JSON_SCHEMAS.computeIfAbsent(kind + "/" + version, k -> {
            JsonNode openApi = servedVersions(kind).get(version);
            if (openApi == null || openApi.isMissingNode()) {
                throw new AssertionError("the CRD of " + kind + " serves no version " + version);
            }
            ObjectNode root = (ObjectNode) translate(openApi, kind);
            ObjectNode props = root.has("properties") ? (ObjectNode) root.get("properties") : root.putObject("properties");
            if (!props.has("apiVersion")) {
                props.putObject("apiVersion").put("const", GROUP + "/" + version);
            }
            if (!props.has("kind")) {
                props.putObject("kind").put("const", kind);
            }
            if (!props.has("metadata")) {
                props.set("metadata", objectMeta());
            }
            ArrayNode required = root.has("required") ? (ArrayNode) root.get("required") : root.putArray("required");
            for (String r : List.of("apiVersion", "kind", "metadata")) {
                boolean listed = false;
                for (JsonNode x : required) {
                    listed |= x.asText().equals(r);
                }
                if (!listed) {
                    required.add(r);
                }
            }
            return root;
        });
    }

    /** ObjectMeta as the FlinkDeployment CRD renders it (spec.podTemplate.metadata), translated. */
    static JsonNode objectMeta() {
        JsonNode meta = servedVersions("FlinkDeployment").values().iterator().next()
                .path("properties").path("spec").path("properties").path("podTemplate").path("properties").path("metadata");
        for (String field : List.of("name", "generateName", "namespace", "labels", "annotations")) {
            if (!meta.path("properties").has(field)) {
                throw new AssertionError("the FlinkDeployment CRD's spec.podTemplate.metadata is no ObjectMeta (no " + field + ")");
            }
        }
        return translate(meta, "metadata");
    }

    /** Problems of an operator resource against the CRD of its kind and version; empty when valid. */
    static List<String> problems(JsonNode resource) {
        String apiVersion = resource.path("apiVersion").asText("");
        String kind = resource.path("kind").asText("");
        int slash = apiVersion.indexOf('/');
        if (slash < 0 || !apiVersion.substring(0, slash).equals(GROUP)) {
            return List.of("apiVersion " + apiVersion + " is not of the operator's group " + GROUP);
        }
        if (!FILES.containsKey(kind)) {
            return List.of("kind " + kind + ": no CRD of operator " + VERSION + " in " + DIR + " (copied: " + FILES.keySet() + ")");
        }
        String version = apiVersion.substring(slash + 1);
        if (!servedVersions(kind).containsKey(version)) {
            return List.of("apiVersion " + apiVersion + ": the " + kind + " CRD of operator " + VERSION + " serves only "
                    + servedVersions(kind).keySet());
        }
        Schema schema = SCHEMAS.computeIfAbsent(kind + "/" + version, k -> REGISTRY.getSchema(jsonSchema(kind, version)));
        List<String> out = new ArrayList<>();
        for (Error e : schema.validate(resource)) {
            String at = String.valueOf(e.getInstanceLocation());
            out.add((at.isEmpty() ? "(root)" : at) + ": " + e.getMessage());
        }
        return out;
    }

    /** One OpenAPI v3 schema of a CRD as a JSON Schema 2020-12; {@code where}: its path, for errors. */
    static JsonNode translate(JsonNode s, String where) {
        if (!s.isObject()) {
            throw new AssertionError(where + ": a schema is an object, is " + s);
        }
        s.fieldNames().forEachRemaining(k -> {
            if (!SAME_MEANING.contains(k) && !ANNOTATIONS.contains(k) && !TRANSLATED.contains(k)) {
                throw new AssertionError(where + ": CRD keyword " + k + " has no translation to JSON Schema here"
                        + " (extend OperatorCrds before relying on it)");
            }
        });
        ObjectNode out = MAPPER.createObjectNode();
        boolean preserve = s.path(PRESERVE_UNKNOWN_FIELDS).asBoolean(false);
        boolean intOrString = s.path(INT_OR_STRING).asBoolean(false);
        boolean nullable = s.path("nullable").asBoolean(false);

        List<String> types = new ArrayList<>();
        if (s.has("type")) {
            types.add(s.get("type").asText());
        } else if (intOrString && !s.has("anyOf")) {
            types.addAll(List.of("integer", "string"));
        }
        if (nullable && !types.isEmpty()) {
            types.add("null");
        }
        if (types.size() == 1) {
            out.put("type", types.get(0));
        } else if (!types.isEmpty()) {
            ArrayNode t = out.putArray("type");
            types.forEach(t::add);
        }
        for (String k : SAME_MEANING) {
            if (s.has(k)) {
                out.set(k, s.get(k).deepCopy());
            }
        }
        if (nullable && out.has("enum")) {
            ((ArrayNode) out.get("enum")).addNull();
        }
        if (s.has("anyOf")) {
            ArrayNode any = out.putArray("anyOf");
            int i = 0;
            for (JsonNode alternative : s.get("anyOf")) {
                any.add(translate(alternative, where + ".anyOf[" + i++ + "]"));
            }
        }
        if (s.has("items")) {
            out.set("items", translate(s.get("items"), where + "[]"));
        }
        if (s.has("properties")) {
            ObjectNode props = out.putObject("properties");
            s.get("properties").fields().forEachRemaining(e -> props.set(e.getKey(), translate(e.getValue(), where + "." + e.getKey())));
        }
        JsonNode additional = s.get("additionalProperties");
        if (additional != null) {
            out.set("additionalProperties", additional.isObject() ? translate(additional, where + ".*") : additional.deepCopy());
        } else if (!preserve && (s.path("type").asText().equals("object") || s.has("properties"))) {
            out.put("additionalProperties", false);
        }
        return out;
    }
}
