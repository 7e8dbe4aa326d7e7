package io.pqlscore.identity;

import io.pqlscore.events.IdentityInput;
import io.pqlscore.events.Traits;
import io.pqlscore.events.UsageEvent;
import java.io.Serializable;
import java.util.Arrays;

/**
 * SPEC 8, the one implementation: resolves the records of one user id, read in SPEC 3 order (event
 * time, ties by {@code messageId}), into records of accounts. Plain Java over a {@link
 * UserIdentity} value, so the rules are tested without Flink; the keyed operator ({@link
 * IdentityResolution}) only orders the records, keeps the value and forgets it on time.
 *
 * <ul>
 *   <li>{@code group} naming the user: a membership (a <em>join</em> when it is new, bringing the
 *       kept traits into the account when there are any), the current account; the call goes on
 *       to its account either way;</li>
 *   <li>{@code identify}: kept traits merged; the call is applied in the account it names, if
 *       any, and in every account the user is a member of, once in each;</li>
 *   <li>activity without an account id: applied in the current account, or rejected
 *       {@code missing_account} when the user has none.</li>
 * </ul>
 * Every record read keeps the identity alive; it is forgotten {@code retention} after the latest.
 */
public final class IdentityResolver implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Where resolution sends what it decides. */
    public interface Output {
        /** A record to apply in {@code e.accountId}; {@code resolved}: an account the record did not name. */
        void emit(UsageEvent e, boolean resolved);

        /** The record's user became a member of a new account. */
        void joined(UsageEvent group);

        /** Activity without an account id whose user has no account: rejected {@code missing_account}. */
        void noAccount(IdentityInput in, String detail);
    }

    private final long retentionMs;

    public IdentityResolver(long retentionMs) {
        this.retentionMs = retentionMs;
    }

    public long retentionMs() {
        return retentionMs;
    }

    /**
     * Reads one record of the identity's user and returns the identity to keep (a new one when
     * {@code identity} is null or already forgotten at the record's time).
     */
    public UserIdentity read(UserIdentity identity, IdentityInput in, Output out) {
        UsageEvent e = in.event;
        long t = e.timestamp;
        if (identity == null || t > identity.lastReadAt + retentionMs) {
            identity = new UserIdentity();
        }
        identity.lastReadAt = Math.max(identity.lastReadAt, t);
        if (e.isGroup()) {
            group(identity, e, out);
        } else if (e.isIdentify()) {
            identify(identity, in, out);
        } else if (identity.current != null) {
            out.emit(e.inAccount(identity.current), true);
        } else {
            out.noAccount(in, "no account id, and user " + quoted(e.userId) + " has no account: no group call has"
                    + " named this user within the retention (" + duration(retentionMs) + ") before this record");
        }
        return identity;
    }

    /** Whether an identity is forgotten at {@code time}, once every record at {@code time} has been read. */
    public boolean forgottenAt(UserIdentity identity, long time) {
        return time >= identity.lastReadAt + retentionMs;
    }

    /** When the identity is forgotten if no record of its user comes first. */
    public long forgetAt(UserIdentity identity) {
        return identity.lastReadAt + retentionMs;
    }

    private static void group(UserIdentity identity, UsageEvent e, Output out) {
        String account = e.accountId;
        UsageEvent forward = e;
        if (!identity.isMember(account)) {
            identity.accounts = Arrays.copyOf(identity.accounts, identity.accounts.length + 1);
            identity.accounts[identity.accounts.length - 1] = account;
            if (identity.traitsKept) {
                forward = e.inAccount(account);
                forward.join = true;
                forward.joinTraitKeys = identity.traitKeys;
                forward.joinTraitValues = identity.traitValues;
            }
            out.joined(e);
        }
        identity.current = account;
        out.emit(forward, false);
    }

    private static void identify(UserIdentity identity, IdentityInput in, Output out) {
        UsageEvent e = in.event;
        if (in.traitsGiven) {
            identity.traitsKept = true;
        }
        if (e.traitKeys.length > 0) {
            String[][] merged = Traits.merge(identity.traitKeys, identity.traitValues, e.traitKeys, e.traitValues);
            identity.traitKeys = merged[0];
            identity.traitValues = merged[1];
        }
        if (e.accountId != null) {
            out.emit(e, false);
        }
        for (String account : identity.accounts) {
            if (!account.equals(e.accountId)) {
                out.emit(e.inAccount(account), true);
            }
        }
    }

    /** A duration as the model writes it: whole days, hours, minutes or seconds, else milliseconds. */
    static String duration(long ms) {
        long[] units = {86_400_000L, 3_600_000L, 60_000L, 1000L};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (ms % units[i] == 0) {
                return ms / units[i] + names[i];
            }
        }
        return ms + "ms";
    }

    private static String quoted(String s) {
        return "\"" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "\"";
    }
}
