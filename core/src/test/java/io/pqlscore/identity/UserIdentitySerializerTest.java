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
}
