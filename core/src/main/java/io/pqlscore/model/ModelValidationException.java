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

    /** Longest problem line kept; a hostile file can name keys of any length. */
    static final int MAX_PROBLEM_CHARS = 500;
    /** Problems printed by {@link #report}; the rest are counted. */
    public static final int MAX_REPORTED = 20;

    public ModelValidationException(String source, List<String> problems) {
        super(String.join("\n", sanitize(problems)));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ModelValidationException needs at least one problem");
        }
        this.source = source;
        this.problems = List.copyOf(sanitize(problems));
    }

    /**
     * Each problem as one printable line: control characters (a newline in a quoted id, terminal
     * escapes) shown escaped (a newline as backslash-n), and cut at {@value #MAX_PROBLEM_CHARS}
     * characters.
     */
    private static List<String> sanitize(List<String> problems) {
        java.util.List<String> out = new java.util.ArrayList<>(problems.size());
        for (String p : problems) {
            StringBuilder b = new StringBuilder(Math.min(p.length(), MAX_PROBLEM_CHARS + 16));
            for (int i = 0; i < p.length() && b.length() < MAX_PROBLEM_CHARS; i++) {
                char c = p.charAt(i);
                if (c == '\n') {
                    b.append("\\n");
                } else if (c == '\r') {
                    b.append("\\r");
                } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                    b.append(String.format("\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
            if (b.length() >= MAX_PROBLEM_CHARS && p.length() > MAX_PROBLEM_CHARS) {
                b.setLength(MAX_PROBLEM_CHARS);
                b.append("...");
            }
            out.add(b.toString());
        }
        return out;
    }

    /**
     * What the entry points print: the first {@value #MAX_REPORTED} problems, a line counting the
     * others if any, and {@code model refused: N problems}.
     */
    public List<String> report() {
        java.util.List<String> out = new java.util.ArrayList<>(problems.subList(0, Math.min(problems.size(), MAX_REPORTED)));
        if (problems.size() > MAX_REPORTED) {
            out.add(source + ": ... and " + (problems.size() - MAX_REPORTED) + " more problems (fix these first)");
        }
        out.add("model refused: " + problems.size() + (problems.size() == 1 ? " problem" : " problems"));
        return out;
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
