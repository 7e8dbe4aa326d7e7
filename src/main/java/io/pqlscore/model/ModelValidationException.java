package io.pqlscore.model;

import java.util.List;

/**
 * A scoring model that cannot be used: unreadable, not YAML, or not a valid model (SPEC 2, 7).
 * Each problem is one self-contained line naming the source, the full key path and what is
 * wrong, e.g. {@code model.yaml: signals[2] (id: primary_activation).within: expected a duration
 * like 14d (a number and one of ms, s, m, h, d), got '14 days'}. The message is the problems, one
 * per line.
 */
public class ModelValidationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final List<String> problems;

    public ModelValidationException(String source, List<String> problems) {
        super(String.join("\n", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ModelValidationException needs at least one problem");
        }
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    /** Where the model came from: a file path, {@code classpath:/...}, or a caller's name. */
    public String source() {
        return source;
    }

    /** Every problem found, in document order, each a full line naming source and key path. */
    public List<String> problems() {
        return problems;
    }
}
