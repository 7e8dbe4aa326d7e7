package io.pqlscore.command;

import io.pqlscore.time.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads every duration option in the model file's grammar ({@code 30s}, {@code 5m}, {@code 90d}),
 * in place of picocli's own ISO-8601 one ({@code PT30S}): one way to write a duration, in the
 * model and on every command line.
 */
public final class ModelDuration implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (Durations.NotADuration e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
