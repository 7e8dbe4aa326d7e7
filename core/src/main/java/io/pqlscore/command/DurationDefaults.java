package io.pqlscore.command;

import io.pqlscore.time.Durations;
import java.time.Duration;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;

/**
 * Shows the default of a duration option as it is written on the command line ({@code 30s}), not
 * as Java prints it ({@code PT30S}). The default stays the field's initial value: this only
 * formats it, and picocli reads the text back to the same duration.
 */
final class DurationDefaults implements IDefaultValueProvider {
    @Override
    public String defaultValue(ArgSpec arg) {
        return arg.initialValue() instanceof Duration d ? Durations.format(d) : null;
    }
}
