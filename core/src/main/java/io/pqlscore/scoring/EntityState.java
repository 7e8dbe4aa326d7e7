package io.pqlscore.scoring;

/**
 * Everything kept for one user or one account between records. Bounded by the model, not by
 * traffic: one {@link SignalState} per signal, the trait keys the model reads, and a few times.
 */
public class EntityState {
    /** Tier index in the entity's score scale, 0 = none. */
    public int tier;
    /** Time of the last record that keeps this entity alive (SPEC 3 retention). */
    public long lastRecordAt;
    /** Time of the last activity event (users: for the active-users count in outputs). */
    public long lastActivityAt = Long.MIN_VALUE;
    public long lastEvalAt = Long.MIN_VALUE;
    /** The first evaluation tick that moves the entity down, or {@code Long.MAX_VALUE}. */
    public long tickAt = Long.MAX_VALUE;
    /** The earliest wake-up already registered for this entity, or {@code Long.MAX_VALUE}. */
    public long scheduledAt = Long.MAX_VALUE;
    /** Signal ids in the order of {@link #signals}: detects a changed model after a restore. */
    public String[] signalIds = new String[0];
    public SignalState[] signals = new SignalState[0];
    /**
     * Stored form only ({@link StoredEntities}): the {@code signalLayout()} of the model whose
     * order {@link #signals} are in when {@link #signalIds} were left out (a user borrowing its
     * account's ids), or that of the account's own ids; 0 when the ids are stored with the entity
     * (and in all state written before this field).
     */
    public int layout;
    /** The entity's own latest traits, limited to the keys the model reads (JSON text values). */
    public String[] traitKeys = new String[0];
    public String[] traitValues = new String[0];
    /**
     * The entity's Flink CEP pattern states by {@code PatternMachines.key}, or null when it has
     * none. Transient: not part of the POJO form of earlier state layouts; {@link EntityCodec}
     * writes it.
     */
    public transient java.util.Map<String, io.pqlscore.patterns.PatternState> patterns;
    /** In its account entry's list of users to write back (the account stage's cache; never stored). */
    transient boolean queuedForWrite;

    public EntityState() {}
}
