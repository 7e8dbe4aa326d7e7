package io.pqlscore.command;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Whole-number options with a lower bound: {@code converter = Counts.Positive.class}. */
public final class Counts {
    private Counts() {}

    /** At least 1: a parallelism, a batch size, a number of records. */
    public static final class Positive implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = parse(value);
            if (n < 1) {
                throw new TypeConversionException("needs a positive whole number, got '" + value + "'");
            }
            return n;
        }
    }

    /** 0 or more: a number of retries. */
    public static final class OrZero implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = parse(value);
            if (n < 0) {
                throw new TypeConversionException("needs a whole number, 0 or more, got '" + value + "'");
            }
            return n;
        }
    }

    static int parse(String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("needs a whole number, got '" + value + "'");
        }
    }
}
