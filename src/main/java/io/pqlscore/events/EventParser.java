package io.pqlscore.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.model.JsonPath;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.model.TraitTest;
import java.io.IOException;
import java.io.Serializable;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns one raw record into a {@link UsageEvent} or a {@link DeadLetter} (SPEC 1 and 7), and
 * evaluates every signal's match on it. Plain Java, no Flink types; one instance per source
 * reader (it is not thread-safe only in that it is stateless apart from configuration).
 */
public final class EventParser implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_MAX_RECORD_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_DEPTH = 64;

    private final ScoringModel model;
    private final int maxRecordBytes;
    private final int maxDepth;
    private final int layout;
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

    public ParsedRecord parse(byte[] raw, SourcePosition position) {
        if (raw.length > maxRecordBytes) {
            return reject(RejectReason.TOO_LARGE, raw.length + " bytes, more than the maximum of " + maxRecordBytes, raw, position);
        }
        int depth = nestingDepth(raw);
        if (depth > maxDepth) {
            return reject(RejectReason.TOO_LARGE, "nesting depth " + depth + ", more than the maximum of " + maxDepth, raw, position);
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

        String accountId = null;
        for (JsonPath p : model.accountIdPaths()) {
            JsonNode n = p.find(root);
            if (n != null && n.isTextual() && !n.textValue().isEmpty()) {
                accountId = n.textValue();
                break;
            }
        }
        if (accountId == null) {
            return reject(RejectReason.MISSING_ACCOUNT, "no non-empty string at " + model.accountIdPaths(), raw, position);
        }

        String badField = badField(root, type);
        if (badField != null) {
            return reject(RejectReason.BAD_FIELD, badField, raw, position);
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
                            add(signals, values, ratios, steps, s.index(), metric == null ? "" : JsonValues.key(metric), ratio, 0L);
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
                return e.userId;
            default:
                Object v = JsonValues.canonical(s.distinctPath().find(root));
                return v == null ? null : JsonValues.key(v);
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
        int depth = 0;
        int max = 0;
        boolean inString = false;
        boolean escaped = false;
        for (byte b : raw) {
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '{' || b == '[') {
                depth++;
                if (depth > max) {
                    max = depth;
                }
            } else if (b == '}' || b == ']') {
                depth--;
            }
        }
        return max;
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
