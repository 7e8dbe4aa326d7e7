package io.pqlscore.patterns;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.sharedbuffer.EventId;
import org.apache.flink.cep.nfa.sharedbuffer.Lockable;
import org.apache.flink.cep.nfa.sharedbuffer.NodeId;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBufferNode;

/**
 * One entity's state of one Flink CEP pattern (a sequence signal, or a usage signal's metric): the
 * NFA's computation states and what CEP's {@code SharedBuffer} keeps for them (the events of open
 * partial matches, their nodes, the per-timestamp event counters). It lives inside the entity's
 * own state value ({@code scoring.EntityCodec}), so that an entity's patterns cost no state access
 * of their own. {@code definition} fingerprints the signal it was built for: a changed signal
 * starts afresh.
 */
public final class PatternState {
    /** The signal's index in the running model (not written: it is in the state's key). */
    public transient int signal = -1;
    public int definition;
    public NFAState nfa;
    public final Map<EventId, Lockable<Long>> events = new HashMap<>();
    public final Map<NodeId, Lockable<SharedBufferNode>> entries = new HashMap<>();
    public final Map<Long, Integer> counts = new HashMap<>();

    /** True when it holds nothing but the NFA's start: such a state need not be kept. */
    public boolean isIdle() {
        return events.isEmpty() && entries.isEmpty() && counts.isEmpty()
                && (nfa == null || (nfa.getCompletedMatches().isEmpty() && nfa.getPartialMatches().size() <= 1
                        && nfa.getPartialMatches().stream().allMatch(c -> c.getStartEventID() == null)));
    }
}
