package io.pqlscore.model;

import static io.pqlscore.model.ProblemText.join;

import java.util.List;
import java.util.Map;

/**
 * Reads the keys of one kind of signal (SPEC 2), after {@link SignalReader} has read what every
 * signal has (id, category, scope): one subclass per kind, each with its own keys and messages.
 */
abstract class SignalKindReader {
    /**
     * What every signal has, read before its kind's keys: {@code path} names the signal in
     * messages, {@code problemsBefore} is the problem count when the signal began (a signal with a
     * problem anywhere is not built).
     */
    record Head(String id, int index, String category, Scope scope, SignalKind kind, String path, int problemsBefore) {
        Signal.Builder builder() {
            return Signal.builder(id, index, category, scope, kind);
        }
    }

    final SignalKind kind;
    /** The keys a signal of this kind may have. */
    final List<String> keys;
    /** The kind as messages name it: "an event-points", "a distinct", ... */
    final String name;
    final TypedChecker check;
    final MatchReader matches;

    SignalKindReader(SignalKind kind, List<String> keys, String name, TypedChecker check, MatchReader matches) {
        this.kind = kind;
        this.keys = keys;
        this.name = name;
        this.check = check;
        this.matches = matches;
    }

    /** The signal's kind keys read into its builder, or null when the signal has a problem (reported). */
    abstract Signal.Builder read(Map<String, Object> m, Head head);

    /** {@code points}: required, a number >= 0. */
    Double points(Map<String, Object> m, String path, String context) {
        String p = join(path, "points");
        if (!m.containsKey("points")) {
            check.missing(p, context);
            return null;
        }
        return check.nonNegative(m.get("points"), p, "points (negative points are not allowed)");
    }

    /** {@code half-life}: optional duration > 0; 0 (no decay) when absent or invalid. */
    long halfLife(Map<String, Object> m, String path) {
        if (!m.containsKey("half-life")) {
            return 0;
        }
        Long d = check.duration(m.get("half-life"), join(path, "half-life"), false);
        return d == null ? 0 : d;
    }
}
