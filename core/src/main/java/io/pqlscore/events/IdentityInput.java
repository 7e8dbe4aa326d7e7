package io.pqlscore.events;

/**
 * A record on its way to identity resolution (SPEC 8), keyed by its {@code userId}: one without
 * an account id, or an {@code identify}/{@code group} call naming a user. Only the records without
 * an account id can be rejected there ({@code missing_account}: their user has no account), so
 * only they keep their raw bytes and source position, for the dead letter.
 */
public class IdentityInput {
    public UsageEvent event;
    /** {@link ParsedRecord#traitsGiven}: an identify whose traits hold at least one key. */
    public boolean traitsGiven;
    /** The raw record, for a record without an account id only; else null. */
    public byte[] raw;
    public SourcePosition position;

    public IdentityInput() {}

    /**
     * Whether a valid record goes through identity resolution: it has no account id, or it is an
     * {@code identify} or {@code group} call naming a user (they feed the user's identity). Activity
     * that carries an account id goes straight to its account.
     */
    public static boolean needed(UsageEvent e) {
        return e.accountId == null || (e.userId != null && (e.isIdentify() || e.isGroup()));
    }

    public static IdentityInput of(ParsedRecord r) {
        IdentityInput in = new IdentityInput();
        in.event = r.event;
        in.traitsGiven = r.traitsGiven;
        if (r.event.accountId == null) {
            in.raw = r.raw;
            in.position = r.position;
        }
        return in;
    }

    public String userId() {
        return event.userId;
    }

    @Override
    public String toString() {
        return "IdentityInput{" + event + (traitsGiven ? " traits" : "") + "}";
    }
}
