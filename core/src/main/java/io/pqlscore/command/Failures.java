package io.pqlscore.command;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * A command that failed while working (the job, the database, the output): what failed and the
 * stack trace, which is what a bug report needs, then exit code 1.
 */
final class Failures implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        err.println(cl.getCommandSpec().qualifiedName() + " failed: " + ex);
        ex.printStackTrace(err);
        err.flush();
        return ExitCodes.FAILED;
    }
}
