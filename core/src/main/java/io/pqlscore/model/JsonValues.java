package io.pqlscore.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * JSON value semantics shared by matching, distinct counting, trait tests and the model (SPEC 1
 * and 7): numbers compare by value ({@code 50 == 50.0}), booleans are not numbers, strings never
 * equal numbers, and JSON null is the same as a missing value.
 *
 * <p>A canonical value is a {@link String}, {@link Boolean}, {@link BigDecimal}, or a {@link
 * Composite} (an object or array, compared by its canonical JSON text); {@code null} means missing.
 */
public final class JsonValues {

    /** One mapper for the whole job: exact decimals, strict trailing-token checks, sorted output. */
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    // String.intern() of every new field name made a record of 30,000 distinct keys
                    // (0.5 MB) take half a second to parse: a hostile record is not to cost that
                    .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            // keep decimals as written ("50.0", "20.00"), never normalised to "5E+1"
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    static {
        // The record-size limit (an option) bounds the input; Jackson's own defaults would refuse
        // long-but-legal numbers and strings with a message that is not ours.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNumberLength(Integer.MAX_VALUE)
                .maxStringLength(Integer.MAX_VALUE)
                .maxNestingDepth(Integer.MAX_VALUE)
                .build());
    }

    private JsonValues() {}

    /** An object or array value, compared by canonical (key-sorted) JSON text. */
    public static final class Composite implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String json;

        public Composite(String json) {
            this.json = json;
        }

        public String json() {
            return json;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Composite && ((Composite) o).json.equals(json);
        }

        @Override
        public int hashCode() {
            return json.hashCode();
        }

        @Override
        public String toString() {
            return json;
        }
    }

    /** The canonical value of a JSON node; null for a missing node or JSON null. */
    public static Object canonical(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNumber()) {
            return node.decimalValue();
        }
        return new Composite(canonicalJson(node));
    }

    /** The canonical value of a value read from YAML (SnakeYAML types). */
    public static Object fromYaml(Object yaml) {
        if (yaml == null) {
            return null;
        }
        if (yaml instanceof String || yaml instanceof Boolean) {
            return yaml;
        }
        if (yaml instanceof Number) {
            return new BigDecimal(yaml.toString());
        }
        if (yaml instanceof Map || yaml instanceof List) {
            return new Composite(canonicalJson(MAPPER.valueToTree(yaml)));
        }
        return yaml.toString();
    }

    /** JSON equality of two canonical values. */
    public static boolean jsonEquals(Object a, Object b) {
        if (a instanceof BigDecimal && b instanceof BigDecimal) {
            return ((BigDecimal) a).compareTo((BigDecimal) b) == 0;
        }
        return Objects.equals(a, b);
    }

    /**
     * A string that is equal for two canonical values exactly when they are JSON-equal; used as
     * the identity of {@code distinct} values and usage metric names.
     */
    public static String key(Object canonical) {
        if (canonical instanceof String) {
            return "s:" + canonical;
        }
        if (canonical instanceof BigDecimal) {
            BigDecimal n = (BigDecimal) canonical;
            return "n:" + (n.signum() == 0 ? "0" : n.stripTrailingZeros().toString());
        }
        if (canonical instanceof Boolean) {
            return "b:" + canonical;
        }
        if (canonical instanceof Composite) {
            return "j:" + ((Composite) canonical).json();
        }
        throw new IllegalArgumentException("not a canonical value: " + canonical);
    }

    /**
     * Key-sorted JSON text of a node with every number in one form (trailing zeros stripped, zero
     * as {@code 0}), so that two JSON-equal objects or arrays have the same text: {@code {"a":50}}
     * and {@code {"a":50.0}} are one value (SPEC 7, numbers by value).
     */
    public static String canonicalJson(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(plain(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object plain(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject()) {
            Map<String, Object> sorted = new TreeMap<>();
            node.fields().forEachRemaining(e -> sorted.put(e.getKey(), plain(e.getValue())));
            return sorted;
        }
        if (node.isArray()) {
            List<Object> items = new ArrayList<>(node.size());
            for (JsonNode item : node) {
                items.add(plain(item));
            }
            return items;
        }
        if (node.isNumber()) {
            if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
                return node.numberValue();
            }
            BigDecimal n = node.decimalValue();
            return n.signum() == 0 ? BigDecimal.ZERO : n.stripTrailingZeros();
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return node.toString();
    }

    /** Compact JSON text of a node as it is (for carrying trait values). */
    public static String toJson(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses JSON text written by this class. */
    public static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + json, e);
        }
    }
}
