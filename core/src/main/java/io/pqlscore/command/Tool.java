package io.pqlscore.command;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A command of the tool: its options are its fields, {@link #call} does the work and returns the
 * exit code. It prints to {@link #stdout} and {@link #stderr}, the streams of the run ({@link Commands}
 * sets them; tests capture them), never to {@code System.out} directly.
 */
public abstract class Tool implements Callable<Integer> {
    @Spec
    protected CommandSpec spec;

    protected PrintStream stdout = System.out;
    protected PrintStream stderr = System.err;

    void printTo(PrintStream out, PrintStream err) {
        this.stdout = out;
        this.stderr = err;
    }

    /**
     * A usage error found after parsing (options that exclude each other, a value out of range):
     * throw it from {@link #call}; it is reported as a parse error is, with exit code 2.
     */
    protected ParameterException usageError(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
