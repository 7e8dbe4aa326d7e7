package io.pqlscore.events;

import java.util.Comparator;

/**
 * SPEC 3 and 7: records of one instant are taken in {@code messageId} order, and {@code messageId}s
 * compare as strings by Unicode code point, not by UTF-16 unit. The one comparator for it.
 */
public final class MessageIdOrder {
    public static final Comparator<String> CODE_POINTS = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    /** Records by {@code messageId}, by code point. */
    public static final Comparator<UsageEvent> RECORDS = (a, b) -> CODE_POINTS.compare(a.messageId, b.messageId);

    private MessageIdOrder() {}
}
