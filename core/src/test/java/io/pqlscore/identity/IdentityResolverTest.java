package io.pqlscore.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.IdentityInput;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SPEC 8, rule by rule, on the plain-Java resolver (records of one user, in order). */
class IdentityResolverTest {
    private static final long DAY = 86_400_000L;
    private static final long RETENTION = 90 * DAY;

    private static EventParser parser;
    private final IdentityResolver resolver = new IdentityResolver(RETENTION);
    private final List<UsageEvent> emitted = new ArrayList<>();
    private final List<Boolean> resolvedFlags = new ArrayList<>();
    private final List<String> rejected = new ArrayList<>();
    private final List<String> joins = new ArrayList<>();
    private UserIdentity identity;
    private long line;

    @BeforeAll
    static void load() {
        ScoringModel model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        parser = new EventParser(model);
    }

    @BeforeEach
    void reset() {
        identity = null;
    }

    private final IdentityResolver.Output out = new IdentityResolver.Output() {
        @Override
        public void emit(UsageEvent e, boolean resolved) {
            emitted.add(e);
            resolvedFlags.add(resolved);
        }

        @Override
        public void joined(UsageEvent group) {
            joins.add(group.accountId);
        }

        @Override
        public void noAccount(IdentityInput in, String detail) {
            rejected.add(in.event.messageId + ": " + detail);
            assertThat(in.raw).as("a rejected record keeps its payload").isNotNull();
            assertThat(in.position.offset).isEqualTo(line);
        }
    };

    /** Reads one record (JSON with ' for ") of user u at day {@code day} (fractions allowed). */
    private List<UsageEvent> read(double day, String id, String fields) {
        long t = 1_772_409_600_000L + (long) (day * DAY); // 2026-03-02T00:00Z
        String json = ("{'messageId':'" + id + "','userId':'u','timestamp':'" + java.time.Instant.ofEpochMilli(t) + "',"
                + fields + "}").replace('\'', '"');
        ParsedRecord r = parser.parse(json.getBytes(StandardCharsets.UTF_8), new SourcePosition("test", 0, ++line));
        assertThat(r.isValid()).as("valid: %s", json).isTrue();
        assertThat(IdentityInput.needed(r.event)).isTrue();
        int before = emitted.size();
        identity = resolver.read(identity, IdentityInput.of(r), out);
        return new ArrayList<>(emitted.subList(before, emitted.size()));
    }

    private static List<String> accounts(List<UsageEvent> es) {
        return es.stream().map(e -> e.accountId).toList();
    }

    @Test
    void activityWithoutAMembershipIsRejectedAndKeepsTheIdentityAlive() {
        assertThat(read(0, "m1", "'type':'identify','traits':{'role':'vp'}")).isEmpty();
        assertThat(read(1, "m2", "'type':'track','event':'Ping'")).isEmpty();
        assertThat(rejected).singleElement().asString().startsWith("m2: no account id, and user \"u\" has no account")
                .contains("within the retention (90d)");
        // 90 days after the rejected track (not after the identify): the kept traits are still there
        List<UsageEvent> g = read(91, "m3", "'type':'group','groupId':'a'");
        assertThat(g).singleElement().satisfies(e -> {
            assertThat(e.join).isTrue();
            assertThat(e.joinTraitKeys).containsExactly("role");
            assertThat(e.joinTraitValues).containsExactly("\"vp\"");
        });
    }

    @Test
    void activityGoesToTheCurrentAccountTheLatestGroupCall() {
        read(0, "g1", "'type':'group','groupId':'a'");
        assertThat(accounts(read(0.1, "t1", "'type':'track','event':'Ping'"))).containsExactly("a");
        read(0.2, "g2", "'type':'group','groupId':'b'");
        assertThat(accounts(read(0.3, "t2", "'type':'page','name':'Home'"))).containsExactly("b");
        // back to a, already a member: no join, current again
        List<UsageEvent> again = read(0.4, "g3", "'type':'group','groupId':'a'");
        assertThat(again).singleElement().satisfies(e -> assertThat(e.join).isFalse());
        assertThat(accounts(read(0.5, "t3", "'type':'screen','name':'Main'"))).containsExactly("a");
        assertThat(joins).containsExactly("a", "b");
        assertThat(resolvedFlags).containsExactly(false, true, false, true, false, true);
        assertThat(rejected).isEmpty();
    }

    @Test
    void aJoinBringsKeptTraitsOnlyWhenThereAreAny() {
        read(0, "i1", "'type':'identify'");
        read(0.1, "i2", "'type':'identify','traits':{}");
        assertThat(read(0.2, "g1", "'type':'group','groupId':'a'")).singleElement()
                .satisfies(e -> assertThat(e.join).as("no traits kept: no join").isFalse());
        // a key the model does not read still counts: the join creates the user entity, with no model traits
        read(0.3, "i3", "'type':'identify','traits':{'email':'u@x.test'}");
        assertThat(read(0.4, "g2", "'type':'group','groupId':'b'")).singleElement().satisfies(e -> {
            assertThat(e.join).isTrue();
            assertThat(e.joinTraitKeys).isEmpty();
        });
        // a key set to null counts and is brought in as null
        reset();
        read(1, "i4", "'type':'identify','traits':{'role':null}");
        assertThat(read(1.1, "g3", "'type':'group','groupId':'c'")).singleElement().satisfies(e -> {
            assertThat(e.join).isTrue();
            assertThat(e.joinTraitKeys).containsExactly("role");
            assertThat(e.joinTraitValues).containsExactly("null");
        });
    }

    @Test
    void identifyGoesToItsOwnAccountAndEveryMembershipOnceEach() {
        assertThat(accounts(read(0, "i0", "'type':'identify','traits':{'role':'vp'}"))).isEmpty();
        read(0.1, "g1", "'type':'group','groupId':'a'");
        read(0.2, "g2", "'type':'group','groupId':'b'");
        assertThat(accounts(read(0.3, "i1", "'type':'identify','traits':{'role':'cto'}"))).containsExactly("a", "b");
        // naming a member account: once there, plus the other membership
        assertThat(accounts(read(0.4, "i2", "'type':'identify','groupId':'b','traits':{'title':'x'}")))
                .containsExactly("b", "a");
        // naming a non-member account: there too, but it does not become a membership
        assertThat(accounts(read(0.5, "i3", "'type':'identify','context':{'groupId':'z'},'traits':{'role':'ceo'}")))
                .containsExactly("z", "a", "b");
        assertThat(identity.accounts).containsExactly("a", "b");
        assertThat(identity.current).isEqualTo("b");
        // kept traits merged shallowly, in order
        assertThat(identity.traitKeys).containsExactly("role");
        assertThat(identity.traitValues).containsExactly("\"ceo\"");
        // the copies keep the record's time and messageId
        List<UsageEvent> last = emitted.subList(emitted.size() - 3, emitted.size());
        assertThat(last).extracting(e -> e.messageId).containsOnly("i3");
        assertThat(last).extracting(e -> e.timestamp).containsOnly(last.get(0).timestamp);
    }

    @Test
    void theIdentityIsForgottenRetentionAfterTheLatestRecordRead() {
        read(0, "i1", "'type':'identify','traits':{'role':'vp'}");
        read(1, "g1", "'type':'group','groupId':'a'");
        assertThat(resolver.forgetAt(identity)).isEqualTo(identity.lastReadAt + RETENTION);
        assertThat(resolver.forgottenAt(identity, identity.lastReadAt + RETENTION - 1)).isFalse();
        assertThat(resolver.forgottenAt(identity, identity.lastReadAt + RETENTION)).isTrue();
        // a record exactly at that instant still sees the identity ...
        assertThat(accounts(read(91, "t1", "'type':'track','event':'Ping'"))).containsExactly("a");
        // ... and keeps it alive; one a millisecond after its own retention does not
        read(181 + 1.0 / DAY, "t2", "'type':'track','event':'Ping'");
        assertThat(rejected).singleElement().asString().startsWith("t2:");
        // forgotten means everything: the kept traits are gone, a new group is a join without traits
        assertThat(read(181.5, "g2", "'type':'group','groupId':'a'")).singleElement()
                .satisfies(e -> assertThat(e.join).isFalse());
        assertThat(joins).containsExactly("a", "a");
    }

    @Test
    void aRejectedRecordStillCountsAsRead() {
        read(0, "t0", "'type':'track','event':'Ping'");
        assertThat(identity.lastReadAt).isEqualTo(1_772_409_600_000L);
        assertThat(rejected).hasSize(1);
    }
}
