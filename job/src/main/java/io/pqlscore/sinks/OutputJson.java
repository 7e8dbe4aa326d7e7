package io.pqlscore.sinks;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.Timestamps;
import io.pqlscore.model.JsonValues;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.TopSignal;
import io.pqlscore.scoring.Transition;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;

/** The JSON shapes of the job's outputs (SPEC 5), one place for every sink. */
public final class OutputJson {
    private OutputJson() {}

    /** SPEC 2: outputs show scores rounded to 2 decimals. */
    public static BigDecimal round(double score) {
        return BigDecimal.valueOf(score).setScale(2, RoundingMode.HALF_UP);
    }

    public static ObjectNode transition(Transition t) {
        ObjectNode n = JsonValues.MAPPER.createObjectNode();
        n.put("event_id", t.eventId);
        n.put("kind", t.kind);
        n.put("account_id", t.accountId);
        n.put("user_id", t.userId);
        n.put("tier_from", t.tierFrom);
        n.put("tier_to", t.tierTo);
        n.put("direction", t.direction);
        n.put("score", round(t.score));
        n.put("occurred_at", Timestamps.format(t.occurredAt));
        n.put("cause", t.cause);
        n.put("emitted_at", Timestamps.format(t.emittedAt));
        n.put("model_id", t.modelId);
        n.put("model_version", t.modelVersion);
        n.set("breakdown", breakdown(t.breakdownCategories, t.breakdownPoints));
        ArrayNode top = n.putArray("top_signals");
        for (TopSignal s : t.topSignals) {
            ObjectNode o = top.addObject();
            o.put("signal", s.signal);
            o.put("category", s.category);
            o.put("points", round(s.points));
            if (s.lastSeen == Long.MIN_VALUE) {
                o.putNull("last_seen");
            } else {
                o.put("last_seen", Timestamps.format(s.lastSeen));
            }
        }
        if (t.activeUsers7d < 0) {
            n.putNull("active_users_7d");
        } else {
            n.put("active_users_7d", t.activeUsers7d);
        }
        n.set("traits", JsonValues.parse(t.traitsJson));
        ObjectNode routing = n.putObject("routing");
        routing.put("route", t.route);
        if (t.slaMs > 0) {
            routing.put("sla", Duration.ofMillis(t.slaMs).toString());
            routing.put("respond_by", Timestamps.format(t.occurredAt + t.slaMs));
        } else {
            routing.putNull("sla");
            routing.putNull("respond_by");
        }
        return n;
    }

    public static ObjectNode currentScore(CurrentScore s) {
        ObjectNode n = JsonValues.MAPPER.createObjectNode();
        n.put("kind", s.kind);
        n.put("account_id", s.accountId);
        n.put("user_id", s.userId);
        n.put("tier", s.tier);
        n.put("score", round(s.score));
        n.put("as_of", Timestamps.format(s.asOf));
        n.put("model_id", s.modelId);
        n.put("model_version", s.modelVersion);
        n.set("breakdown", breakdown(s.breakdownCategories, s.breakdownPoints));
        n.put("forgotten", s.forgotten);
        return n;
    }

    public static ObjectNode deadLetter(DeadLetter d) {
        ObjectNode n = JsonValues.MAPPER.createObjectNode();
        n.put("reason", d.reason);
        n.put("detail", d.detail);
        n.put("source", d.source);
        n.put("partition", d.partition);
        n.put("offset", d.offset);
        n.put("payload", d.payload);
        if (d.payloadBase64 != null) {
            n.put("payload_base64", d.payloadBase64);
        }
        if (d.truncated) {
            n.put("payload_truncated", true);
            if (d.recordBytes > 0) {
                n.put("record_bytes", d.recordBytes);
            }
        }
        return n;
    }

    private static ObjectNode breakdown(String[] categories, double[] points) {
        ObjectNode b = JsonValues.MAPPER.createObjectNode();
        for (int i = 0; i < categories.length; i++) {
            b.put(categories[i], round(points[i]));
        }
        return b;
    }

    public static String text(ObjectNode n) {
        return JsonValues.toJson(n);
    }
}
