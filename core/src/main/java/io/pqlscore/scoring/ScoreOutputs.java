package io.pqlscore.scoring;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.RoutingOverride;
import io.pqlscore.model.ScoreScale;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import io.pqlscore.model.TierDef;
import io.pqlscore.model.TraitTest;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The records an evaluation emits (SPEC 6 and 7): a transition with its breakdown, top signals,
 * traits, route and deterministic {@code event_id}, and a current-score row. {@link ScoreEngine}
 * decides when an entity's tier changed and hands over the score and each signal's contribution.
 */
final class ScoreOutputs implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final String ROUTE_NONE = "none";

    private final ScoringModel model;
    private final Signal[] signals;
    private final String[] signalIds;
    private final int[] categoryOf;
    private final String[] categories;
    private final double[] caps;
    private final int topSignals;
    private final ScoreEngine.WallClock clock;

    ScoreOutputs(ScoringModel model, Signal[] signals, String[] signalIds, int[] categoryOf, String[] categories,
            double[] caps, int topSignals, ScoreEngine.WallClock clock) {
        this.model = model;
        this.signals = signals;
        this.signalIds = signalIds;
        this.categoryOf = categoryOf;
        this.categories = categories;
        this.caps = caps;
        this.topSignals = topSignals;
        this.clock = clock;
    }

    /** {@code perSignal}: each signal's contribution at {@code t}, as {@code score} filled it in. */
    Transition transition(AccountStore store, AccountState account, EntityState e, String userId, int from,
            int to, double score, double[] perSignal, long t, String cause, String trigger) {
        boolean isAccount = userId == null;
        ScoreScale scale = isAccount ? model.pqa() : model.pql();
        Transition tr = new Transition();
        tr.kind = isAccount ? Transition.PQA : Transition.PQL;
        tr.accountId = store.accountId();
        tr.userId = userId;
        tr.tierFrom = scale.name(from);
        tr.tierTo = scale.name(to);
        tr.direction = to > from ? "up" : "down";
        tr.score = score;
        tr.occurredAt = t;
        tr.cause = cause;
        tr.emittedAt = clock.now();
        tr.modelId = model.id();
        tr.modelVersion = model.version();
        fillBreakdown(perSignal, tr);
        tr.topSignals = topSignals(account, e, perSignal);
        tr.activeUsers7d = isAccount ? activeUsers(store, account, t) : -1;
        tr.traitsJson = traitsJson(account.entity, isAccount ? null : e);
        if (to > from) {
            TierDef tier = scale.tier(to);
            RoutingOverride o = model.enterpriseOverride();
            tr.route = o != null && account.enterprise && o.tiers().contains(tier.name())
                    ? RoutingOverride.ENTERPRISE_ROUTE : tier.route();
            tr.slaMs = tier.slaMs();
        } else {
            tr.route = ROUTE_NONE;
            tr.slaMs = 0;
        }
        tr.eventId = eventId(tr, trigger == null ? cause : trigger);
        return tr;
    }

    private void fillBreakdown(double[] perSignal, Transition tr) {
        tr.breakdownCategories = categories.clone();
        tr.breakdownPoints = breakdown(perSignal);
    }

    private double[] breakdown(double[] perSignal) {
        double[] byCategory = new double[categories.length];
        for (int i = 0; i < signals.length; i++) {
            byCategory[categoryOf[i]] += perSignal[i];
        }
        for (int c = 0; c < byCategory.length; c++) {
            byCategory[c] = SignalMath.capped(caps, c, byCategory[c]);
        }
        return byCategory;
    }

    private TopSignal[] topSignals(AccountState account, EntityState e, double[] perSignal) {
        Integer[] order = new Integer[signals.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Double.compare(perSignal[b], perSignal[a]);
            return c != 0 ? c : signalIds[a].compareTo(signalIds[b]);
        });
        List<TopSignal> top = new ArrayList<>();
        for (int k = 0; k < order.length && top.size() < topSignals; k++) {
            int i = order[k];
            if (perSignal[i] <= 0) {
                break;
            }
            Signal s = signals[i];
            SignalState st = s.kind() == SignalKind.TRAIT && s.trait().of() == TraitTest.Of.ACCOUNT
                    ? account.entity.signals[i] : e.signals[i];
            top.add(new TopSignal(s.id(), s.category(), perSignal[i], st.lastSeen));
        }
        return top.toArray(new TopSignal[0]);
    }

    private static int activeUsers(AccountStore store, AccountState account, long t) {
        int n = 0;
        for (String id : store.userIds()) {
            EntityState u = store.user(id);
            if (u != null && u.lastActivityAt > t - ScoreEngine.ACTIVE_USERS_WINDOW_MS && u.lastActivityAt <= t) {
                n++;
            }
        }
        return n;
    }

    private static String traitsJson(EntityState account, EntityState user) {
        ObjectNode root = JsonValues.MAPPER.createObjectNode();
        root.set("account", traitsNode(account));
        if (user != null) {
            root.set("user", traitsNode(user));
        }
        return JsonValues.toJson(root);
    }

    private static ObjectNode traitsNode(EntityState e) {
        ObjectNode n = JsonValues.MAPPER.createObjectNode();
        for (int i = 0; i < e.traitKeys.length; i++) {
            n.set(e.traitKeys[i], JsonValues.parse(e.traitValues[i]));
        }
        return n;
    }

    CurrentScore currentScore(String accountId, EntityState e, String userId, double score, double[] perSignal,
            long t, boolean forgotten, boolean withSignalPoints) {
        boolean isAccount = userId == null;
        CurrentScore cs = new CurrentScore();
        cs.kind = isAccount ? Transition.PQA : Transition.PQL;
        cs.accountId = accountId;
        cs.userId = userId;
        cs.tier = (isAccount ? model.pqa() : model.pql()).name(e.tier);
        cs.score = score;
        cs.asOf = t;
        cs.modelId = model.id();
        cs.modelVersion = model.version();
        cs.breakdownCategories = categories.clone();
        cs.breakdownPoints = breakdown(perSignal);
        if (withSignalPoints) {
            cs.signalPoints = perSignal;
        }
        cs.forgotten = forgotten;
        return cs;
    }

    /**
     * SPEC 7: a name-based UUID (version 5, nil namespace) of
     * {@code model_id|model_version|kind|account_id|user_id|occurred_at ms|tier_to|trigger};
     * an account's {@code user_id} is the empty string there.
     */
    static String eventId(Transition t, String trigger) {
        String name = String.join("|", t.modelId, t.modelVersion, t.kind, t.accountId,
                t.userId == null ? "" : t.userId, Long.toString(t.occurredAt), t.tierTo, trigger);
        return uuid5(name).toString();
    }

    static UUID uuid5(String name) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(new byte[16]); // the nil namespace
            byte[] h = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
            h[6] = (byte) ((h[6] & 0x0f) | 0x50);
            h[8] = (byte) ((h[8] & 0x3f) | 0x80);
            long msb = 0;
            long lsb = 0;
            for (int i = 0; i < 8; i++) {
                msb = (msb << 8) | (h[i] & 0xff);
            }
            for (int i = 8; i < 16; i++) {
                lsb = (lsb << 8) | (h[i] & 0xff);
            }
            return new UUID(msb, lsb);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
