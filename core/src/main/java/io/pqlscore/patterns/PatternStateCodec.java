package io.pqlscore.patterns;

import static io.pqlscore.events.Varints.readVarLong;
import static io.pqlscore.events.Varints.unzigzag;
import static io.pqlscore.events.Varints.writeVarLong;
import static io.pqlscore.events.Varints.zigzag;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.cep.nfa.ComputationState;
import org.apache.flink.cep.nfa.DeweyNumber;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.sharedbuffer.EventId;
import org.apache.flink.cep.nfa.sharedbuffer.Lockable;
import org.apache.flink.cep.nfa.sharedbuffer.NodeId;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBufferNode;
import org.apache.flink.cep.nfa.sharedbuffer.SharedBufferNodeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * One {@link PatternState} in few bytes. Flink's own serializers write CEP's structures for a
 * general keyed operator: every int in four bytes, every time in eight, every state and page name
 * as a string each time it occurs; an account's patterns took about 500 bytes that way, the largest
 * part of its value. Here names are positions in a fixed list of the names this job's patterns use
 * (others go once into the pattern's own table), times are varint deltas from the entity's base
 * time, counters and Dewey numbers are varints.
 *
 * <p>The NFA's computation states are read and rebuilt through CEP's public API. The shared
 * buffer's lock counters are not public, so those parts go through Flink's serializers of the
 * shared buffer (their byte format is part of Flink's savepoint compatibility), re-encoded field by
 * field on the way out and rebuilt in that format on the way in. Not thread-safe: one instance per
 * codec.
 */
public final class PatternStateCodec {
    /** Format 1: a count of the pattern's own names always follows the definition (still read). */
    private static final int FORMAT_1 = 1;
    /** Format 2 without names of the pattern's own (the common case: no count written). */
    private static final int FORMAT_NO_NAMES = 2;
    /** Format 2 with names of the pattern's own: their count follows the definition. */
    private static final int FORMAT_NAMES = 3;

    /**
     * The state and page names this job's patterns use, referred to by position without being
     * written: sequence steps, the usage pattern's two states, and CEP's final state. A name not
     * here (none today) is written once in the pattern's own table. Append only: positions are
     * stored.
     */
    private static final List<String> KNOWN_NAMES;

    static {
        List<String> known = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            known.add(SequencePattern.stepName(i));
        }
        known.add(UsageApproachPattern.BELOW);
        known.add(UsageApproachPattern.AT_OR_ABOVE);
        known.add("$endState$"); // NFACompiler.ENDING_STATE_NAME (protected)
        KNOWN_NAMES = List.copyOf(known);
    }

    private final Lockable.LockableTypeSerializer<Long> eventSerializer =
            new Lockable.LockableTypeSerializer<>(LongSerializer.INSTANCE);
    private final Lockable.LockableTypeSerializer<SharedBufferNode> nodeSerializer =
            new Lockable.LockableTypeSerializer<>(new SharedBufferNodeSerializer());
    private final DataOutputSerializer scratchOut = new DataOutputSerializer(256);
    private final DataInputDeserializer scratchIn = new DataInputDeserializer();
    private final List<String> names = new ArrayList<>();

    public void write(PatternState p, DataOutputView out, long base) throws IOException {
        names.clear();
        names.addAll(KNOWN_NAMES);
        collectNames(p);
        int extra = names.size() - KNOWN_NAMES.size();
        // format 2 says in its format byte whether names of the pattern's own follow
        out.writeByte(extra == 0 ? FORMAT_NO_NAMES : FORMAT_NAMES);
        out.writeInt(p.definition);
        if (extra > 0) {
            writeVarLong(extra, out);
        }
        for (String n : names.subList(KNOWN_NAMES.size(), names.size())) {
            org.apache.flink.types.StringValue.writeString(n, out);
        }
        writeStates(p.nfa.getPartialMatches(), out, base);
        writeStates(p.nfa.getCompletedMatches(), out, base);
        writeVarLong(p.counts.size(), out);
        for (Map.Entry<Long, Integer> c : p.counts.entrySet()) {
            writeTime(c.getKey(), out, base);
            writeVarLong(c.getValue(), out);
        }
        writeVarLong(p.events.size(), out);
        for (Map.Entry<EventId, Lockable<Long>> e : p.events.entrySet()) {
            writeEventId(e.getKey(), out, base);
            scratchOut.clear();
            eventSerializer.serialize(e.getValue(), scratchOut);
            scratchIn.setBuffer(scratchOut.getSharedBuffer(), 0, scratchOut.length());
            writeVarLong(scratchIn.readInt(), out); // the lock count
            writeVarLong(zigzag(scratchIn.readLong()), out); // the event (a step mask, a reading's level)
        }
        writeVarLong(p.entries.size(), out);
        for (Map.Entry<NodeId, Lockable<SharedBufferNode>> e : p.entries.entrySet()) {
            writeNodeId(e.getKey(), out, base);
            scratchOut.clear();
            nodeSerializer.serialize(e.getValue(), scratchOut);
            scratchIn.setBuffer(scratchOut.getSharedBuffer(), 0, scratchOut.length());
            writeVarLong(scratchIn.readInt(), out); // the node's lock count
            int edges = scratchIn.readInt();
            writeVarLong(edges, out);
            for (int i = 0; i < edges; i++) {
                writeVarLong(scratchIn.readInt(), out); // the edge's lock count
                // the edge: its target (NodeId's serialized form) and its Dewey number
                if (scratchIn.readByte() == 0) {
                    out.writeByte(0);
                } else {
                    out.writeByte(1);
                    int id = scratchIn.readInt();
                    long time = scratchIn.readLong();
                    String page = org.apache.flink.types.StringValue.readString(scratchIn);
                    writeEventId(new EventId(id, time), out, base);
                    writeVarLong(names.indexOf(page), out);
                }
                int digits = scratchIn.readInt();
                writeVarLong(digits, out);
                for (int d = 0; d < digits; d++) {
                    writeVarLong(scratchIn.readInt(), out);
                }
            }
        }
    }

    public PatternState read(DataInputView in, long base) throws IOException {
        int format = in.readUnsignedByte();
        if (format != FORMAT_1 && format != FORMAT_NO_NAMES && format != FORMAT_NAMES) {
            throw new IOException("unknown pattern state format " + format);
        }
        PatternState p = new PatternState();
        p.definition = in.readInt();
        int extra = format == FORMAT_NO_NAMES ? 0 : (int) readVarLong(in);
        String[] table = KNOWN_NAMES.toArray(new String[KNOWN_NAMES.size() + extra]);
        for (int i = KNOWN_NAMES.size(); i < table.length; i++) {
            table[i] = org.apache.flink.types.StringValue.readString(in);
        }
        PriorityQueue<ComputationState> partial = readStates(in, base, table);
        PriorityQueue<ComputationState> completed = readStates(in, base, table);
        p.nfa = new NFAState(partial, completed);
        int counts = (int) readVarLong(in);
        for (int i = 0; i < counts; i++) {
            p.counts.put(readTime(in, base), (int) readVarLong(in));
        }
        int events = (int) readVarLong(in);
        for (int i = 0; i < events; i++) {
            EventId id = readEventId(in, base);
            int locks = (int) readVarLong(in);
            p.events.put(id, new Lockable<>(unzigzag(readVarLong(in)), locks));
        }
        int entries = (int) readVarLong(in);
        for (int i = 0; i < entries; i++) {
            NodeId node = readNodeId(in, base, table);
            // rebuilt in Flink's format and read by its serializer (the lock counts are not public)
            scratchOut.clear();
            scratchOut.writeInt((int) readVarLong(in));
            int edges = (int) readVarLong(in);
            scratchOut.writeInt(edges);
            for (int e = 0; e < edges; e++) {
                scratchOut.writeInt((int) readVarLong(in));
                if (in.readUnsignedByte() == 0) {
                    scratchOut.writeByte(0);
                } else {
                    scratchOut.writeByte(1);
                    EventId target = readEventId(in, base);
                    scratchOut.writeInt(target.getId());
                    scratchOut.writeLong(target.getTimestamp());
                    org.apache.flink.types.StringValue.writeString(table[(int) readVarLong(in)], scratchOut);
                }
                int digits = (int) readVarLong(in);
                scratchOut.writeInt(digits);
                for (int d = 0; d < digits; d++) {
                    scratchOut.writeInt((int) readVarLong(in));
                }
            }
            scratchIn.setBuffer(scratchOut.getSharedBuffer(), 0, scratchOut.length());
            p.entries.put(node, nodeSerializer.deserialize(scratchIn));
        }
        return p;
    }

    // ---------------------------------------------------------------- parts

    private void collectNames(PatternState p) throws IOException {
        for (ComputationState c : p.nfa.getPartialMatches()) {
            name(c.getCurrentStateName());
            if (c.getPreviousBufferEntry() != null) {
                name(c.getPreviousBufferEntry().getPageName());
            }
        }
        for (ComputationState c : p.nfa.getCompletedMatches()) {
            name(c.getCurrentStateName());
            if (c.getPreviousBufferEntry() != null) {
                name(c.getPreviousBufferEntry().getPageName());
            }
        }
        for (NodeId node : p.entries.keySet()) {
            name(node.getPageName());
        }
        for (Lockable<SharedBufferNode> node : p.entries.values()) {
            // edge targets name pages of nodes in the buffer, or pages already let go: read them all
            scratchOut.clear();
            nodeSerializer.serialize(node, scratchOut);
            scratchIn.setBuffer(scratchOut.getSharedBuffer(), 0, scratchOut.length());
            scratchIn.readInt();
            int edges = scratchIn.readInt();
            for (int i = 0; i < edges; i++) {
                scratchIn.readInt();
                if (scratchIn.readByte() != 0) {
                    scratchIn.readInt();
                    scratchIn.readLong();
                    name(org.apache.flink.types.StringValue.readString(scratchIn));
                }
                int digits = scratchIn.readInt();
                scratchIn.skipBytesToRead(4 * digits);
            }
        }
    }

    private void name(String n) {
        if (!names.contains(n)) {
            names.add(n);
        }
    }

    private void writeStates(Iterable<ComputationState> states, DataOutputView out, long base) throws IOException {
        int n = 0;
        for (ComputationState ignored : states) {
            n++;
        }
        writeVarLong(n, out);
        for (ComputationState c : states) {
            writeVarLong(names.indexOf(c.getCurrentStateName()), out);
            NodeId previous = c.getPreviousBufferEntry();
            out.writeBoolean(previous != null);
            if (previous != null) {
                writeNodeId(previous, out, base);
            }
            writeDewey(c.getVersion(), out);
            writeTime(c.getStartTimestamp(), out, base);
            writeTime(c.getPreviousTimestamp(), out, base);
            EventId start = c.getStartEventID();
            out.writeBoolean(start != null);
            if (start != null) {
                writeEventId(start, out, base);
            }
        }
    }

    private PriorityQueue<ComputationState> readStates(DataInputView in, long base, String[] table) throws IOException {
        PriorityQueue<ComputationState> states = new PriorityQueue<>(NFAState.COMPUTATION_STATE_COMPARATOR);
        int n = (int) readVarLong(in);
        for (int i = 0; i < n; i++) {
            String name = table[(int) readVarLong(in)];
            NodeId previous = in.readBoolean() ? readNodeId(in, base, table) : null;
            DeweyNumber version = readDewey(in);
            long start = readTime(in, base);
            long previousTime = readTime(in, base);
            EventId startEvent = in.readBoolean() ? readEventId(in, base) : null;
            states.add(ComputationState.createState(name, previous, version, start, previousTime, startEvent));
        }
        return states;
    }

    private void writeNodeId(NodeId node, DataOutputView out, long base) throws IOException {
        writeEventId(node.getEventId(), out, base);
        writeVarLong(names.indexOf(node.getPageName()), out);
    }

    private NodeId readNodeId(DataInputView in, long base, String[] table) throws IOException {
        EventId event = readEventId(in, base);
        return new NodeId(event, table[(int) readVarLong(in)]);
    }

    private void writeEventId(EventId id, DataOutputView out, long base) throws IOException {
        writeVarLong(zigzag(id.getId()), out);
        writeTime(id.getTimestamp(), out, base);
    }

    private EventId readEventId(DataInputView in, long base) throws IOException {
        int id = (int) unzigzag(readVarLong(in));
        return new EventId(id, readTime(in, base));
    }

    /** Dewey numbers print as their digits joined by dots (the only public view of them). */
    private static void writeDewey(DeweyNumber v, DataOutputView out) throws IOException {
        String[] digits = v.toString().split("\\.");
        writeVarLong(digits.length, out);
        for (String d : digits) {
            writeVarLong(Integer.parseInt(d), out);
        }
    }

    private static DeweyNumber readDewey(DataInputView in) throws IOException {
        int n = (int) readVarLong(in);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                s.append('.');
            }
            s.append(readVarLong(in));
        }
        return DeweyNumber.fromString(s.toString());
    }

    /** A time as a varint delta from the entity's base time (CEP uses -1 for "none": that too is small). */
    private static void writeTime(long t, DataOutputView out, long base) throws IOException {
        writeVarLong(t == -1L ? 0 : zigzag(t - base) + 1, out);
    }

    private static long readTime(DataInputView in, long base) throws IOException {
        long v = readVarLong(in);
        return v == 0 ? -1L : base + unzigzag(v - 1);
    }

}
