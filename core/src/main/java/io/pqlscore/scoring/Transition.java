package io.pqlscore.scoring;

/** A tier change of a user (kind {@code pql}) or an account ({@code pqa}), SPEC 5. */
public class Transition {
    public static final String PQL = "pql";
    public static final String PQA = "pqa";
    public static final String CAUSE_EVENT = "event";
    public static final String CAUSE_TICK = "tick";
    public static final String CAUSE_RETENTION = "retention";

    public String eventId;
    public String kind;
    public String accountId;
    /** Null for accounts. */
    public String userId;
    public String tierFrom;
    public String tierTo;
    public String direction;
    /** Unrounded; rounded to 2 decimals when written. */
    public double score;
    public long occurredAt;
    public String cause;
    public long emittedAt;
    public String modelId;
    public String modelVersion;
    public String[] breakdownCategories;
    public double[] breakdownPoints;
    public TopSignal[] topSignals;
    /** Accounts: distinct identified users active in (t - 7d, t]; users: -1 (written as null). */
    public int activeUsers7d = -1;
    /** The fit traits used, as a JSON object text: {"account":{...},"user":{...}}. */
    public String traitsJson;
    public String route;
    /** First-touch SLA in ms, or 0 when the tier has none (written as null). */
    public long slaMs;

    public Transition() {}

    @Override
    public String toString() {
        return kind + " " + accountId + "/" + userId + " " + tierFrom + "->" + tierTo + " " + score + " @" + occurredAt + " " + cause;
    }
}
