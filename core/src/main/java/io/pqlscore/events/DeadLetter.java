package io.pqlscore.events;

/**
 * A record that could not be scored (SPEC 1): the reason, a human-readable detail, the original
 * payload (UTF-8 text; invalid bytes replaced, the exact bytes in base64 when they were not valid
 * UTF-8) and where it came from.
 */
public class DeadLetter {
    public String reason;
    public String detail;
    public String payload;
    /** Base64 of the raw bytes when they were not valid UTF-8, else null. */
    public String payloadBase64;
    public String source;
    public int partition;
    public long offset;
    /**
     * True when the payload is only the beginning of the record (a {@code too_large} record, or a
     * dead letter cut to fit a Kafka message); {@link #recordBytes} is then the record's size.
     */
    public boolean truncated;
    /** The size of the whole record in bytes when {@link #truncated} (0 when not known). */
    public long recordBytes;

    public DeadLetter() {}

    public DeadLetter(RejectReason reason, String detail, String payload, String payloadBase64, SourcePosition from) {
        this.reason = reason.code();
        this.detail = detail;
        this.payload = payload;
        this.payloadBase64 = payloadBase64;
        this.source = from.source;
        this.partition = from.partition;
        this.offset = from.offset;
    }

    @Override
    public String toString() {
        return "DeadLetter{" + reason + " at " + source + "[" + partition + "]@" + offset + ": " + detail + "}";
    }
}
