package io.pqlscore.migration;

import io.pqlscore.events.UsageEvent;
import io.pqlscore.scoring.AccountState;
import io.pqlscore.scoring.EntityState;
import io.pqlscore.scoring.ScorerInput;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything a v1 savepoint holds for one account, gathered from the operators that held it: the
 * sequencer's waiting records and kept ids, the scorer's entities and the records and firings it
 * had not applied yet, and the account's and its users' pattern states from the CEP operators.
 * Entities are in their stored form (as v1 wrote them).
 */
final class V1Account {
    final String accountId;
    /** The sequencer's records not yet released, by event time, each instant's in arrival order. */
    final TreeMap<Long, List<UsageEvent>> sequencerPending = new TreeMap<>();
    /** The sequencer's kept {@code messageId}s and the time each was kept at. */
    final Map<String, Long> kept = new HashMap<>();
    /** Records and firings the sequencer released that the scorer had not applied, by event time. */
    final TreeMap<Long, List<ScorerInput>> scorerPending = new TreeMap<>();
    AccountState account;
    final Map<String, EntityState> users = new LinkedHashMap<>();
    final List<V1Pattern> patterns = new ArrayList<>();

    V1Account(String accountId) {
        this.accountId = accountId;
    }
}
