package io.pqlscore.migration;

/**
 * A savepoint this conversion refuses, and why (the model given is not the one the v1 job ran
 * with, state no v1 job writes): reported as the reason, not as a stack trace.
 */
public class MigrationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MigrationException(String message) {
        super(message);
    }
}
