package io.pqlscore.command;

/**
 * The exit codes every command uses. Some commands give 1 or 2 a narrower meaning (validate: 1 =
 * the model is invalid); each command's {@code --help} lists its own.
 */
public final class ExitCodes {
    /** Done. */
    public static final int OK = 0;
    /** The work failed: the job, the database, the output, the savepoint; or validate's invalid model. */
    public static final int FAILED = 1;
    /** Nothing ran: a bad command line, or an input it names (model, outcomes, secret file) that cannot be used. */
    public static final int USAGE = 2;

    private ExitCodes() {}
}
