package io.pqlscore.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.ModelLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The published JSON Schemas ({@code schemas/*.schema.json}, draft 2020-12) for tests: every output
 * the job writes and every model file are checked against them with networknt's
 * json-schema-validator, format assertions on ({@code date-time}, {@code uuid} are checked, not
 * only annotated), so the files are proven against what the job really writes.
 * {@code -Dschemas.dir} points the tests elsewhere (default {@code schemas}).
 */
public final class Schemas {
    public static final String TRANSITION = "transition";
    public static final String CURRENT_SCORE = "current-score";
    public static final String DEAD_LETTER = "dead-letter";
    public static final String MODEL = "model";
    public static final List<String> ALL = List.of(TRANSITION, CURRENT_SCORE, DEAD_LETTER, MODEL);

    /** The 2020-12 meta-schema (networknt ships it: no network). */
    public static final String META_SCHEMA = "https://json-schema.org/draft/2020-12/schema";

    /** Reads what the job wrote as a consumer would: plain Jackson, numbers as doubles. */
    private static final ObjectMapper READER = new ObjectMapper();

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder()
                    // formats are assertions here (2020-12 makes them annotations by default)
                    .formatAssertionsEnabled(true)
                    // 2020-12: 3.0 is an integer (YAML reads "min-active-users: 3.0" as a double)
                    .losslessNarrowing(true)
                    .build()));

    private static final Map<String, Schema> LOADED = new ConcurrentHashMap<>();

    private Schemas() {}

    public static Path dir() {
        Path p = Paths.get(System.getProperty("schemas.dir", "schemas")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p.resolve(TRANSITION + ".schema.json"))) {
            throw new IllegalStateException("the JSON schemas are not in " + p + " (set -Dschemas.dir)");
        }
        return p;
    }

    public static Path file(String name) {
        return dir().resolve(name + ".schema.json");
    }

    /** The schema file as JSON. */
    public static JsonNode document(String name) {
        try {
            return READER.readTree(file(name).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Schema schema(String name) {
        return LOADED.computeIfAbsent(name, n -> REGISTRY.getSchema(document(n)));
    }

    /** Problems of a JSON text (one output record) against a schema; empty when valid. */
    public static List<String> problems(String name, String json) {
        JsonNode n;
        try {
            n = READER.readTree(json);
        } catch (IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
        return problems(name, n);
    }

    /** Problems of a JSON value against a schema, each as "instance location: message"; empty when valid. */
    public static List<String> problems(String name, JsonNode instance) {
        return format(schema(name).validate(instance));
    }

    /** Problems of a schema file against the draft 2020-12 meta-schema. */
    public static List<String> metaSchemaProblems(String name) {
        return metaSchemaProblems(document(name));
    }

    /** Problems of a schema document against the draft 2020-12 meta-schema. */
    public static List<String> metaSchemaProblems(JsonNode schema) {
        return format(REGISTRY.getSchema(SchemaLocation.of(META_SCHEMA)).validate(schema));
    }

    /** Fails naming the record and every problem unless the JSON text is valid. */
    public static void assertValid(String name, String json, String what) {
        assertThat(problems(name, json)).as("%s against schemas/%s.schema.json: %s", what, name, abbreviate(json)).isEmpty();
    }

    /** A model file's YAML as the job reads it ({@link ModelLoader#readDocument}), as JSON. */
    public static JsonNode modelDocument(String yamlText, String source) {
        return JsonValues.MAPPER.valueToTree(ModelLoader.readDocument(yamlText, source));
    }

    /** Problems of model text against {@code schemas/model.schema.json}. */
    public static List<String> modelProblems(String yamlText, String source) {
        return problems(MODEL, modelDocument(yamlText, source));
    }

    private static List<String> format(List<Error> errors) {
        return errors.stream().map(e -> e.getInstanceLocation() + ": " + e.getMessage()).collect(Collectors.toList());
    }

    private static String abbreviate(String s) {
        return s.length() <= 600 ? s : s.substring(0, 600) + "... (" + s.length() + " characters)";
    }
}
