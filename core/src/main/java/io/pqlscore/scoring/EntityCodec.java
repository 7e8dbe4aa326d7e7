package io.pqlscore.scoring;

import static io.pqlscore.events.Varints.unzigzag;
import static io.pqlscore.events.Varints.zigzag;
import static io.pqlscore.scoring.SignalFlags.FIRED;
import static io.pqlscore.scoring.SignalFlags.KEYS;
import static io.pqlscore.scoring.SignalFlags.KEYS_AS_DAYS;
import static io.pqlscore.scoring.SignalFlags.KEYS_AS_PRINTS;
import static io.pqlscore.scoring.SignalFlags.LAST_SEEN;
import static io.pqlscore.scoring.SignalFlags.LAST_SEEN_AT_LATEST;
import static io.pqlscore.scoring.SignalFlags.LAST_SEEN_AT_VALUE;
import static io.pqlscore.scoring.SignalFlags.TIMES;
import static io.pqlscore.scoring.SignalFlags.VALUE;

import io.pqlscore.events.Timestamps;
import io.pqlscore.events.Varints;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import io.pqlscore.patterns.PatternState;
import io.pqlscore.patterns.PatternStateCodec;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The compact, versioned byte layout of the account operator's state: one value per account
 * ({@link AccountEntry}: its entity, active users, enterprise flag, the earliest of its users'
 * wake-ups and pattern pruning times, the kept {@code messageId} fingerprints, its pattern states,
 * then its users), and within it one per user (its entity and pattern states). Written only when a
 * value leaves the operator's cache or before a checkpoint.
 *
 * <ul>
 *   <li>Signals are named by the model's layout number ({@link SignalLayouts}), not their ids;
 *       a signal still at its initial state is not written at all.</li>
 *   <li>Times are varints relative to the entity's last record; the min and max sentinels take
 *       one byte. Distinct-day keys (UTC dates) are written as day numbers, fingerprints
 *       ({@code KeyPrint}) as their 8 bytes.</li>
 *   <li>CEP's NFA states and shared buffers are written by {@link PatternStateCodec}.</li>
 * </ul>
 * A leading format byte ({@value #FORMAT}) lets a later layout read this one; a value of another
 * format fails loudly instead of being misread. Format 1 was a development layout that never
 * shipped (users' agendas in full, CEP's own serializers for patterns). Format 2 (the first
 * release of the account stage, still read) wrote distinct days as absolute day numbers,
 * pattern keys as text and the kept ids' times as signed deltas, and kept users as entries of
 * their own; format 3 writes days relative to the entity's last record, pattern keys as their
 * signal and metric, kept times in order as unsigned deltas, and the account's users, each as its
 * own encoded value, at the end of the account's value.
 */
public final class EntityCodec {
    public static final int FORMAT = 3;
    /** The format before {@link #FORMAT}, still read. */
    static final int FORMAT_2 = 2;
    private static final long DAY_MS = 86_400_000L;


    /** Entity times that follow from others (bits of the byte after the tier): not written. */
    private static final int ACTIVE_AT_LAST_RECORD = 1;
    private static final int EVALUATED_AT_LAST_RECORD = 2;
    private static final int WAKE_AT_TICK = 4;
    private static final int WAKE_AT_RETENTION = 8;
    private static final int TIER_FOLLOWS = 15;

    /** How an account's recently active users are written: as text, as their prints, or (format 3) as positions among its stored users. */
    private static final int RECENT_AS_TEXT = 0;
    private static final int RECENT_AS_PRINTS = 1;
    private static final int RECENT_AS_POSITIONS = 2;

    private final SignalLayouts layouts;
    private final boolean[] dayKeyed;
    private final long retention;
    private final PatternStateCodec patternCodec = new PatternStateCodec();
    private final DataOutputSerializer out = new DataOutputSerializer(512);
    private final DataInputDeserializer in = new DataInputDeserializer();
    /** The format of the value being read. */
    private int reading = FORMAT;

    public EntityCodec(ScoringModel model, SignalLayouts layouts) {
        this.layouts = layouts;
        this.retention = model.time().retentionMs();
        this.dayKeyed = new boolean[model.signals().size()];
        for (Signal s : model.signals()) {
            dayKeyed[s.index()] = s.kind() == SignalKind.DISTINCT && s.distinctBy() == Signal.DistinctBy.DAY;
        }
    }

    // ---------------------------------------------------------------- accounts

    public byte[] encodeAccount(AccountEntry a) throws IOException {
        out.clear();
        out.writeByte(FORMAT);
        boolean hasEntity = a.account != null;
        out.writeBoolean(hasEntity);
        long keptBase = 0;
        if (hasEntity) {
            AccountState s = a.account;
            writeLayoutAndEntity(s.entity);
            long base = s.entity.lastRecordAt;
            keptBase = base;
            boolean prints = allPrints(s.recentUsers);
            int[] positions = prints ? storedPositions(s.recentUsers, a.stored) : null;
            int mode = positions != null ? RECENT_AS_POSITIONS : prints ? RECENT_AS_PRINTS : RECENT_AS_TEXT;
            writeVarInt(s.recentUsers.length << 2 | mode);
            for (int i = 0; i < s.recentUsers.length; i++) {
                if (positions != null) {
                    writeVarInt(positions[i]);
                } else if (prints) {
                    writePrint(s.recentUsers[i]);
                } else {
                    writeString(s.recentUsers[i]);
                }
                writeTime(s.recentUserTimes[i], base);
            }
            out.writeBoolean(s.enterprise);
            // the users' agendas as their earliest times only (see AccountEntry.agendaComplete)
            writeTime(a.earliestUserWake(), base);
            writeTime(a.accountPatternWake, base);
            writeTime(a.earliestPatternWake(), base);
        }
        // kept in time order (records come in SPEC 3 order): the deltas need no sign
        boolean ordered = true;
        for (int i = 1; i < a.kept.size() && ordered; i++) {
            ordered = a.kept.timeAt(i) >= a.kept.timeAt(i - 1);
        }
        writeVarInt(a.kept.size() << 1 | (ordered ? 1 : 0));
        long previous = keptBase;
        for (int i = 0; i < a.kept.size(); i++) {
            out.writeLong(a.kept.fingerprintAt(i));
            long delta = a.kept.timeAt(i) - previous;
            writeVarLong(ordered && i > 0 ? delta : zigzag(delta));
            previous = a.kept.timeAt(i);
        }
        writeVarInt(a.stored.size());
        for (Map.Entry<String, byte[]> u : a.stored.entrySet()) {
            writeString(u.getKey());
            // a user of this format leaves its format byte to the account's
            byte[] v = u.getValue();
            boolean current = v.length > 0 && v[0] == FORMAT;
            writeVarInt((v.length - (current ? 1 : 0)) << 1 | (current ? 1 : 0));
            out.write(v, current ? 1 : 0, v.length - (current ? 1 : 0));
        }
        return out.getCopyOfBuffer();
    }

    public AccountEntry decodeAccount(String accountId, byte[] bytes) throws IOException {
        AccountEntry a = new AccountEntry(accountId);
        if (bytes == null) {
            return a;
        }
        in.setBuffer(bytes);
        format(in.readUnsignedByte());
        long keptBase = 0;
        int[] recentPositions = null;
        if (in.readBoolean()) {
            AccountState s = new AccountState();
            s.entity = readLayoutAndEntity();
            long base = s.entity.lastRecordAt;
            keptBase = reading == FORMAT_2 ? 0 : base;
            int counted = readVarInt();
            int n = reading == FORMAT_2 ? counted >>> 1 : counted >>> 2;
            int mode = reading == FORMAT_2 ? ((counted & 1) != 0 ? RECENT_AS_PRINTS : RECENT_AS_TEXT) : counted & 3;
            s.recentUsers = new String[n];
            s.recentUserTimes = new long[n];
            if (mode == RECENT_AS_POSITIONS) {
                recentPositions = new int[n];
            }
            for (int i = 0; i < n; i++) {
                if (mode == RECENT_AS_POSITIONS) {
                    recentPositions[i] = readVarInt(); // resolved once the users are read
                } else {
                    s.recentUsers[i] = mode == RECENT_AS_PRINTS ? readPrint() : readString();
                }
                s.recentUserTimes[i] = readTime(base);
            }
            s.enterprise = in.readBoolean();
            a.userWakeBound = readTime(base);
            a.accountPatternWake = readTime(base);
            a.patternWakeBound = readTime(base);
            a.agendaComplete = a.userWakeBound == Long.MAX_VALUE && a.patternWakeBound == Long.MAX_VALUE;
            a.account = s;
        }
        int counted = readVarInt();
        boolean ordered = reading != FORMAT_2 && (counted & 1) != 0;
        int k = reading == FORMAT_2 ? counted : counted >>> 1;
        long previous = keptBase;
        for (int i = 0; i < k; i++) {
            long fp = in.readLong();
            long v = readVarLong();
            previous += ordered && i > 0 ? v : unzigzag(v);
            a.kept.keep(fp, previous);
        }
        if (reading != FORMAT_2) {
            int users = readVarInt();
            for (int i = 0; i < users; i++) {
                String id = readString();
                int length = readVarInt();
                boolean current = (length & 1) != 0;
                byte[] value = new byte[(length >>> 1) + (current ? 1 : 0)];
                if (current) {
                    value[0] = FORMAT;
                }
                in.readFully(value, current ? 1 : 0, length >>> 1);
                a.stored.put(id, value);
            }
        }
        if (recentPositions != null) {
            String[] ids = a.stored.keySet().toArray(new String[0]);
            for (int i = 0; i < recentPositions.length; i++) {
                a.account.recentUsers[i] = io.pqlscore.events.KeyPrint.of(ids[recentPositions[i]]);
            }
        }
        return a;
    }

    // ---------------------------------------------------------------- users

    public byte[] encodeUser(EntityState user) throws IOException {
        out.clear();
        out.writeByte(FORMAT);
        writeLayoutAndEntity(user);
        return out.getCopyOfBuffer();
    }

    public EntityState decodeUser(byte[] bytes) throws IOException {
        if (bytes == null) {
            return null;
        }
        in.setBuffer(bytes);
        format(in.readUnsignedByte());
        return readLayoutAndEntity();
    }

    private void format(int f) {
        if (f != FORMAT && f != FORMAT_2) {
            throw new IllegalStateException("state value in format " + f + ", this job reads formats " + FORMAT_2
                    + " and " + FORMAT);
        }
        reading = f;
    }

    // ---------------------------------------------------------------- entities

    private void writeLayoutAndEntity(EntityState e) throws IOException {
        int layout = layouts.layoutOf(e.signalIds);
        out.writeInt(layout);
        long base = e.lastRecordAt;
        long baseDay = Math.floorDiv(base, DAY_MS);
        writeVarLong(zigzag(base));
        int times = (e.lastActivityAt == base ? ACTIVE_AT_LAST_RECORD : 0)
                | (e.lastEvalAt == base ? EVALUATED_AT_LAST_RECORD : 0)
                | (e.scheduledAt == e.tickAt ? WAKE_AT_TICK
                        : e.scheduledAt == base + retention ? WAKE_AT_RETENTION : 0);
        // the tier in the high half of the same byte (15: it follows in a byte of its own)
        if (e.tier >= 0 && e.tier < TIER_FOLLOWS) {
            out.writeByte(times | e.tier << 4);
        } else {
            out.writeByte(times | TIER_FOLLOWS << 4);
            out.writeByte(e.tier);
        }
        if ((times & ACTIVE_AT_LAST_RECORD) == 0) {
            writeTime(e.lastActivityAt, base);
        }
        if ((times & EVALUATED_AT_LAST_RECORD) == 0) {
            writeTime(e.lastEvalAt, base);
        }
        writeTime(e.tickAt, base);
        if ((times & (WAKE_AT_TICK | WAKE_AT_RETENTION)) == 0) {
            writeTime(e.scheduledAt, base);
        }
        writeVarInt(e.traitKeys.length);
        String[] known = layouts.traitKeys(layout);
        for (int i = 0; i < e.traitKeys.length; i++) {
            writeTraitKey(e.traitKeys[i], known);
            writeTraitValue(e.traitValues[i]);
        }
        boolean current = layout == layouts.current();
        int touched = 0;
        for (SignalState s : e.signals) {
            if (!untouched(s)) {
                touched++;
            }
        }
        writeVarInt(touched);
        int previous = -1;
        for (int i = 0; i < e.signals.length; i++) {
            SignalState s = e.signals[i];
            if (untouched(s)) {
                continue;
            }
            writeVarInt(i - previous - 1);
            previous = i;
            boolean days = current && i < dayKeyed.length && dayKeyed[i] && allDays(s.keys);
            int flags = (s.fired ? FIRED : 0) | (s.value != 0 || s.valueAt != 0 ? VALUE : 0)
                    | (s.lastSeen != Long.MIN_VALUE ? LAST_SEEN : 0) | (s.keys.length > 0 ? KEYS : 0)
                    | (days ? KEYS_AS_DAYS : 0) | (!days && allPrints(s.keys) ? KEYS_AS_PRINTS : 0)
                    | (s.times.length > 0 ? TIMES : 0);
            if ((flags & LAST_SEEN) != 0 && (flags & VALUE) != 0 && s.lastSeen == s.valueAt) {
                flags |= LAST_SEEN_AT_VALUE;
            } else if ((flags & LAST_SEEN) != 0 && (flags & VALUE) == 0 && s.times.length > 0
                    && s.lastSeen == latest(s.times)) {
                flags |= LAST_SEEN_AT_LATEST;
            }
            boolean wholeValue = (flags & VALUE) != 0 && SignalFlags.isWhole(s.value);
            out.writeByte(SignalFlags.toFormatThree(flags, wholeValue));
            if ((flags & VALUE) != 0) {
                if (wholeValue) {
                    writeVarLong(zigzag((long) s.value));
                } else {
                    out.writeDouble(s.value);
                }
                writeTime(s.valueAt, base);
            }
            if ((flags & LAST_SEEN) != 0 && (flags & (LAST_SEEN_AT_VALUE | LAST_SEEN_AT_LATEST)) == 0) {
                writeTime(s.lastSeen, base);
            }
            if ((flags & KEYS) != 0) {
                writeVarInt(s.keys.length);
                for (String k : s.keys) {
                    if (days) {
                        writeVarLong(zigzag(baseDay - Timestamps.epochDayOf(k)));
                    } else if ((flags & KEYS_AS_PRINTS) != 0) {
                        writePrint(k);
                    } else {
                        writeString(k);
                    }
                }
            }
            if ((flags & TIMES) != 0) {
                writeVarInt(s.times.length);
                for (long t : s.times) {
                    writeTime(t, base);
                }
            }
        }
        Map<String, PatternState> patterns = e.patterns;
        int n = 0;
        if (patterns != null) {
            for (PatternState p : patterns.values()) {
                if (!p.isIdle()) {
                    n++;
                }
            }
        }
        writeVarInt(n);
        if (n > 0) {
            for (Map.Entry<String, PatternState> p : patterns.entrySet()) {
                if (!p.getValue().isIdle()) {
                    writePatternKey(p.getKey());
                    writePattern(p.getValue(), base);
                }
            }
        }
    }

    private EntityState readLayoutAndEntity() throws IOException {
        EntityState e = new EntityState();
        int layout = in.readInt();
        e.signalIds = layouts.ids(layout);
        long base = unzigzag(readVarLong());
        long baseDay = Math.floorDiv(base, DAY_MS);
        e.lastRecordAt = base;
        int times;
        if (reading == FORMAT_2) {
            e.tier = in.readUnsignedByte();
            times = in.readUnsignedByte();
        } else {
            int b = in.readUnsignedByte();
            times = b & 15;
            e.tier = b >>> 4 == TIER_FOLLOWS ? in.readUnsignedByte() : b >>> 4;
        }
        e.lastActivityAt = (times & ACTIVE_AT_LAST_RECORD) != 0 ? base : readTime(base);
        e.lastEvalAt = (times & EVALUATED_AT_LAST_RECORD) != 0 ? base : readTime(base);
        e.tickAt = readTime(base);
        e.scheduledAt = (times & WAKE_AT_TICK) != 0 ? e.tickAt
                : (times & WAKE_AT_RETENTION) != 0 ? base + retention : readTime(base);
        int t = readVarInt();
        e.traitKeys = new String[t];
        e.traitValues = new String[t];
        String[] known = reading == FORMAT_2 ? null : layouts.traitKeys(layout);
        for (int i = 0; i < t; i++) {
            e.traitKeys[i] = known == null ? readString() : readTraitKey(known);
            e.traitValues[i] = known == null ? readString() : readTraitValue();
        }
        e.signals = new SignalState[e.signalIds.length];
        int touched = readVarInt();
        int i = -1;
        for (int k = 0; k < touched; k++) {
            i += readVarInt() + 1;
            SignalState s = new SignalState();
            int flags;
            boolean wholeValue = false;
            if (reading == FORMAT_2) {
                flags = readVarInt();
            } else {
                int f3 = in.readUnsignedByte();
                flags = SignalFlags.fromFormatThree(f3);
                wholeValue = SignalFlags.wholeValue(f3);
            }
            s.fired = (flags & FIRED) != 0;
            if ((flags & VALUE) != 0) {
                s.value = wholeValue ? (double) unzigzag(readVarLong()) : in.readDouble();
                s.valueAt = readTime(base);
            }
            if ((flags & LAST_SEEN) != 0 && (flags & (LAST_SEEN_AT_VALUE | LAST_SEEN_AT_LATEST)) == 0) {
                s.lastSeen = readTime(base);
            }
            if ((flags & KEYS) != 0) {
                int n = readVarInt();
                s.keys = new String[n];
                boolean days = (flags & KEYS_AS_DAYS) != 0;
                boolean prints = (flags & KEYS_AS_PRINTS) != 0;
                for (int j = 0; j < n; j++) {
                    s.keys[j] = days ? LocalDate.ofEpochDay(reading == FORMAT_2 ? unzigzag(readVarLong())
                            : baseDay - unzigzag(readVarLong())).toString()
                            : prints ? readPrint() : readString();
                }
            }
            if ((flags & TIMES) != 0) {
                int n = readVarInt();
                s.times = new long[n];
                for (int j = 0; j < n; j++) {
                    s.times[j] = readTime(base);
                }
            }
            if ((flags & LAST_SEEN_AT_VALUE) != 0) {
                s.lastSeen = s.valueAt;
            } else if ((flags & LAST_SEEN_AT_LATEST) != 0) {
                s.lastSeen = latest(s.times);
            }
            e.signals[i] = s;
        }
        for (int j = 0; j < e.signals.length; j++) {
            if (e.signals[j] == null) {
                e.signals[j] = new SignalState();
            }
        }
        int n = readVarInt();
        if (n > 0) {
            e.patterns = new LinkedHashMap<>();
            for (int j = 0; j < n; j++) {
                String key = reading == FORMAT_2 ? readString() : readPatternKey();
                e.patterns.put(key, readPattern(base));
            }
        }
        return e;
    }

    private static boolean untouched(SignalState s) {
        return s == null || (!s.fired && s.value == 0 && s.valueAt == 0 && s.lastSeen == Long.MIN_VALUE && s.keys.length == 0
                && s.times.length == 0);
    }

    private static long latest(long[] times) {
        long max = Long.MIN_VALUE;
        for (long t : times) {
            max = Math.max(max, t);
        }
        return max;
    }

    /** Four-char keys (any chars: written as their UTF-16 units, so any such key reads back as it was). */
    private static boolean allPrints(String[] keys) {
        for (String k : keys) {
            if (k.length() != 4) {
                return false;
            }
        }
        return keys.length > 0;
    }

    private void writePrint(String k) throws IOException {
        for (int i = 0; i < 4; i++) {
            out.writeChar(k.charAt(i));
        }
    }

    private String readPrint() throws IOException {
        char[] c = new char[4];
        for (int i = 0; i < 4; i++) {
            c[i] = in.readChar();
        }
        return new String(c);
    }

    private static boolean allDays(String[] keys) {
        for (String k : keys) {
            if (Timestamps.epochDayOf(k) == Long.MIN_VALUE) {
                return false;
            }
        }
        return keys.length > 0;
    }

    /**
     * The positions among the stored users of the users whose prints ({@code KeyPrint.of} their
     * ids) are {@code prints}, or null when one is not stored: then the prints are written.
     */
    private static int[] storedPositions(String[] prints, Map<String, byte[]> stored) {
        if (prints.length == 0 || stored.isEmpty()) {
            return null;
        }
        int[] positions = new int[prints.length];
        java.util.Arrays.fill(positions, -1);
        int found = 0;
        int at = 0;
        for (String id : stored.keySet()) {
            long f = io.pqlscore.events.KeyPrint.fingerprint(id);
            for (int i = 0; i < prints.length; i++) {
                if (positions[i] < 0 && io.pqlscore.events.KeyPrint.isPrintOf(prints[i], f)) {
                    positions[i] = at;
                    found++;
                }
            }
            if (found == prints.length) {
                return positions;
            }
            at++;
        }
        return null;
    }

    // ---------------------------------------------------------------- traits

    /** A trait key as its position in the layout's keys plus one, or 0 and the key. */
    private void writeTraitKey(String key, String[] known) throws IOException {
        for (int i = 0; i < known.length; i++) {
            if (known[i].equals(key)) {
                writeVarInt(i + 1);
                return;
            }
        }
        writeVarInt(0);
        writeString(key);
    }

    private String readTraitKey(String[] known) throws IOException {
        int i = readVarInt();
        if (i == 0) {
            return readString();
        }
        if (i > known.length) {
            throw new IllegalStateException("trait key " + (i - 1) + " of a layout with " + known.length + " keys");
        }
        return known[i - 1];
    }

    /**
     * A trait value (its JSON text): a plain string literal (no escapes) as its characters without
     * the quotes, anything else as it is; the length's low bit says which.
     */
    private void writeTraitValue(String json) throws IOException {
        boolean plain = json.length() >= 2 && json.charAt(0) == '"' && json.charAt(json.length() - 1) == '"'
                && json.indexOf('\\') < 0 && json.indexOf('"', 1) == json.length() - 1;
        byte[] b = (plain ? json.substring(1, json.length() - 1) : json).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        writeVarInt(b.length << 1 | (plain ? 1 : 0));
        out.write(b);
    }

    private String readTraitValue() throws IOException {
        int v = readVarInt();
        byte[] b = new byte[v >>> 1];
        in.readFully(b);
        String text = new String(b, java.nio.charset.StandardCharsets.UTF_8);
        return (v & 1) != 0 ? '"' + text + '"' : text;
    }

    // ---------------------------------------------------------------- pattern keys

    /**
     * A pattern state's key ({@code PatternMachines.key}: the signal index, then for a usage signal
     * {@code :metric}) as a varint of the index and whether a metric follows, then the metric; a key
     * of any other form as text after a zero.
     */
    private void writePatternKey(String key) throws IOException {
        int colon = key.indexOf(':');
        String index = colon < 0 ? key : key.substring(0, colon);
        int signal = -1;
        if (!index.isEmpty() && index.length() <= 9 && index.chars().allMatch(c -> c >= '0' && c <= '9')) {
            signal = Integer.parseInt(index);
        }
        if (signal < 0 || !Integer.toString(signal).equals(index)) {
            writeVarInt(0);
            writeString(key);
            return;
        }
        writeVarInt((signal + 1) << 1 | (colon < 0 ? 0 : 1));
        if (colon >= 0) {
            writeString(key.substring(colon + 1));
        }
    }

    private String readPatternKey() throws IOException {
        int v = readVarInt();
        if (v == 0) {
            return readString();
        }
        int signal = (v >>> 1) - 1;
        return (v & 1) == 0 ? Integer.toString(signal) : signal + ":" + readString();
    }

    // ---------------------------------------------------------------- patterns

    private void writePattern(PatternState p, long base) throws IOException {
        patternCodec.write(p, out, base);
    }

    private PatternState readPattern(long base) throws IOException {
        return patternCodec.read(in, base);
    }

    // ---------------------------------------------------------------- primitives

    private void writeTime(long t, long base) throws IOException {
        if (t == Long.MIN_VALUE) {
            out.writeByte(0);
        } else if (t == Long.MAX_VALUE) {
            out.writeByte(1);
        } else {
            writeVarLong(zigzag(t - base) + 2);
        }
    }

    private long readTime(long base) throws IOException {
        long v = readVarLong();
        return v == 0 ? Long.MIN_VALUE : v == 1 ? Long.MAX_VALUE : base + unzigzag(v - 2);
    }

    private void writeString(String s) throws IOException {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        writeVarInt(b.length);
        out.write(b);
    }

    private String readString() throws IOException {
        int n = readVarInt();
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    private void writeVarInt(int v) throws IOException {
        writeVarLong(v & 0xffffffffL);
    }

    private int readVarInt() throws IOException {
        return (int) readVarLong();
    }

    private void writeVarLong(long v) throws IOException {
        Varints.writeVarLong(v, out);
    }

    private long readVarLong() throws IOException {
        return Varints.readVarLong(in);
    }

    /** Every pattern state key of an entity (for tests). */
    static List<String> patternKeys(EntityState e) {
        return e.patterns == null ? List.of() : new ArrayList<>(e.patterns.keySet());
    }
}
