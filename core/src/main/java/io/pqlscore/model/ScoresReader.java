package io.pqlscore.model;

import static io.pqlscore.model.ProblemText.join;
import static io.pqlscore.model.ProblemText.num;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the model's {@code scores} (the pql and pqa scales: hysteresis, the pqa active-user gate,
 * tiers strictly increasing by min, each with a route and an optional SLA; SPEC 2, 6) and its
 * {@code routing} (the enterprise override, whose tiers must be tiers of those scales).
 */
final class ScoresReader {
    private static final List<String> SCORES_KEYS = List.of("pql", "pqa");
    private static final List<String> PQL_KEYS = List.of("hysteresis", "tiers");
    private static final List<String> PQA_KEYS = List.of("hysteresis", "min-active-users", "tiers");
    private static final List<String> SCORE_TIER_KEYS = List.of("name", "min", "route", "sla");
    private static final List<String> ROUTING_KEYS = List.of("enterprise-override");
    private static final List<String> OVERRIDE_KEYS = List.of("trait", "tiers");

    private final TypedChecker check;
    private final MatchReader matches;

    ScoresReader(TypedChecker check, MatchReader matches) {
        this.check = check;
        this.matches = matches;
    }

    ScoreScale[] scores(Map<String, Object> root) {
        ScoreScale[] out = new ScoreScale[2];
        if (!root.containsKey("scores")) {
            check.missing("scores", "a model needs scores: {pql: ..., pqa: ...}");
            return out;
        }
        Map<String, Object> m = check.map(root.get("scores"), "scores", "pql and pqa");
        if (m == null) {
            return out;
        }
        check.allowKeys(m, "scores", SCORES_KEYS, " in scores");
        out[0] = scale(m, "pql");
        out[1] = scale(m, "pqa");
        return out;
    }

    private ScoreScale scale(Map<String, Object> scores, String key) {
        String p = join("scores", key);
        if (!scores.containsKey(key)) {
            check.missing(p, key.equals("pql") ? "the user score's tiers" : "the account score's tiers");
            return null;
        }
        int before = check.problemCount();
        Map<String, Object> m = check.map(scores.get(key), p, "hysteresis, min-active-users, tiers");
        if (m == null) {
            return null;
        }
        boolean accounts = key.equals("pqa");
        if (!accounts && m.containsKey("min-active-users")) {
            check.add(join(p, "min-active-users"), "only allowed on pqa: the active-user gate applies to accounts,"
                    + " not users");
            Map<String, Object> rest = new LinkedHashMap<>(m);
            rest.remove("min-active-users");
            check.allowKeys(rest, p, PQL_KEYS, " in scores.pql");
        } else {
            check.allowKeys(m, p, accounts ? PQA_KEYS : PQL_KEYS, " in scores." + key);
        }
        Double hysteresis = m.containsKey("hysteresis")
                ? check.nonNegative(m.get("hysteresis"), join(p, "hysteresis"), "hysteresis")
                : Double.valueOf(ScoreScale.DEFAULT_HYSTERESIS);
        long minActiveUsers = 0;
        if (accounts && m.containsKey("min-active-users")) {
            String mp = join(p, "min-active-users");
            Long n = check.integer(m.get("min-active-users"), mp);
            if (n != null && (n < 0 || n > Integer.MAX_VALUE)) {
                check.add(mp, "must be a whole number >= 0 (0: no gate), got " + n);
            } else if (n != null) {
                minActiveUsers = n;
            }
        }
        List<TierDef> tiers = scoreTiers(m, p);
        if (check.problemCount() > before) {
            return null;
        }
        return new ScoreScale(hysteresis, (int) minActiveUsers, tiers);
    }

    private List<TierDef> scoreTiers(Map<String, Object> m, String sp) {
        String p = join(sp, "tiers");
        if (!m.containsKey("tiers")) {
            check.missing(p, "a non-empty list of {name, min, route, sla}");
            return null;
        }
        List<?> l = check.list(m.get("tiers"), p, "a non-empty list of {name, min, route, sla}", true);
        if (l == null) {
            return null;
        }
        List<TierDef> out = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        String previousName = null;
        Double previousMin = null;
        for (int i = 0; i < l.size(); i++) {
            String tp = p + "[" + i + "]";
            Map<String, Object> t = check.map(l.get(i), tp, "a tier {name, min, route, sla}");
            if (t == null) {
                out.add(null);
                continue;
            }
            check.allowKeys(t, tp, SCORE_TIER_KEYS, " in a score tier");
            String name = check.reqString(t, tp, "name", null);
            if (name != null && name.equals(ScoreScale.NONE)) {
                check.add(join(tp, "name"), "'none' is the base tier below the lowest tier and cannot be defined;"
                        + " choose another name");
                name = null;
            } else if (name != null) {
                Integer first = names.putIfAbsent(name, i);
                if (first != null) {
                    check.add(join(tp, "name"), "duplicate tier name '" + name + "': " + p + "[" + first
                            + "] already has it");
                }
            }
            Double min = check.reqNumber(t, tp, "min", "the least score of this tier");
            String route = check.reqString(t, tp, "route", "where transitions into this tier are routed");
            long sla = 0;
            if (t.containsKey("sla")) {
                Long d = check.duration(t.get("sla"), join(tp, "sla"), false);
                sla = d == null ? 0 : d;
            }
            if (min != null && previousMin != null && min <= previousMin) {
                check.add(join(tp, "min"), "tier mins must be strictly increasing: tier '" + name + "' (min " + num(min)
                        + ") must be above tier '" + previousName + "' (min " + num(previousMin) + ")");
            }
            if (min != null) {
                previousMin = min;
                previousName = name;
            }
            out.add(name == null || min == null || route == null ? null : new TierDef(name, min, route, sla));
        }
        return out.contains(null) ? null : out;
    }

    RoutingOverride routing(Map<String, Object> root, ScoreScale[] scales) {
        if (root.get("routing") == null) {
            return null;
        }
        Map<String, Object> m = check.map(root.get("routing"), "routing", "enterprise-override");
        if (m == null) {
            return null;
        }
        check.allowKeys(m, "routing", ROUTING_KEYS, " in routing");
        if (!m.containsKey("enterprise-override")) {
            return null;
        }
        String p = "routing.enterprise-override";
        Map<String, Object> o = check.map(m.get("enterprise-override"), p, "{trait: ..., tiers: [...]}");
        if (o == null) {
            return null;
        }
        check.allowKeys(o, p, OVERRIDE_KEYS, " in enterprise-override");
        TraitTest trait = null;
        if (!o.containsKey("trait")) {
            check.missing(join(p, "trait"), "the account trait test that selects enterprise accounts");
        } else {
            trait = matches.trait(o.get("trait"), join(p, "trait"));
            if (trait != null && trait.of() != TraitTest.Of.ACCOUNT) {
                check.add(join(p, "trait.of"), "must be account: the enterprise override tests the account's traits");
                trait = null;
            }
        }
        Set<String> tiers = new LinkedHashSet<>();
        String tp = join(p, "tiers");
        boolean ok = true;
        if (!o.containsKey("tiers")) {
            check.missing(tp, "the tiers whose upward transitions the override routes");
            ok = false;
        } else {
            List<?> l = check.list(o.get("tiers"), tp, "a non-empty list of tier names", true);
            ok = l != null;
            Set<String> known = new LinkedHashSet<>();
            boolean scalesOk = scales[0] != null && scales[1] != null;
            for (ScoreScale s : scales) {
                if (s != null) {
                    s.tiers().forEach(t -> known.add(t.name()));
                }
            }
            for (int i = 0; l != null && i < l.size(); i++) {
                String ip = tp + "[" + i + "]";
                String name = check.string(l.get(i), ip);
                if (name == null) {
                    ok = false;
                } else if (scalesOk && !known.contains(name)) {
                    check.add(ip, "unknown tier '" + name + "'; the tiers of pql and pqa are " + String.join(", ", known));
                    ok = false;
                } else {
                    tiers.add(name);
                }
            }
        }
        return trait != null && ok ? new RoutingOverride(trait, tiers) : null;
    }
}
