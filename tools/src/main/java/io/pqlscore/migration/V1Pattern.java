package io.pqlscore.migration;

import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import io.pqlscore.patterns.PatternMachines;
import io.pqlscore.patterns.PatternState;
import io.pqlscore.patterns.UsageApproachPattern;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.sharedbuffer.EventId;
import org.apache.flink.cep.nfa.sharedbuffer.Lockable;
import org.apache.flink.cep.nfa.sharedbuffer.NodeId;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBufferNode;

/**
 * One key of one v1 CEP operator (a signal's pattern for one account, one user, or for a usage
 * signal one (entity, metric)), converted to what the account stage keeps: a {@link PatternState}
 * over {@code Long} events for the entity's {@code EntityState.patterns}, under {@link #key()}; plus
 * the records that still waited in the operator's element queue (not run there yet), by event time
 * and {@code messageId}.
 *
 * <p>The conversion keeps CEP's own structures: the NFA state is copied as is (its computation
 * states name shared-buffer nodes and events by id, and the ids do not change), and so are the
 * shared buffer's nodes and per-timestamp counters; only each buffered event is replaced by the
 * {@code Long} the account stage's NFA runs on ({@link #event}).
 */
final class V1Pattern {
    final int signal;
    /** The account this key belongs to. */
    final String accountId;
    /** The user for a per-user pattern, null for the account's. */
    final String userId;
    /** The metric of a usage signal's key, null for a sequence. */
    final String metric;
    /** The converted state; null when the key held only queued records (or nothing CEP keeps). */
    final PatternState state;
    /** Records in the element queue: {@link #queued(long, String)} of each. */
    final List<String> queued;

    V1Pattern(int signal, String accountId, String userId, String metric, PatternState state, List<String> queued) {
        this.signal = signal;
        this.accountId = accountId;
        this.userId = userId;
        this.metric = metric;
        this.state = state;
        this.queued = queued;
    }

    /** The pattern state's key in its entity ({@link PatternMachines#key}). */
    String key() {
        return PatternMachines.key(signal, metric);
    }

    /** How a queued record is named: its event time and {@code messageId}. */
    static String queued(long timestamp, String messageId) {
        return timestamp + "/" + messageId;
    }

    /**
     * The {@code Long} event the account stage's pattern of {@code s} runs for record {@code e}: a
     * sequence signal's is the record's step bit mask, a usage signal's says whether its reading is
     * at or above {@code at} ({@code PatternMachines.process} does the same for new records). Fails
     * for a record that does not hit the signal under this model: v1's pattern conditions only took
     * records matched by the model the job ran with, so the model given is not that one.
     */
    static long event(Signal s, int modelLayout, UsageEvent e) {
        int h = e.hitIndex(s.index());
        if (h < 0 || e.layout != modelLayout) {
            throw new MigrationException("the pattern state of signal '" + s.id() + "' holds record " + e.messageId
                    + " which does not hit that signal under the model given (layout " + e.layout + ", model's "
                    + modelLayout + "): convert with the model the v1 job ran with");
        }
        if (s.kind() == SignalKind.USAGE) {
            return e.hitRatios[h] >= s.at() ? UsageApproachPattern.AT_OR_ABOVE_READING : UsageApproachPattern.BELOW_READING;
        }
        return e.hitSteps[h];
    }

    /**
     * Builds the account stage's pattern state from one key's CEP state. {@code refCounts} gives
     * each buffered event's lock count (CEP keeps it beside the event, see {@link V1Readers}).
     */
    static PatternState convert(Signal s, int modelLayout, NFAState nfa, Map<EventId, Lockable<UsageEvent>> events,
            Map<EventId, Integer> refCounts, Map<NodeId, Lockable<SharedBufferNode>> entries, Map<Long, Integer> counts) {
        PatternState p = new PatternState();
        p.signal = s.index();
        p.definition = PatternMachines.definition(s);
        p.nfa = nfa;
        for (Map.Entry<EventId, Lockable<UsageEvent>> ev : events.entrySet()) {
            p.events.put(ev.getKey(), new Lockable<>(event(s, modelLayout, ev.getValue().getElement()),
                    refCounts.get(ev.getKey())));
        }
        p.entries.putAll(entries);
        p.counts.putAll(counts);
        return p;
    }

    // ---------------------------------------------------------------- v1's pattern keys (patterns.PatternKeys)

    /** The parts of a v1 pattern key: each part is written {@code <length>:<chars>}. */
    static List<String> keyParts(String key) {
        List<String> parts = new ArrayList<>(2);
        int i = 0;
        while (i < key.length()) {
            int colon = key.indexOf(':', i);
            if (colon < 0) {
                throw new IllegalArgumentException("not a v1 pattern key: " + key);
            }
            int n = Integer.parseInt(key.substring(i, colon));
            if (colon + 1 + n > key.length()) {
                throw new IllegalArgumentException("not a v1 pattern key: " + key);
            }
            parts.add(key.substring(colon + 1, colon + 1 + n));
            i = colon + 1 + n;
        }
        return parts;
    }

    /**
     * The account, the user (null: the account's pattern) and the metric (null: a sequence) of a v1
     * pattern key: {@code of(account[, user])} for a sequence, {@code of(of(account[, user]), metric)}
     * for a usage signal.
     */
    static String[] parseKey(String key, boolean usage, boolean perUser) {
        String entity = key;
        String metric = null;
        if (usage) {
            List<String> outer = keyParts(key);
            check(outer.size() == 2, key);
            entity = outer.get(0);
            metric = outer.get(1);
        }
        List<String> ids = keyParts(entity);
        check(ids.size() == (perUser ? 2 : 1), key);
        return new String[] {ids.get(0), perUser ? ids.get(1) : null, metric};
    }

    private static void check(boolean ok, String key) {
        if (!ok) {
            throw new IllegalArgumentException("not a v1 pattern key: " + key);
        }
    }
}
