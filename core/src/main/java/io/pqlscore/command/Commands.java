package io.pqlscore.command;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Every command line of the project is read here, with the same rules: durations in the model's
 * grammar, defaults shown as users write them, a repeated option's last value wins (as before
 * picocli, and handy when a script appends an override), usage errors as one line and exit code 2,
 * failures as exit code 1.
 */
public final class Commands {
    /** {@link #parse}: the arguments are good, go on. */
    public static final int PROCEED = -1;

    private Commands() {}

    /** The command line of {@code command} (and of its subcommands), printing to {@code out} and {@code err}. */
    public static CommandLine commandLine(Object command, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(command);
        if (!cl.getCommandName().startsWith("pqlscore")) {
            // a command run through its own main class (ValidateModel, ApplySchema, ...) names itself
            // as the tool spells it, so that its help and its errors say what to type from now on
            cl.setCommandName("pqlscore " + cl.getCommandName());
        }
        cl.registerConverter(Duration.class, new ModelDuration());
        cl.setDefaultValueProvider(new DurationDefaults());
        cl.setOverwrittenOptionsAllowed(true);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler(new UsageErrors());
        cl.setExecutionExceptionHandler(new Failures());
        forEachCommand(cl, c -> {
            if (c.getCommand() instanceof Tool t) {
                t.printTo(out, err);
            }
            // every help text laid out alike: options in the order they are declared (related
            // ones together), sections apart
            c.getCommandSpec().usageMessage().sortOptions(false).descriptionHeading("%n")
                    .optionListHeading("%nOptions:%n").exitCodeListHeading("%nExit codes:%n");
        });
        return cl;
    }

    /** Runs {@code command} with {@code args}; returns its exit code. */
    public static int execute(Object command, String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = commandLine(command, out, err);
        try {
            return cl.execute(withoutEmpty(args));
        } finally {
            cl.getOut().flush();
            cl.getErr().flush();
        }
    }

    /**
     * Only reads the arguments into {@code command}: {@link #PROCEED} when it should now run, else
     * the exit code of what was done instead (0 after printing the help or the version, 2 after a
     * usage error).
     */
    public static int parse(Object command, String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = commandLine(command, out, err);
        try {
            cl.parseArgs(withoutEmpty(args));
            if (cl.isUsageHelpRequested()) {
                cl.usage(cl.getOut());
                return ExitCodes.OK;
            }
            if (cl.isVersionHelpRequested()) {
                cl.printVersionHelp(cl.getOut());
                return ExitCodes.OK;
            }
            return PROCEED;
        } catch (ParameterException e) {
            return new UsageErrors().handleParseException(e, args);
        } finally {
            cl.getOut().flush();
            cl.getErr().flush();
        }
    }

    /** The message of a usage error, as the tool prints it (an unknown option without its value). */
    public static String describe(ParameterException e) {
        return UsageErrors.message(e);
    }

    /**
     * {@code mvn exec:exec} passes an empty argument for an empty {@code -Dexec.argline}: it never
     * means anything, so it is dropped rather than refused.
     */
    static String[] withoutEmpty(String[] args) {
        return Arrays.stream(args).filter(a -> !a.isEmpty()).toArray(String[]::new);
    }

    private static void forEachCommand(CommandLine cl, Consumer<CommandLine> action) {
        action.accept(cl);
        for (CommandLine sub : cl.getSubcommands().values()) {
            forEachCommand(sub, action);
        }
    }
}
