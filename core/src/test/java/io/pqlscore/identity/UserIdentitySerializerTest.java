package io.pqlscore.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The identity stage's per-user value round-trips, and a typical one is small. */
class UserIdentitySerializerTest {
    private static UserIdentity identity(String current, long lastReadAt, boolean traitsKept, String... accounts) {
        UserIdentity u = new UserIdentity();
        u.accounts = accounts;
        u.current = current;
        u.lastReadAt = lastReadAt;
        u.traitsKept = traitsKept;
        return u;
    }

    private static byte[] bytes(UserIdentity u) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        UserIdentitySerializer.INSTANCE.serialize(u, out);
        return out.getCopyOfBuffer();
    }

    @Test
    void roundTrips() throws Exception {
        UserIdentity withTraits = identity("acme", 1_772_442_000_000L, true, "globex", "acme");
        withTraits.traitKeys = new String[] {"role", "plan"};
        withTraits.traitValues = new String[] {"\"vp\"", "null"};
        for (UserIdentity u : List.of(new UserIdentity(), identity(null, 5, false), identity("acme", -5, false, "acme"),
                withTraits, identity("elsewhere", Long.MAX_VALUE, true, "acme"),
                identity("a", Long.MIN_VALUE, false, "a", "b", "c"))) {
            UserIdentity back = UserIdentitySerializer.INSTANCE.deserialize(new DataInputDeserializer(bytes(u)));
            assertThat(back).usingRecursiveComparison().isEqualTo(u);
            assertThat(UserIdentitySerializer.INSTANCE.copy(u)).usingRecursiveComparison().isEqualTo(u);
        }
    }

    @Test
    void aTypicalUserTakesAboutTwentyBytes() throws Exception {
        // one membership, current, no traits the model reads: the common case
        assertThat(bytes(identity("acct-000123", 1_772_442_000_000L, true, "acct-000123")).length).isLessThan(24);
    }

    /** Format 1 (every current account as its position) still reads. */
    @Test
    void formatOneReads() throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeByte(1);
        out.writeByte(1 | 2); // traits kept, has a current account
        out.writeByte(2);
        org.apache.flink.types.StringValue.writeString("globex", out);
        org.apache.flink.types.StringValue.writeString("acme", out);
        out.writeByte(1); // current: the second
        out.writeByte(1);
        org.apache.flink.types.StringValue.writeString("role", out);
        org.apache.flink.types.StringValue.writeString("\"vp\"", out);
        io.pqlscore.events.Varints.writeVarLong(10L << 1, out);
        UserIdentity back = UserIdentitySerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        UserIdentity expected = identity("acme", 10, true, "globex", "acme");
        expected.traitKeys = new String[] {"role"};
        expected.traitValues = new String[] {"\"vp\""};
        assertThat(back).usingRecursiveComparison().isEqualTo(expected);
    }
}
