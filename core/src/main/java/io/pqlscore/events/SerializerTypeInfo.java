package io.pqlscore.events;

import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Type information that hands Flink one given serializer: for the records every event crosses the
 * network as ({@link UsageEvent} from the source to the account stage, {@link IdentityInput} to the
 * identity stage), whose hand-written serializers write fields without the reflection and per-field
 * null flags of Flink's POJO serializer. Set on those streams only (the classes stay POJOs, so
 * state written in their POJO form by earlier versions still reads as such).
 */
public final class SerializerTypeInfo<T> extends TypeInformation<T> {
    private static final long serialVersionUID = 1L;

    public static final SerializerTypeInfo<UsageEvent> USAGE_EVENT =
            new SerializerTypeInfo<>(UsageEvent.class, UsageEventSerializer.INSTANCE);
    public static final SerializerTypeInfo<IdentityInput> IDENTITY_INPUT =
            new SerializerTypeInfo<>(IdentityInput.class, IdentityInputSerializer.INSTANCE);

    private final Class<T> type;
    private final TypeSerializer<T> serializer;

    private SerializerTypeInfo(Class<T> type, TypeSerializer<T> serializer) {
        this.type = type;
        this.serializer = serializer;
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<T> getTypeClass() {
        return type;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return serializer;
    }

    @Override
    public String toString() {
        return type.getSimpleName() + " (" + serializer.getClass().getSimpleName() + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SerializerTypeInfo<?> other && other.canEqual(this) && type == other.type
                && serializer.getClass() == other.serializer.getClass();
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, serializer.getClass());
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof SerializerTypeInfo;
    }
}
