package io.pqlscore.scoring;

/** A keyed-state access that failed inside the engine's exception-free interface: fails the task as any would. */
final class StateAccessException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StateAccessException(Exception cause) {
        super(cause);
    }
}
