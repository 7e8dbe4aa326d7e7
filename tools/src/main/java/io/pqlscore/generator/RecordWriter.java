package io.pqlscore.generator;

import static io.pqlscore.generator.Session.ANDROID;
import static io.pqlscore.generator.Session.IOS;
import static io.pqlscore.generator.Session.SERVER;
import static io.pqlscore.generator.Session.WEB;
import static io.pqlscore.generator.Vocabulary.COMPANY_A;
import static io.pqlscore.generator.Vocabulary.COMPANY_B;
import static io.pqlscore.generator.Vocabulary.COMPANY_SUFFIX;
import static io.pqlscore.generator.Vocabulary.DAY;
import static io.pqlscore.generator.Vocabulary.FEATURES;
import static io.pqlscore.generator.Vocabulary.FIRST_NAMES;
import static io.pqlscore.generator.Vocabulary.HOUR;
import static io.pqlscore.generator.Vocabulary.INDUSTRIES;
import static io.pqlscore.generator.Vocabulary.LAST_NAMES;
import static io.pqlscore.generator.Vocabulary.METRICS;
import static io.pqlscore.generator.Vocabulary.ODD_COMPANIES;
import static io.pqlscore.generator.Vocabulary.ODD_DOMAINS;
import static io.pqlscore.generator.Vocabulary.PLANS;
import static io.pqlscore.generator.Vocabulary.ROLES;
import static io.pqlscore.generator.Vocabulary.TLDS;

/**
 * Writes the generator's records as JSON, the way Segment's libraries send them: track, page and
 * screen calls, identify and group calls, the backend's usage readings, and the malformed records
 * the job must reject. Ids, timestamps and library contexts differ by client (analytics.js, iOS,
 * Android, Node or Python on the backend); where the account id goes (context.groupId or
 * properties.accountId, or nowhere in Segment style when the job can resolve it) too.
 */
final class RecordWriter {
    /** A record the job must reject, and the reason it should give. */
    record Bad(String json, String reason) {}

    private final Population pop;
    private final Draws rnd;
    private final int idKey;
    private final long idSalt;
    private final long day0;
    /** The record being written: one builder, reused for every record. */
    private final StringBuilder b = new StringBuilder(1024);
    private boolean propsEmpty;
    /** Records written so far: the source of message ids (and of Python's microseconds). */
    private long idSeq;

    RecordWriter(Population pop, Draws rnd, int idKey, long idSalt, long day0) {
        this.pop = pop;
        this.rnd = rnd;
        this.idKey = idKey;
        this.idSalt = idSalt;
        this.day0 = day0;
    }

    /** Where the account id goes: true = context.groupId, false = properties.accountId only. */
    private boolean accountInContext(Session s) {
        return !(pop.propsOnly[s.account] && s.client != WEB);
    }

    private void head(String type) {
        b.setLength(0);
        b.append("{\"type\":\"").append(type).append('"');
    }

    private void ids(Session s, long t, int u) {
        if (u >= 0) {
            b.append(",\"userId\":\"usr_");
            Json.hex(b, Json.scramble32(u, ~idKey), 8).append("\",\"anonymousId\":\"");
            long h = Json.mix64(u ^ idSalt);
            Json.uuid(b, h, Json.mix64(h)).append('"');
        }
        b.append(",\"messageId\":\"");
        long unique = Json.mix64(++idSeq ^ idSalt);
        if (s.client == WEB) {
            Json.hex(b.append("ajs-next-"), unique, 16);
            Json.hex(b, Json.mix64(unique + 1), 16);
        } else {
            Json.uuid(b, unique, Json.mix64(unique + 1));
        }
        b.append("\",\"timestamp\":\"");
        timestamp(s, t);
        b.append('"');
    }

    private void timestamp(Session s, long t) {
        switch (s.client) {
            case WEB: Json.timestamp(b, t, 0, true, -1); break;
            case SERVER:
                if (pop.python[s.account]) {
                    Json.timestamp(b, t, 0, false, (int) (idSeq % 1000));
                } else {
                    Json.timestamp(b, t, 0, true, -1);
                }
                break;
            default: Json.timestamp(b, t, pop.tzOffset[s.account], false, -1);
        }
    }

    private void context(Session s, boolean withGroup) {
        b.append(",\"context\":{");
        if (withGroup) {
            b.append("\"groupId\":\"").append(pop.accountIds[s.account]).append("\",");
        }
        b.append("\"library\":");
        switch (s.client) {
            case WEB: b.append("{\"name\":\"analytics.js\",\"version\":\"2.11.1\"}"); break;
            case IOS: b.append("{\"name\":\"analytics-ios\",\"version\":\"4.1.8\"},\"os\":{\"name\":\"iOS\"}"); break;
            case ANDROID: b.append("{\"name\":\"analytics-android\",\"version\":\"4.11.3\"},\"os\":{\"name\":\"Android\"}"); break;
            default:
                b.append(pop.python[s.account] ? "{\"name\":\"analytics-python\",\"version\":\"2.3.3\"}"
                        : "{\"name\":\"analytics-node\",\"version\":\"6.2.0\"}");
        }
        b.append('}');
    }

    /** Opens an activity record up to the first property (the account id when it goes there). */
    private void activity(Session s, String type, String field, String value, long t, int u) {
        head(type);
        b.append(",\"").append(field).append("\":\"").append(value).append('"');
        ids(s, t, u);
        boolean tagged = !pop.segmentStyle || u < 0 || taggedAnyway() || !resolvable(u, t);
        if (!tagged) {
            pop.identityReadAt[u] = t;
        }
        boolean inContext = tagged && accountInContext(s);
        context(s, inContext);
        b.append(",\"properties\":{");
        propsEmpty = inContext || !tagged;
        if (!inContext && tagged) {
            b.append("\"accountId\":\"").append(pop.accountIds[s.account]).append('"');
        }
    }

    /**
     * Segment style: whether the job can resolve the user's account at {@code t} from its group
     * call (SPEC 8): the call came before, and the identity has not been forgotten since. If it has
     * been, the user's next first session of a day sends a group call again; until then its
     * activity names its account, so that every record the generator calls valid is scored.
     */
    private boolean resolvable(int u, long t) {
        if (pop.joinedAt[u] == Long.MIN_VALUE || pop.joinedAt[u] >= t) {
            return false;
        }
        if (t - pop.identityReadAt[u] >= GeneratorConfig.MODEL_RETENTION_MS) {
            pop.userGrouped[u] = false;
            pop.joinedAt[u] = Long.MIN_VALUE;
            return false;
        }
        return true;
    }

    /**
     * Segment style: whether this activity record names its account anyway. From the record's
     * sequence number, not the random stream, so the schedule stays that of the tagged stream.
     */
    private boolean taggedAnyway() {
        return Long.remainderUnsigned(Json.mix64(idSeq ^ ~idSalt), 1000) < GeneratorConfig.SEGMENT_STYLE_TAGGED_SHARE * 1000;
    }

    /** Appends {@code "key":} to the open properties object, with a comma when needed. */
    StringBuilder prop(String key) {
        if (!propsEmpty) {
            b.append(',');
        }
        propsEmpty = false;
        return b.append('"').append(key).append("\":");
    }

    /** Opens a track call; its properties follow with {@link #prop}, then {@link #close}. */
    void track(Session s, long t, int u, String event) {
        activity(s, "track", "event", event, t, u);
    }

    String page(Session s, long t, int u, String name, String path) {
        activity(s, "page", "name", name, t, u);
        prop("path").append('"').append(path).append("\",\"title\":\"").append(name)
                .append("\",\"url\":\"https://app.example.com").append(path).append('"');
        return close();
    }

    String screen(Session s, long t, int u, String name) {
        activity(s, "screen", "name", name, t, u);
        return close();
    }

    /** Closes the properties and the record: its JSON. */
    String close() {
        b.append("}}");
        return b.toString();
    }

    String identify(Session s, long t, int a, int u) {
        if (pop.segmentStyle) {
            pop.identityReadAt[u] = t;
        }
        head("identify");
        ids(s, t, u);
        context(s, !pop.segmentStyle); // Segment's identify carries no account id
        int first = (int) Long.remainderUnsigned(Json.mix64(u * 2L + idSalt), FIRST_NAMES.length);
        int last = (int) Long.remainderUnsigned(Json.mix64(u * 2L + 1 + idSalt), LAST_NAMES.length);
        b.append(",\"traits\":{\"email\":\"").append(FIRST_NAMES[first][1]).append('.').append(LAST_NAMES[last][1])
                .append('@');
        domain(a).append("\",\"name\":");
        Json.str(b, FIRST_NAMES[first][0] + " " + LAST_NAMES[last][0]);
        b.append(",\"role\":\"").append(ROLES[pop.role[u]]).append("\",\"created_at\":\"");
        Json.timestamp(b, day0 + (long) pop.joinDay[u] * DAY + 9 * HOUR, 0, true, -1).append("\"}}");
        return b.toString();
    }

    String group(Session s, long t, int a, int u, int planCode) {
        if (pop.segmentStyle && u >= 0) {
            pop.joinedAt[u] = t;
            pop.identityReadAt[u] = t;
        }
        head("group");
        b.append(",\"groupId\":\"").append(pop.accountIds[a]).append('"');
        ids(s, t, u);
        context(s, false);
        b.append(",\"traits\":{\"name\":");
        Json.str(b, companyName(a));
        b.append(",\"employees\":").append(pop.employees[a]).append(",\"industry\":\"").append(INDUSTRIES[pop.industry[a]])
                .append("\",\"plan\":\"").append(PLANS[planCode]).append("\",\"website\":\"https://");
        domain(a).append("\"}}");
        return b.toString();
    }

    /** A usage reading of the backend (no user): {@code packed} is the limit times 4 plus the metric. */
    String usageRecord(Session s, long t, int a, long used, long packed) {
        int metric = (int) (packed & 3);
        long lim = packed >>> 2;
        head("track");
        b.append(",\"event\":\"Usage Reported\"");
        ids(s, t, -1);
        boolean inContext = !pop.propsOnly[a];
        context(s, inContext);
        b.append(",\"properties\":{");
        if (!inContext) {
            b.append("\"accountId\":\"").append(pop.accountIds[a]).append("\",");
        }
        b.append("\"metric\":\"").append(METRICS[metric]).append("\",\"used\":").append(used).append(",\"limit\":")
                .append(lim).append("}}");
        return b.toString();
    }

    private String companyName(int a) {
        long h = Json.mix64(a ^ idSalt);
        if ((h & 63) == 0) {
            return ODD_COMPANIES[(int) ((h >>> 6) & 3)];
        }
        String name = COMPANY_A[(int) Long.remainderUnsigned(h >>> 8, COMPANY_A.length)] + " "
                + COMPANY_B[(int) Long.remainderUnsigned(h >>> 24, COMPANY_B.length)];
        return name + COMPANY_SUFFIX[(int) Long.remainderUnsigned(h >>> 40, COMPANY_SUFFIX.length)];
    }

    /** Appends the account's web domain to the open record. */
    StringBuilder domain(int a) {
        long h = Json.mix64(a ^ idSalt);
        if ((h & 63) == 0) {
            return b.append(ODD_DOMAINS[(int) ((h >>> 6) & 3)]);
        }
        b.append(COMPANY_A[(int) Long.remainderUnsigned(h >>> 8, COMPANY_A.length)].toLowerCase())
                .append(COMPANY_B[(int) Long.remainderUnsigned(h >>> 24, COMPANY_B.length)].toLowerCase());
        int combos = COMPANY_A.length * COMPANY_B.length;
        if (a >= combos) {
            b.append(a / combos);
        }
        return b.append(TLDS[(int) Long.remainderUnsigned(h >>> 48, TLDS.length)]);
    }

    private static final String[] BAD_REASONS = {"bad_json", "missing_account", "bad_timestamp", "bad_field"};

    /** A record the job must reject, shaped like a web track call of this account at time t. */
    Bad badRecord(long t, int a, int u) {
        int kind = rnd.nextInt(4);
        int variant = rnd.nextInt(4);
        b.setLength(0);
        b.append("{\"type\":\"track\",\"event\":");
        b.append(kind == 3 && variant == 0 ? "\"\"" : "\"Feature Used\"");
        // missing_account (kind 1) has no userId either: one without an account id but with a user
        // would be resolved from the user's group calls (SPEC 8)
        if (kind != 1 && u >= 0 || kind == 3 && variant == 1) {
            b.append(",\"userId\":");
            if (kind == 3 && variant == 1) {
                b.append(Integer.toUnsignedLong(Json.scramble32(Math.max(u, 0), ~idKey)));
            } else {
                b.append("\"usr_");
                Json.hex(b, Json.scramble32(u, ~idKey), 8).append('"');
            }
        }
        b.append(",\"messageId\":");
        if (kind == 3 && variant == 2) {
            b.append(++idSeq);
        } else {
            Json.uuid(b.append('"'), Json.mix64(++idSeq ^ idSalt), idSeq).append('"');
        }
        b.append(",\"timestamp\":");
        if (kind == 2) {
            switch (variant) {
                case 0: // US style
                    b.append('"');
                    StringBuilder iso = Json.timestamp(new StringBuilder(), t, 0, true, -1);
                    b.append(iso, 5, 7).append('/').append(iso, 8, 10).append('/').append(iso, 0, 4).append(' ')
                            .append(iso, 11, 16).append('"');
                    break;
                case 1: // no offset, space instead of T
                    b.append('"');
                    int at = b.length();
                    Json.timestamp(b, t, 0, true, -1);
                    b.setCharAt(at + 10, ' ');
                    b.setLength(b.length() - 5); // drop ".SSSZ"
                    b.append('"');
                    break;
                case 2: // epoch millis as a number
                    b.append(t);
                    break;
                default: // local time without an offset
                    b.append('"');
                    Json.timestamp(b, t, 0, true, -1);
                    b.setLength(b.length() - 1);
                    b.append('"');
            }
        } else {
            Json.timestamp(b.append('"'), t, 0, true, -1).append('"');
        }
        b.append(",\"context\":{");
        if (kind != 1) {
            b.append("\"groupId\":\"").append(pop.accountIds[a]).append("\",");
        }
        b.append("\"library\":{\"name\":\"analytics.js\",\"version\":\"2.11.1\"}}");
        if (kind == 3 && variant == 3) {
            b.append(",\"properties\":\"feature=sql_editor\"}");
        } else {
            b.append(",\"properties\":{\"feature\":\"").append(FEATURES[rnd.nextInt(FEATURES.length)]).append("\"}}");
        }
        String json = b.toString();
        if (kind == 0) {
            json = json.substring(0, 1 + rnd.nextInt(json.length() - 1)); // any proper prefix of an object
        }
        return new Bad(json, BAD_REASONS[kind]);
    }
}
