package io.pqlscore.scoring;

import java.util.Arrays;

/**
 * How entity state is written to and read back from keyed state (RocksDB), so that the bytes per
 * user stay small and cheap to serialize. The engine always works on the full form; only the
 * stored form differs:
 *
 * <ul>
 *   <li><b>Signals never touched are not written.</b> A {@link SignalState} still at its initial
 *       values is stored as {@code null} (one byte) and read back as a new {@code SignalState}.
 *       Most of a user's signals are never touched (account-only signals, signals the user never
 *       hit).</li>
 *   <li><b>A user does not repeat the signal ids.</b> The ids (which say which model's order the
 *       signals are in, see {@code ScoreEngine.layout}) are kept once per account, in the account's
 *       own entity. A user written in the running model's order stores no ids and the model's
 *       {@link EntityState#layout}; it is read back with its account's ids. The account's layout
 *       always equals its compact users' layouts: a user is only written together with its
 *       account, and when the account moves to another model's order, its users that stay in the
 *       old one are first rewritten with their own ids ({@link #selfDescribing}).</li>
 * </ul>
 *
 * Both are plain POJO field changes (a new int field, null array elements): state written before
 * them (every entity with its ids, {@code layout} 0) restores and reads as it always did.
 */
public final class StoredEntities {
    private StoredEntities() {}

    /**
     * The stored form of an entity. {@code compact}: the entity is in the running model's order
     * ({@code signalIds} equal to {@code modelIds}) and its account is written with the same
     * layout, so the ids can be left out. Returns a shallow copy; {@code e} is not changed.
     */
    public static EntityState forStorage(EntityState e, String[] modelIds, int modelLayout, boolean dropIds) {
        EntityState s = shallowCopy(e);
        s.signals = withoutUntouched(e.signals);
        boolean inModelOrder = Arrays.equals(e.signalIds, modelIds);
        if (dropIds && inModelOrder) {
            s.signalIds = NO_IDS;
            s.layout = modelLayout;
        } else {
            s.layout = inModelOrder ? modelLayout : 0;
        }
        return s;
    }

    /**
     * The full form of a stored user. {@code accountIds} and {@code accountLayout} are those of its
     * account as stored (read before the engine re-lays the account out for another model).
     */
    public static EntityState userFromStorage(EntityState stored, String[] accountIds, int accountLayout) {
        if (stored == null) {
            return null;
        }
        if (stored.signalIds.length == 0 && stored.layout != 0) {
            if (stored.layout != accountLayout) {
                throw new IllegalStateException("a user stored in signal layout " + stored.layout
                        + " without its ids, but its account is in layout " + accountLayout);
            }
            stored.signalIds = accountIds;
        }
        fillUntouched(stored.signals);
        return stored;
    }

    /** The full form of a stored account (it always keeps its ids). */
    public static AccountState accountFromStorage(AccountState stored) {
        if (stored != null && stored.entity != null) {
            fillUntouched(stored.entity.signals);
        }
        return stored;
    }

    /** The stored form of an account: its entity with its ids, untouched signals left out. */
    public static AccountState forStorage(AccountState a, String[] modelIds, int modelLayout) {
        AccountState s = new AccountState();
        s.entity = forStorage(a.entity, modelIds, modelLayout, false);
        s.recentUsers = a.recentUsers;
        s.recentUserTimes = a.recentUserTimes;
        s.enterprise = a.enterprise;
        return s;
    }

    /**
     * Whether a stored user leaves its ids to its account (and so must be rewritten with
     * {@link #selfDescribing} before its account changes layout).
     */
    public static boolean borrowsAccountIds(EntityState stored) {
        return stored.signalIds.length == 0 && stored.layout != 0;
    }

    /** A stored user that borrowed its account's ids, now carrying them itself. */
    public static EntityState selfDescribing(EntityState stored, String[] accountIds) {
        stored.signalIds = accountIds;
        stored.layout = 0;
        return stored;
    }

    private static final String[] NO_IDS = new String[0];

    private static SignalState[] withoutUntouched(SignalState[] signals) {
        SignalState[] out = new SignalState[signals.length];
        for (int i = 0; i < signals.length; i++) {
            out[i] = isUntouched(signals[i]) ? null : signals[i];
        }
        return out;
    }

    private static void fillUntouched(SignalState[] signals) {
        for (int i = 0; i < signals.length; i++) {
            if (signals[i] == null) {
                signals[i] = new SignalState();
            }
        }
    }

    /** Still exactly as {@code new SignalState()}: nothing to store. */
    static boolean isUntouched(SignalState s) {
        return s == null || (Double.doubleToRawLongBits(s.value) == 0 && s.valueAt == 0
                && s.lastSeen == Long.MIN_VALUE && !s.fired && s.keys != null && s.keys.length == 0
                && s.times != null && s.times.length == 0);
    }

    /** Every field of {@link EntityState} but {@code signals} and {@code layout} (StoredEntitiesTest checks). */
    private static EntityState shallowCopy(EntityState e) {
        EntityState s = new EntityState();
        s.tier = e.tier;
        s.lastRecordAt = e.lastRecordAt;
        s.lastActivityAt = e.lastActivityAt;
        s.lastEvalAt = e.lastEvalAt;
        s.tickAt = e.tickAt;
        s.scheduledAt = e.scheduledAt;
        s.signalIds = e.signalIds;
        s.traitKeys = e.traitKeys;
        s.traitValues = e.traitValues;
        return s;
    }
}
