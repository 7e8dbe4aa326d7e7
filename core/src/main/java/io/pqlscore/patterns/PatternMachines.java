package io.pqlscore.patterns;

import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.cep.nfa.ComputationState;
import org.apache.flink.cep.nfa.NFA;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.nfa.compiler.NFACompiler;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBuffer;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBufferAccessor;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.configuration.Configuration;

/**
 * The model's sequence and usage signals as Flink CEP NFAs, run inside the account operator on
 * records that are already in SPEC 3 order: for each record, each pattern it can advance is given
 * to CEP's {@code NFA.advanceTime} and {@code NFA.process}, over the entity's own {@link
 * PatternState} (per account, or per user; per metric for a usage signal), through one {@code
 * SharedBuffer} re-pointed at that state. A match is a firing of the signal for that entity at this
 * record, returned to the caller: no firing stream, no second buffer.
 *
 * <p>Which records go to which pattern is what the per-signal CEP operators of the earlier topology
 * were given: records that hit the signal (a step, or a usage reading), per user only those with a
 * user; a usage pattern per (entity, metric). One instance per operator subtask (the SharedBuffer
 * has a statistics timer thread: {@link #close}).
 */
public final class PatternMachines implements AutoCloseable {
    /** The NFA's view of time: event time (the conditions do not read it). */
    private static final org.apache.flink.cep.time.TimerService EVENT_TIME = () -> Long.MIN_VALUE;

    private static final class Machine {
        final Signal signal;
        final boolean usage;
        final NFA<Long> nfa;
        final AfterMatchSkipStrategy skip;
        final long window;
        final int definition;
        /** Whether a step has its own {@code within} (from the previous step): then time always goes through CEP. */
        final boolean stepWindows;

        Machine(Signal signal, Pattern<Long, Long> pattern) {
            this.signal = signal;
            this.usage = signal.kind() == SignalKind.USAGE;
            this.nfa = NFACompiler.compileFactory(pattern, false).createNFA();
            this.skip = pattern.getAfterMatchSkipStrategy();
            this.window = nfa.getWindowTime();
            this.definition = definition(signal);
            boolean steps = false;
            for (Pattern<Long, ?> p = pattern; p != null; p = p.getPrevious()) {
                steps |= p.getWindowSize(org.apache.flink.cep.pattern.WithinType.PREVIOUS_AND_CURRENT).isPresent();
            }
            this.stepWindows = steps;
        }
    }

    /**
     * A runtime context for conditions run outside an operator: the pattern conditions of this job
     * only test the event, so any service they asked for would be a bug.
     */
    private static final org.apache.flink.api.common.functions.RuntimeContext NO_SERVICES =
            (org.apache.flink.api.common.functions.RuntimeContext) java.lang.reflect.Proxy.newProxyInstance(
                    PatternMachines.class.getClassLoader(),
                    new Class<?>[] {org.apache.flink.api.common.functions.RuntimeContext.class}, (proxy, method, args) -> {
                        if (method.getName().equals("toString")) {
                            return "pattern conditions' runtime context (no services)";
                        }
                        throw new UnsupportedOperationException("pattern conditions use no runtime services: "
                                + method.getName());
                    });

    private final Machine[] bySignal;
    private final boolean any;
    private final BoundStateStore store = new BoundStateStore();
    private final SharedBuffer<Long> buffer;

    public PatternMachines(ScoringModel model) {
        this(model, null);
    }

    /**
     * @param context the operator's runtime context, handed to the patterns' conditions as CEP's own
     *     operator does (ours read nothing from it); null outside an operator
     */
    public PatternMachines(ScoringModel model, org.apache.flink.api.common.functions.RuntimeContext context) {
        List<Signal> signals = model.signals();
        bySignal = new Machine[signals.size()];
        for (Signal s : signals) {
            if (s.kind() == SignalKind.SEQUENCE) {
                bySignal[s.index()] = new Machine(s, SequencePattern.of(s));
            } else if (s.kind() == SignalKind.USAGE) {
                bySignal[s.index()] = new Machine(s, UsageApproachPattern.of(s));
            }
        }
        any = java.util.Arrays.stream(bySignal).anyMatch(java.util.Objects::nonNull);
        buffer = new SharedBuffer<>(store, LongSerializer.INSTANCE);
        for (Machine m : bySignal) {
            if (m != null) {
                try {
                    m.nfa.open(context != null ? context : NO_SERVICES, new Configuration());
                } catch (Exception e) {
                    throw new IllegalStateException("cannot open the NFA of " + m.signal.id(), e);
                }
            }
        }
    }

    /** Whether the model has any pattern signal. */
    public boolean any() {
        return any;
    }

    /** The states of one entity's patterns, by {@link #key}. */
    public interface States {
        PatternState get(String key);

        void put(String key, PatternState state);

        void remove(String key);
    }

    /** The key of a pattern state in its entity: the signal index, and for a usage signal the metric. */
    public static String key(int signal, String metric) {
        return metric == null ? Integer.toString(signal) : signal + ":" + metric;
    }

    /** The signal index of a pattern state key. */
    public static int signalOf(String key) {
        int colon = key.indexOf(':');
        return Integer.parseInt(colon < 0 ? key : key.substring(0, colon));
    }

    /**
     * Runs record {@code e} through the patterns of one entity, in SPEC 3 order with its other
     * records. {@code user}: the entity is {@code e}'s user (patterns of user scope), else its
     * account. {@code done[i]}: signal {@code i} no longer runs for this entity (a milestone that has
     * fired). Sets {@code fired[i]} for every signal a pattern of this entity matched at {@code e}.
     * Returns the earliest time a partial match of the patterns it ran will be too old
     * ({@code Long.MAX_VALUE}: none).
     */
    public long process(UsageEvent e, boolean user, States states, boolean[] done, boolean[] fired) throws Exception {
        long expires = Long.MAX_VALUE;
        for (int h = 0; h < e.hitSignals.length; h++) {
            int i = e.hitSignals[h];
            Machine m = i < bySignal.length ? bySignal[i] : null;
            if (m == null || done[i] || !(user ? m.signal.scope().scoresUsers() : m.signal.scope().scoresAccounts())) {
                continue;
            }
            if (i < 64 && (e.patternsRan & (1L << i)) != 0) {
                // a record carried over by state migration: the earlier topology's pattern ran it
                if (((user ? e.userFired : e.accountFired) & (1L << i)) != 0) {
                    fired[i] = true;
                }
                continue;
            }
            long event;
            String key;
            if (m.usage) {
                event = e.hitRatios[h] >= m.signal.at() ? UsageApproachPattern.AT_OR_ABOVE_READING
                        : UsageApproachPattern.BELOW_READING;
                key = key(i, e.hitValues[h]);
            } else {
                event = e.hitSteps[h];
                key = key(i, null);
            }
            PatternState s = states.get(key);
            if (s == null || s.definition != m.definition) {
                s = new PatternState();
                s.definition = m.definition;
                s.nfa = m.nfa.createInitialNFAState();
            }
            s.signal = i;
            if (run(m, s, event, e.timestamp)) {
                fired[i] = true;
            }
            if (s.isIdle()) {
                states.remove(key);
            } else {
                states.put(key, s);
                if (m.window > 0) {
                    expires = Math.min(expires, expiresBy(s.nfa, m.window));
                }
            }
        }
        return expires;
    }

    private boolean run(Machine m, PatternState s, long event, long time) throws Exception {
        store.bind(s);
        try {
            // as CEP's operator does before each timestamp: prunes timed-out partial matches, and the
            // shared buffer's per-timestamp event counters of earlier instants
            // (one accessor for both: its cache is flushed into the bound state when it closes)
            try (SharedBufferAccessor<Long> a = buffer.getAccessor()) {
                if (timesOut(m, s.nfa, time)) {
                    m.nfa.advanceTime(a, s.nfa, time, m.skip);
                } else {
                    // nothing times out and no completed match waits: all NFA.advanceTime would do is
                    // SharedBuffer.advanceTime, which forgets the counters of earlier instants
                    s.counts.keySet().removeIf(t -> t < time);
                }
                Collection<Map<String, List<Long>>> matches = m.nfa.process(a, s.nfa, event, time, m.skip, EVENT_TIME);
                return !matches.isEmpty();
            }
        } finally {
            store.unbind();
        }
    }

    /**
     * Drops what can no longer complete at {@code time} (partial matches of a sequence older than
     * its window) from every pattern state of an entity, and the states left idle; returns the
     * earliest time at which one of the remaining partial matches will be too old
     * ({@code Long.MAX_VALUE} if none), so the entity can wake then and shed it.
     */
    public long prune(Map<String, PatternState> states, long time) throws Exception {
        long next = Long.MAX_VALUE;
        for (Iterator<Map.Entry<String, PatternState>> it = states.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, PatternState> entry = it.next();
            PatternState s = entry.getValue();
            if (s.signal < 0) {
                s.signal = signalOf(entry.getKey());
            }
            int i = s.signal;
            Machine m = i < bySignal.length ? bySignal[i] : null;
            if (m == null || s.definition != m.definition) {
                it.remove(); // the signal is gone, or changed: its state means nothing now
                continue;
            }
            if (m.window <= 0) {
                continue;
            }
            if (expiresBy(s.nfa, m.window) <= time) {
                store.bind(s);
                try (SharedBufferAccessor<Long> a = buffer.getAccessor()) {
                    m.nfa.advanceTime(a, s.nfa, time, m.skip);
                } finally {
                    store.unbind();
                }
            }
            if (s.isIdle()) {
                it.remove();
            } else {
                next = Math.min(next, expiresBy(s.nfa, m.window));
            }
        }
        return next;
    }

    /**
     * Whether {@code NFA.advanceTime} to {@code time} has more to do than forget earlier event
     * counters: a partial match it would time out (as {@link #prune} asks), or a completed match
     * waiting for an earlier partial one (skip strategies), which it may release.
     */
    private static boolean timesOut(Machine m, NFAState nfa, long time) {
        return m.stepWindows || !nfa.getCompletedMatches().isEmpty()
                || (m.window > 0 && expiresBy(nfa, m.window) <= time);
    }

    /** The earliest time a partial match of {@code nfa} is too old for a window of {@code window}. */
    private static long expiresBy(NFAState nfa, long window) {
        long earliest = Long.MAX_VALUE;
        for (ComputationState c : nfa.getPartialMatches()) {
            if (c.getStartEventID() != null) {
                earliest = Math.min(earliest, c.getStartTimestamp() + window);
            }
        }
        return earliest;
    }

    /** A fingerprint of what a signal's pattern is: a state built for another one is dropped. */
    public static int definition(Signal s) {
        // the kind's name, not the enum's identity hash: that differs between JVMs, and a state restored
        // in another JVM (every restore, every converted savepoint) would be taken for another pattern
        int h = s.id().hashCode() * 31 + s.kind().name().hashCode();
        if (s.kind() == SignalKind.SEQUENCE) {
            h = h * 31 + Long.hashCode(s.withinMs());
            for (io.pqlscore.model.EventMatch step : s.steps()) {
                // sorted: the sets' own order differs between JVMs
                h = h * 31 + (new java.util.TreeSet<>(step.types()) + "|"
                        + (step.events() == null ? "*" : new java.util.TreeSet<>(step.events())) + "|"
                        + (step.names() == null ? "*" : new java.util.TreeSet<>(step.names())) + "|" + step.where()).hashCode();
            }
        } else {
            h = h * 31 + Double.hashCode(s.at());
        }
        return h == 0 ? 1 : h;
    }

    @Override
    public void close() throws Exception {
        buffer.releaseCacheStatisticsTimer();
        for (Machine m : bySignal) {
            if (m != null) {
                m.nfa.close();
            }
        }
    }
}
