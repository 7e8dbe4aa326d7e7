package io.pqlscore.model;

import static io.pqlscore.model.ProblemText.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import io.pqlscore.time.Durations;
import java.util.List;

/**
 * Reads and validates a scoring model (SPEC section 2 and 7; the keys are those of
 * {@code model-format.yaml}): the entry points, and the bounds on what they accept. Every
 * problem, from an unreadable file to an unknown key, is reported as a
 * {@link ModelValidationException} naming the source and the full key path; validation collects
 * all problems of a document before refusing it.
 *
 * <p>The work is shared out: {@link ModelYaml} reads the bytes and the YAML (bounded, duplicate
 * keys refused), {@link ModelReader} reads the document key by key through a {@link TypedChecker}
 * (signals by {@link SignalReader} and one {@link SignalKindReader} per kind, matches and trait
 * tests by {@link MatchReader}, scores and routing by {@link ScoresReader}), and every message is
 * worded with {@link ProblemText}.
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
    public static final long MAX_DURATION_MS = Durations.MAX_MS;

    private ModelLoader() {}

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
        return parse(ModelYaml.decode(bytes, source), source);
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
        return parse(ModelYaml.decode(bytes, source), source);
    }

    /** Parses and validates model text; {@code sourceName} prefixes every problem. */
    public static ScoringModel parse(String yamlText, String sourceName) {
        String source = sourceName == null || sourceName.isEmpty() ? "model" : sourceName;
        Object document = readDocument(yamlText, source);
        TypedChecker check = new TypedChecker(source);
        ScoringModel model = new ModelReader(check).model(document);
        if (check.problemCount() > 0) {
            throw new ModelValidationException(source, check.problems());
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
        return ModelYaml.read(yamlText, source);
    }

    /** One line for an unexpected throwable: its class and the first line of its message. */
    public static String describe(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        return e.getClass().getSimpleName() + ": " + (m.length() > 300 ? m.substring(0, 300) + "..." : m);
    }
}
