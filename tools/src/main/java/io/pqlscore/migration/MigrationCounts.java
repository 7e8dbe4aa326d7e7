package io.pqlscore.migration;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a conversion carried over and what it could not, counted per account and summed over the
 * job (Flink accumulators, one per name): the command prints them, and a count that should be 0
 * says where a converted savepoint differs from what the v1 job would have done.
 */
final class MigrationCounts {
    static final String ACCOUNTS = "accounts";
    static final String USERS = "users";
    static final String KEPT_IDS = "kept ids";
    /** Kept ids of records the scorer still held: they go back to the buffer and are kept again when released. */
    static final String KEPT_IDS_RELEASED_AGAIN = "kept ids of records waiting at the scorer (kept again on release)";
    static final String SEQUENCER_RECORDS = "records waiting at the sequencer";
    static final String SCORER_RECORDS = "records waiting at the scorer";
    static final String OUTCOMES_CARRIED = "records carrying the pattern outcomes v1 had";
    static final String PATTERN_STATES = "pattern states";
    /** CEP state of an entity the scorer does not hold (forgotten, or all its records still wait): it starts afresh, as with the new layout. */
    static final String PATTERN_STATES_WITHOUT_ENTITY = "pattern states of entities the scorer did not hold (dropped)";
    /** A new user's pattern state after records whose outcome is carried: no entity to keep it in (see docs/SAVEPOINTS.md). */
    static final String USER_PATTERN_STATES_LOST = "pattern states of new users after carried outcomes (not carried)";
    static final String IDENTITIES = "user identities (identity stage)";
    static final String IDENTITY_RECORDS = "records waiting at the identity stage";
    /** Firings at the scorer without their record (v1 counted and dropped them too: orphan_firings). */
    static final String ORPHAN_FIRINGS = "firings without their record (dropped, as v1 did)";

    final Map<String, Long> values = new LinkedHashMap<>();

    void add(String name, long n) {
        if (n != 0) {
            values.merge(name, n, Long::sum);
        }
    }

    long get(String name) {
        return values.getOrDefault(name, 0L);
    }

    static String[] names() {
        return new String[] {ACCOUNTS, USERS, KEPT_IDS, KEPT_IDS_RELEASED_AGAIN, SEQUENCER_RECORDS, SCORER_RECORDS,
            OUTCOMES_CARRIED, PATTERN_STATES, PATTERN_STATES_WITHOUT_ENTITY, USER_PATTERN_STATES_LOST, ORPHAN_FIRINGS,
            IDENTITIES, IDENTITY_RECORDS};
    }
}
