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

    public ParsedRecord() {}

    public static ParsedRecord valid(UsageEvent event, byte[] raw, SourcePosition position) {
        ParsedRecord r = new ParsedRecord();
        r.event = event;
        r.raw = raw;
        r.position = position;
        return r;
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
