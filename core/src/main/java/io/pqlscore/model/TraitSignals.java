package io.pqlscore.model;

import static io.pqlscore.model.ProblemText.join;
import static io.pqlscore.model.ProblemText.scopeName;

import java.util.List;
import java.util.Map;

/** Trait tests (SPEC 2 kind 5): a test on the account's or the user's latest traits. */
final class TraitSignals extends SignalKindReader {
    private static final List<String> KEYS = List.of("id", "category", "scope", "trait", "points");

    TraitSignals(TypedChecker check, MatchReader matches) {
        super(SignalKind.TRAIT, KEYS, "a trait", check, matches);
    }

    @Override
    Signal.Builder read(Map<String, Object> m, Head head) {
        String sp = head.path();
        Scope scope = head.scope();
        String tp = join(sp, "trait");
        TraitTest trait = matches.trait(m.get("trait"), tp);
        if (trait != null && trait.of() == TraitTest.Of.USER && scope != null && scope != Scope.USER) {
            check.add(join(tp, "of"), "of: user tests the user's own traits, so it needs scope: user;"
                    + " this signal's scope is " + scopeName(scope)
                    + (m.containsKey("scope") ? "" : " (the default)"));
        }
        Double points = points(m, sp, "a trait signal adds points while its test passes");
        if (check.problemCount() > head.problemsBefore()) {
            return null;
        }
        return head.builder().trait(trait).points(points);
    }
}
