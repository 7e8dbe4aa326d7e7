package io.pqlscore.events;

/**
 * What a source emits for one raw record: either a valid {@link UsageEvent} or a {@link
 * DeadLetter}. The raw bytes and position stay with a valid event only until the late check
 * (which needs them for the dead letter); they are dropped before the shuffle.
 */
public class ParsedRecord {
    public UsageEvent event;
    public DeadLetter deadLetter;
    public byte[] raw;
    public SourcePosition position;
    /**
     * An {@code identify} with a {@code userId} whose {@code traits} hold at least one key, read or
     * not by the model (SPEC 8: such traits are kept for the user's later joins).
     */
    public boolean traitsGiven;

    public ParsedRecord() {}

    public static ParsedRecord valid(UsageEvent event, byte[] raw, SourcePosition position) {
        ParsedRecord r = new ParsedRecord();
        r.event = event;
        r.raw = raw;
        r.position = position;
        return r;
    }

    public ParsedRecord traitsGiven(boolean given) {
        this.traitsGiven = given;
        return this;
    }

    public static ParsedRecord rejected(DeadLetter deadLetter) {
        ParsedRecord r = new ParsedRecord();
        r.deadLetter = deadLetter;
        return r;
    }

    public boolean isValid() {
        return event != null;
    }

    /** Event time for watermarking; rejected records never advance the watermark. */
    public long eventTimeOrMin() {
        return event != null ? event.timestamp : Long.MIN_VALUE;
    }
}
