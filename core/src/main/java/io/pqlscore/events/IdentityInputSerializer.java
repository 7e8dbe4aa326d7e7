package io.pqlscore.events;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/** A hand-written serializer of {@link IdentityInput}, for the identity stage's waiting records. */
public final class IdentityInputSerializer extends TypeSerializerSingleton<IdentityInput> {
    private static final long serialVersionUID = 1L;

    public static final IdentityInputSerializer INSTANCE = new IdentityInputSerializer();

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public IdentityInput createInstance() {
        return new IdentityInput();
    }

    @Override
    public IdentityInput copy(IdentityInput from) {
        IdentityInput c = new IdentityInput();
        c.event = UsageEventSerializer.INSTANCE.copy(from.event);
        c.traitsGiven = from.traitsGiven;
        c.raw = from.raw;
        c.position = from.position;
        return c;
    }

    @Override
    public IdentityInput copy(IdentityInput from, IdentityInput reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(IdentityInput r, DataOutputView out) throws IOException {
        UsageEventSerializer.INSTANCE.serialize(r.event, out);
        out.writeBoolean(r.traitsGiven);
        out.writeBoolean(r.raw != null);
        if (r.raw != null) {
            out.writeInt(r.raw.length);
            out.write(r.raw);
        }
        out.writeBoolean(r.position != null);
        if (r.position != null) {
            StringValue.writeString(r.position.source, out);
            out.writeInt(r.position.partition);
            out.writeLong(r.position.offset);
        }
    }

    @Override
    public IdentityInput deserialize(DataInputView in) throws IOException {
        IdentityInput r = new IdentityInput();
        r.event = UsageEventSerializer.INSTANCE.deserialize(in);
        r.traitsGiven = in.readBoolean();
        if (in.readBoolean()) {
            r.raw = new byte[in.readInt()];
            in.readFully(r.raw);
        }
        if (in.readBoolean()) {
            r.position = new SourcePosition(StringValue.readString(in), in.readInt(), in.readLong());
        }
        return r;
    }

    @Override
    public IdentityInput deserialize(IdentityInput reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<IdentityInput> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores this serializer (no configuration). */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<IdentityInput> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
