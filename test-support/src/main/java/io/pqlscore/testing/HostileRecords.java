package io.pqlscore.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Malformed and hostile usage records, each with the dead-letter reason the job must give it
 * (SPEC 1 and 7, and the bounds of {@link io.pqlscore.events.EventParser}): broken JSON, wrong
 * types, huge strings and numbers, deep nesting, invalid UTF-8, timestamps far in the past or
 * future, missing ids, unknown types, enormous property maps, and a few records that are
 * hostile-looking but valid (enormous trait maps on {@code group} calls of fresh accounts, which
 * score nothing).
 *
 * <p>Deterministic for a seed. Every rejected record belongs to an account of its own
 * ({@code zz-hostile-N}) or to none, so that nothing it could do would touch the accounts of a
 * stream it is mixed into. The job that reads them must run with {@link #JOB_OPTIONS} (the default
 * size and depth limits, plus event-time bounds that turn the far-past and far-future timestamps
 * into {@code bad_timestamp}).
 */
public final class HostileRecords {

    /** The options the expected reasons assume (besides the defaults of max record bytes 1 MiB and depth 64). */
    public static final String MIN_EVENT_TIME = "2000-01-01T00:00:00Z";

    /**
     * One hostile record: what it is, its bytes, and the reason expected (null: valid, scores
     * nothing). {@code resolvedLater}: the parser accepts it (no account id, but a user to resolve
     * one from, SPEC 8) and the identity stage rejects it ({@code missing_account}: its user never
     * joined an account); like a valid one it holds {@link #TS_PLACEHOLDER}, since it takes part in
     * the watermark.
     */
    public record Hostile(String kind, byte[] value, String reason, boolean resolvedLater) {
        public Hostile(String kind, byte[] value, String reason) {
            this(kind, value, reason, false);
        }

        /** Whether the job gives it a dead letter. */
        public boolean rejected() {
            return reason != null;
        }

        /** Whether the parser gives it a dead letter (else it is valid at the source and has a placeholder timestamp). */
        public boolean rejectedByParser() {
            return reason != null && !resolvedLater;
        }

        /** The reason the parser gives: null for a record it accepts. */
        public String parserReason() {
            return resolvedLater ? null : reason;
        }

        @Override
        public String toString() {
            return kind + " (" + value.length + " bytes) -> " + (reason == null ? "valid" : reason);
        }
    }

    private static final int MAX_RECORD_BYTES = 1 << 20;

    private final Random random;
    private int serial;

    private HostileRecords(long seed) {
        this.random = new Random(seed);
    }

    /**
     * {@code count} records, every kind at least a few times, in a shuffled order. With
     * {@code withHuge}, one record of about 50 MB among them (the topic and producer must allow it).
     * Valid ones hold the placeholder timestamp {@link #TS_PLACEHOLDER} (see {@link #withTimestamp}).
     */
    public static List<Hostile> generate(int count, long seed, boolean withHuge) {
        HostileRecords g = new HostileRecords(seed);
        List<BiFunction<HostileRecords, Integer, Hostile>> kinds = g.kinds();
        List<Hostile> out = new ArrayList<>(count);
        // the rare, big ones first, a fixed number of them
        for (int i = 0; i < 5; i++) {
            out.add(g.tooLargeString(1_100_000 + g.random.nextInt(900_000)));
        }
        for (int i = 0; i < 3; i++) {
            out.add(g.tooLargePropertyMap(40_000 + g.random.nextInt(20_000)));
        }
        for (int i = 0; i < 6; i++) {
            out.add(g.validEnormousTraits(10_000 + g.random.nextInt(5_000)));
        }
        if (withHuge) {
            out.add(g.tooLargeString(50_000_000));
        }
        int i = 0;
        while (out.size() < count) {
            out.add(kinds.get(i % kinds.size()).apply(g, i));
            i++;
        }
        java.util.Collections.shuffle(out, g.random);
        return out;
    }

    public static final String TS_PLACEHOLDER = "@@TIMESTAMP@@";

    /** A valid hostile record with its placeholder replaced by a timestamp (ISO-8601 text). */
    public static byte[] withTimestamp(Hostile h, String timestamp) {
        String s = new String(h.value(), StandardCharsets.UTF_8);
        return s.replace(TS_PLACEHOLDER, timestamp).getBytes(StandardCharsets.UTF_8);
    }

    /** Counts by kind, for a summary line. */
    public static Map<String, Integer> countByKind(List<Hostile> records) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Hostile h : records) {
            out.merge(h.kind(), 1, Integer::sum);
        }
        return out;
    }

    // ------------------------------------------------------------------ kinds

    private List<BiFunction<HostileRecords, Integer, Hostile>> kinds() {
        return List.of(
                HostileRecords::brokenJson,
                HostileRecords::trailingGarbage,
                HostileRecords::binaryGarbage,
                HostileRecords::invalidUtf8,
                HostileRecords::controlCharacters,
                HostileRecords::notObject,
                HostileRecords::unknownType,
                HostileRecords::badTimestamp,
                HostileRecords::farPast,
                HostileRecords::farFuture,
                HostileRecords::missingAccount,
                HostileRecords::wrongFieldType,
                HostileRecords::trackWithoutEvent,
                HostileRecords::deepNesting,
                HostileRecords::hugeNumber,
                HostileRecords::hugeNumberValidElsewhere,
                HostileRecords::longId,
                HostileRecords::bigStringUnderTheLimit,
                HostileRecords::orderOfReasons);
    }

    private String account() {
        return "zz-hostile-" + (++serial);
    }

    /** A valid track record of a fresh account, as text without its closing brace, plus members. */
    private String track(String extra) {
        int n = ++serial;
        return "{\"type\":\"track\",\"event\":\"Hostile Probe\",\"messageId\":\"hostile-" + n
                + "\",\"timestamp\":\"2026-04-01T00:00:00.000Z\",\"userId\":\"u-hostile-" + n
                + "\",\"context\":{\"groupId\":\"zz-hostile-" + n + "\"}" + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    private static Hostile h(String kind, String text, String reason) {
        return new Hostile(kind, text.getBytes(StandardCharsets.UTF_8), reason);
    }

    private Hostile brokenJson(int i) {
        String t = track("\"properties\":{\"plan\":\"pro\",\"seats\":" + i + "}");
        switch (i / 19 % 8) {
            case 0: return h("broken json: cut off", t.substring(0, 1 + random.nextInt(t.length() - 2)), "bad_json");
            case 1: return h("broken json: unquoted key", t.replace("\"plan\"", "plan"), "bad_json");
            case 2: return h("broken json: single quotes", t.replace('"', '\''), "bad_json");
            case 3: return h("broken json: trailing comma", t.substring(0, t.length() - 1) + ",}", "bad_json");
            case 4: return h("broken json: NaN", t.replace("\"seats\":" + i, "\"seats\":NaN"), "bad_json");
            case 5: return h("broken json: empty", "", "bad_json");
            case 6: return h("broken json: blank", " \t ", "bad_json");
            default: return h("broken json: missing colon", t.replace("\"plan\":", "\"plan\" "), "bad_json");
        }
    }

    private Hostile trailingGarbage(int i) {
        String t = track("");
        switch (i / 19 % 3) {
            case 0: return h("trailing garbage", t + " x", "bad_json");
            case 1: return h("two objects", t + t, "bad_json");
            default: return h("extra brace", t + "}", "bad_json");
        }
    }

    private Hostile binaryGarbage(int i) {
        byte[] b = new byte[1 + random.nextInt(600)];
        random.nextBytes(b);
        b[0] = 0x01; // never a JSON value, whatever follows
        for (int k = 0; k < b.length; k++) {
            if (b[k] == '[' || b[k] == '{') {
                b[k] = 'x'; // random bytes must not be over-deep by chance
            }
        }
        return new Hostile("binary garbage", b, "bad_json");
    }

    private Hostile invalidUtf8(int i) {
        byte[][] forms = {
            {(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            {(byte) 0xC0, (byte) 0x80}, {(byte) 0xE0, (byte) 0x80, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
        };
        byte[] form = forms[i / 19 % forms.length];
        // in a string value, in a key, or outside any string: valid JSON otherwise
        String t = track("\"properties\":{\"note\":\"@@\"}");
        if (i / 19 / forms.length % 2 == 1) {
            t = track("\"prop@@erties\":{}");
        }
        byte[] text = t.getBytes(StandardCharsets.UTF_8);
        int at = indexOf(text, "@@".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(text, 0, at);
        out.writeBytes(form);
        out.write(text, at + 2, text.length - at - 2);
        return new Hostile("invalid UTF-8", out.toByteArray(), "bad_json");
    }

    private Hostile controlCharacters(int i) {
        char c = (char) (i / 19 % 0x20);
        return h("raw control character in a string", track("\"properties\":{\"note\":\"a" + c + "b\"}"), "bad_json");
    }

    private Hostile notObject(int i) {
        String[] values = {"[]", "[" + track("") + "]", "42", "-1.5e300", "\"a string\"", "true", "false", "null",
            "\"" + "s".repeat(1000) + "\""};
        return h("not an object", values[i / 19 % values.length], "not_object");
    }

    private Hostile unknownType(int i) {
        String[] types = {"\"alias\"", "\"batch\"", "\"Track\"", "\"TRACK\"", "\"\"", "null", "7", "{\"t\":1}", "[\"track\"]",
            "\"track \"", "\"" + "t".repeat(10_000) + "\""};
        String t = track("").replace("\"type\":\"track\"", "\"type\":" + types[i / 19 % types.length]);
        if (i / 19 % 13 == 12) {
            t = t.replace("\"type\":\"track\",", ""); // no type at all
        }
        return h("unknown type", t, "bad_type");
    }

    private Hostile badTimestamp(int i) {
        String[] ts = {"\"yesterday\"", "\"2026-04-01\"", "\"2026-04-01T00:00:00\"", "\"2026-04-01 00:00:00Z\"",
            "\"2026-13-01T00:00:00Z\"", "\"2026-02-30T00:00:00Z\"", "\"2026-04-01T25:00:00Z\"", "\"2026-04-01T00:00:00+24:00\"",
            "1775001600000", "1.7750016E12", "{\"iso\":\"2026-04-01T00:00:00Z\"}", "[]", "true", "\"\"",
            "\"+275760-09-13T00:00:00Z\"", "\"2026-04-01T00:00:00." + "9".repeat(80) + "Z\"", "\"" + "2".repeat(5000) + "\"",
            "null"};
        String t = track("").replace("\"timestamp\":\"2026-04-01T00:00:00.000Z\"", "\"timestamp\":" + ts[i / 19 % ts.length]);
        return h("bad timestamp", t, "bad_timestamp");
    }

    private Hostile farPast(int i) {
        String[] ts = {"0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1066-10-14T09:00:00+01:00", "1900-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00.000Z", "1999-12-31T23:59:59.999Z"};
        String t = track("").replace("2026-04-01T00:00:00.000Z", ts[i / 19 % ts.length]);
        return h("timestamp far in the past", t, "bad_timestamp");
    }

    private Hostile farFuture(int i) {
        String[] ts = {"9999-12-31T23:59:59.999Z", "9000-01-01T00:00:00Z", "5000-06-15T12:00:00-12:00",
            "9999-12-31T23:59:59.999-23:59"};
        String t = track("").replace("2026-04-01T00:00:00.000Z", ts[i / 19 % ts.length]);
        // also through originalTimestamp, the fallback
        if (i / 19 / ts.length % 2 == 1) {
            t = t.replace("\"timestamp\":", "\"originalTimestamp\":");
        }
        return h("timestamp far in the future", t, "bad_timestamp");
    }

    /** No account id, but a user: valid at the source, rejected by identity resolution (the user never joined). */
    private Hostile missingAccount(int i) {
        String n = "hostile-" + (++serial);
        String head = "{\"type\":\"track\",\"event\":\"Hostile Probe\",\"messageId\":\"" + n
                + "\",\"timestamp\":\"" + TS_PLACEHOLDER + "\",\"userId\":\"u-" + n + "\"";
        String[] accounts = {"", ",\"context\":{}", ",\"context\":{\"groupId\":\"\"}", ",\"context\":{\"groupId\":null}",
            ",\"groupId\":42", ",\"groupId\":[\"a\"]", ",\"properties\":{\"accountId\":{\"id\":\"a\"}}",
            ",\"properties\":{\"accountId\":\"\"},\"groupId\":\"\"", ",\"context\":{\"groupId\":true}",
            ",\"context\":{\"group_id\":\"a\"},\"account\":\"a\""};
        return new Hostile("missing account id", (head + accounts[i / 19 % accounts.length] + "}").getBytes(StandardCharsets.UTF_8),
                "missing_account", true);
    }

    private Hostile wrongFieldType(int i) {
        String[][] swaps = {
            {"\"userId\":\"u-hostile-", "\"userId\":42,\"x\":\""},
            {"\"userId\":\"u-hostile-", "\"userId\":{\"id\":1},\"x\":\""},
            {"\"userId\":\"u-hostile-", "\"userId\":true,\"x\":\""},
            {"\"messageId\":\"hostile-", "\"messageId\":123456789,\"x\":\""},
            {"\"event\":\"Hostile Probe\"", "\"event\":17"},
            {"\"event\":\"Hostile Probe\"", "\"event\":[\"Hostile Probe\"]"},
            {"\"event\":\"Hostile Probe\"", "\"event\":\"Hostile Probe\",\"name\":[\"x\"]"},
            {"\"event\":\"Hostile Probe\"", "\"event\":\"Hostile Probe\",\"properties\":\"plan=pro\""},
            {"\"event\":\"Hostile Probe\"", "\"event\":\"Hostile Probe\",\"properties\":[1,2,3]"},
            {"\"event\":\"Hostile Probe\"", "\"event\":\"Hostile Probe\",\"traits\":\"vip\""},
        };
        String[] s = swaps[i / 19 % swaps.length];
        String t = track("").replace(s[0], s[1]);
        if (i / 19 / swaps.length % 2 == 1) {
            // context of the wrong type, the account id given elsewhere
            int n = ++serial;
            t = "{\"type\":\"page\",\"name\":\"Pricing\",\"messageId\":\"hostile-" + n
                    + "\",\"timestamp\":\"2026-04-01T00:00:00Z\",\"context\":\"ctx\",\"groupId\":\"zz-hostile-" + n + "\"}";
        }
        return h("wrong field type", t, "bad_field");
    }

    private Hostile trackWithoutEvent(int i) {
        String[] events = {"", "\"event\":\"\",", "\"event\":null,"};
        String t = track("").replace("\"event\":\"Hostile Probe\",", events[i / 19 % events.length]);
        return h("track without event", t, "bad_field");
    }

    private Hostile deepNesting(int i) {
        int depth = 65 + random.nextInt(i / 19 % 40 == 0 ? 100_000 : 500);
        String open = i / 19 % 2 == 0 ? "[" : "{\"a\":";
        String close = i / 19 % 2 == 0 ? "]" : "}";
        // nested in properties (a valid record otherwise), or a bare unbalanced tower
        String t = i / 19 % 3 == 2 ? "[".repeat(depth)
                : track("\"properties\":{\"x\":" + open.repeat(depth - 2) + "1" + close.repeat(depth - 2) + "}");
        if (t.length() > MAX_RECORD_BYTES) {
            return h("deep nesting (over the size limit too)", t, "too_large");
        }
        return h("deep nesting", t, "too_large");
    }

    private Hostile hugeNumber(int i) {
        String digits = "9".repeat(1001 + random.nextInt(i / 19 % 20 == 0 ? 200_000 : 5_000));
        String[] forms = {digits, "-" + digits, "1." + digits, digits + "e10", "0." + digits + "E-5"};
        String n = forms[i / 19 % forms.length];
        // in a property of a valid record, as a userId (wrong type too), or as the whole record
        switch (i / 19 % 3) {
            case 0: return h("huge number", track("\"properties\":{\"seats\":" + n + "}"), "too_large");
            case 1: return h("huge number", track("").replace("\"userId\":\"u-hostile-", "\"userId\":" + n + ",\"x\":\""), "too_large");
            default: return h("huge number", n, "too_large");
        }
    }

    /** Numbers that are huge in value but short in text: a valid record, except for its (fresh) account. */
    private Hostile hugeNumberValidElsewhere(int i) {
        String[] numbers = {"1e999999999", "-1E-999999999", "1e308", "4.9e-324", "123456789012345678901234567890"};
        String t = track("\"properties\":{\"used\":" + numbers[i / 19 % numbers.length] + ",\"limit\":0}");
        // ... but without an account it is rejected all the same
        t = t.replace("\"context\":{\"groupId\":\"zz-hostile-", "\"context\":{\"notTheGroupId\":\"zz-hostile-")
                .replace("2026-04-01T00:00:00.000Z", TS_PLACEHOLDER);
        return new Hostile("huge number value, no account", t.getBytes(StandardCharsets.UTF_8), "missing_account", true);
    }

    private Hostile longId(int i) {
        String id = "i".repeat(1025 + random.nextInt(i / 19 % 20 == 0 ? 100_000 : 5_000));
        switch (i / 19 % 4 == 3 && i / 19 / 4 % 3 != 0 ? 1 : i / 19 % 4) {
            case 0: return h("id over 1 KiB", track("").replace("\"context\":{\"groupId\":\"zz-hostile-",
                    "\"context\":{\"groupId\":\"" + id + "-"), "too_large");
            case 1: return h("id over 1 KiB", track("").replace("\"userId\":\"u-hostile-", "\"userId\":\"" + id + "-"), "too_large");
            case 2: return h("id over 1 KiB", track("").replace("\"messageId\":\"hostile-", "\"messageId\":\"" + id + "-"),
                    "too_large");
            default:
                String big = "\"" + "e".repeat(66_000 + random.nextInt(4_000)) + "\"";
                return h("trait value over 64 KiB", "{\"type\":\"group\",\"messageId\":\"hostile-" + (++serial)
                        + "\",\"timestamp\":\"2026-04-01T00:00:00Z\",\"groupId\":\"" + account() + "\",\"traits\":{\"industry\":"
                        + big + "}}", "too_large");
        }
    }

    /** A large string under the size limit, in a record rejected for another reason. */
    private Hostile bigStringUnderTheLimit(int i) {
        String s = "b".repeat(10_000 + random.nextInt(i / 19 % 100 == 0 ? 900_000 : 2_000));
        String t = track("\"properties\":{\"blob\":\"" + s + "\"}").replace("\"type\":\"track\"", "\"type\":\"tracks\"");
        return h("big string, unknown type", t, "bad_type");
    }

    /** Several faults at once: the first in SPEC order is reported. */
    private Hostile orderOfReasons(int i) {
        switch (i / 19 % 5) {
            case 0: return h("faults: type and timestamp", track("").replace("\"type\":\"track\"", "\"type\":\"x\"")
                    .replace("2026-04-01T00:00:00.000Z", "soon"), "bad_type");
            case 1: return h("faults: timestamp and account", track("").replace("2026-04-01T00:00:00.000Z", "soon")
                    .replace("\"groupId\":\"zz-hostile-", "\"groupId\":\"\",\"g\":\""), "bad_timestamp");
            case 2: return h("faults: account and field", track("").replace("\"groupId\":\"zz-hostile-", "\"nogroup\":\"")
                    .replace("\"userId\":\"u-hostile-", "\"userId\":1,\"u\":\""), "missing_account");
            case 3: return h("faults: depth and broken JSON", "{\"type\":" + "[".repeat(100), "too_large");
            default:
                if (i / 19 / 5 % 30 == 0) {
                    return h("faults: size and everything", "[" + "x".repeat(MAX_RECORD_BYTES), "too_large");
                }
                return h("faults: depth and type", "{\"type\":1,\"p\":" + "{\"a\":".repeat(70) + "}".repeat(70) + "}",
                        "too_large");
        }
    }

    private Hostile tooLargeString(int bytes) {
        String head = track("\"properties\":{\"blob\":\"");
        head = head.substring(0, head.length() - 2);
        StringBuilder sb = new StringBuilder(bytes + 64).append(head);
        char[] alphabet = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
        while (sb.length() < bytes) {
            sb.append(alphabet[random.nextInt(alphabet.length)]);
        }
        sb.append("\"}}");
        return h(bytes >= 10_000_000 ? "record of " + bytes / 1_000_000 + " MB" : "huge string over the size limit",
                sb.toString(), "too_large");
    }

    private Hostile tooLargePropertyMap(int keys) {
        StringBuilder sb = new StringBuilder(track("").replace("\"event\":\"Hostile Probe\"", "\"event\":\"Hostile Probe\",\"properties\":{"));
        int at = sb.indexOf("\"properties\":{") + "\"properties\":{".length();
        StringBuilder map = new StringBuilder();
        for (int k = 0; k < keys; k++) {
            if (k > 0) {
                map.append(',');
            }
            map.append("\"key_").append(k).append("_").append(Integer.toHexString(random.nextInt())).append("\":")
                    .append(k % 3 == 0 ? "\"v" + k + "\"" : Integer.toString(k));
        }
        while (map.length() + sb.length() <= MAX_RECORD_BYTES + 1) {
            map.append(",\"pad_").append(map.length()).append("\":\"").append("p".repeat(1000)).append('"');
        }
        map.append("}");
        sb.insert(at, map);
        String t = sb.toString();
        return h(t.length() > MAX_RECORD_BYTES ? "enormous property map over the size limit" : "enormous property map",
                t, t.length() > MAX_RECORD_BYTES ? "too_large" : null);
    }

    /** A valid group call of a fresh account with an enormous trait map (no trait the model reads): scores nothing. */
    private Hostile validEnormousTraits(int keys) {
        StringBuilder sb = new StringBuilder("{\"type\":\"group\",\"messageId\":\"hostile-" + (++serial) + "\",\"timestamp\":\""
                + TS_PLACEHOLDER + "\",\"groupId\":\"" + account() + "\",\"traits\":{");
        for (int k = 0; k < keys; k++) {
            if (k > 0) {
                sb.append(',');
            }
            sb.append("\"t").append(k).append("\":{\"n\":").append(k).append(",\"s\":\"").append(Integer.toHexString(random.nextInt()))
                    .append("\"}");
        }
        sb.append("}}");
        return h("valid group call with an enormous trait map", sb.toString(), null);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not found: " + Arrays.toString(needle));
    }
}
