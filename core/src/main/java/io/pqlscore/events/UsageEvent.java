package io.pqlscore.events;

import java.util.Arrays;

/**
 * A validated usage record, reduced to what scoring needs. The parser evaluates every signal's
 * {@code match} once, before the shuffle, so the keyed operators receive compact "hits" instead
 * of the whole JSON document. A POJO: Flink serializes it without Kryo.
 *
 * <p>Hits are parallel arrays, one entry per (signal, observation):
 * <ul>
 *   <li>points signal: the signal index;</li>
 *   <li>distinct signal: the index and the value's key ({@link JsonValues#key});</li>
 *   <li>usage signal: the index, the metric key ("" for the unnamed metric) and the ratio;</li>
 *   <li>sequence signal: the index and a bit mask of the steps this record matches.</li>
 * </ul>
 */
public class UsageEvent {
    public static final String TRACK = "track";
    public static final String PAGE = "page";
    public static final String SCREEN = "screen";
    public static final String IDENTIFY = "identify";
    public static final String GROUP = "group";

    public String type;
    public String messageId;
    public String accountId;
    /** Null when the record has no user (absent, null or empty {@code userId}). */
    public String userId;
    public long timestamp;
    /** {@link io.pqlscore.model.ScoringModel#signalLayout()} of the model that matched the hits. */
    public int layout;

    public int[] hitSignals = new int[0];
    public String[] hitValues = new String[0];
    public double[] hitRatios = new double[0];
    public long[] hitSteps = new long[0];

    /** identify/group: the trait keys the model reads, with their JSON text; else empty. */
    public String[] traitKeys = new String[0];
    public String[] traitValues = new String[0];

    /**
     * A {@code group} call that makes its {@code userId} a member of its account while the user has
     * kept traits (SPEC 8 "joining"): the user entity is created if needed, takes {@link
     * #joinTraitKeys}/{@link #joinTraitValues} (the kept traits the model reads, JSON text), and
     * counts the call as one of its records. Set only by identity resolution.
     */
    public boolean join;
    public String[] joinTraitKeys = new String[0];
    public String[] joinTraitValues = new String[0];

    /**
     * Only for records carried over from a savepoint of the earlier topology (state migration,
     * {@code docs/SAVEPOINTS.md}), whose pattern operators had already run them: bit {@code i} of
     * {@code patternsRan} says signal {@code i}'s pattern ran for this record there, and bit {@code
     * i} of {@code accountFired}/{@code userFired} whether it matched for the account / the user.
     * The account stage applies those outcomes instead of running the pattern again. Zero for every
     * other record; not part of the POJO form (transient), written by {@link UsageEventSerializer}.
     */
    public transient long patternsRan;
    public transient long accountFired;
    public transient long userFired;

    public UsageEvent() {}

    /** The same record for another account (identity resolution: SPEC 8); arrays are shared, never changed. */
    public UsageEvent inAccount(String account) {
        UsageEvent c = new UsageEvent();
        c.type = type;
        c.messageId = messageId;
        c.accountId = account;
        c.userId = userId;
        c.timestamp = timestamp;
        c.layout = layout;
        c.hitSignals = hitSignals;
        c.hitValues = hitValues;
        c.hitRatios = hitRatios;
        c.hitSteps = hitSteps;
        c.traitKeys = traitKeys;
        c.traitValues = traitValues;
        c.join = join;
        c.joinTraitKeys = joinTraitKeys;
        c.joinTraitValues = joinTraitValues;
        c.patternsRan = patternsRan;
        c.accountFired = accountFired;
        c.userFired = userFired;
        return c;
    }

    public boolean isActivity() {
        return TRACK.equals(type) || PAGE.equals(type) || SCREEN.equals(type);
    }

    public boolean isIdentify() {
        return IDENTIFY.equals(type);
    }

    public boolean isGroup() {
        return GROUP.equals(type);
    }

    /** The position of a signal's hit in the hit arrays, or -1. */
    public int hitIndex(int signal) {
        for (int i = 0; i < hitSignals.length; i++) {
            if (hitSignals[i] == signal) {
                return i;
            }
        }
        return -1;
    }

    public int hitCount() {
        return hitSignals.length;
    }

    @Override
    public String toString() {
        return "UsageEvent{" + type + " " + messageId + " " + accountId + "/" + userId + " @" + timestamp
                + " hits=" + Arrays.toString(hitSignals) + (join ? " join" + Arrays.toString(joinTraitKeys) : "") + "}";
    }
}
