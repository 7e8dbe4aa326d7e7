package io.pqlscore.model;

import static io.pqlscore.model.ProblemText.describe;
import static io.pqlscore.model.ProblemText.didYouMean;
import static io.pqlscore.model.ProblemText.join;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the model's {@code signals}: what every signal has (a unique id, a category, a scope),
 * which kind it is (its kind key, or none for event points), and hands the rest to that kind's
 * {@link SignalKindReader}. A key of another kind is named as such in the message.
 */
final class SignalReader {
    private static final List<String> KIND_KEYS = List.of("distinct", "sequence", "usage", "trait");

    private final TypedChecker check;
    private final Map<SignalKind, SignalKindReader> readers = new EnumMap<>(SignalKind.class);

    SignalReader(TypedChecker check, MatchReader matches) {
        this.check = check;
        for (SignalKindReader r : List.of(new PointsSignals(check, matches), new DistinctSignals(check, matches),
                new SequenceSignals(check, matches), new UsageSignals(check, matches),
                new TraitSignals(check, matches))) {
            readers.put(r.kind, r);
        }
    }

    List<Signal> signals(Map<String, Object> root) {
        if (!root.containsKey("signals")) {
            check.missing("signals", "a model needs a non-empty list of signals");
            return null;
        }
        List<?> l = check.list(root.get("signals"), "signals", "a non-empty list of signals", true);
        if (l == null) {
            return null;
        }
        Map<String, Integer> ids = new HashMap<>();
        List<Signal> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            out.add(signal(l.get(i), i, ids));
        }
        return out.contains(null) ? null : out;
    }

    private Signal signal(Object raw, int index, Map<String, Integer> ids) {
        int before = check.problemCount();
        String base = "signals[" + index + "]";
        Map<String, Object> m = check.map(raw, base, "a signal");
        if (m == null) {
            return null;
        }
        Object rawId = m.get("id");
        String sp = rawId instanceof String && !((String) rawId).isBlank() ? base + " (id: " + rawId + ")" : base;
        String id = check.reqString(m, sp, "id", "every signal needs a unique id");
        if (id != null) {
            Integer previous = ids.putIfAbsent(id, index);
            if (previous != null) {
                check.add(join(sp, "id"), "duplicate signal id '" + id + "': signals[" + previous
                        + "] already has it (ids must be unique)");
            }
        }
        String category = check.reqString(m, sp, "category", "every signal belongs to a category");
        Scope scope = scope(m, sp);

        List<String> kindKeys = new ArrayList<>();
        for (String k : KIND_KEYS) {
            if (m.containsKey(k)) {
                kindKeys.add(k);
            }
        }
        if (kindKeys.size() > 1) {
            check.add(sp, "a signal has at most one kind key (distinct, sequence, usage or trait), found "
                    + String.join(" and ", kindKeys));
            return null;
        }
        SignalKind kind = kindKeys.isEmpty() ? SignalKind.POINTS
                : SignalKind.valueOf(kindKeys.get(0).toUpperCase(Locale.ROOT));
        allowSignalKeys(m, sp, kind);

        Signal.Builder b = readers.get(kind).read(m,
                new SignalKindReader.Head(id, index, category, scope, kind, sp, before));
        return b == null ? null : b.build();
    }

    private Scope scope(Map<String, Object> m, String sp) {
        if (!m.containsKey("scope")) {
            return Scope.BOTH;
        }
        Object v = m.get("scope");
        if ("user".equals(v)) {
            return Scope.USER;
        }
        if ("account".equals(v)) {
            return Scope.ACCOUNT;
        }
        if ("both".equals(v)) {
            return Scope.BOTH;
        }
        check.add(join(sp, "scope"), "expected user, account or both, got " + describe(v));
        return null;
    }

    private void allowSignalKeys(Map<String, Object> m, String sp, SignalKind kind) {
        List<String> allowed = readers.get(kind).keys;
        for (String key : m.keySet()) {
            if (allowed.contains(key)) {
                continue;
            }
            StringBuilder sb = new StringBuilder("unknown key for ").append(readers.get(kind).name)
                    .append(" signal; allowed keys: ").append(String.join(", ", allowed));
            List<String> owners = new ArrayList<>();
            for (SignalKind other : SignalKind.values()) {
                if (other != kind && readers.get(other).keys.contains(key)) {
                    owners.add(readers.get(other).name.replaceFirst("^an? ", ""));
                }
            }
            if (!owners.isEmpty()) {
                sb.append(" ('").append(key).append("' belongs to ").append(String.join(" and ", owners))
                        .append(" signals)");
            } else {
                sb.append(didYouMean(key, allowed));
            }
            check.add(join(sp, key), sb.toString());
        }
    }
}
