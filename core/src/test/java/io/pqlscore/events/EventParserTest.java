package io.pqlscore.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.TextNode;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SPEC 1 and 7: parsing, rejection reasons in their order, and the pre-evaluated signal hits. */
class EventParserTest {

    private static final String SOURCE = "usage-events";
    private static final int PARTITION = 3;
    private static final long OFFSET = 42L;
    /** 2026-03-02T09:00:00Z. */
    private static final long T0 = 1_772_442_000_000L;

    private static ScoringModel model;
    private static EventParser parser;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        parser = new EventParser(model);
    }

    // ---------------------------------------------------------------- helpers

    /** JSON with single quotes for readability: every ' becomes ". */
    private static String j(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    private static SourcePosition pos() {
        return new SourcePosition(SOURCE, PARTITION, OFFSET);
    }

    private static ParsedRecord parse(EventParser p, byte[] raw) {
        return p.parse(raw, pos());
    }

    private static ParsedRecord parse(String text) {
        return parse(parser, text.getBytes(StandardCharsets.UTF_8));
    }

    private static UsageEvent valid(String text) {
        ParsedRecord r = parse(text);
        assertThat(r.deadLetter).as("dead letter for %s", text).isNull();
        assertThat(r.isValid()).isTrue();
        assertThat(r.position.source).isEqualTo(SOURCE);
        assertThat(r.position.offset).isEqualTo(OFFSET);
        assertThat(r.raw).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
        return r.event;
    }

    private static DeadLetter rejected(EventParser p, String text, RejectReason reason) {
        return rejected(p, text.getBytes(StandardCharsets.UTF_8), reason);
    }

    private static DeadLetter rejected(String text, RejectReason reason) {
        return rejected(parser, text, reason);
    }

    /** Asserts the rejection: reason code, the original text as payload, the source coordinates. */
    private static DeadLetter rejected(EventParser p, byte[] raw, RejectReason reason) {
        ParsedRecord r = parse(p, raw);
        String shown = new String(raw, StandardCharsets.UTF_8);
        shown = shown.length() > 120 ? shown.substring(0, 120) + "..." : shown;
        assertThat(r.isValid()).as("valid: %s", shown).isFalse();
        assertThat(r.event).isNull();
        DeadLetter d = r.deadLetter;
        assertThat(d).isNotNull();
        assertThat(d.reason).as("reason for %s (%s)", shown, d.detail).isEqualTo(reason.code());
        assertThat(d.detail).isNotBlank();
        assertThat(d.source).isEqualTo(SOURCE);
        assertThat(d.partition).isEqualTo(PARTITION);
        assertThat(d.offset).isEqualTo(OFFSET);
        return d;
    }

    private static void assertPayloadIsOriginal(DeadLetter d, String text) {
        assertThat(d.payload).isEqualTo(text);
        assertThat(d.payloadBase64).isNull();
    }

    /**
     * The dead letter of a record over the size limit keeps its first {@code kept} bytes (one more
     * than the limit, as the file reader does), flagged as truncated with the record's real size.
     */
    private static void assertPayloadIsPrefix(DeadLetter d, String text, int kept) {
        byte[] raw = text.getBytes(StandardCharsets.UTF_8);
        byte[] prefix = java.util.Arrays.copyOf(raw, kept);
        byte[] carried = d.payloadBase64 != null ? Base64.getDecoder().decode(d.payloadBase64)
                : d.payload.getBytes(StandardCharsets.UTF_8);
        assertThat(carried).isEqualTo(prefix);
        assertThat(d.truncated).isTrue();
        assertThat(d.recordBytes).isEqualTo(raw.length);
    }

    private static Signal signal(String id) {
        return model.signals().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
    }

    private static int hitIndex(UsageEvent e, String signalId) {
        return e.hitIndex(signal(signalId).index());
    }

    /** A valid track record with the given extra members (text inside the object, may be empty). */
    private static String track(String event, String extra) {
        return j("{'type':'track','event':'" + event + "','timestamp':'2026-03-02T09:00:00Z','groupId':'acme',"
                + "'userId':'u1','messageId':'m1'" + (extra.isEmpty() ? "" : "," + extra) + "}");
    }

    // ---------------------------------------------------------------- too_large

    @Test
    void tooLargeBySize() {
        String base = track("Ping", "");
        int max = base.length() + 5;
        EventParser small = new EventParser(model, max, EventParser.DEFAULT_MAX_DEPTH);

        // exactly the maximum is accepted (trailing whitespace is legal JSON)
        String atMax = base + " ".repeat(5);
        assertThat(parse(small, atMax.getBytes(StandardCharsets.UTF_8)).isValid()).isTrue();

        String over = base + " ".repeat(6);
        DeadLetter d = rejected(small, over, RejectReason.TOO_LARGE);
        assertPayloadIsOriginal(d, over);
    }

    @Test
    void tooLargeBySizeCountsBytesNotChars() {
        // "é" is 2 UTF-8 bytes: the limit is on raw bytes
        String text = track("Ping", j("'properties':{'x':'" + "é".repeat(10) + "'}"));
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        assertThat(bytes).isGreaterThan(text.length());
        EventParser small = new EventParser(model, text.length(), EventParser.DEFAULT_MAX_DEPTH);
        DeadLetter d = rejected(small, text, RejectReason.TOO_LARGE);
        assertPayloadIsPrefix(d, text, text.length() + 1);
    }

    @Test
    void tooLargeByNestingDepth() {
        EventParser shallow = new EventParser(model, EventParser.DEFAULT_MAX_RECORD_BYTES, 3);
        // top-level object 1, properties 2, a 3: at the limit
        String atMax = track("Ping", j("'properties':{'a':{'b':1}}"));
        assertThat(parse(shallow, atMax.getBytes(StandardCharsets.UTF_8)).isValid()).isTrue();

        String over = track("Ping", j("'properties':{'a':{'b':[1]}}"));
        DeadLetter d = rejected(shallow, over, RejectReason.TOO_LARGE);
        assertPayloadIsOriginal(d, over);
        assertThat(d.detail).contains("depth");
    }

    @Test
    void defaultNestingDepthIs64() {
        // object 1 + properties 2 + n arrays
        String at64 = track("Ping", j("'properties':{'x':" + "[".repeat(62) + "]".repeat(62) + "}"));
        assertThat(parse(at64).isValid()).isTrue();
        String at65 = track("Ping", j("'properties':{'x':" + "[".repeat(63) + "]".repeat(63) + "}"));
        assertPayloadIsOriginal(rejected(at65, RejectReason.TOO_LARGE), at65);
    }

    @Test
    void bracketsInsideStringsAreNotNesting() {
        EventParser shallow = new EventParser(model, EventParser.DEFAULT_MAX_RECORD_BYTES, 2);
        // many brackets in a string, also after an escaped quote inside the string
        String text = track("Ping", j("'properties':{'q':'" + "[".repeat(200) + "\\' {{{" + "[".repeat(100) + "'}"));
        UsageEvent e = valid(text);
        assertThat(e.type).isEqualTo("track");
        assertThat(parse(shallow, text.getBytes(StandardCharsets.UTF_8)).isValid()).isTrue();
        assertThat(EventParser.nestingDepth(text.getBytes(StandardCharsets.UTF_8))).isEqualTo(2);
        // and with the default parser too
        assertThat(parse(text).isValid()).isTrue();
    }

    @Test
    void tooLargeBeatsBadJson() {
        EventParser small = new EventParser(model, 100, EventParser.DEFAULT_MAX_DEPTH);
        String hugeBroken = "{\"type\":\"track\"," + "x".repeat(500);
        assertPayloadIsPrefix(rejected(small, hugeBroken, RejectReason.TOO_LARGE), hugeBroken, 101);

        // an unclosed, over-deep record is too_large, not bad_json
        String deepBroken = "[".repeat(EventParser.DEFAULT_MAX_DEPTH + 1);
        assertPayloadIsOriginal(rejected(deepBroken, RejectReason.TOO_LARGE), deepBroken);
    }

    // ---------------------------------------------------------------- bad_json

    @ParameterizedTest
    @ValueSource(strings = {
        "{",
        "{} x",
        "{}{}",
        "{\"type\":\"track\",}",
        "{'type':'track'}",
        "{\"a\":NaN}",
        "not json",
        "",
        "   ",
    })
    void badJson(String text) {
        assertPayloadIsOriginal(rejected(text, RejectReason.BAD_JSON), text);
    }

    @Test
    void trailingGarbageAfterAValidRecordIsBadJson() {
        String text = track("Ping", "") + " x";
        assertPayloadIsOriginal(rejected(text, RejectReason.BAD_JSON), text);
    }

    @Test
    void invalidUtf8IsBadJsonWithBase64Payload() {
        byte[] prefix = "{\"type\":\"track\",\"event\":\"Ping".getBytes(StandardCharsets.UTF_8);
        byte[] suffix = "\",\"timestamp\":\"2026-03-02T09:00:00Z\",\"groupId\":\"acme\"}".getBytes(StandardCharsets.UTF_8);
        byte[] raw = new byte[prefix.length + 2 + suffix.length];
        System.arraycopy(prefix, 0, raw, 0, prefix.length);
        raw[prefix.length] = (byte) 0xC3; // a lead byte followed by a non-continuation byte
        raw[prefix.length + 1] = (byte) 0x28;
        System.arraycopy(suffix, 0, raw, prefix.length + 2, suffix.length);

        DeadLetter d = rejected(parser, raw, RejectReason.BAD_JSON);
        assertThat(d.payloadBase64).isNotNull();
        assertThat(Base64.getDecoder().decode(d.payloadBase64)).isEqualTo(raw);
        assertThat(d.payload).startsWith("{\"type\":\"track\"").contains("\uFFFD");

        byte[] lone = "{\"type\":\"track\",\"event\":\"\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
        DeadLetter d2 = rejected(parser, lone, RejectReason.BAD_JSON);
        assertThat(Base64.getDecoder().decode(d2.payloadBase64)).isEqualTo(lone);
    }

    // ---------------------------------------------------------------- not_object

    @ParameterizedTest
    @ValueSource(strings = {"[1,2]", "[]", "42", "\"a string\"", "true", "null", "[{\"type\":\"track\"}]"})
    void notObject(String text) {
        assertPayloadIsOriginal(rejected(text, RejectReason.NOT_OBJECT), text);
    }

    // ---------------------------------------------------------------- bad_type

    @ParameterizedTest
    @ValueSource(strings = {
        "{'event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':'alias','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':'Track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':'TRACK','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':' track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':'','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':1,'event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':null,'event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':['track'],'event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':{'t':'track'},'event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
    })
    void badType(String singleQuoted) {
        String text = j(singleQuoted);
        assertPayloadIsOriginal(rejected(text, RejectReason.BAD_TYPE), text);
    }

    @Test
    void everyTypeIsAccepted() {
        for (String type : new String[] {"track", "page", "screen", "identify", "group"}) {
            UsageEvent e = valid(j("{'type':'" + type + "','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}"));
            assertThat(e.type).isEqualTo(type);
        }
    }

    // ---------------------------------------------------------------- bad_timestamp

    private static String withTimestamp(String tsMembers) {
        return j("{'type':'track','event':'Ping'," + tsMembers + (tsMembers.isEmpty() ? "" : ",") + "'groupId':'acme'}");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",                                              // neither timestamp nor originalTimestamp
        "'timestamp':null",
        "'timestamp':null,'originalTimestamp':null",
        "'timestamp':''",
        "'timestamp':'yesterday'",
        "'timestamp':'2026-03-02T09:00:00'",             // no offset
        "'timestamp':'2026-03-02T09:00:00.123'",         // no offset
        "'timestamp':'2026-03-02T09:00:00+0200'",        // offset without colon
        "'timestamp':'2026-03-02T09:00:00+02'",
        "'timestamp':'1772442000000'",                   // numeric epoch as a string
        "'timestamp':1772442000000",                     // numeric epoch as a number
        "'timestamp':1772442000.5",
        "'timestamp':true",
        "'timestamp':{'iso':'2026-03-02T09:00:00Z'}",
        "'timestamp':'2026-13-02T09:00:00Z'",            // month 13
        "'timestamp':'2026-02-30T09:00:00Z'",            // no such day
        "'timestamp':'2026-03-02T24:00:00Z'",            // hour 24
        "'timestamp':'2026-03-02T09:60:00Z'",
        "'timestamp':'2026-03-02T09:00:60Z'",
        "'timestamp':'2026-03-02 09:00:00Z'",            // space instead of T
        "'timestamp':'2026-03-02'",                      // a date only
        "'timestamp':'2026-03-02T09Z'",                  // no minutes
        "'timestamp':'2026-03-02T09:00:00.Z'",           // empty fraction
        "'timestamp':'2026-3-2T09:00:00Z'",
        "'timestamp':' 2026-03-02T09:00:00Z'",
        "'timestamp':'2026-03-02T09:00:00Z '",
        "'timestamp':'2026-03-02T09:00:00UTC'",
        "'timestamp':'2026-03-02T09:00:00+02:00[Europe/Paris]'",
        "'timestamp':'Mon, 02 Mar 2026 09:00:00 GMT'",
        "'originalTimestamp':''",
        "'originalTimestamp':'yesterday'",
        "'timestamp':'yesterday','originalTimestamp':'2026-03-02T09:00:00Z'", // no fallback from a bad value
        "'timestamp':'','originalTimestamp':'2026-03-02T09:00:00Z'",           // "" is not absent
    })
    void badTimestamp(String tsMembers) {
        String text = withTimestamp(tsMembers);
        assertPayloadIsOriginal(rejected(text, RejectReason.BAD_TIMESTAMP), text);
    }

    @Test
    void originalTimestampIsUsedOnlyWhenTimestampIsAbsentOrNull() {
        assertThat(valid(withTimestamp("'originalTimestamp':'2026-03-02T09:00:00Z'")).timestamp).isEqualTo(T0);
        assertThat(valid(withTimestamp("'timestamp':null,'originalTimestamp':'2026-03-02T09:00:00Z'")).timestamp).isEqualTo(T0);
        // both present: timestamp wins
        assertThat(valid(withTimestamp("'timestamp':'2026-03-02T10:00:00Z','originalTimestamp':'2026-03-02T09:00:00Z'")).timestamp)
                .isEqualTo(T0 + 3_600_000L);
        // a bad originalTimestamp does not matter when timestamp is good
        assertThat(valid(withTimestamp("'timestamp':'2026-03-02T09:00:00Z','originalTimestamp':'yesterday'")).timestamp).isEqualTo(T0);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "2026-03-02T09:00:00Z",
        "2026-03-02t09:00:00z",
        "2026-03-02T09:00Z",
        "2026-03-02t09:00z",
        "2026-03-02T09:00:00.000Z",
        "2026-03-02T11:00:00+02:00",
        "2026-03-02T11:00+02:00",
        "2026-03-02T04:00:00-05:00",
        "2026-03-02T09:00:00+00:00",
        "2026-03-02T09:00:00-00:00",
        "2026-03-02T14:30:00+05:30",
        "2026-03-01T23:00:00-10:00",
    })
    void acceptedTimestampForms(String ts) {
        assertThat(valid(withTimestamp("'timestamp':'" + ts + "'")).timestamp).isEqualTo(T0);
    }

    @Test
    void fractionDigitsPastMillisecondsAreTruncated() {
        assertThat(valid(withTimestamp("'timestamp':'2026-03-02T09:00:00.123999Z'")).timestamp).isEqualTo(T0 + 123);
        assertThat(valid(withTimestamp("'timestamp':'2026-03-02T09:00:00.123456789+00:00'")).timestamp).isEqualTo(T0 + 123);
        assertThat(valid(withTimestamp("'timestamp':'2026-03-02T09:00:00.999999Z'")).timestamp).isEqualTo(T0 + 999);
        assertThat(valid(withTimestamp("'timestamp':'2026-03-02T09:00:00.1Z'")).timestamp).isEqualTo(T0 + 100);
        assertThat(valid(withTimestamp("'timestamp':'2026-03-02T09:00:00.12Z'")).timestamp).isEqualTo(T0 + 120);
        assertThat(valid(withTimestamp("'timestamp':'2026-03-02T11:00:00.5+02:00'")).timestamp).isEqualTo(T0 + 500);
    }

    // ---------------------------------------------------------------- missing_account

    private static String withAccount(String accountMembers) {
        return j("{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z'"
                + (accountMembers.isEmpty() ? "" : "," + accountMembers) + "}");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "'groupId':''",
        "'groupId':null",
        "'groupId':123",
        "'groupId':true",
        "'groupId':{'id':'acme'}",
        "'context':{'groupId':''},'groupId':'','properties':{'accountId':''}",
        "'context':{'groupId':7},'properties':{'accountId':8}",
        "'context':{},'properties':{}",
        "'accountId':'acme'",                            // not one of the configured paths
        "'properties':{'account':{'id':'acme'}}",
    })
    void missingAccount(String accountMembers) {
        String text = withAccount(accountMembers);
        assertPayloadIsOriginal(rejected(text, RejectReason.MISSING_ACCOUNT), text);
    }

    // ---------------------------------------------------------------- SPEC 8: no account id, a user

    @Test
    void withoutAnAccountIdARecordNamingAUserIsLeftToIdentityResolution() {
        for (String type : new String[] {"'type':'track','event':'Ping'", "'type':'page','name':'Home'",
            "'type':'screen','name':'Main'", "'type':'identify','traits':{'role':'vp'}"}) {
            ParsedRecord r = parse(j("{" + type + ",'userId':'u1','timestamp':'2026-03-02T09:00:00Z'}"));
            assertThat(r.isValid()).as(type).isTrue();
            assertThat(r.event.accountId).isNull();
            assertThat(r.event.userId).isEqualTo("u1");
            assertThat(IdentityInput.needed(r.event)).isTrue();
        }
    }

    @Test
    void withoutAnAccountIdAGroupCallOrARecordWithoutAUserIsMissingAccount() {
        // a group call names the account it is about: without one it cannot be resolved
        DeadLetter g = rejected(j("{'type':'group','userId':'u1','timestamp':'2026-03-02T09:00:00Z','traits':{}}"),
                RejectReason.MISSING_ACCOUNT);
        assertThat(g.detail).startsWith("a group call without an account id");
        // no userId, an empty one, null, or not a string: nothing to resolve by (before bad_field)
        for (String user : new String[] {"", ",'userId':''", ",'userId':null", ",'userId':7", ",'userId':{'id':'u'}"}) {
            DeadLetter d = rejected(j("{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z'" + user + "}"),
                    RejectReason.MISSING_ACCOUNT);
            assertThat(d.detail).contains("no userId to resolve one from");
        }
        // otherwise the remaining checks apply as to any record
        rejected(j("{'type':'track','userId':'u1','timestamp':'2026-03-02T09:00:00Z'}"), RejectReason.BAD_FIELD);
        rejected(j("{'type':'track','event':'Ping','userId':'u1','messageId':5,'timestamp':'2026-03-02T09:00:00Z'}"),
                RejectReason.BAD_FIELD);
    }

    @Test
    void anIdentifyGivesItsUserKeptTraitsWhenItsTraitsHoldAnyKey() {
        // any key counts, also one the model does not read, and one set to null
        assertThat(parse(j("{'type':'identify','userId':'u','timestamp':'2026-03-02T09:00:00Z','traits':{'email':'x'}}"))
                .traitsGiven).isTrue();
        assertThat(parse(j("{'type':'identify','userId':'u','timestamp':'2026-03-02T09:00:00Z','traits':{'role':null}}"))
                .traitsGiven).isTrue();
        assertThat(parse(j("{'type':'identify','userId':'u','timestamp':'2026-03-02T09:00:00Z','traits':{}}"))
                .traitsGiven).isFalse();
        assertThat(parse(j("{'type':'identify','userId':'u','timestamp':'2026-03-02T09:00:00Z'}")).traitsGiven).isFalse();
        // without a user there is nobody to keep them for
        assertThat(parse(j("{'type':'identify','groupId':'a','timestamp':'2026-03-02T09:00:00Z','traits':{'role':'x'}}"))
                .traitsGiven).isFalse();
        assertThat(parse(j("{'type':'group','userId':'u','groupId':'a','timestamp':'2026-03-02T09:00:00Z','traits':{'a':1}}"))
                .traitsGiven).isFalse();
    }

    @Test
    void accountIdFallbackOrder() {
        assertThat(valid(withAccount("'context':{'groupId':'c'},'groupId':'g','properties':{'accountId':'p'}")).accountId)
                .isEqualTo("c");
        assertThat(valid(withAccount("'groupId':'g','properties':{'accountId':'p'}")).accountId).isEqualTo("g");
        assertThat(valid(withAccount("'properties':{'accountId':'p'}")).accountId).isEqualTo("p");
        // empty, null or non-string candidates are skipped
        assertThat(valid(withAccount("'context':{'groupId':''},'groupId':'g'")).accountId).isEqualTo("g");
        assertThat(valid(withAccount("'context':{'groupId':null},'groupId':'g'")).accountId).isEqualTo("g");
        assertThat(valid(withAccount("'context':{'groupId':5},'groupId':'g'")).accountId).isEqualTo("g");
        assertThat(valid(withAccount("'groupId':123,'properties':{'accountId':'p'}")).accountId).isEqualTo("p");
        assertThat(valid(withAccount("'groupId':'','properties':{'accountId':'p'}")).accountId).isEqualTo("p");
        assertThat(valid(withAccount("'context':null,'groupId':null,'properties':{'accountId':'p'}")).accountId).isEqualTo("p");
    }

    // ---------------------------------------------------------------- bad_field

    @ParameterizedTest
    @ValueSource(strings = {
        "{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','userId':42}",
        "{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','userId':{'id':'u1'}}",
        "{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','messageId':42}",
        "{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','messageId':['m1']}",
        "{'type':'track','event':42,'timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':'track','event':true,'timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':'page','event':42,'timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':'page','name':42,'timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':'screen','name':['Home'],'timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':'track','event':'Ping','name':7,'timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','properties':'x'}",
        "{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','properties':[1]}",
        "{'type':'identify','userId':'u1','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','traits':['role']}",
        "{'type':'group','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','traits':'big'}",
        "{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','context':'web'}",
        "{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','context':[]}",
        "{'type':'track','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':'track','event':null,'timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':'track','event':'','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
        "{'type':'track','name':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}",
    })
    void badField(String singleQuoted) {
        String text = j(singleQuoted);
        assertPayloadIsOriginal(rejected(text, RejectReason.BAD_FIELD), text);
    }

    @Test
    void badFieldDetailsNameTheFirstBadFieldInSpecOrder() {
        String head = "{'type':'track','timestamp':'2026-03-02T09:00:00Z','groupId':'acme',";
        String[][] cases = {
            // strings first (userId, messageId, event, name), then objects (properties, traits, context)
            {"'event':7,'userId':42,'properties':'x'}", "userId is 42, not a string"},
            {"'event':'Ping','messageId':['m1'],'name':7}", "messageId is array, not a string"},
            {"'event':true,'name':7}", "event is true, not a string"},
            {"'event':'Ping','name':{'a':1},'context':'web'}", "name is object, not a string"},
            {"'event':'Ping','properties':'x','traits':[]}", "properties is \"x\", not an object"},
            {"'event':'Ping','traits':1.50,'context':[]}", "traits is 1.50, not an object"},
            {"'event':'Ping','context':[]}", "context is array, not an object"},
            {"'event':''}", "track without an event name"},
            {"'event':null,'name':'Ping'}", "track without an event name"},
            // a repeated key counts as its last value (Jackson's tree), both ways
            {"'event':'Ping','event':5}", "event is 5, not a string"},
            {"'event':'Ping','userId':'u1','userId':{'id':1}}", "userId is object, not a string"},
        };
        for (String[] c : cases) {
            assertThat(rejected(j(head + c[0]), RejectReason.BAD_FIELD).detail).as(c[0]).isEqualTo(c[1]);
        }
        assertThat(valid(j(head + "'event':5,'event':'Ping','userId':7,'userId':'u1','context':'x','context':{}}")).userId)
                .isEqualTo("u1");
    }

    @Test
    void nullOptionalFieldsAreAbsent() {
        UsageEvent e = valid(j("{'type':'page','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','userId':null,"
                + "'messageId':null,'event':null,'name':null,'properties':null,'traits':null,'context':null}"));
        assertThat(e.type).isEqualTo("page");
        assertThat(e.userId).isNull();
        assertThat(e.messageId).hasSize(64);
        // a page or screen needs no name, an identify or group no traits
        assertThat(valid(j("{'type':'screen','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}")).type).isEqualTo("screen");
        assertThat(valid(j("{'type':'group','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}")).traitKeys).isEmpty();
    }

    // ---------------------------------------------------------------- precedence

    @Test
    void theFirstApplicableReasonIsReported() {
        // bad type and bad timestamp: bad_type
        rejected(j("{'type':'Track','event':'Ping','timestamp':'yesterday','groupId':'acme'}"), RejectReason.BAD_TYPE);
        // bad type, no timestamp, no account, bad fields: bad_type
        rejected(j("{'type':'nope','userId':1,'properties':'x'}"), RejectReason.BAD_TYPE);
        // bad timestamp and missing account: bad_timestamp
        rejected(j("{'type':'track','event':'Ping','timestamp':'yesterday'}"), RejectReason.BAD_TIMESTAMP);
        // bad timestamp and bad field: bad_timestamp
        rejected(j("{'type':'track','timestamp':'2026-03-02T09:00:00','groupId':'acme','userId':5}"), RejectReason.BAD_TIMESTAMP);
        // missing account (no user to resolve it by) and bad field: missing_account
        rejected(j("{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','userId':5}"), RejectReason.MISSING_ACCOUNT);
        rejected(j("{'type':'track','timestamp':'2026-03-02T09:00:00Z','properties':'x'}"), RejectReason.MISSING_ACCOUNT);
        // no account id but a user (SPEC 8): the remaining checks come first, bad_field
        rejected(j("{'type':'track','timestamp':'2026-03-02T09:00:00Z','userId':'u','properties':'x'}"), RejectReason.BAD_FIELD);
        // a context that is not an object yields no account id, and then missing_account comes first
        rejected(j("{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','context':'x'}"), RejectReason.MISSING_ACCOUNT);
        // with an account, the same context is bad_field
        rejected(j("{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','context':'x','groupId':'g'}"),
                RejectReason.BAD_FIELD);
        // an array is not_object even when its element would be a bad_type
        rejected("[{\"type\":1}]", RejectReason.NOT_OBJECT);
        // an over-deep, non-object record: too_large
        rejected("[".repeat(70) + "1" + "]".repeat(70),
                RejectReason.TOO_LARGE);
    }

    // ---------------------------------------------------------------- valid records

    @Test
    void aValidTrackCarriesItsFields() {
        UsageEvent e = valid(track("Ping", ""));
        assertThat(e.type).isEqualTo("track");
        assertThat(e.accountId).isEqualTo("acme");
        assertThat(e.userId).isEqualTo("u1");
        assertThat(e.messageId).isEqualTo("m1");
        assertThat(e.timestamp).isEqualTo(T0);
        assertThat(e.isActivity()).isTrue();
    }

    @Test
    void fallbackMessageIdIsTheSha256OfTheRawBytes() {
        String text = j("{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}");
        // computed independently: hashlib.sha256(text.encode()).hexdigest()
        assertThat(valid(text).messageId).isEqualTo("aef97ea69f5254f8e05de978659eb44612e5f5fa69704d04ca1b244870729c12");

        // the raw bytes, not a re-serialisation: whitespace changes it
        String spaced = text.replace(",", ", ");
        String other = valid(spaced).messageId;
        assertThat(other).isNotEqualTo("aef97ea69f5254f8e05de978659eb44612e5f5fa69704d04ca1b244870729c12");
        assertThat(other).isEqualTo(EventParser.sha256Hex(spaced.getBytes(StandardCharsets.UTF_8)));
        assertThat(other).matches("[0-9a-f]{64}");

        // null messageId is absent
        String withNull = j("{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','messageId':null}");
        assertThat(valid(withNull).messageId).isEqualTo(EventParser.sha256Hex(withNull.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void userIdNullOrEmptyMeansNoUser() {
        String absent = j("{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}");
        assertThat(valid(absent).userId).isNull();
        assertThat(valid(track("Ping", "").replace("\"u1\"", "null")).userId).isNull();
        assertThat(valid(track("Ping", "").replace("\"u1\"", "\"\"")).userId).isNull();
        assertThat(valid(track("Ping", "").replace("\"u1\"", "\" \"")).userId).isEqualTo(" ");
    }

    @Test
    void pingHitsThePingSignal() {
        UsageEvent e = valid(track("Ping", ""));
        assertThat(e.hitSignals).containsExactly(signal("ping").index());
        assertThat(e.hitCount()).isEqualTo(1);
        int i = hitIndex(e, "ping");
        assertThat(e.hitValues[i]).isNull();
        assertThat(e.hitSteps[i]).isZero();
        assertThat(e.hitRatios[i]).isNaN();
    }

    @Test
    void eventNamesAreExact() {
        assertThat(valid(track("ping", "")).hitCount()).isZero();
        assertThat(valid(track("Ping ", "")).hitCount()).isZero();
        // a page named Ping is not a track Ping
        assertThat(valid(j("{'type':'page','name':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}")).hitCount()).isZero();
    }

    @Test
    void anEventNameCountsOnlyForTheTypesItsMatchTakes() {
        // a page or screen carrying a track's event name: no track signal, the page signals as usual
        assertThat(valid(j("{'type':'page','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}")).hitCount()).isZero();
        assertThat(valid(j("{'type':'screen','event':'Signup','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}")).hitCount())
                .isZero();
        UsageEvent page = valid(j("{'type':'page','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'acme',"
                + "'properties':{'path':'/settings/x'}}"));
        assertThat(page.hitSignals).containsExactly(signal("settings_pages").index());
        // an event name that only a sequence's later step lists
        UsageEvent share = valid(track("Share", ""));
        assertThat(share.hitSignals).containsExactly(signal("share_then_invite").index());
        assertThat(share.hitSteps[0]).isEqualTo(1L);
    }

    @Test
    void whereInAndRange() {
        assertThat(hitIndex(valid(track("Feature Used", j("'properties':{'feature':'sql','count':2}"))), "sql_or_api")).isNotNegative();
        assertThat(hitIndex(valid(track("Feature Used", j("'properties':{'feature':'api','count':10.0}"))), "sql_or_api")).isNotNegative();
        // count as a string is not a number
        assertThat(hitIndex(valid(track("Feature Used", j("'properties':{'feature':'sql','count':'5'}"))), "sql_or_api")).isNegative();
        // out of range, not in the list, missing path
        assertThat(hitIndex(valid(track("Feature Used", j("'properties':{'feature':'sql','count':11}"))), "sql_or_api")).isNegative();
        assertThat(hitIndex(valid(track("Feature Used", j("'properties':{'feature':'ui','count':3}"))), "sql_or_api")).isNegative();
        assertThat(hitIndex(valid(track("Feature Used", j("'properties':{'feature':'sql'}"))), "sql_or_api")).isNegative();
        assertThat(hitIndex(valid(track("Feature Used", j("'properties':{'feature':'sql','count':null}"))), "sql_or_api")).isNegative();
    }

    @Test
    void whereEqualityIsJsonEquality() {
        assertThat(hitIndex(valid(track("Seats Set", j("'properties':{'seats':50}"))), "fifty_seats")).isNotNegative();
        assertThat(hitIndex(valid(track("Seats Set", j("'properties':{'seats':50.0}"))), "fifty_seats")).isNotNegative();
        assertThat(hitIndex(valid(track("Seats Set", j("'properties':{'seats':'50'}"))), "fifty_seats")).isNegative();
        assertThat(hitIndex(valid(track("Flag", j("'properties':{'flag':1}"))), "flag_one")).isNotNegative();
        assertThat(hitIndex(valid(track("Flag", j("'properties':{'flag':1.0}"))), "flag_one")).isNotNegative();
        assertThat(hitIndex(valid(track("Flag", j("'properties':{'flag':true}"))), "flag_one")).isNegative();
    }

    @Test
    void distinctValuesCompareAsJson() {
        UsageEvent a = valid(track("Seats Counted", j("'properties':{'seats':50}")));
        UsageEvent b = valid(track("Seats Counted", j("'properties':{'seats':50.0}")));
        UsageEvent c = valid(track("Seats Counted", j("'properties':{'seats':'50'}")));
        UsageEvent none = valid(track("Seats Counted", j("'properties':{'seats':null}")));
        String ka = a.hitValues[hitIndex(a, "seat_values")];
        String kb = b.hitValues[hitIndex(b, "seat_values")];
        String kc = c.hitValues[hitIndex(c, "seat_values")];
        assertThat(ka).isNotNull().isEqualTo(kb);
        assertThat(kc).isNotNull().isNotEqualTo(ka);
        // object values compare as JSON too: key order and number form do not matter
        UsageEvent o1 = valid(track("Seats Counted", j("'properties':{'seats':{'n':50,'kind':'paid'}}")));
        UsageEvent o2 = valid(track("Seats Counted", j("'properties':{'seats':{'kind':'paid','n':50.0}}")));
        UsageEvent o3 = valid(track("Seats Counted", j("'properties':{'seats':{'kind':'paid','n':'50'}}")));
        assertThat(o1.hitValues[hitIndex(o1, "seat_values")]).isEqualTo(o2.hitValues[hitIndex(o2, "seat_values")]);
        assertThat(o1.hitValues[hitIndex(o1, "seat_values")]).isNotEqualTo(o3.hitValues[hitIndex(o3, "seat_values")]);
        // a null or missing path adds no value
        assertThat(hitIndex(none, "seat_values")).isNegative();
        assertThat(hitIndex(valid(track("Seats Counted", "")), "seat_values")).isNegative();
    }

    @Test
    void distinctByDayAndUser() {
        UsageEvent e = valid(j("{'type':'track','event':'Visit','timestamp':'2026-03-02T23:30:00-02:00','groupId':'acme','userId':'u7'}"));
        assertThat(e.hitValues[hitIndex(e, "visit_days")]).isEqualTo("2026-03-03"); // the UTC date
        // users are counted, never shown: by their fingerprint
        assertThat(e.hitValues[hitIndex(e, "visitors")]).isEqualTo(KeyPrint.of("u7"));
        // without a user there is no distinct user value
        UsageEvent anon = valid(j("{'type':'track','event':'Visit','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'}"));
        assertThat(hitIndex(anon, "visitors")).isNegative();
        assertThat(hitIndex(anon, "visit_days")).isNotNegative();
    }

    @Test
    void eachRecordHasTheDistinctDayOfItsOwnTimestamp() {
        String[][] times = {
            {"2026-03-02T09:00:00Z", "2026-03-02"},
            {"2026-03-02T23:59:59.999Z", "2026-03-02"},
            {"2026-03-03T00:00:00Z", "2026-03-03"},
            {"2026-03-02T12:00:00Z", "2026-03-02"},
            {"1969-12-31T23:59:59.999Z", "1969-12-31"},
            {"1970-01-01T00:00:00Z", "1970-01-01"},
            {"1969-12-31T23:00:00-02:00", "1970-01-01"},
            {"2026-03-02T09:00:00Z", "2026-03-02"},
        };
        for (String[] t : times) {
            UsageEvent e = valid(j("{'type':'track','event':'Visit','timestamp':'" + t[0] + "','groupId':'acme'}"));
            assertThat(e.hitValues[hitIndex(e, "visit_days")]).as(t[0]).isEqualTo(t[1]);
        }
    }

    @Test
    void distinctStringValuesAreTheFingerprintsOfTheirValueKeys() {
        for (String v : new String[] {"", "paid", "é✓", "\uD83D\uDE00", "s:x", "v".repeat(300)}) {
            UsageEvent e = valid(track("Seats Counted", "\"properties\":{\"seats\":" + JsonValues.toJson(TextNode.valueOf(v)) + "}"));
            assertThat(e.hitValues[hitIndex(e, "seat_values")]).as(v).isEqualTo(KeyPrint.of(JsonValues.key(v)));
        }
    }

    @Test
    void prefixOnPagesOnly() {
        UsageEvent page = valid(j("{'type':'page','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','properties':{'path':'/settings/x'}}"));
        assertThat(page.hitSignals).containsExactly(signal("settings_pages").index());
        UsageEvent screen = valid(j("{'type':'screen','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','properties':{'path':'/settings/x'}}"));
        assertThat(hitIndex(screen, "settings_pages")).isNegative();
        UsageEvent other = valid(j("{'type':'page','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','properties':{'path':'/set'}}"));
        assertThat(hitIndex(other, "settings_pages")).isNegative();
        UsageEvent number = valid(j("{'type':'page','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','properties':{'path':5}}"));
        assertThat(hitIndex(number, "settings_pages")).isNegative();
    }

    @Test
    void usageReadings() {
        UsageEvent e = valid(track("Usage", j("'properties':{'metric':'api_calls','used':85,'limit':100}")));
        int i = hitIndex(e, "quota");
        assertThat(i).isNotNegative();
        assertThat(e.hitRatios[i]).isCloseTo(0.85, within(1e-12));
        assertThat(e.hitValues[i]).isEqualTo(JsonValues.key("api_calls"));

        UsageEvent dec = valid(track("Usage", j("'properties':{'metric':'seats','used':4.5,'limit':5.0}")));
        assertThat(dec.hitRatios[hitIndex(dec, "quota")]).isCloseTo(0.9, within(1e-12));
        assertThat(dec.hitValues[hitIndex(dec, "quota")]).isEqualTo(JsonValues.key("seats"));

        // not readings: limit 0 or negative, string used or limit, missing used
        assertThat(hitIndex(valid(track("Usage", j("'properties':{'metric':'m','used':5,'limit':0}"))), "quota")).isNegative();
        assertThat(hitIndex(valid(track("Usage", j("'properties':{'metric':'m','used':5,'limit':-10}"))), "quota")).isNegative();
        assertThat(hitIndex(valid(track("Usage", j("'properties':{'metric':'m','used':'5','limit':10}"))), "quota")).isNegative();
        assertThat(hitIndex(valid(track("Usage", j("'properties':{'metric':'m','used':5,'limit':'10'}"))), "quota")).isNegative();
        assertThat(hitIndex(valid(track("Usage", j("'properties':{'metric':'m','limit':10}"))), "quota")).isNegative();

        // a reading without the metric path (or with null) is the unnamed metric ""
        UsageEvent unnamed = valid(track("Usage", j("'properties':{'used':9,'limit':10}")));
        assertThat(unnamed.hitValues[hitIndex(unnamed, "quota")]).isEqualTo("");
        UsageEvent nullMetric = valid(track("Usage", j("'properties':{'metric':null,'used':9,'limit':10}")));
        assertThat(nullMetric.hitValues[hitIndex(nullMetric, "quota")]).isEqualTo("");
        // a numeric metric name compares as a JSON value
        UsageEvent n1 = valid(track("Usage", j("'properties':{'metric':1,'used':9,'limit':10}")));
        UsageEvent n2 = valid(track("Usage", j("'properties':{'metric':1.0,'used':9,'limit':10}")));
        assertThat(n1.hitValues[hitIndex(n1, "quota")]).isEqualTo(n2.hitValues[hitIndex(n2, "quota")]);
    }

    @Test
    void sequenceStepMasks() {
        UsageEvent signup = valid(track("Signup", ""));
        assertThat(signup.hitSignals).containsExactly(signal("onboarding").index());
        assertThat(signup.hitSteps[hitIndex(signup, "onboarding")]).isEqualTo(1L);
        assertThat(signup.hitValues[0]).isNull();
        assertThat(signup.hitRatios[0]).isNaN();

        UsageEvent connect = valid(track("Connect", ""));
        assertThat(connect.hitSteps[hitIndex(connect, "onboarding")]).isEqualTo(2L);
        UsageEvent dashboard = valid(track("Dashboard", ""));
        assertThat(dashboard.hitSteps[hitIndex(dashboard, "onboarding")]).isEqualTo(4L);

        UsageEvent invite = valid(track("Invite", ""));
        assertThat(invite.hitSignals).containsExactly(signal("share_then_invite").index());
        assertThat(invite.hitSteps[0]).isEqualTo(2L);
    }

    @Test
    void identifyCarriesOnlyTheUserTraitsTheModelReads() {
        UsageEvent e = valid(j("{'type':'identify','userId':'u1','timestamp':'2026-03-02T09:00:00Z','groupId':'acme',"
                + "'traits':{'role':'admin','title':'CTO','employees':5000}}"));
        assertThat(e.isIdentify()).isTrue();
        assertThat(e.isActivity()).isFalse();
        assertThat(e.hitCount()).isZero();
        assertThat(e.traitKeys).containsExactly("role");
        assertThat(e.traitValues).containsExactly("\"admin\"");

        // a null trait is carried (it replaces the old value)
        UsageEvent nul = valid(j("{'type':'identify','userId':'u1','timestamp':'2026-03-02T09:00:00Z','groupId':'acme',"
                + "'traits':{'role':null}}"));
        assertThat(nul.traitKeys).containsExactly("role");
        assertThat(nul.traitValues).containsExactly("null");

        // a trait the model does not read carries nothing
        UsageEvent other = valid(j("{'type':'identify','userId':'u1','timestamp':'2026-03-02T09:00:00Z','groupId':'acme',"
                + "'traits':{'title':'CTO'}}"));
        assertThat(other.traitKeys).isEmpty();
        assertThat(other.traitValues).isEmpty();
    }

    @Test
    void groupCarriesOnlyTheAccountTraitsTheModelReads() {
        UsageEvent e = valid(j("{'type':'group','userId':'u1','timestamp':'2026-03-02T09:00:00Z','groupId':'acme',"
                + "'traits':{'employees':5000,'role':'admin','industry':'saas'}}"));
        assertThat(e.isGroup()).isTrue();
        assertThat(e.hitCount()).isZero();
        assertThat(e.traitKeys).containsExactly("employees");
        assertThat(e.traitValues).containsExactly("5000");

        // without a userId a group still carries its traits
        UsageEvent anon = valid(j("{'type':'group','timestamp':'2026-03-02T09:00:00Z','groupId':'acme','traits':{'employees':12.5}}"));
        assertThat(anon.traitKeys).containsExactly("employees");
        assertThat(JsonValues.canonical(JsonValues.parse(anon.traitValues[0]))).isEqualTo(new java.math.BigDecimal("12.5"));
    }

    @Test
    void identifyWithoutUserCarriesNoTraits() {
        for (String user : new String[] {"", ",'userId':null", ",'userId':''"}) {
            UsageEvent e = valid(j("{'type':'identify','timestamp':'2026-03-02T09:00:00Z','groupId':'acme'" + user
                    + ",'traits':{'role':'admin'}}"));
            assertThat(e.userId).isNull();
            assertThat(e.traitKeys).as("userId%s", user).isEmpty();
            assertThat(e.traitValues).isEmpty();
        }
    }

    @Test
    void activityRecordsCarryNoTraits() {
        UsageEvent e = valid(track("Ping", j("'traits':{'role':'admin','employees':5000}")));
        assertThat(e.traitKeys).isEmpty();
    }

    // ---------------------------------------------------------------- hostile input (issue 7)

    @Test
    void numbersLongerThanTheBoundAreTooLargeWithoutBeingParsed() {
        String at = track("Ping", j("'properties':{'n':" + "9".repeat(EventParser.MAX_NUMBER_CHARS) + "}"));
        assertThat(parse(at).isValid()).isTrue();
        String digits = "9".repeat(900_000);
        long t0 = System.nanoTime();
        for (String text : new String[] {track("Ping", j("'properties':{'n':" + digits + "}")),
                track("Ping", j("'properties':{'n':1." + digits + "}")), track("Ping", j("'properties':{'n':-" + digits + "e5}"))}) {
            DeadLetter d = rejected(text, RejectReason.TOO_LARGE);
            assertThat(d.detail).contains("a number of").contains("characters");
        }
        // converting 900,000 digits to a decimal takes tens of seconds; refusing them takes milliseconds
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms for three huge numbers").isLessThan(5_000);
        // digits inside strings are text, not numbers
        assertThat(parse(track("Ping", j("'properties':{'n':'" + digits + "'}"))).isValid()).isTrue();
        // huge exponents are short numbers: accepted, and used without expanding them
        assertThat(parse(track("Ping", j("'properties':{'n':1e999999999,'m':-1E-999999999}"))).isValid()).isTrue();
    }

    @Test
    void everyInvalidUtf8FormIsBadJsonThatJacksonAloneWouldLetThrough() {
        byte[] base = track("Ping", j("'properties':{'x':'ABCD'}")).getBytes(StandardCharsets.UTF_8);
        int at = new String(base, StandardCharsets.ISO_8859_1).indexOf("ABCD");
        byte[][] forms = {
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80, 'D'}, // a UTF-16 surrogate encoded as UTF-8 (CESU-8)
            {(byte) 0xC0, (byte) 0x80, 'C', 'D'}, // overlong NUL
            {(byte) 0xE0, (byte) 0x80, (byte) 0x80, 'D'}, // overlong 3-byte form
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
            {(byte) 0xFF, 'B', 'C', 'D'},
            {(byte) 0x80, 'B', 'C', 'D'}, // a lone continuation byte
            {'A', 'B', 'C', (byte) 0xE2}, // a truncated sequence
        };
        for (byte[] form : forms) {
            byte[] raw = base.clone();
            System.arraycopy(form, 0, raw, at, 4);
            DeadLetter d = rejected(parser, raw, RejectReason.BAD_JSON);
            int bad = Integer.parseInt(d.detail.replace("not valid UTF-8 at byte ", ""));
            assertThat(bad).as("where the invalid byte is").isBetween(at, at + 3);
            assertThat(Base64.getDecoder().decode(d.payloadBase64)).isEqualTo(raw);
        }
        // valid multi-byte text, 4-byte characters included, is fine
        assertThat(parse(track("Ping", j("'properties':{'x':'é€😀'}"))).isValid()).isTrue();
    }

    @Test
    void aRecordFarOverTheLimitKeepsOnlyItsBeginningInTheDeadLetter() {
        EventParser small = new EventParser(model, 1000, EventParser.DEFAULT_MAX_DEPTH);
        String huge = track("Ping", j("'properties':{'x':'" + "a".repeat(5_000_000) + "'}"));
        DeadLetter d = rejected(small, huge, RejectReason.TOO_LARGE);
        assertPayloadIsPrefix(d, huge, 1001);
        assertThat(d.detail).startsWith(huge.length() + " bytes");
    }

    @Test
    void idsAndTraitValuesBeyondTheirBoundsAreTooLarge() {
        String longId = "x".repeat(EventParser.MAX_ID_BYTES + 1);
        String atBound = "é".repeat(EventParser.MAX_ID_BYTES / 2);
        assertThat(valid(j("{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z','groupId':'" + atBound
                + "','userId':'" + atBound + "','messageId':'" + atBound + "'}")).accountId).isEqualTo(atBound);
        for (String members : new String[] {"'groupId':'" + longId + "'", "'groupId':'a','userId':'" + longId + "'",
                "'groupId':'a','messageId':'" + longId + "'", "'groupId':'a','userId':'" + atBound + "é'"}) {
            DeadLetter d = rejected(j("{'type':'track','event':'Ping','timestamp':'2026-03-02T09:00:00Z'," + members + "}"),
                    RejectReason.TOO_LARGE);
            assertThat(d.detail).contains("more than the maximum of " + EventParser.MAX_ID_BYTES);
        }
        // a group call whose read trait is enormous; keys the model does not read may be as big as the record allows
        String big = "'" + "y".repeat(EventParser.MAX_TRAIT_BYTES) + "'";
        DeadLetter d = rejected(j("{'type':'group','timestamp':'2026-03-02T09:00:00Z','groupId':'a','traits':{'employees':" + big + "}}"),
                RejectReason.TOO_LARGE);
        assertThat(d.detail).contains("traits");
        assertThat(parse(j("{'type':'group','timestamp':'2026-03-02T09:00:00Z','groupId':'a','traits':{'notes':" + big + "}}"))
                .isValid()).isTrue();
        // the bounds come after the other reasons: a bad timestamp is reported as such
        rejected(j("{'type':'track','event':'Ping','timestamp':'soon','groupId':'" + longId + "'}"), RejectReason.BAD_TIMESTAMP);
    }

    @Test
    void tooLargeDetailsNameTheFirstOversizedPart() {
        String longId = "x".repeat(EventParser.MAX_ID_BYTES + 1);
        String head = "{'type':'identify','timestamp':'2026-03-02T09:00:00Z',";
        String big = "'" + "y".repeat(EventParser.MAX_TRAIT_BYTES) + "'";
        String[][] cases = {
            {"'groupId':'" + longId + "','userId':'" + longId + "'}", "account id of 1025 bytes, more than the maximum of 1024"},
            {"'groupId':'a','userId':'" + longId + "','messageId':'" + longId + "'}", "userId of 1025 bytes, more than the maximum of 1024"},
            {"'userId':'u','messageId':'" + longId + "','traits':{'role':" + big + "}}", "messageId of 1025 bytes, more than the maximum of 1024"},
            // the read traits' JSON text: the quotes count, and an identify without a user is bounded too
            {"'userId':'u','traits':{'role':" + big + "}}", "the traits the model reads take 65538 bytes, more than the maximum of 65536"},
            {"'groupId':'a','traits':{'role':" + big + ",'notes':" + big + "}}",
                "the traits the model reads take 65538 bytes, more than the maximum of 65536"},
        };
        for (String[] c : cases) {
            assertThat(rejected(j(head + c[0]), RejectReason.TOO_LARGE).detail).isEqualTo(c[1]);
        }
        // a group reads the account's traits, not the user's
        assertThat(parse(j("{'type':'group','timestamp':'2026-03-02T09:00:00Z','groupId':'a','traits':{'role':" + big + "}}"))
                .isValid()).isTrue();
    }

    @Test
    void distinctValuesAreKeptAsTheirFingerprints() {
        String longValue = "v".repeat(5000);
        UsageEvent a = valid(track("Seats Counted", j("'properties':{'seats':'" + longValue + "'}")));
        UsageEvent b = valid(track("Seats Counted", j("'properties':{'seats':'" + longValue + "'}")));
        UsageEvent c = valid(track("Seats Counted", j("'properties':{'seats':'" + longValue + "w'}")));
        String ka = a.hitValues[hitIndex(a, "seat_values")];
        assertThat(ka).hasSize(4).isEqualTo(b.hitValues[hitIndex(b, "seat_values")]);
        assertThat(c.hitValues[hitIndex(c, "seat_values")]).isNotEqualTo(ka);
        // JSON-equal values (SPEC 7) share one: 50 and 5e1 are one number
        UsageEvent s = valid(track("Seats Counted", j("'properties':{'seats':50}")));
        UsageEvent t = valid(track("Seats Counted", j("'properties':{'seats':5e1}")));
        assertThat(s.hitValues[hitIndex(s, "seat_values")]).isEqualTo(KeyPrint.of("n:5E+1"))
                .isEqualTo(t.hitValues[hitIndex(t, "seat_values")]);
    }

    @Test
    void eventTimeBoundsAreOptionalBadTimestamps() {
        String old = j("{'type':'track','event':'Ping','timestamp':'0001-01-01T00:00:00Z','groupId':'a'}");
        String future = j("{'type':'track','event':'Ping','timestamp':'9999-12-31T23:59:59Z','groupId':'a'}");
        // SPEC alone accepts both
        assertThat(parse(old).isValid()).isTrue();
        assertThat(parse(future).isValid()).isTrue();
        EventParser bounded = new EventParser(model).eventTimeBounds(Timestamps.parseMillis("2000-01-01T00:00:00Z"), 3_600_000L);
        assertThat(rejected(bounded, old, RejectReason.BAD_TIMESTAMP).detail).contains("--min-event-time");
        assertThat(rejected(bounded, future, RejectReason.BAD_TIMESTAMP).detail).contains("--max-future");
        String now = Timestamps.format(System.currentTimeMillis());
        assertThat(parse(bounded, track("Ping", "").replace("2026-03-02T09:00:00Z", now).getBytes(StandardCharsets.UTF_8))
                .isValid()).isTrue();
    }
}
