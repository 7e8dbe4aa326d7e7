package io.pqlscore.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.Arrays;

/** A dotted path into a JSON object. Paths walk objects only (no array indexes), SPEC 7. */
public final class JsonPath implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String text;
    private final String[] segments;

    private JsonPath(String text) {
        this.text = text;
        this.segments = text.split("\\.", -1);
    }

    public static JsonPath of(String dotted) {
        if (dotted == null || dotted.isEmpty() || Arrays.stream(dotted.split("\\.", -1)).anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("not a dotted path: '" + dotted + "'");
        }
        return new JsonPath(dotted);
    }

    public String first() {
        return segments[0];
    }

    /** The path below its first segment, or null when the path has one segment. */
    public JsonPath rest() {
        return segments.length == 1 ? null : new JsonPath(text.substring(segments[0].length() + 1));
    }

    /** The node at this path, or null when missing, not reachable through objects, or JSON null. */
    public JsonNode find(JsonNode root) {
        JsonNode node = root;
        for (String s : segments) {
            if (node == null || !node.isObject()) {
                return null;
            }
            node = node.get(s);
        }
        return node == null || node.isNull() ? null : node;
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JsonPath && ((JsonPath) o).text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
