package io.pqlscore.identity;

import static io.pqlscore.events.Varints.readVarLong;
import static io.pqlscore.events.Varints.unzigzag;
import static io.pqlscore.events.Varints.writeVarLong;
import static io.pqlscore.events.Varints.zigzag;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * The identity stage keeps one {@link UserIdentity} per user id ever seen within the retention,
 * which is most users: this writes it compactly. A version byte, the accounts as varint-counted
 * strings, the current account as its position among them (it always is one: the latest join),
 * the kept traits, and the time of the latest read as a zigzag varint; where Flink's POJO form
 * spends a length int and a null flag per string and array, 70-odd bytes for a typical user.
 */
public final class UserIdentitySerializer extends TypeSerializerSingleton<UserIdentity> {
    private static final long serialVersionUID = 1L;

    public static final UserIdentitySerializer INSTANCE = new UserIdentitySerializer();

    /** Format 2 leaves out the current account's position when it is the only membership; 1 still reads. */
    private static final int FORMAT = 2;
    private static final int FORMAT_1 = 1;
    private static final int TRAITS_KEPT = 1;
    private static final int HAS_CURRENT = 2;
    private static final int CURRENT_SEPARATE = 4;
    private static final int CURRENT_ONLY = 8;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public UserIdentity createInstance() {
        return new UserIdentity();
    }

    @Override
    public UserIdentity copy(UserIdentity from) {
        UserIdentity c = new UserIdentity();
        c.accounts = from.accounts.clone();
        c.current = from.current;
        c.traitKeys = from.traitKeys.clone();
        c.traitValues = from.traitValues.clone();
        c.traitsKept = from.traitsKept;
        c.lastReadAt = from.lastReadAt;
        return c;
    }

    @Override
    public UserIdentity copy(UserIdentity from, UserIdentity reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(UserIdentity u, DataOutputView out) throws IOException {
        out.writeByte(FORMAT);
        int current = -1;
        for (int i = 0; i < u.accounts.length && u.current != null; i++) {
            if (u.accounts[i].equals(u.current)) {
                current = i;
            }
        }
        // the resolver's current account is always a membership; any other is kept as a string
        boolean separate = u.current != null && current < 0;
        boolean only = current == 0 && u.accounts.length == 1;
        out.writeByte((u.traitsKept ? TRAITS_KEPT : 0) | (u.current != null ? HAS_CURRENT : 0)
                | (separate ? CURRENT_SEPARATE : 0) | (only ? CURRENT_ONLY : 0));
        writeVarLong(u.accounts.length, out);
        for (String a : u.accounts) {
            StringValue.writeString(a, out);
        }
        if (separate) {
            StringValue.writeString(u.current, out);
        } else if (u.current != null && !only) {
            writeVarLong(current, out);
        }
        writeVarLong(u.traitKeys.length, out);
        for (int i = 0; i < u.traitKeys.length; i++) {
            StringValue.writeString(u.traitKeys[i], out);
            StringValue.writeString(u.traitValues[i], out);
        }
        writeVarLong(zigzag(u.lastReadAt), out);
    }

    @Override
    public UserIdentity deserialize(DataInputView in) throws IOException {
        int format = in.readUnsignedByte();
        if (format != FORMAT && format != FORMAT_1) {
            throw new IOException("unknown identity format " + format);
        }
        UserIdentity u = new UserIdentity();
        int flags = in.readUnsignedByte();
        u.traitsKept = (flags & TRAITS_KEPT) != 0;
        int n = (int) readVarLong(in);
        u.accounts = new String[n];
        for (int i = 0; i < n; i++) {
            u.accounts[i] = StringValue.readString(in);
        }
        if ((flags & CURRENT_SEPARATE) != 0) {
            u.current = StringValue.readString(in);
        } else if ((flags & CURRENT_ONLY) != 0) {
            u.current = u.accounts[0];
        } else if ((flags & HAS_CURRENT) != 0) {
            u.current = u.accounts[(int) readVarLong(in)];
        }
        int t = (int) readVarLong(in);
        u.traitKeys = new String[t];
        u.traitValues = new String[t];
        for (int i = 0; i < t; i++) {
            u.traitKeys[i] = StringValue.readString(in);
            u.traitValues[i] = StringValue.readString(in);
        }
        u.lastReadAt = unzigzag(readVarLong(in));
        return u;
    }

    @Override
    public UserIdentity deserialize(UserIdentity reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<UserIdentity> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores this serializer (no configuration; the format byte versions the bytes). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<UserIdentity> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
