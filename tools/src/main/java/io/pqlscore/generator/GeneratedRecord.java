package io.pqlscore.generator;

/**
 * One generated record: the JSON line (no terminator) and what the generator meant by it. Records
 * come out of {@link EventGenerator#records} in arrival order: {@link #arrivalTime()} never
 * decreases, and {@link #eventTime()} trails it by less than the configured max disorder.
 */
public final class GeneratedRecord {
    /** What a record is meant to be. */
    public enum Kind {
        /** A valid, new record. */
        VALID,
        /** An exact copy of an earlier VALID record (an SDK retry): same bytes, same messageId. */
        DUPLICATE,
        /** A record the job must reject; {@link #badReason()} names the expected reason. */
        BAD
    }

    private final String json;
    private final String key;
    private final long eventTime;
    private final long arrivalTime;
    private final Kind kind;
    private final String badReason;
    final long seq;

    GeneratedRecord(String json, String key, long eventTime, long arrivalTime, Kind kind, String badReason, long seq) {
        this.json = json;
        this.key = key;
        this.eventTime = eventTime;
        this.arrivalTime = arrivalTime;
        this.kind = kind;
        this.badReason = badReason;
        this.seq = seq;
    }

    /** The record, one JSON object without a line terminator (a broken one for bad_json). */
    public String json() {
        return json;
    }

    /** The account the record belongs to (the Kafka key), also for bad records that lack it. */
    public String key() {
        return key;
    }

    /** Epoch milliseconds of the record's {@code timestamp} (what it was meant to be, for bad ones). */
    public long eventTime() {
        return eventTime;
    }

    /** Epoch milliseconds at which the record "arrives": live mode sends it then (scaled). */
    public long arrivalTime() {
        return arrivalTime;
    }

    public Kind kind() {
        return kind;
    }

    /** For BAD records the reject reason the job should report (e.g. {@code bad_json}); else null. */
    public String badReason() {
        return badReason;
    }

    @Override
    public String toString() {
        return kind + (badReason == null ? "" : "(" + badReason + ")") + " " + json;
    }
}
