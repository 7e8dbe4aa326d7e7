package io.pqlscore.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.model.JsonPath;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.model.TraitTest;
import java.io.IOException;
import java.io.Serializable;

import java.nio.ByteBuffer;
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
import java.util.LinkedHashSet;
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
    private final Set<String> userTraitKeys = new LinkedHashSet<>();
    private final Set<String> accountTraitKeys = new LinkedHashSet<>();

    public EventParser(ScoringModel model, int maxRecordBytes, int maxDepth) {
        this.model = model;
        this.maxRecordBytes = maxRecordBytes;
        this.maxDepth = maxDepth;
        this.layout = model.signalLayout();
        for (Signal s : model.signals()) {
            if (s.trait() != null) {
                (s.trait().of() == TraitTest.Of.USER ? userTraitKeys : accountTraitKeys).add(s.trait().path().first());
            }
        }
        if (model.enterpriseOverride() != null) {
            accountTraitKeys.add(model.enterpriseOverride().trait().path().first());
        }
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

        String accountId = null;
        for (JsonPath p : model.accountIdPaths()) {
            JsonNode n = p.find(root);
            if (n != null && n.isTextual() && !n.textValue().isEmpty()) {
                accountId = n.textValue();
                break;
            }
        }
        if (accountId == null) {
            // SPEC 8: a record without an account id is resolved from its user's group calls, unless
            // it is a group call itself or names no user to resolve it by
            if (UsageEvent.GROUP.equals(type)) {
                return reject(RejectReason.MISSING_ACCOUNT, "a group call without an account id (no non-empty string at "
                        + model.accountIdPaths() + ")", raw, position);
            }
            JsonNode user = present(root.get("userId"));
            if (user == null || !user.isTextual() || user.textValue().isEmpty()) {
                return reject(RejectReason.MISSING_ACCOUNT, "no account id (no non-empty string at " + model.accountIdPaths()
                        + ") and no userId to resolve one from", raw, position);
            }
        }

        String badField = badField(root, type);
        if (badField != null) {
            return reject(RejectReason.BAD_FIELD, badField, raw, position);
        }
        String oversized = oversized(root, type, accountId);
        if (oversized != null) {
            return reject(RejectReason.TOO_LARGE, oversized, raw, position);
        }

        UsageEvent e = new UsageEvent();
        e.layout = layout;
        e.type = type;
        e.timestamp = timestamp;
        e.accountId = accountId;
        JsonNode user = present(root.get("userId"));
        e.userId = user == null || user.textValue().isEmpty() ? null : user.textValue();
        JsonNode mid = present(root.get("messageId"));
        e.messageId = mid != null ? mid.textValue() : sha256Hex(raw);
        if (e.isActivity()) {
            JsonNode ev = present(root.get("event"));
            JsonNode nm = present(root.get("name"));
            evaluateSignals(e, ev == null ? null : ev.textValue(), nm == null ? null : nm.textValue(), root);
        } else {
            JsonNode traits = present(root.get("traits"));
            boolean identify = e.isIdentify();
            if (traits != null && !(identify && e.userId == null)) {
                captureTraits(e, traits, identify ? userTraitKeys : accountTraitKeys);
            }
            // SPEC 8: an identify carrying any trait key (also one the model does not read) gives
            // its user kept traits, which make a later join create the user entity
            boolean traitsGiven = identify && e.userId != null && traits != null && traits.size() > 0;
            return ParsedRecord.valid(e, raw, position).traitsGiven(traitsGiven);
        }
        return ParsedRecord.valid(e, raw, position);
    }

    private void evaluateSignals(UsageEvent e, String eventName, String pageName, JsonNode root) {
        List<Integer> signals = new ArrayList<>(4);
        List<String> values = new ArrayList<>(4);
        List<Double> ratios = new ArrayList<>(4);
        List<Long> steps = new ArrayList<>(4);
        for (Signal s : model.signals()) {
            switch (s.kind()) {
                case POINTS:
                    if (s.match().matches(e.type, eventName, pageName, root)) {
                        add(signals, values, ratios, steps, s.index(), null, Double.NaN, 0L);
                    }
                    break;
                case DISTINCT:
                    if (s.match().matches(e.type, eventName, pageName, root)) {
                        String key = distinctKey(s, e, root);
                        if (key != null) {
                            add(signals, values, ratios, steps, s.index(), key, Double.NaN, 0L);
                        }
                    }
                    break;
                case USAGE:
                    if (s.match().matches(e.type, eventName, pageName, root)) {
                        JsonNode used = s.usedPath().find(root);
                        JsonNode limit = s.limitPath().find(root);
                        if (used != null && used.isNumber() && limit != null && limit.isNumber()
                                && limit.decimalValue().signum() > 0) {
                            double ratio = used.doubleValue() / limit.doubleValue();
                            Object metric = s.metricPath() == null ? null : JsonValues.canonical(s.metricPath().find(root));
                            add(signals, values, ratios, steps, s.index(), metric == null ? "" : bounded(JsonValues.key(metric)), ratio, 0L);
                        }
                    }
                    break;
                case SEQUENCE:
                    long mask = 0;
                    for (int i = 0; i < s.steps().size(); i++) {
                        if (s.steps().get(i).matches(e.type, eventName, pageName, root)) {
                            mask |= 1L << i;
                        }
                    }
                    if (mask != 0) {
                        add(signals, values, ratios, steps, s.index(), null, Double.NaN, mask);
                    }
                    break;
                default:
                    break; // traits are not matched against activity
            }
        }
        int n = signals.size();
        e.hitSignals = new int[n];
        e.hitValues = new String[n];
        e.hitRatios = new double[n];
        e.hitSteps = new long[n];
        for (int i = 0; i < n; i++) {
            e.hitSignals[i] = signals.get(i);
            e.hitValues[i] = values.get(i);
            e.hitRatios[i] = ratios.get(i);
            e.hitSteps[i] = steps.get(i);
        }
    }

    private static void add(List<Integer> signals, List<String> values, List<Double> ratios, List<Long> steps,
            int signal, String value, double ratio, long mask) {
        signals.add(signal);
        values.add(value);
        ratios.add(ratio);
        steps.add(mask);
    }

    private static String distinctKey(Signal s, UsageEvent e, JsonNode root) {
        switch (s.distinctBy()) {
            case DAY:
                return Timestamps.utcDate(e.timestamp);
            case USER:
                // counted, never shown: the state keeps fingerprints (KeyPrint), not the ids
                return e.userId == null ? null : KeyPrint.of(e.userId);
            default:
                Object v = JsonValues.canonical(s.distinctPath().find(root));
                return v == null ? null : KeyPrint.of(JsonValues.key(v));
        }
    }

    private static void captureTraits(UsageEvent e, JsonNode traits, Set<String> wanted) {
        List<String> keys = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (String k : wanted) {
            JsonNode v = traits.get(k);
            if (v != null) {
                keys.add(k);
                values.add(JsonValues.toJson(v));
            }
        }
        e.traitKeys = keys.toArray(new String[0]);
        e.traitValues = values.toArray(new String[0]);
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
     * The size bounds of an otherwise valid record: ids that would not fit a table key or index,
     * and trait values the model reads (carried in every transition of the entity) beyond
     * {@value #MAX_TRAIT_BYTES} bytes. Null when within them.
     */
    private String oversized(JsonNode root, String type, String accountId) {
        String id = idTooLong("account id", accountId);
        if (id == null) {
            JsonNode user = present(root.get("userId"));
            id = idTooLong("userId", user == null ? null : user.textValue());
        }
        if (id == null) {
            JsonNode mid = present(root.get("messageId"));
            id = idTooLong("messageId", mid == null ? null : mid.textValue());
        }
        if (id != null) {
            return id;
        }
        JsonNode traits = present(root.get("traits"));
        if (traits != null && (UsageEvent.IDENTIFY.equals(type) || UsageEvent.GROUP.equals(type))) {
            long bytes = 0;
            for (String k : UsageEvent.IDENTIFY.equals(type) ? userTraitKeys : accountTraitKeys) {
                JsonNode v = traits.get(k);
                if (v != null) {
                    bytes += JsonValues.toJson(v).getBytes(StandardCharsets.UTF_8).length;
                }
            }
            if (bytes > MAX_TRAIT_BYTES) {
                return "the traits the model reads take " + bytes + " bytes, more than the maximum of " + MAX_TRAIT_BYTES;
            }
        }
        return null;
    }

    private static String idTooLong(String what, String id) {
        if (id == null || id.length() * 3L <= MAX_ID_BYTES) {
            return null;
        }
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        return bytes <= MAX_ID_BYTES ? null : what + " of " + bytes + " bytes, more than the maximum of " + MAX_ID_BYTES;
    }

    /** SPEC 1 bad_field: a field of the wrong JSON type, or a track without an event name. */
    private static String badField(JsonNode root, String type) {
        for (String f : new String[] {"userId", "messageId", "event", "name"}) {
            JsonNode n = present(root.get(f));
            if (n != null && !n.isTextual()) {
                return f + " is " + describe(n) + ", not a string";
            }
        }
        for (String f : new String[] {"properties", "traits", "context"}) {
            JsonNode n = present(root.get(f));
            if (n != null && !n.isObject()) {
                return f + " is " + describe(n) + ", not an object";
            }
        }
        if (UsageEvent.TRACK.equals(type)) {
            JsonNode ev = present(root.get("event"));
            if (ev == null || ev.textValue().isEmpty()) {
                return "track without an event name";
            }
        }
        return null;
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

    /** One pass over the raw bytes, regardless of JSON validity (unbalanced brackets are counted as they come). */
    static Scan scan(byte[] raw) {
        Scan s = new Scan();
        int depth = 0;
        int number = 0;
        boolean inString = false;
        boolean escaped = false;
        boolean nonAscii = false;
        for (byte b : raw) {
            if (b < 0) {
                nonAscii = true;
            }
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
                continue;
            }
            if ((b >= '0' && b <= '9') || b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E') {
                if (++number > s.longestNumber) {
                    s.longestNumber = number;
                }
                continue;
            }
            number = 0;
            if (b == '"') {
                inString = true;
            } else if (b == '{' || b == '[') {
                depth++;
                if (depth > s.depth) {
                    s.depth = depth;
                }
            } else if (b == '}' || b == ']') {
                depth--;
            }
        }
        s.nonAscii = nonAscii;
        return s;
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
