package io.pqlscore.command;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * A bad command line: one line saying what is wrong, one saying where the options are, exit code
 * 2. Not picocli's default of the whole help text, which buries the one line that matters.
 */
final class UsageErrors implements IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        String name = cl.getCommandSpec().qualifiedName();
        PrintWriter err = cl.getErr();
        err.println(name + ": " + message(ex));
        err.println("Try '" + name + " --help' for the options.");
        err.flush();
        return ExitCodes.USAGE;
    }

    /**
     * The message, where an unknown argument is named without its value: the value of a
     * misspelled option could be a secret ({@code --kafka-proprety sasl.jaas.config=...}), and
     * error output ends up in logs.
     */
    static String message(ParameterException ex) {
        if (!(ex instanceof UnmatchedArgumentException u)) {
            return ex.getMessage();
        }
        List<String> options = new ArrayList<>();
        for (String a : u.getUnmatched()) {
            if (a.startsWith("-")) {
                options.add(a.replaceAll("=.*", "=..."));
            }
        }
        if (options.isEmpty()) {
            String first = u.getUnmatched().isEmpty() ? "" : u.getUnmatched().get(0);
            return "unexpected argument '" + first.replaceAll("=.*", "=...") + "'";
        }
        String m = (options.size() == 1 ? "unknown option " : "unknown options ") + String.join(", ", options);
        List<String> suggestions = u.getSuggestions();
        return suggestions.isEmpty() ? m
                : m + " (did you mean " + String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size()))) + "?)";
    }
}
