package io.pqlscore.model;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.List;

/**
 * One test on a JSON value found at a dotted path (SPEC section 1, "where", and trait tests).
 * Values are canonical JSON scalars (see {@link JsonValues}): String, Boolean, BigDecimal, or
 * (for nested values) a canonical JSON text wrapped in {@link JsonValues.Composite}.
 */
public final class ValueTest implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Op {
        /** JSON equality. */
        EQ,
        /** one of a list, by JSON equality. */
        IN,
        /** string prefix (strings only). */
        PREFIX,
        /** numeric range, both ends inclusive, either end optional (numbers only). */
        RANGE,
        /** no test key: the path must hold a non-null value (trait tests only). */
        PRESENT
    }

    private final Op op;
    private final List<Object> values; // EQ: one value; IN: the list
    private final String prefix;
    private final BigDecimal gte;
    private final BigDecimal lte;

    private ValueTest(Op op, List<Object> values, String prefix, BigDecimal gte, BigDecimal lte) {
        this.op = op;
        this.values = values;
        this.prefix = prefix;
        this.gte = gte;
        this.lte = lte;
    }

    public static ValueTest eq(Object canonicalValue) {
        return new ValueTest(Op.EQ, java.util.Collections.singletonList(canonicalValue), null, null, null);
    }

    public static ValueTest in(List<Object> canonicalValues) {
        return new ValueTest(Op.IN, List.copyOf(canonicalValues), null, null, null);
    }

    public static ValueTest prefix(String prefix) {
        return new ValueTest(Op.PREFIX, List.of(), prefix, null, null);
    }

    public static ValueTest range(BigDecimal gte, BigDecimal lte) {
        return new ValueTest(Op.RANGE, List.of(), null, gte, lte);
    }

    public static ValueTest present() {
        return new ValueTest(Op.PRESENT, List.of(), null, null, null);
    }

    public Op op() {
        return op;
    }

    /**
     * Tests a canonical value (as returned by {@link JsonValues#canonical}); {@code null} means
     * the path is missing or holds JSON null, which fails every test.
     */
    public boolean test(Object canonical) {
        if (canonical == null) {
            return false;
        }
        switch (op) {
            case PRESENT:
                return true;
            case EQ:
            case IN:
                for (Object v : values) {
                    if (JsonValues.jsonEquals(v, canonical)) {
                        return true;
                    }
                }
                return false;
            case PREFIX:
                return canonical instanceof String && ((String) canonical).startsWith(prefix);
            case RANGE:
                if (!(canonical instanceof BigDecimal)) {
                    return false;
                }
                BigDecimal n = (BigDecimal) canonical;
                return (gte == null || n.compareTo(gte) >= 0) && (lte == null || n.compareTo(lte) <= 0);
            default:
                throw new IllegalStateException("unknown op " + op);
        }
    }

    @Override
    public String toString() {
        switch (op) {
            case EQ:
                return "eq " + values.get(0);
            case IN:
                return "in " + values;
            case PREFIX:
                return "prefix " + prefix;
            case RANGE:
                return "range [" + gte + ", " + lte + "]";
            default:
                return "present";
        }
    }
}
