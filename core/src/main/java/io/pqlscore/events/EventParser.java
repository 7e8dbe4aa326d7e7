package io.pqlscore.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.model.JsonPath;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.TraitTest;
import java.io.IOException;
import java.io.Serializable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Turns one raw record into a {@link UsageEvent} or a {@link DeadLetter} (SPEC 1 and 7), and
 * evaluates every signal's match on it. Plain Java, no Flink types; one instance per source
 * reader (it is not thread-safe only in that it is stateless apart from configuration).
 *
 * <p><b>Hostile input.</b> Whatever the bytes, {@link #parse} returns a record or a dead letter in
 * time and memory linear in the record's size, and never throws. Before any JSON parser sees a
 * record, one pass over its bytes measures its size, nesting depth, the longest number literal and
 * whether it is valid UTF-8, so that an over-large or over-deep record is refused
 * ({@code too_large}) without being parsed into a tree, a number of more than
 * {@value #MAX_NUMBER_CHARS} characters (whose conversion to a decimal takes time quadratic in
 * its length) is refused as {@code too_large}, and bytes that are not UTF-8 (also the surrogates
 * and overlong forms Jackson would let through) are {@code bad_json}. The dead letter of a record
 * over {@code maxRecordBytes} carries only its first {@code maxRecordBytes + 1} bytes (as the file
 * reader does) and its real size. Once a record is otherwise valid, its ids and the trait values
 * the model reads are bounded too, so that no single record can make a transition or a table row
 * too big for Kafka or a PostgreSQL index ({@value #MAX_ID_BYTES} bytes per id,
 * {@value #MAX_TRAIT_BYTES} bytes of trait values per record: {@code too_large}). Optionally, event
 * times before {@code --min-event-time} or more than {@code --max-future} after the wall clock are
 * {@code bad_timestamp} (a far-future record would otherwise hold its partition's watermark ahead
 * and make every record after it late).
 */
public final class EventParser implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_MAX_RECORD_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_DEPTH = 64;
    /** Longest number literal parsed: Jackson's own default bound (its conversion is quadratic). */
    public static final int MAX_NUMBER_CHARS = 1000;
    /** Longest accepted account id, user id and messageId, in UTF-8 bytes (table keys and indexes). */
    public static final int MAX_ID_BYTES = 1024;
    /** Most JSON text of the trait values one record may set (they are carried in every transition). */
    public static final int MAX_TRAIT_BYTES = 64 * 1024;
    /** Longer distinct values and usage metric names are kept as their SHA-256 (state per entity). */
    static final int MAX_VALUE_KEY_CHARS = 256;

    private final ScoringModel model;
    private final int maxRecordBytes;
    private final int maxDepth;
    private final int layout;
    /** Event times before this are bad_timestamp (Long.MIN_VALUE: no bound). */
    private long minEventTime = Long.MIN_VALUE;
    /** Event times more than this after the wall clock are bad_timestamp (0: no bound). */
    private long maxFutureMs;
    private final Set<String> userTraitKeys;
    private final Set<String> accountTraitKeys;
    /** The model's account id paths, in their order (an array: no iterator per record). */
    private final JsonPath[] accountIdPaths;
    private final ActivitySignals activitySignals;

    public EventParser(ScoringModel model, int maxRecordBytes, int maxDepth) {
        this.model = model;
        this.maxRecordBytes = maxRecordBytes;
        this.maxDepth = maxDepth;
        this.layout = model.signalLayout();
        this.accountIdPaths = model.accountIdPaths().toArray(new JsonPath[0]);
        this.activitySignals = new ActivitySignals(model.signals());
        this.userTraitKeys = model.traitKeysRead(TraitTest.Of.USER);
        this.accountTraitKeys = model.traitKeysRead(TraitTest.Of.ACCOUNT);
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    public ScoringModel model() {
        return model;
    }

    public EventParser(ScoringModel model) {
        this(model, DEFAULT_MAX_RECORD_BYTES, DEFAULT_MAX_DEPTH);
    }

    /**
     * Bounds on event time: records timestamped before {@code minEventTime} (epoch ms;
     * {@code Long.MIN_VALUE} for none), or more than {@code maxFutureMs} after the wall clock when
     * they are parsed (0 for none), are rejected as {@code bad_timestamp}. Returns this parser.
     */
    public EventParser eventTimeBounds(long minEventTime, long maxFutureMs) {
        this.minEventTime = minEventTime;
        this.maxFutureMs = maxFutureMs;
        return this;
    }

    public ParsedRecord parse(byte[] raw, SourcePosition position) {
        if (raw.length > maxRecordBytes) {
            // keep what the file reader keeps of an over-long line: bounded, whatever the record's size
            byte[] kept = Arrays.copyOf(raw, maxRecordBytes + 1);
            DeadLetter d = deadLetter(RejectReason.TOO_LARGE, raw.length + " bytes, more than the maximum of " + maxRecordBytes,
                    kept, position);
            d.truncated = kept.length < raw.length;
            d.recordBytes = d.truncated ? raw.length : 0;
            return ParsedRecord.rejected(d);
        }
        Scan scan = scan(raw);
        if (scan.depth > maxDepth) {
            return reject(RejectReason.TOO_LARGE, "nesting depth " + scan.depth + ", more than the maximum of " + maxDepth, raw, position);
        }
        if (scan.longestNumber > MAX_NUMBER_CHARS) {
            return reject(RejectReason.TOO_LARGE, "a number of " + scan.longestNumber + " characters, more than the maximum of "
                    + MAX_NUMBER_CHARS, raw, position);
        }
        if (scan.nonAscii) {
            int bad = firstInvalidUtf8(raw);
            if (bad >= 0) {
                return reject(RejectReason.BAD_JSON, "not valid UTF-8 at byte " + bad, raw, position);
            }
        }
        JsonNode root;
        try {
            root = JsonValues.MAPPER.readTree(raw);
        } catch (JsonProcessingException e) {
            return reject(RejectReason.BAD_JSON, firstLine(e.getOriginalMessage()), raw, position);
        } catch (IOException | RuntimeException e) {
            return reject(RejectReason.BAD_JSON, firstLine(String.valueOf(e.getMessage())), raw, position);
        }
        if (root == null || root.isMissingNode()) {
            return reject(RejectReason.BAD_JSON, "empty record", raw, position);
        }
        if (!root.isObject()) {
            return reject(RejectReason.NOT_OBJECT, "top-level JSON " + root.getNodeType().name().toLowerCase() + ", not an object", raw, position);
        }

        JsonNode typeNode = root.get("type");
        String type = typeNode != null && typeNode.isTextual() ? typeNode.textValue() : null;
        if (type == null || !(type.equals(UsageEvent.TRACK) || type.equals(UsageEvent.PAGE) || type.equals(UsageEvent.SCREEN)
                || type.equals(UsageEvent.IDENTIFY) || type.equals(UsageEvent.GROUP))) {
            return reject(RejectReason.BAD_TYPE, "type " + describe(typeNode) + " is not one of track, page, screen, identify, group", raw, position);
        }

        long timestamp;
        JsonNode ts = present(root.get("timestamp"));
        String tsField = "timestamp";
        if (ts == null) {
            ts = present(root.get("originalTimestamp"));
            tsField = "originalTimestamp";
        }
        if (ts == null) {
            return reject(RejectReason.BAD_TIMESTAMP, "neither timestamp nor originalTimestamp", raw, position);
        }
        if (!ts.isTextual() || (timestamp = Timestamps.parseMillis(ts.textValue())) == Long.MIN_VALUE) {
            return reject(RejectReason.BAD_TIMESTAMP, tsField + " " + describe(ts) + " is not ISO-8601 with an offset", raw, position);
        }
        if (timestamp < minEventTime) {
            return reject(RejectReason.BAD_TIMESTAMP, tsField + " " + describe(ts) + " is before the earliest accepted event time "
                    + Timestamps.format(minEventTime) + " (--min-event-time)", raw, position);
        }
        if (maxFutureMs > 0) {
            long now = System.currentTimeMillis();
            if (timestamp - maxFutureMs > now) {
                return reject(RejectReason.BAD_TIMESTAMP, tsField + " " + describe(ts) + " is more than " + maxFutureMs
                        + " ms after the wall clock " + Timestamps.format(now) + " (--max-future)", raw, position);
            }
        }

        Fields f = new Fields(root);
        String accountId = accountId(root);
        if (accountId == null) {
            // SPEC 8: a record without an account id is resolved from its user's group calls, unless
            // it is a group call itself or names no user to resolve it by
            if (UsageEvent.GROUP.equals(type)) {
                return reject(RejectReason.MISSING_ACCOUNT, "a group call without an account id (no non-empty string at "
                        + model.accountIdPaths() + ")", raw, position);
            }
            if (f.userId == null || !f.userId.isTextual() || f.userId.textValue().isEmpty()) {
                return reject(RejectReason.MISSING_ACCOUNT, "no account id (no non-empty string at " + model.accountIdPaths()
                        + ") and no userId to resolve one from", raw, position);
            }
        }

        String badField = f.badField(type);
        if (badField != null) {
            return reject(RejectReason.BAD_FIELD, badField, raw, position);
        }
        String oversized = oversizedId(accountId, f);
        if (oversized != null) {
            return reject(RejectReason.TOO_LARGE, oversized, raw, position);
        }
        boolean identify = UsageEvent.IDENTIFY.equals(type);
        ReadTraits traits = f.traits != null && (identify || UsageEvent.GROUP.equals(type))
                ? new ReadTraits(f.traits, identify ? userTraitKeys : accountTraitKeys) : null;
        if (traits != null && traits.bytes > MAX_TRAIT_BYTES) {
            return reject(RejectReason.TOO_LARGE, "the traits the model reads take " + traits.bytes
                    + " bytes, more than the maximum of " + MAX_TRAIT_BYTES, raw, position);
        }

        UsageEvent e = new UsageEvent();
        e.layout = layout;
        e.type = type;
        e.timestamp = timestamp;
        e.accountId = accountId;
        e.userId = f.userId == null || f.userId.textValue().isEmpty() ? null : f.userId.textValue();
        e.messageId = f.messageId != null ? f.messageId.textValue() : sha256Hex(raw);
        if (e.isActivity()) {
            activitySignals.evaluate(e, f.event == null ? null : f.event.textValue(),
                    f.name == null ? null : f.name.textValue(), root);
            return ParsedRecord.valid(e, raw, position);
        }
        if (traits != null && !(identify && e.userId == null)) {
            e.traitKeys = traits.keys;
            e.traitValues = traits.values;
        }
        // SPEC 8: an identify carrying any trait key (also one the model does not read) gives
        // its user kept traits, which make a later join create the user entity
        boolean traitsGiven = identify && e.userId != null && f.traits != null && f.traits.size() > 0;
        return ParsedRecord.valid(e, raw, position).traitsGiven(traitsGiven);
    }

    /** The first non-empty string at the model's account id paths, in their order; null when none. */
    private String accountId(JsonNode root) {
        for (JsonPath p : accountIdPaths) {
            JsonNode n = p.find(root);
            if (n != null && n.isTextual() && !n.textValue().isEmpty()) {
                return n.textValue();
            }
        }
        return null;
    }

    /**
     * The top-level fields read after the type and the timestamp, each looked up once; JSON null is
     * absent (null), as SPEC 1 reads every optional field.
     */
    private static final class Fields {
        final JsonNode userId;
        final JsonNode messageId;
        final JsonNode event;
        final JsonNode name;
        final JsonNode properties;
        final JsonNode traits;
        final JsonNode context;

        Fields(JsonNode root) {
            userId = present(root.get("userId"));
            messageId = present(root.get("messageId"));
            event = present(root.get("event"));
            name = present(root.get("name"));
            properties = present(root.get("properties"));
            traits = present(root.get("traits"));
            context = present(root.get("context"));
        }

        /** SPEC 1 bad_field: a field of the wrong JSON type, or a track without an event name. */
        String badField(String type) {
            String bad = notString("userId", userId);
            bad = bad != null ? bad : notString("messageId", messageId);
            bad = bad != null ? bad : notString("event", event);
            bad = bad != null ? bad : notString("name", name);
            bad = bad != null ? bad : notObject("properties", properties);
            bad = bad != null ? bad : notObject("traits", traits);
            bad = bad != null ? bad : notObject("context", context);
            if (bad == null && UsageEvent.TRACK.equals(type) && (event == null || event.textValue().isEmpty())) {
                bad = "track without an event name";
            }
            return bad;
        }

        private static String notString(String field, JsonNode n) {
            return n != null && !n.isTextual() ? field + " is " + describe(n) + ", not a string" : null;
        }

        private static String notObject(String field, JsonNode n) {
            return n != null && !n.isObject() ? field + " is " + describe(n) + ", not an object" : null;
        }
    }

    /**
     * An identify's or group's traits that the model reads ({@code wanted}, in its order), as JSON
     * text: written once, both for the size bound and for the event.
     */
    private static final class ReadTraits {
        final String[] keys;
        final String[] values;
        /** UTF-8 bytes of the values' JSON text. */
        final long bytes;

        ReadTraits(JsonNode traits, Set<String> wanted) {
            List<String> k = new ArrayList<>();
            List<String> v = new ArrayList<>();
            long size = 0;
            for (String key : wanted) {
                JsonNode value = traits.get(key);
                if (value != null) {
                    String json = JsonValues.toJson(value);
                    k.add(key);
                    v.add(json);
                    size += json.getBytes(StandardCharsets.UTF_8).length;
                }
            }
            keys = k.toArray(new String[0]);
            values = v.toArray(new String[0]);
            bytes = size;
        }
    }

    /**
     * A value key (distinct value, usage metric name) as kept in state: itself, or when longer than
     * {@value #MAX_VALUE_KEY_CHARS} characters its SHA-256, so that hostile values cannot grow an
     * entity's state by more than a fixed amount per value; equal values still have equal keys.
     */
    static String bounded(String key) {
        if (key.length() <= MAX_VALUE_KEY_CHARS) {
            return key;
        }
        return "sha256:" + sha256Hex(key.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The ids of an otherwise valid record that would not fit a table key or index (the trait
     * values' bound is {@link ReadTraits#bytes}). Null when within it.
     */
    private static String oversizedId(String accountId, Fields f) {
        String id = idTooLong("account id", accountId);
        if (id == null) {
            id = idTooLong("userId", f.userId == null ? null : f.userId.textValue());
        }
        if (id == null) {
            id = idTooLong("messageId", f.messageId == null ? null : f.messageId.textValue());
        }
        return id;
    }

    private static String idTooLong(String what, String id) {
        if (id == null || id.length() * 3L <= MAX_ID_BYTES) {
            return null;
        }
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        return bytes <= MAX_ID_BYTES ? null : what + " of " + bytes + " bytes, more than the maximum of " + MAX_ID_BYTES;
    }

    private static JsonNode present(JsonNode n) {
        return n == null || n.isNull() ? null : n;
    }

    private static String describe(JsonNode n) {
        if (n == null) {
            return "missing";
        }
        String text = n.isTextual() ? "\"" + n.textValue() + "\"" : n.isContainerNode() ? n.getNodeType().name().toLowerCase() : n.toString();
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "malformed JSON";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    /**
     * Bracket nesting of the raw text, outside strings, regardless of JSON validity, so that an
     * over-deep record is refused before any parser recurses into it. The top-level object is 1.
     */
    static int nestingDepth(byte[] raw) {
        return scan(raw).depth;
    }

    /** What one pass over a record's bytes finds, before any parser sees them. */
    static final class Scan {
        /** Bracket nesting outside strings; the top-level object is 1. */
        int depth;
        /** The longest run of number characters ({@code 0-9 + - . e E}) outside strings. */
        int longestNumber;
        /** Whether any byte is 0x80 or above (then the bytes are checked as UTF-8). */
        boolean nonAscii;
    }

    /** What {@link #scan} makes of a byte outside strings ({@link #OTHER} for most). */
    private static final byte[] BYTE_CLASS = new byte[256];
    private static final byte OTHER = 0;
    private static final byte NUMBER = 1;
    private static final byte QUOTE = 2;
    private static final byte OPEN = 3;
    private static final byte CLOSE = 4;

    static {
        for (char c : "0123456789+-.eE".toCharArray()) {
            BYTE_CLASS[c] = NUMBER;
        }
        BYTE_CLASS['"'] = QUOTE;
        BYTE_CLASS['{'] = OPEN;
        BYTE_CLASS['['] = OPEN;
        BYTE_CLASS['}'] = CLOSE;
        BYTE_CLASS[']'] = CLOSE;
    }

    /** Eight bytes of a record at once, the first in the lowest bits. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;

    /**
     * One pass over the raw bytes, regardless of JSON validity (unbalanced brackets are counted as
     * they come). Every record goes through it, so it is cheap: a table lookup per byte outside
     * strings, strings skipped eight bytes at a time (they are most of a record's bytes), and
     * non-ASCII bytes found in a separate pass over eight at a time.
     */
    static Scan scan(byte[] raw) {
        Scan s = new Scan();
        int depth = 0;
        int number = 0;
        int i = 0;
        while (i < raw.length) {
            byte cls = BYTE_CLASS[raw[i++] & 0xFF];
            if (cls == NUMBER) {
                if (++number > s.longestNumber) {
                    s.longestNumber = number;
                }
                continue;
            }
            number = 0;
            if (cls == QUOTE) {
                i = afterString(raw, i);
            } else if (cls == OPEN) {
                depth++;
                if (depth > s.depth) {
                    s.depth = depth;
                }
            } else if (cls == CLOSE) {
                depth--;
            }
        }
        s.nonAscii = anyNonAscii(raw);
        return s;
    }

    /**
     * Where the string whose text starts at {@code i} ends: just after its closing quote, or the
     * record's length when it is not closed. The byte after a backslash is escaped, whatever it is.
     */
    private static int afterString(byte[] raw, int i) {
        int n = raw.length;
        while (i < n) {
            if (i + Long.BYTES <= n) {
                long stops = quoteOrBackslash((long) LONGS.get(raw, i));
                if (stops == 0) {
                    i += Long.BYTES;
                    continue;
                }
                i += Long.numberOfTrailingZeros(stops) >>> 3;
            }
            byte b = raw[i++];
            if (b == '"') {
                return i;
            }
            if (b == '\\') {
                i++;
            }
        }
        return n;
    }

    /**
     * A high bit in the byte of {@code w} that is the first quote or backslash (and possibly in
     * later bytes), or 0 when there is none: the exact "has a zero byte" test on {@code w} XOR the
     * byte, whose lowest flagged byte is always a real match.
     */
    private static long quoteOrBackslash(long w) {
        long quotes = w ^ (ONES * '"');
        long backslashes = w ^ (ONES * '\\');
        return (((quotes - ONES) & ~quotes) | ((backslashes - ONES) & ~backslashes)) & HIGH_BITS;
    }

    private static boolean anyNonAscii(byte[] raw) {
        long bits = 0;
        int i = 0;
        for (; i + Long.BYTES <= raw.length; i += Long.BYTES) {
            bits |= (long) LONGS.get(raw, i);
        }
        for (; i < raw.length; i++) {
            bits |= raw[i]; // sign-extended: a byte of 0x80 or above sets bit 7
        }
        return (bits & HIGH_BITS) != 0;
    }

    /** The offset of the first byte that is not valid UTF-8 (RFC 3629, as Java decodes it), or -1. */
    static int firstInvalidUtf8(byte[] raw) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(raw);
        CharBuffer out = CharBuffer.allocate(Math.min(raw.length, 8192));
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            if (r.isError()) {
                return in.position();
            }
            if (r.isOverflow()) {
                out.clear();
                continue;
            }
            r = decoder.flush(out);
            if (r.isOverflow()) {
                out.clear();
                continue;
            }
            return r.isError() ? in.position() : -1;
        }
    }

    public static String sha256Hex(byte[] raw) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ParsedRecord reject(RejectReason reason, String detail, byte[] raw, SourcePosition position) {
        return ParsedRecord.rejected(deadLetter(reason, detail, raw, position));
    }

    /** A dead letter carrying the payload as text, plus base64 when the bytes are not UTF-8. */
    public static DeadLetter deadLetter(RejectReason reason, String detail, byte[] raw, SourcePosition position) {
        String text;
        String base64 = null;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw))
                    .toString();
        } catch (CharacterCodingException e) {
            text = new String(raw, StandardCharsets.UTF_8);
            base64 = Base64.getEncoder().encodeToString(raw);
        }
        return new DeadLetter(reason, detail, text, base64, position);
    }

}
