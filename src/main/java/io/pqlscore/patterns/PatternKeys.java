package io.pqlscore.patterns;

import io.pqlscore.events.UsageEvent;

/**
 * Keys for the pattern operators. Parts are length-prefixed, so no id can make two different
 * entities collide whatever characters it contains.
 */
final class PatternKeys {
    private PatternKeys() {}

    static String of(String... parts) {
        StringBuilder b = new StringBuilder();
        for (String p : parts) {
            String v = p == null ? "" : p;
            b.append(v.length()).append(':').append(v);
        }
        return b.toString();
    }

    /** The entity a record belongs to for a pattern of the given scope. */
    static String entity(UsageEvent e, boolean perUser) {
        return perUser ? of(e.accountId, e.userId) : of(e.accountId);
    }
}
