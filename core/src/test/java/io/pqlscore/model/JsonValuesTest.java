package io.pqlscore.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPEC 1 and 7: JSON value semantics (numbers by value, booleans not numbers, strings not numbers). */
class JsonValuesTest {

    /** The canonical value of a JSON text. */
    private static Object v(String json) {
        return JsonValues.canonical(JsonValues.parse(json));
    }

    private static void assertJsonEqual(String a, String b) {
        Object x = v(a);
        Object y = v(b);
        assertThat(JsonValues.jsonEquals(x, y)).as("%s == %s", a, b).isTrue();
        assertThat(JsonValues.jsonEquals(y, x)).as("%s == %s", b, a).isTrue();
        assertThat(JsonValues.key(x)).as("key(%s) == key(%s)", a, b).isEqualTo(JsonValues.key(y));
    }

    private static void assertJsonDifferent(String a, String b) {
        Object x = v(a);
        Object y = v(b);
        assertThat(JsonValues.jsonEquals(x, y)).as("%s != %s", a, b).isFalse();
        assertThat(JsonValues.jsonEquals(y, x)).as("%s != %s", b, a).isFalse();
        assertThat(JsonValues.key(x)).as("key(%s) != key(%s)", a, b).isNotEqualTo(JsonValues.key(y));
    }

    @Test
    void canonicalTypes() {
        assertThat(v("\"a\"")).isEqualTo("a");
        assertThat(v("true")).isEqualTo(Boolean.TRUE);
        assertThat(v("50")).isInstanceOf(BigDecimal.class);
        assertThat(v("50.0")).isInstanceOf(BigDecimal.class);
        assertThat(v("1e2")).isInstanceOf(BigDecimal.class);
        assertThat(v("{\"a\":1}")).isInstanceOf(JsonValues.Composite.class);
        assertThat(v("[1]")).isInstanceOf(JsonValues.Composite.class);
        // JSON null and missing are the same: no value
        assertThat(v("null")).isNull();
        assertThat(JsonValues.canonical(null)).isNull();
        assertThat(JsonValues.canonical(JsonValues.parse("{}").path("x"))).isNull();
    }

    @Test
    void numbersCompareByValue() {
        assertJsonEqual("50", "50.0");
        assertJsonEqual("50", "50.000");
        assertJsonEqual("1e2", "100");
        assertJsonEqual("1E2", "100.0");
        assertJsonEqual("1.5e1", "15");
        assertJsonEqual("0", "0.0");
        assertJsonEqual("0", "-0");
        assertJsonEqual("0", "-0.0");
        assertJsonEqual("0.0", "-0.0");
        assertJsonEqual("0", "0e10");
        assertJsonEqual("-3", "-3.00");
        assertJsonEqual("0.1", "0.10");
        assertJsonEqual("12345678901234567890", "12345678901234567890.0");
    }

    @Test
    void numbersThatDiffer() {
        assertJsonDifferent("50", "51");
        assertJsonDifferent("0.1", "0.01");
        assertJsonDifferent("1", "-1");
        assertJsonDifferent("100", "10");
        // exact decimals: no rounding through double
        assertJsonDifferent("0.1", "0.1000000000000000055511151231257827");
        assertJsonDifferent("12345678901234567890", "12345678901234567891");
    }

    @Test
    void stringsAreNotNumbersAndBooleansAreNotNumbers() {
        assertJsonDifferent("\"50\"", "50");
        assertJsonDifferent("\"50.0\"", "50.0");
        assertJsonDifferent("true", "1");
        assertJsonDifferent("false", "0");
        assertJsonDifferent("\"true\"", "true");
        assertJsonDifferent("true", "false");
        assertJsonDifferent("\"a\"", "\"A\"");
        assertJsonDifferent("\"\"", "0");
        assertJsonEqual("\"a\"", "\"a\"");
        assertJsonEqual("true", "true");
    }

    @Test
    void keysDoNotCollideAcrossTypes() {
        // a string that looks like another type's key is still a string
        assertJsonDifferent("\"n:50\"", "50");
        assertJsonDifferent("\"b:true\"", "true");
        assertJsonDifferent("\"{}\"", "{}");
        assertJsonDifferent("\"[1]\"", "[1]");
    }

    @Test
    void missingIsEqualOnlyToMissing() {
        assertThat(JsonValues.jsonEquals(null, null)).isTrue();
        assertThat(JsonValues.jsonEquals(null, v("0"))).isFalse();
        assertThat(JsonValues.jsonEquals(v("\"\""), null)).isFalse();
    }

    @Test
    void compositesAreKeyOrderIndependent() {
        assertJsonEqual("{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}");
        assertJsonEqual("{\"x\":{\"b\":[1,{\"d\":1,\"c\":2}],\"a\":\"s\"},\"y\":true}",
                "{\"y\":true,\"x\":{\"a\":\"s\",\"b\":[1,{\"c\":2,\"d\":1}]}}");
        Object nested = v("{\"z\":{\"b\":1,\"a\":2},\"a\":[{\"y\":1,\"x\":2}]}");
        assertThat(((JsonValues.Composite) nested).json()).isEqualTo("{\"a\":[{\"x\":2,\"y\":1}],\"z\":{\"a\":2,\"b\":1}}");
        assertThat(JsonValues.canonicalJson(JsonValues.parse("{ \"b\" : 1 , \"a\" : { \"d\":0, \"c\":[ ] } }")))
                .isEqualTo("{\"a\":{\"c\":[],\"d\":0},\"b\":1}");
    }

    @Test
    void numbersInsideCompositesCompareByValue() {
        // SPEC 7: numbers by value, also as members of an object or array value
        assertJsonEqual("{\"a\":50}", "{\"a\":50.0}");
        assertJsonEqual("[1,{\"n\":1e2}]", "[1.0,{\"n\":100}]");
        assertJsonEqual("{\"z\":-0.0}", "{\"z\":0}");
        assertJsonDifferent("{\"a\":true}", "{\"a\":1}");
    }

    @Test
    void compositesThatDiffer() {
        // array order matters
        assertJsonDifferent("[1,2]", "[2,1]");
        assertJsonDifferent("{\"a\":1}", "{\"a\":2}");
        assertJsonDifferent("{\"a\":1}", "{\"a\":1,\"b\":2}");
        assertJsonDifferent("{}", "[]");
        assertJsonDifferent("{\"a\":\"1\"}", "{\"a\":1}");
    }

    @Test
    void fromYamlScalars() {
        assertThat(JsonValues.fromYaml(50)).isEqualTo(new BigDecimal("50"));
        assertThat(JsonValues.fromYaml(50L)).isEqualTo(new BigDecimal("50"));
        assertThat(JsonValues.fromYaml(new java.math.BigInteger("123456789012345678901234567890")))
                .isEqualTo(new BigDecimal("123456789012345678901234567890"));
        assertThat(JsonValues.jsonEquals(JsonValues.fromYaml(50.0), v("50"))).isTrue();
        assertThat(JsonValues.jsonEquals(JsonValues.fromYaml(50), v("50.0"))).isTrue();
        assertThat(JsonValues.jsonEquals(JsonValues.fromYaml(0.1), v("0.1"))).isTrue();
        assertThat(JsonValues.key(JsonValues.fromYaml(100.0))).isEqualTo(JsonValues.key(v("1e2")));
        assertThat(JsonValues.fromYaml("sql")).isEqualTo("sql");
        assertThat(JsonValues.jsonEquals(JsonValues.fromYaml("50"), v("50"))).isFalse();
        assertThat(JsonValues.fromYaml(Boolean.TRUE)).isEqualTo(Boolean.TRUE);
        assertThat(JsonValues.jsonEquals(JsonValues.fromYaml(true), v("true"))).isTrue();
        assertThat(JsonValues.jsonEquals(JsonValues.fromYaml(true), v("1"))).isFalse();
        assertThat(JsonValues.jsonEquals(JsonValues.fromYaml(1), v("true"))).isFalse();
        assertThat(JsonValues.fromYaml(null)).isNull();
    }

    @Test
    void fromYamlCollectionsMatchJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", List.of(1, "x"));
        m.put("a", true);
        Object yaml = JsonValues.fromYaml(m);
        assertThat(yaml).isInstanceOf(JsonValues.Composite.class);
        assertThat(JsonValues.jsonEquals(yaml, v("{\"a\":true,\"b\":[1,\"x\"]}"))).isTrue();
        assertThat(JsonValues.key(yaml)).isEqualTo(JsonValues.key(v("{\"a\":true,\"b\":[1,\"x\"]}")));
    }

    @Test
    void keyRefusesNonCanonicalValues() {
        assertThatThrownBy(() -> JsonValues.key(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonValues.key(42)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mapperIsStrict() {
        assertThatThrownBy(() -> JsonValues.parse("{} x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonValues.parse("{\"a\":NaN}")).isInstanceOf(IllegalArgumentException.class);
        // long numbers and strings are legal (the record-size option bounds them)
        assertThat(v("1" + "0".repeat(2000))).isInstanceOf(BigDecimal.class);
        assertThat(v("\"" + "x".repeat(21_000_000) + "\"")).asString().hasSize(21_000_000);
    }

    @Test
    void toJsonKeepsTheValue() {
        assertThat(JsonValues.toJson(JsonValues.parse("\"admin\""))).isEqualTo("\"admin\"");
        assertThat(JsonValues.toJson(JsonValues.parse("5000"))).isEqualTo("5000");
        assertThat(JsonValues.jsonEquals(v(JsonValues.toJson(JsonValues.parse("12.50"))), v("12.5"))).isTrue();
        assertThat(JsonValues.toJson(JsonValues.parse("null"))).isEqualTo("null");
    }
}
