package io.pqlscore.events;

/**
 * Why a record went to the dead-letter output (SPEC 1), in the order they are checked: the first
 * that applies is reported. {@link #LATE} applies only to records that pass all the others.
 */
public enum RejectReason {
    TOO_LARGE("too_large"),
    BAD_JSON("bad_json"),
    NOT_OBJECT("not_object"),
    BAD_TYPE("bad_type"),
    BAD_TIMESTAMP("bad_timestamp"),
    MISSING_ACCOUNT("missing_account"),
    BAD_FIELD("bad_field"),
    LATE("late");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    /** The machine-readable reason written to the dead-letter record and used as metric name. */
    public String code() {
        return code;
    }
}
