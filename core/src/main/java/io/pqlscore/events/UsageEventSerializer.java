package io.pqlscore.events;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * A hand-written serializer of {@link UsageEvent}: the waiting records of the ordered operators'
 * snapshots and spill lists. Field by field, no reflection, with the type as one byte and absent
 * ids as one byte; strings of any length (Flink's {@code StringValue} form).
 */
public final class UsageEventSerializer extends TypeSerializerSingleton<UsageEvent> {
    private static final long serialVersionUID = 1L;

    public static final UsageEventSerializer INSTANCE = new UsageEventSerializer();

    /** Flag bits of the byte after the traits (the first was a boolean: join). */
    private static final int JOIN = 1;
    private static final int MIGRATED = 2;

    private static final String[] TYPES = {UsageEvent.TRACK, UsageEvent.PAGE, UsageEvent.SCREEN, UsageEvent.IDENTIFY,
        UsageEvent.GROUP};

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public UsageEvent createInstance() {
        return new UsageEvent();
    }

    @Override
    public UsageEvent copy(UsageEvent from) {
        return from.inAccount(from.accountId);
    }

    @Override
    public UsageEvent copy(UsageEvent from, UsageEvent reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(UsageEvent e, DataOutputView out) throws IOException {
        out.writeByte(typeCode(e.type));
        StringValue.writeString(e.messageId, out);
        writeNullable(e.accountId, out);
        writeNullable(e.userId, out);
        out.writeLong(e.timestamp);
        out.writeInt(e.layout);
        int n = e.hitSignals.length;
        out.writeShort(n);
        for (int i = 0; i < n; i++) {
            out.writeShort(e.hitSignals[i]);
            writeNullable(e.hitValues[i], out);
            out.writeDouble(e.hitRatios[i]);
            out.writeLong(e.hitSteps[i]);
        }
        writeStrings(e.traitKeys, out);
        writeStrings(e.traitValues, out);
        boolean migrated = e.patternsRan != 0;
        out.writeByte((e.join ? JOIN : 0) | (migrated ? MIGRATED : 0));
        if (e.join) {
            writeStrings(e.joinTraitKeys, out);
            writeStrings(e.joinTraitValues, out);
        }
        if (migrated) {
            out.writeLong(e.patternsRan);
            out.writeLong(e.accountFired);
            out.writeLong(e.userFired);
        }
    }

    @Override
    public UsageEvent deserialize(DataInputView in) throws IOException {
        UsageEvent e = new UsageEvent();
        e.type = TYPES[in.readByte()];
        e.messageId = StringValue.readString(in);
        e.accountId = readNullable(in);
        e.userId = readNullable(in);
        e.timestamp = in.readLong();
        e.layout = in.readInt();
        int n = in.readShort();
        e.hitSignals = new int[n];
        e.hitValues = new String[n];
        e.hitRatios = new double[n];
        e.hitSteps = new long[n];
        for (int i = 0; i < n; i++) {
            e.hitSignals[i] = in.readShort();
            e.hitValues[i] = readNullable(in);
            e.hitRatios[i] = in.readDouble();
            e.hitSteps[i] = in.readLong();
        }
        e.traitKeys = readStrings(in);
        e.traitValues = readStrings(in);
        int flags = in.readByte();
        e.join = (flags & JOIN) != 0;
        if (e.join) {
            e.joinTraitKeys = readStrings(in);
            e.joinTraitValues = readStrings(in);
        }
        if ((flags & MIGRATED) != 0) {
            e.patternsRan = in.readLong();
            e.accountFired = in.readLong();
            e.userFired = in.readLong();
        }
        return e;
    }

    @Override
    public UsageEvent deserialize(UsageEvent reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    private static int typeCode(String type) {
        for (int i = 0; i < TYPES.length; i++) {
            if (TYPES[i].equals(type)) {
                return i;
            }
        }
        throw new IllegalArgumentException("not a usage event type: " + type);
    }

    static void writeNullable(String s, DataOutputView out) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            StringValue.writeString(s, out);
        }
    }

    static String readNullable(DataInputView in) throws IOException {
        return in.readBoolean() ? StringValue.readString(in) : null;
    }

    private static void writeStrings(String[] a, DataOutputView out) throws IOException {
        out.writeShort(a.length);
        for (String s : a) {
            StringValue.writeString(s, out);
        }
    }

    private static String[] readStrings(DataInputView in) throws IOException {
        int n = in.readShort();
        String[] a = new String[n];
        for (int i = 0; i < n; i++) {
            a[i] = StringValue.readString(in);
        }
        return a;
    }

    @Override
    public TypeSerializerSnapshot<UsageEvent> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores this serializer (no configuration). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<UsageEvent> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
