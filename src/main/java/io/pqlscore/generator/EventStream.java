package io.pqlscore.generator;

import io.pqlscore.generator.GeneratedRecord.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * The simulation behind {@link EventGenerator}: a population of accounts and users and a
 * discrete-event schedule of their sessions, producing records in arrival order. Pure: no clock,
 * no I/O; the same configuration gives the same records.
 *
 * <p>How it works. Day by day (UTC), every live account and each of its joined users decide
 * whether they are active and when their sessions start (local working hours); the day's
 * sessions are sorted by start. A small heap of open sessions yields the next event in event-time
 * order; each event becomes a record whose arrival time is its event time plus a delay below
 * the max disorder. Records wait in an arrival-time heap until no later event can arrive before
 * them (every later event has an event time, hence an arrival, at or after the next event time),
 * so the output is in non-decreasing arrival order and no record trails the largest event time
 * before it by max disorder or more.
 */
final class EventStream implements Iterator<GeneratedRecord> {
    static final long DAY = Json.DAY_MS;
    static final long HOUR = 3_600_000L;

    // ---- vocabulary ----
    static final String[] PLANS = {"free", "trial", "pro"};
    static final int FREE = 0;
    static final int TRIAL = 1;
    static final int PRO = 2;
    static final String[] ROLES = {"vp", "director", "head", "founder", "manager", "engineer", "analyst", "student"};
    /** Role weights of an account's first user (the one who signed up) and of teammates. */
    static final int[] FIRST_ROLE_WEIGHTS = {8, 14, 14, 24, 16, 12, 10, 2};
    static final int[] TEAM_ROLE_WEIGHTS = {2, 5, 5, 1, 15, 34, 33, 5};
    static final String[] INDUSTRIES = {"software", "fintech", "ecommerce", "healthcare", "education", "media",
        "manufacturing", "retail", "consulting", "logistics", "nonprofit", "government"};
    static final int[] INDUSTRY_WEIGHTS = {22, 10, 12, 9, 8, 7, 8, 7, 7, 5, 3, 2};
    static final int EDUCATION = 4;
    /** UTC offsets (minutes) of the accounts' home time zones, with weights. */
    static final int[] TZ_OFFSETS = {-480, -360, -300, -180, 0, 60, 120, 330, 480, 540, 600};
    static final int[] TZ_WEIGHTS = {15, 8, 20, 3, 12, 15, 6, 8, 5, 5, 3};
    /** Twelve features, most popular first. */
    static final String[] FEATURES = {"sql_editor", "chart_builder", "dashboard_filters", "alerts",
        "scheduled_reports", "drilldown", "data_blending", "annotations", "embedding", "api_access",
        "row_level_security", "forecasting"};
    static final String[][] PAGES = {{"Home", "/"}, {"Dashboards", "/dashboards"}, {"Reports", "/reports"},
        {"Explore", "/explore"}, {"Data Sources", "/sources"}, {"Settings", "/settings"},
        {"Team", "/settings/team"}, {"Integrations", "/integrations"}, {"Docs", "/docs"}};
    static final int[] PAGE_WEIGHTS = {20, 30, 15, 14, 5, 4, 3, 4, 5};
    static final String[] SCREENS = {"Home", "Dashboards", "Dashboard Detail", "Alerts", "Settings"};
    static final String[] SOURCES = {"postgres", "snowflake", "bigquery", "mysql", "redshift", "csv_upload"};
    static final String[] INTEGRATIONS = {"slack", "salesforce", "hubspot", "segment", "zapier", "jira"};
    static final String[] TEMPLATES = {"blank", "revenue", "funnel", "retention", "marketing", "ops"};
    static final String[] CHANNELS = {"email", "slack", "link", "pdf"};
    static final String[] USE_CASES = {"product_analytics", "finance_reporting", "marketing", "operations", "sales"};
    static final String[] FUNNEL = {"Onboarding Completed", "Data Source Connected", "Dashboard Created",
        "Report Shared", "Integration Connected"};
    /** P(reach stage k+1 | reached stage k), for the first user and for teammates. */
    static final double[] FUNNEL_FIRST = {0.85, 0.6, 0.8, 0.55, 0.45};
    static final double[] FUNNEL_TEAM = {0.75, 0.25, 0.8, 0.55, 0.4};
    static final String[] METRICS = {"rows", "seats", "api_calls"};
    static final long[] ROWS_LIMIT = {1_000_000L, 5_000_000L, 100_000_000L};
    static final long[] SEATS_LIMIT = {3, 10, 0};
    static final long[] API_LIMIT = {10_000L, 100_000L, 1_000_000L};

    static final String[][] FIRST_NAMES = {{"Maria", "maria"}, {"Jon", "jon"}, {"Li", "li"}, {"Sam", "sam"},
        {"Priya", "priya"}, {"Tom", "tom"}, {"Ana", "ana"}, {"Bob", "bob"}, {"Kim", "kim"}, {"Ahmed", "ahmed"},
        {"Fatima", "fatima"}, {"Lucas", "lucas"}, {"Emma", "emma"}, {"Noah", "noah"}, {"Olivia", "olivia"},
        {"Liam", "liam"}, {"Sofia", "sofia"}, {"Mateo", "mateo"}, {"Chloé", "chloe"}, {"José", "jose"},
        {"Zoë", "zoe"}, {"Łukasz", "lukasz"}, {"Søren", "soren"}, {"Björn", "bjorn"}, {"Aiko", "aiko"},
        {"Kenji", "kenji"}, {"Wei", "wei"}, {"Mei", "mei"}, {"Ravi", "ravi"}, {"Ananya", "ananya"},
        {"Yuki", "yuki"}, {"Omar", "omar"}, {"Leila", "leila"}, {"Ivan", "ivan"}, {"Olga", "olga"},
        {"Diego", "diego"}, {"Camila", "camila"}, {"Grace", "grace"}, {"Daniel", "daniel"}, {"Nia", "nia"}};
    static final String[][] LAST_NAMES = {{"Lopez", "lopez"}, {"Park", "park"}, {"Wang", "wang"},
        {"Osei", "osei"}, {"Nair", "nair"}, {"Reed", "reed"}, {"Costa", "costa"}, {"Porter", "porter"},
        {"Tanaka", "tanaka"}, {"Müller", "mueller"}, {"García", "garcia"}, {"O'Brien", "obrien"},
        {"Nguyen", "nguyen"}, {"Smith", "smith"}, {"Johnson", "johnson"}, {"Kowalski", "kowalski"},
        {"Hansen", "hansen"}, {"Rossi", "rossi"}, {"Dubois", "dubois"}, {"Silva", "silva"}, {"Kim", "kim"},
        {"Singh", "singh"}, {"Patel", "patel"}, {"Cohen", "cohen"}, {"Novak", "novak"}, {"Jensen", "jensen"},
        {"Schmidt", "schmidt"}, {"Ivanova", "ivanova"}, {"Haddad", "haddad"}, {"Mensah", "mensah"}};
    static final String[] COMPANY_A = {"Acme", "Blue", "Bright", "Cedar", "Delta", "Echo", "Fable", "Granite",
        "Harbor", "Iron", "Juniper", "Kestrel", "Lumen", "Maple", "Nimbus", "Orbit", "Pioneer", "Quartz", "River",
        "Summit", "Terra", "Umbra", "Vertex", "Willow", "Zenith", "Nordic", "Polar", "Silver", "Atlas", "Copper"};
    static final String[] COMPANY_B = {"Analytics", "Labs", "Systems", "Retail", "Health", "Capital", "Logistics",
        "Media", "Works", "Software", "Foods", "Energy", "Studios", "Networks", "Bank", "Learning", "Cloud",
        "Robotics", "Partners", "Goods"};
    static final String[] COMPANY_SUFFIX = {"", "", "", " Inc", " GmbH", " Ltd", " & Co", " S.A.", " AB"};
    /** A few real-world awkward names, so consumers see escaped and non-ASCII text. */
    static final String[] ODD_COMPANIES = {"Müller & Söhne", "Nordic \"Fjord\" AS", "Café São Paulo", "Zürich Data\\Ops"};
    static final String[] ODD_DOMAINS = {"mueller-soehne.de", "nordicfjord.no", "cafesaopaulo.com.br", "zurichdataops.ch"};
    static final String[] TLDS = {".com", ".io", ".co", ".de", ".ai"};

    // ---- session script codes ----
    static final int IDENTIFY = 1;
    static final int GROUP = 2;
    static final int FUNNEL_0 = 3; // .. FUNNEL_0 + 4
    static final int INVITE = 8;
    static final int PRICING = 9;
    static final int BILLING = 10;
    static final int UPGRADE = 11;
    static final int CHECKOUT = 12;
    static final int USAGE = 13;

    static final int WEB = 0;
    static final int IOS = 1;
    static final int ANDROID = 2;
    static final int SERVER = 3;

    private final double activity;
    private final SplittableRandom rnd;
    private final int idKey;
    private final long idSalt;
    private final long startMs;
    private final long endMs;
    private final long day0;
    private final int maxDay;
    private final long maxDisorder;
    private final double dupRatio;
    private final double badRatio;
    private final long limit;

    // ---- accounts ----
    final int n;
    final int[] team;
    final int[] userBase;
    final String[] accountIds;
    final int[] signupDay;
    private final int[] churnDay;
    private final int[] convertDay;
    private final int[] abandonDay;
    /** Event time of the account's checkout (completed or abandoned), 0 before it is generated. */
    private final long[] checkoutAt;
    private final byte[] plan;
    private final byte[] origPlan;
    private final byte[] industry;
    private final int[] employees;
    private final short[] tzOffset;
    private final float[] baseIntent;
    private final boolean[] propsOnly;
    private final boolean[] python;
    private final boolean[] groupSent;
    /** Segment style: whether the user's own group call is scheduled (again after its identity expired). */
    private final boolean[] userGrouped;
    /** Segment style: event time of the user's latest group call naming it, or Long.MIN_VALUE. */
    private final long[] joinedAt;
    /** Segment style: event time of the user's latest record the job's identity stage reads (SPEC 8). */
    private final long[] identityReadAt;
    private final boolean segmentStyle;
    private final boolean[] usesApi;
    private final float[] rowsSlope;
    private final float[] rowsPlateau;
    private final long[] rowsUsed;
    private final float[] apiDaily;
    private final int lastActiveDay;

    // ---- users (global index = userBase[account] + i, joinDay non-decreasing within an account) ----
    final int users;
    private final int[] userAccount;
    private final int[] joinDay;
    private final int[] inviteDay;
    private final int[] inviter;
    private final float[] level;
    private final byte[] role;
    private final byte[] client;
    private final byte[] stage;
    private final byte[] maxStage;
    private final byte[] depth;
    private final byte[] pendingInvites;
    private final boolean[] identified;

    // ---- schedule ----
    private int curDay = -1;
    private boolean noMoreDays;
    private Session[] pending = new Session[0];
    private int pendingCount;
    private int pendingPos;
    private Session[] open = new Session[256];
    private int openSize;
    private int sessionIds;

    // ---- output ----
    private GeneratedRecord[] arrivals = new GeneratedRecord[1024];
    private int arrivalSize;
    private final ArrayDeque<GeneratedRecord> ready = new ArrayDeque<>();
    private boolean finished;
    private long seq;
    private long idSeq;
    private long emitted;
    private final StringBuilder b = new StringBuilder(1024);
    private boolean propsEmpty;

    // ---- statistics ----
    long valid;
    long duplicates;
    long bad;
    private final boolean[] accountSeen;
    private final boolean[] userSeen;
    int accountsSeen;
    int usersSeen;

    EventStream(GeneratorConfig cfg) {
        this.activity = cfg.activity(); // everything is read here: later changes to cfg do not matter
        this.rnd = new SplittableRandom(cfg.seed());
        this.idKey = (int) Json.mix64(cfg.seed() ^ 0x5eedL);
        // messageIds differ between datasets (another start, population or fault mix), so two
        // generated streams sent to one topic never collide in the job's deduplication
        this.idSalt = Json.mix64(cfg.seed() * 31 + cfg.contentKey().hashCode());
        this.startMs = cfg.start().toEpochMilli();
        this.day0 = Math.floorDiv(startMs, DAY) * DAY;
        double days = cfg.effectiveDays();
        this.endMs = days > 0 ? startMs + Math.round(days * DAY) : Long.MAX_VALUE;
        this.maxDay = days > 0 ? (int) ((endMs - day0 + DAY - 1) / DAY) : Integer.MAX_VALUE;
        this.maxDisorder = cfg.maxDisorderMs();
        this.dupRatio = cfg.duplicateRatio();
        this.badRatio = cfg.badRatio();
        this.limit = cfg.events() > 0 ? cfg.events() : Long.MAX_VALUE;
        int signupSpan = days > 0 ? Math.max(1, (int) Math.ceil(days)) : 28;

        n = cfg.accounts();
        team = new int[n];
        userBase = new int[n];
        accountIds = new String[n];
        signupDay = new int[n];
        churnDay = new int[n];
        convertDay = new int[n];
        abandonDay = new int[n];
        checkoutAt = new long[n];
        plan = new byte[n];
        origPlan = new byte[n];
        industry = new byte[n];
        employees = new int[n];
        tzOffset = new short[n];
        baseIntent = new float[n];
        propsOnly = new boolean[n];
        python = new boolean[n];
        groupSent = new boolean[n];
        segmentStyle = cfg.segmentStyle();
        usesApi = new boolean[n];
        rowsSlope = new float[n];
        rowsPlateau = new float[n];
        rowsUsed = new long[n];
        apiDaily = new float[n];
        accountSeen = new boolean[n];

        double[] teamCdf = zipfCdf(cfg.maxTeam(), cfg.usersAlpha());
        long total = 0;
        for (int a = 0; a < n; a++) {
            team[a] = sampleCdf(teamCdf) + 1;
            total += team[a];
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many users: " + total);
        }
        users = (int) total;
        userAccount = new int[users];
        joinDay = new int[users];
        inviteDay = new int[users];
        inviter = new int[users];
        level = new float[users];
        role = new byte[users];
        client = new byte[users];
        stage = new byte[users];
        maxStage = new byte[users];
        depth = new byte[users];
        pendingInvites = new byte[users];
        identified = new boolean[users];
        userGrouped = new boolean[users];
        joinedAt = new long[segmentStyle ? users : 0];
        identityReadAt = new long[segmentStyle ? users : 0];
        Arrays.fill(joinedAt, Long.MIN_VALUE);
        Arrays.fill(identityReadAt, Long.MIN_VALUE);
        userSeen = new boolean[users];

        int last = Integer.MIN_VALUE;
        int base = 0;
        for (int a = 0; a < n; a++) {
            userBase[a] = base;
            b.setLength(0);
            accountIds[a] = Json.hex(b.append("acc_"), Json.scramble32(a, idKey), 8).toString();
            boolean existing = rnd.nextDouble() < cfg.existingRatio();
            int signup = existing ? -1 - rnd.nextInt(60) : rnd.nextInt(signupSpan);
            signupDay[a] = signup;
            double p = rnd.nextDouble();
            plan[a] = (byte) (existing ? (p < 0.5 ? FREE : p < 0.7 ? TRIAL : PRO) : (p < 0.55 ? FREE : TRIAL));
            origPlan[a] = plan[a];
            industry[a] = (byte) weighted(INDUSTRY_WEIGHTS);
            tzOffset[a] = (short) TZ_OFFSETS[weighted(TZ_WEIGHTS)];
            long emp = Math.round(Math.exp(Math.log(40) + 1.5 * gaussian()));
            emp = Math.max(emp, team[a] + rnd.nextInt(team[a] + 1));
            employees[a] = (int) Math.min(300_000, Math.max(1, emp));
            baseIntent[a] = (float) (0.15 * Math.pow(rnd.nextDouble(), 2));
            propsOnly[a] = rnd.nextDouble() < 0.25;
            python[a] = rnd.nextBoolean();
            convertDay[a] = Integer.MIN_VALUE;
            abandonDay[a] = Integer.MIN_VALUE;
            int from = Math.max(signup + 5, 2);
            if (plan[a] != PRO && rnd.nextDouble() < cfg.convertRatio()) {
                convertDay[a] = from + rnd.nextInt(24);
            } else if (plan[a] != PRO && rnd.nextDouble() < cfg.convertRatio() * 0.4) {
                abandonDay[a] = from + rnd.nextInt(24);
            }
            if (convertDay[a] != Integer.MIN_VALUE) {
                churnDay[a] = Integer.MAX_VALUE;
            } else {
                double mean = plan[a] == PRO ? 400 : 60;
                churnDay[a] = (int) Math.min(Integer.MAX_VALUE / 2, signup + 7 + Math.round(expo(mean)));
            }
            last = Math.max(last, churnDay[a] - 1);
            boolean growing = convertDay[a] != Integer.MIN_VALUE || rnd.nextDouble() < 0.25;
            if (growing) {
                // rows reach 80 % of the (original) limit after t80 days, then keep growing
                int t80 = convertDay[a] != Integer.MIN_VALUE
                        ? Math.max(3, convertDay[a] - signup - 2 - rnd.nextInt(5)) : 10 + rnd.nextInt(40);
                rowsSlope[a] = (float) (0.75 / t80);
            }
            rowsPlateau[a] = (float) (0.05 + 0.55 * rnd.nextDouble());
            usesApi[a] = rnd.nextDouble() < 0.4;
            apiDaily[a] = (float) (growing && rnd.nextDouble() < 0.6 ? 0.8 / (14 + rnd.nextInt(14))
                    : 0.004 + 0.02 * rnd.nextDouble());

            double meanGap = Math.min(12.0, 30.0 / team[a]);
            double joinOffset = 0;
            for (int i = 0; i < team[a]; i++) {
                int u = base + i;
                userAccount[u] = a;
                if (i > 0) {
                    joinOffset += expo(meanGap);
                }
                joinDay[u] = (int) Math.min(Integer.MAX_VALUE / 2, signup + (long) joinOffset);
                inviter[u] = i == 0 ? -1 : base + (rnd.nextDouble() < 0.6 ? 0 : rnd.nextInt(i));
                inviteDay[u] = i == 0 ? Integer.MIN_VALUE : Math.max(joinDay[inviter[u]], joinDay[u] - rnd.nextInt(3));
                level[u] = (float) Math.min(40, Math.pow(1 - rnd.nextDouble(), -1 / 1.6));
                int r = weighted(i == 0 ? FIRST_ROLE_WEIGHTS : TEAM_ROLE_WEIGHTS);
                if (r == 7 && industry[a] != EDUCATION && rnd.nextInt(3) > 0) {
                    r = 6; // students mostly in education accounts
                } else if (industry[a] == EDUCATION && i > 0 && rnd.nextDouble() < 0.25) {
                    r = 7;
                }
                role[u] = (byte) r;
                double c = rnd.nextDouble();
                client[u] = (byte) (c < 0.8 ? WEB : c < 0.92 ? IOS : ANDROID);
                double[] funnel = i == 0 ? FUNNEL_FIRST : FUNNEL_TEAM;
                int ms = 0;
                while (ms < 5 && rnd.nextDouble() < funnel[ms]) {
                    ms++;
                }
                maxStage[u] = (byte) ms;
                int age = -joinDay[u];
                if (age > 0) { // joined before the start: already some way down the funnel
                    stage[u] = (byte) Math.min(ms, 1 + age / 2);
                    depth[u] = (byte) Math.min(FEATURES.length, 2 + (int) (age * 0.1 * Math.pow(level[u], 0.3)));
                } else {
                    depth[u] = 2;
                }
            }
            base += team[a];
        }
        lastActiveDay = last;
    }

    // ==== Iterator ====

    @Override
    public boolean hasNext() {
        if (emitted >= limit) {
            return false;
        }
        if (ready.isEmpty()) {
            fill();
        }
        return !ready.isEmpty();
    }

    @Override
    public GeneratedRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        GeneratedRecord r = ready.poll();
        emitted++;
        switch (r.kind()) {
            case VALID: valid++; break;
            case DUPLICATE: duplicates++; break;
            default: bad++; break;
        }
        return r;
    }

    private void fill() {
        while (ready.isEmpty() && !finished) {
            long t = peekTime();
            if (!noMoreDays && (t == Long.MAX_VALUE || t >= day0 + (curDay + 1) * DAY)) {
                int next = curDay + 1;
                if (next >= maxDay || next > lastActiveDay) {
                    noMoreDays = true;
                } else {
                    curDay = next;
                    scheduleDay(next);
                }
                continue;
            }
            if (t == Long.MAX_VALUE) {
                while (arrivalSize > 0) {
                    ready.add(pollArrival());
                }
                finished = true;
                return;
            }
            step();
            while (arrivalSize > 0 && arrivals[0].arrivalTime() <= t) {
                ready.add(pollArrival());
            }
        }
    }

    private long peekTime() {
        long t = Long.MAX_VALUE;
        if (pendingPos < pendingCount) {
            t = pending[pendingPos].next;
        }
        if (openSize > 0 && open[0].next < t) {
            t = open[0].next;
        }
        return t;
    }

    /** Emits the next event of the session whose next event is earliest. */
    private void step() {
        Session s;
        boolean fromPending = pendingPos < pendingCount
                && (openSize == 0 || before(pending[pendingPos], open[0]));
        if (fromPending) {
            s = pending[pendingPos];
            pending[pendingPos++] = null;
        } else {
            s = open[0];
        }
        boolean more = s.next < endMs && emit(s);
        if (fromPending) {
            if (more) {
                pushOpen(s);
            }
        } else if (more) {
            siftDownOpen(0);
        } else {
            popOpen();
        }
    }

    // ==== ground truth for backtests ====

    /**
     * The CRM outcomes the simulation implies for the accounts generated so far, for backtests
     * ({@code --outcomes}): an account that converts is won at its checkout (estimated at 15:00 UTC
     * of its conversion day when the checkout lies beyond the generated records); one that starts
     * a checkout and abandons it is lost a week after; a trial account that churns is lost on the
     * day it churns (often after the last generated record: deals close after the history ends).
     * Free and pro accounts that never reach a checkout have no outcome. Draws no random numbers,
     * so the records are the same with or without it.
     */
    List<io.pqlscore.backtest.Outcomes.Row> outcomes() {
        List<io.pqlscore.backtest.Outcomes.Row> rows = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            if (!accountSeen[a]) {
                continue;
            }
            if (convertDay[a] != Integer.MIN_VALUE) {
                long at = checkoutAt[a] != 0 ? checkoutAt[a] : day0 + convertDay[a] * DAY + 15 * HOUR;
                rows.add(new io.pqlscore.backtest.Outcomes.Row(accountIds[a], true, at));
            } else if (abandonDay[a] != Integer.MIN_VALUE) {
                long at = checkoutAt[a] != 0 ? checkoutAt[a] : day0 + abandonDay[a] * DAY + 15 * HOUR;
                rows.add(new io.pqlscore.backtest.Outcomes.Row(accountIds[a], false, at + 7 * DAY));
            } else if (origPlan[a] == TRIAL && churnDay[a] < Integer.MAX_VALUE / 2) {
                rows.add(new io.pqlscore.backtest.Outcomes.Row(accountIds[a], false, day0 + churnDay[a] * DAY));
            }
        }
        return rows;
    }

    // ==== the daily schedule ====

    private void scheduleDay(int d) {
        long dayStart = day0 + d * DAY;
        int dow = (int) Math.floorMod(Math.floorDiv(dayStart, DAY) + 3, 7); // 0 = Monday
        boolean weekend = dow >= 5;
        int dom = dayOfMonth(dayStart);
        long dayEnd = dayStart + DAY;
        if (dayEnd <= startMs) {
            pendingCount = pendingPos = 0;
            return;
        }
        Session[] list = new Session[Math.max(16, pendingCount)];
        int count = 0;
        for (int a = 0; a < n; a++) {
            if (signupDay[a] > d || d >= churnDay[a]) {
                continue;
            }
            int daysLeft = churnDay[a] - d;
            double health = daysLeft < 10 ? 0.2 + 0.08 * daysLeft : 1.0;
            double intent = intent(a, d);
            double mult = activity * health * (1 + 0.8 * intent);
            int planToday = plan[a];
            boolean convertToday = convertDay[a] == d;
            boolean abandonToday = abandonDay[a] == d;
            int base = userBase[a];
            int size = team[a];
            int joined = 0;
            for (int i = 0; i < size && joinDay[base + i] <= d + 2; i++) {
                int u = base + i;
                if (joinDay[u] <= d) {
                    joined++;
                }
                if (inviteDay[u] == d && joinDay[u] >= d) {
                    int by = inviter[u];
                    if (pendingInvites[by] < 100) {
                        pendingInvites[by]++;
                    }
                }
            }

            // nightly backend job: one usage reading per metric (no user)
            if (d > signupDay[a]) {
                long t = dayStart + HOUR / 2 + rnd.nextLong(3 * HOUR);
                if (t >= startMs && t < endMs) {
                    Session s = new Session(sessionIds++, a, -1, SERVER, t, intent);
                    usage(s, a, d, planToday, joined, dom);
                    list = add(list, count++, s);
                }
            }

            int offset = tzOffset[a];
            for (int i = 0; i < size; i++) {
                int u = base + i;
                if (joinDay[u] > d) {
                    break;
                }
                boolean isNew = joinDay[u] == d;
                boolean buyer = i == 0 && (convertToday || abandonToday);
                boolean force = isNew || pendingInvites[u] > 0 || buyer;
                double p = Math.min(0.95, 0.12 * level[u] * mult * (weekend ? 0.3 : 1.0));
                if (!force && rnd.nextDouble() >= p) {
                    continue;
                }
                int sessions = 1;
                double more = Math.min(0.6, 0.15 * Math.pow(level[u], 0.7) * Math.min(2, activity));
                while (sessions < 6 && rnd.nextDouble() < more) {
                    sessions++;
                }
                boolean scripted = false;
                for (int k = 0; k < sessions; k++) {
                    long start = sessionStart(dayStart, offset);
                    if (start < startMs || start >= endMs) {
                        continue;
                    }
                    double meanEvents = (3 + 3 * Math.sqrt(level[u])) * Math.min(3, Math.sqrt(activity));
                    int events = 1 + geometric(meanEvents);
                    Session s = new Session(sessionIds++, a, u, client[u], start, intent);
                    s.routine = Math.min(events, 200);
                    if (!scripted) {
                        scripted = true;
                        script(s, a, u, i, d, isNew, planToday, convertToday, abandonToday, joined);
                    }
                    list = add(list, count++, s);
                }
                if (scripted) {
                    pendingInvites[u] = 0;
                }
            }
            if (convertToday) {
                plan[a] = PRO;
            }
        }
        Arrays.sort(list, 0, count, SESSION_ORDER);
        // sessions left from the previous day were all started (they are open), so pending is free
        pending = list;
        pendingCount = count;
        pendingPos = 0;
    }

    private static final Comparator<Session> SESSION_ORDER =
            (x, y) -> x.next != y.next ? Long.compare(x.next, y.next) : Integer.compare(x.id, y.id);

    private static Session[] add(Session[] list, int at, Session s) {
        if (at == list.length) {
            list = Arrays.copyOf(list, list.length * 2);
        }
        list[at] = s;
        return list;
    }

    /** The special events of a user's first session of the day, in order. */
    private void script(Session s, int a, int u, int i, int d, boolean isNew, int planToday, boolean convertToday,
            boolean abandonToday, int joined) {
        if (!identified[u] || rnd.nextDouble() < 0.05) {
            identified[u] = true;
            s.add(IDENTIFY, 0, 0);
        }
        boolean accountGroup = !groupSent[a] || (i == 0 && rnd.nextDouble() < 0.03);
        if (accountGroup || segmentStyle && !userGrouped[u]) {
            // Segment style: each user joins its account by a group call naming it (SPEC 8)
            groupSent[a] = true;
            userGrouped[u] = true;
            s.add(GROUP, planToday, 0);
        }
        int advance = isNew ? 1 + rnd.nextInt(2) : rnd.nextDouble() < 0.5 ? 1 : 0;
        while (advance-- > 0 && stage[u] < maxStage[u]) {
            s.add(FUNNEL_0 + stage[u], 0, 0);
            stage[u]++;
        }
        if (depth[u] < FEATURES.length && rnd.nextDouble() < 0.15 * Math.pow(level[u], 0.3)) {
            depth[u]++;
        }
        int invites = pendingInvites[u] + (rnd.nextDouble() < 0.02 ? 1 : 0); // some invites are never accepted
        for (int k = 0; k < invites; k++) {
            s.add(INVITE, 0, 0);
        }
        if (i == 0 && convertToday) {
            s.add(PRICING, 0, 0);
            s.add(UPGRADE, 0, 0);
            s.add(CHECKOUT, Math.max(joined, 3), 1);
            s.add(GROUP, PRO, 0);
        } else if (i == 0 && abandonToday) {
            s.add(PRICING, 0, 0);
            s.add(BILLING, 0, 0);
            s.add(CHECKOUT, Math.max(joined, 3), 0);
        }
    }

    /** The nightly usage readings of an account: rows, seats, and API calls for API users. */
    private void usage(Session s, int a, int d, int planToday, int joined, int dom) {
        int age = d - signupDay[a];
        int originalPlan = origPlan[a];
        double ratio = rowsSlope[a] > 0 ? 0.05 + rowsSlope[a] * age : rowsPlateau[a] * Math.min(1.0, (age + 1) / 10.0);
        ratio = Math.min(1.4, ratio) * (1 + 0.02 * gaussian());
        long used = Math.max(rowsUsed[a], Math.round(ratio * ROWS_LIMIT[originalPlan]));
        rowsUsed[a] = used;
        s.add(USAGE, used, ROWS_LIMIT[planToday] * 4 + 0);
        long seats = planToday == PRO ? 10L * ((team[a] * 5 / 4 + 9) / 10) + 10 : SEATS_LIMIT[planToday];
        s.add(USAGE, joined, seats * 4 + 1);
        if (usesApi[a]) {
            long api = Math.round(apiDaily[a] * dom * API_LIMIT[originalPlan] * (1 + 0.05 * gaussian()));
            s.add(USAGE, Math.max(0, api), API_LIMIT[planToday] * 4 + 2);
        }
    }

    private double intent(int a, int d) {
        int c = convertDay[a] != Integer.MIN_VALUE ? convertDay[a] : abandonDay[a];
        if (c != Integer.MIN_VALUE) {
            if (d <= c && d >= c - 14) {
                double top = convertDay[a] != Integer.MIN_VALUE ? 1.0 : 0.6;
                return baseIntent[a] + (top - baseIntent[a]) * (d - c + 14) / 14.0;
            }
            if (d > c) {
                return 0.05;
            }
        }
        return baseIntent[a];
    }

    /** A session start in the account's local working hours (sometimes any time), as UTC in the day. */
    private long sessionStart(long dayStart, int offsetMinutes) {
        long local = rnd.nextDouble() < 0.85
                ? 8 * HOUR + (long) (5 * HOUR * (rnd.nextDouble() + rnd.nextDouble()))
                : rnd.nextLong(DAY);
        local += rnd.nextLong(HOUR / 6);
        return dayStart + Math.floorMod(local - offsetMinutes * 60_000L, DAY);
    }

    // ==== records ====

    /** Emits the session's next event; false when the session is over. */
    private boolean emit(Session s) {
        long t = s.next;
        int a = s.account;
        if (s.user < 0) {
            int k = s.pos++;
            usageRecord(s, t, a, s.arg1[k], s.arg2[k]);
            s.next = t + 20 + rnd.nextInt(500);
            return s.pos < s.size;
        }
        int u = s.user;
        int scriptLeft = s.size - s.pos;
        int code;
        // identify and group calls open the session; other special events fall among routine ones
        if (scriptLeft > 0 && (s.code[s.pos] <= GROUP || rnd.nextInt(scriptLeft + s.routine) < scriptLeft)) {
            code = s.pos;
            s.pos++;
            scripted(s, t, a, u, s.code[code], s.arg1[code], s.arg2[code]);
        } else {
            s.routine--;
            routine(s, t, a, u);
        }
        s.next = t + 500 + (long) expo(40_000);
        return s.pos < s.size || s.routine > 0;
    }

    private void scripted(Session s, long t, int a, int u, int code, long arg1, long arg2) {
        switch (code) {
            case IDENTIFY: identify(s, t, a, u); return;
            case GROUP: group(s, t, a, u, (int) arg1); return;
            case PRICING: page(s, t, a, u, "Pricing", "/pricing"); return;
            case BILLING: page(s, t, a, u, "Billing", "/settings/billing"); return;
            case UPGRADE: page(s, t, a, u, "Upgrade", "/upgrade"); return;
            case INVITE: {
                track(s, t, a, u, "User Invited");
                int inviteeFirst = rnd.nextInt(FIRST_NAMES.length);
                prop("invitee_email").append('"').append(FIRST_NAMES[inviteeFirst][1]).append(rnd.nextInt(100)).append('@');
                domain(a).append("\",\"invitee_role\":\"").append(ROLES[weighted(TEAM_ROLE_WEIGHTS)]).append('"');
                close(s, t, a, u);
                return;
            }
            case CHECKOUT: {
                if (checkoutAt[a] == 0) {
                    checkoutAt[a] = t;
                }
                track(s, t, a, u, "Checkout Started");
                boolean annual = rnd.nextBoolean();
                prop("plan").append("\"pro\",\"billing_cycle\":\"").append(annual ? "annual" : "monthly")
                        .append("\",\"seats\":").append(arg1).append(",\"value\":").append(arg1 * (annual ? 348 : 35))
                        .append(",\"currency\":\"USD\"");
                close(s, t, a, u);
                return;
            }
            default: {
                int f = code - FUNNEL_0;
                track(s, t, a, u, FUNNEL[f]);
                funnelProperties(f, a);
                close(s, t, a, u);
            }
        }
    }

    private void funnelProperties(int f, int a) {
        switch (f) {
            case 0: prop("use_case").append('"').append(USE_CASES[rnd.nextInt(USE_CASES.length)]).append('"'); break;
            case 1: prop("source").append('"').append(SOURCES[rnd.nextInt(SOURCES.length)]).append('"'); break;
            case 2:
                prop("dashboard_id").append("\"d_");
                Json.hex(b, rnd.nextLong(), 8).append("\",\"template\":\"").append(TEMPLATES[rnd.nextInt(TEMPLATES.length)]).append('"');
                break;
            case 3: prop("channel").append('"').append(CHANNELS[rnd.nextInt(CHANNELS.length)]).append('"'); break;
            default:
                prop("integration").append('"').append(INTEGRATIONS[rnd.nextInt(INTEGRATIONS.length)]).append('"');
        }
    }

    private void routine(Session s, long t, int a, int u) {
        boolean mobile = s.client == IOS || s.client == ANDROID;
        if (!s.started) {
            s.started = true;
            if (mobile) {
                screen(s, t, a, u, "Home");
            } else {
                page(s, t, a, u, "Home", "/");
            }
            return;
        }
        double r = rnd.nextDouble();
        double pricing = 0.004 + 0.08 * s.intent;
        double billing = 0.002 + 0.05 * s.intent;
        if (r < pricing) {
            page(s, t, a, u, "Pricing", "/pricing");
            return;
        }
        r -= pricing;
        if (r < billing) {
            boolean upgrade = rnd.nextBoolean();
            page(s, t, a, u, upgrade ? "Upgrade" : "Billing", upgrade ? "/upgrade" : "/settings/billing");
            return;
        }
        r = rnd.nextDouble();
        if (r < 0.38) {
            if (mobile) {
                screen(s, t, a, u, SCREENS[rnd.nextInt(SCREENS.length)]);
            } else {
                String[] p = PAGES[weighted(PAGE_WEIGHTS)];
                page(s, t, a, u, p[0], p[1]);
            }
        } else if (r < 0.70) {
            track(s, t, a, u, "Feature Used");
            int k = depth[u];
            int f = Math.min(k - 1, (int) Math.pow(k + 1, rnd.nextDouble()) - 1);
            prop("feature").append('"').append(FEATURES[f]).append('"');
            close(s, t, a, u);
        } else if (r < 0.80) {
            track(s, t, a, u, "Query Run");
            prop("rows_returned").append(rnd.nextInt(50_000)).append(",\"duration_ms\":").append(20 + rnd.nextInt(4000));
            close(s, t, a, u);
        } else if (r < 0.88) {
            track(s, t, a, u, "Dashboard Viewed");
            prop("dashboard_id").append("\"d_");
            Json.hex(b, Json.mix64(a * 64L + rnd.nextInt(16)), 8).append('"');
            close(s, t, a, u);
        } else if (r < 0.93) {
            track(s, t, a, u, "Search Performed");
            prop("query_length").append(1 + rnd.nextInt(40));
            close(s, t, a, u);
        } else if (r < 0.96) {
            track(s, t, a, u, "Chart Exported");
            prop("format").append('"').append(rnd.nextBoolean() ? "png" : rnd.nextBoolean() ? "csv" : "pdf").append('"');
            close(s, t, a, u);
        } else if (r < 0.98 && stage[u] >= 3) {
            track(s, t, a, u, FUNNEL[2]);
            funnelProperties(2, a);
            close(s, t, a, u);
        } else if (r < 0.99 && stage[u] >= 4) {
            track(s, t, a, u, FUNNEL[3]);
            funnelProperties(3, a);
            close(s, t, a, u);
        } else {
            String[] p = PAGES[weighted(PAGE_WEIGHTS)];
            page(s, t, a, u, p[0], p[1]);
        }
    }

    // ---- record shapes ----

    /** Where the account id goes: true = context.groupId, false = properties.accountId only. */
    private boolean accountInContext(Session s) {
        return !(propsOnly[s.account] && s.client != WEB);
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
                if (python[s.account]) {
                    Json.timestamp(b, t, 0, false, (int) (idSeq % 1000));
                } else {
                    Json.timestamp(b, t, 0, true, -1);
                }
                break;
            default: Json.timestamp(b, t, tzOffset[s.account], false, -1);
        }
    }

    private void context(Session s, boolean withGroup) {
        b.append(",\"context\":{");
        if (withGroup) {
            b.append("\"groupId\":\"").append(accountIds[s.account]).append("\",");
        }
        b.append("\"library\":");
        switch (s.client) {
            case WEB: b.append("{\"name\":\"analytics.js\",\"version\":\"2.11.1\"}"); break;
            case IOS: b.append("{\"name\":\"analytics-ios\",\"version\":\"4.1.8\"},\"os\":{\"name\":\"iOS\"}"); break;
            case ANDROID: b.append("{\"name\":\"analytics-android\",\"version\":\"4.11.3\"},\"os\":{\"name\":\"Android\"}"); break;
            default:
                b.append(python[s.account] ? "{\"name\":\"analytics-python\",\"version\":\"2.3.3\"}"
                        : "{\"name\":\"analytics-node\",\"version\":\"6.2.0\"}");
        }
        b.append('}');
    }

    /** Opens an activity record up to the first property (the account id when it goes there). */
    private void activity(Session s, String type, String field, String value, long t, int u) {
        head(type);
        b.append(",\"").append(field).append("\":\"").append(value).append('"');
        ids(s, t, u);
        boolean tagged = !segmentStyle || u < 0 || taggedAnyway() || !resolvable(u, t);
        if (!tagged) {
            identityReadAt[u] = t;
        }
        boolean inContext = tagged && accountInContext(s);
        context(s, inContext);
        b.append(",\"properties\":{");
        propsEmpty = inContext || !tagged;
        if (!inContext && tagged) {
            b.append("\"accountId\":\"").append(accountIds[s.account]).append('"');
        }
    }

    /**
     * Segment style: whether the job can resolve the user's account at {@code t} from its group
     * call (SPEC 8): the call came before, and the identity has not been forgotten since. If it has
     * been, the user's next first session of a day sends a group call again; until then its
     * activity names its account, so that every record the generator calls valid is scored.
     */
    private boolean resolvable(int u, long t) {
        if (joinedAt[u] == Long.MIN_VALUE || joinedAt[u] >= t) {
            return false;
        }
        if (t - identityReadAt[u] >= GeneratorConfig.MODEL_RETENTION_MS) {
            userGrouped[u] = false;
            joinedAt[u] = Long.MIN_VALUE;
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
    private StringBuilder prop(String key) {
        if (!propsEmpty) {
            b.append(',');
        }
        propsEmpty = false;
        return b.append('"').append(key).append("\":");
    }

    private void track(Session s, long t, int a, int u, String event) {
        activity(s, "track", "event", event, t, u);
    }

    private void page(Session s, long t, int a, int u, String name, String path) {
        activity(s, "page", "name", name, t, u);
        prop("path").append('"').append(path).append("\",\"title\":\"").append(name)
                .append("\",\"url\":\"https://app.example.com").append(path).append('"');
        close(s, t, a, u);
    }

    private void screen(Session s, long t, int a, int u, String name) {
        activity(s, "screen", "name", name, t, u);
        close(s, t, a, u);
    }

    /** Closes properties and the record, and queues it. */
    private void close(Session s, long t, int a, int u) {
        b.append("}}");
        queue(b.toString(), s, t, a, u);
    }

    private void identify(Session s, long t, int a, int u) {
        if (segmentStyle) {
            identityReadAt[u] = t;
        }
        head("identify");
        ids(s, t, u);
        context(s, !segmentStyle); // Segment's identify carries no account id
        int first = (int) Long.remainderUnsigned(Json.mix64(u * 2L + idSalt), FIRST_NAMES.length);
        int last = (int) Long.remainderUnsigned(Json.mix64(u * 2L + 1 + idSalt), LAST_NAMES.length);
        b.append(",\"traits\":{\"email\":\"").append(FIRST_NAMES[first][1]).append('.').append(LAST_NAMES[last][1])
                .append('@');
        domain(a).append("\",\"name\":");
        Json.str(b, FIRST_NAMES[first][0] + " " + LAST_NAMES[last][0]);
        b.append(",\"role\":\"").append(ROLES[role[u]]).append("\",\"created_at\":\"");
        Json.timestamp(b, day0 + (long) joinDay[u] * DAY + 9 * HOUR, 0, true, -1).append("\"}}");
        queue(b.toString(), s, t, a, u);
    }

    private void group(Session s, long t, int a, int u, int planCode) {
        if (segmentStyle && u >= 0) {
            joinedAt[u] = t;
            identityReadAt[u] = t;
        }
        head("group");
        b.append(",\"groupId\":\"").append(accountIds[a]).append('"');
        ids(s, t, u);
        context(s, false);
        b.append(",\"traits\":{\"name\":");
        Json.str(b, companyName(a));
        b.append(",\"employees\":").append(employees[a]).append(",\"industry\":\"").append(INDUSTRIES[industry[a]])
                .append("\",\"plan\":\"").append(PLANS[planCode]).append("\",\"website\":\"https://");
        domain(a).append("\"}}");
        queue(b.toString(), s, t, a, u);
    }

    private void usageRecord(Session s, long t, int a, long used, long packed) {
        int metric = (int) (packed & 3);
        long lim = packed >>> 2;
        head("track");
        b.append(",\"event\":\"Usage Reported\"");
        ids(s, t, -1);
        boolean inContext = !propsOnly[a];
        context(s, inContext);
        b.append(",\"properties\":{");
        if (!inContext) {
            b.append("\"accountId\":\"").append(accountIds[a]).append("\",");
        }
        b.append("\"metric\":\"").append(METRICS[metric]).append("\",\"used\":").append(used).append(",\"limit\":")
                .append(lim).append("}}");
        queue(b.toString(), s, t, a, -1);
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

    private StringBuilder domain(int a) {
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

    // ---- queueing: arrival delay, retries, bad records ----

    private void queue(String json, Session s, long t, int a, int u) {
        long delay = delay();
        pushArrival(new GeneratedRecord(json, accountIds[a], t, t + delay, Kind.VALID, null, seq++));
        if (!accountSeen[a]) {
            accountSeen[a] = true;
            accountsSeen++;
        }
        if (u >= 0 && !userSeen[u]) {
            userSeen[u] = true;
            usersSeen++;
        }
        if (dupRatio > 0 && rnd.nextDouble() < dupRatio) {
            long retry = maxDisorder - delay > 1 ? delay + 1 + rnd.nextLong(maxDisorder - delay - 1) : delay;
            pushArrival(new GeneratedRecord(json, accountIds[a], t, t + retry, Kind.DUPLICATE, null, seq++));
        }
        if (badRatio > 0 && rnd.nextDouble() < badRatio) {
            badRecord(t, a, u);
        }
    }

    /** Network and SDK batching delays: mostly sub-second, some seconds, a few up to the bound. */
    private long delay() {
        if (maxDisorder <= 0) {
            return 0;
        }
        double r = rnd.nextDouble();
        long cap = r < 0.85 ? Math.min(maxDisorder, 2000) : r < 0.98 ? Math.min(maxDisorder, 30_000) : maxDisorder;
        return rnd.nextLong(cap);
    }

    static final String[] BAD_REASONS = {"bad_json", "missing_account", "bad_timestamp", "bad_field"};

    /** A record the job must reject, shaped like a web track call of this account at time t. */
    private void badRecord(long t, int a, int u) {
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
            b.append("\"groupId\":\"").append(accountIds[a]).append("\",");
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
        pushArrival(new GeneratedRecord(json, accountIds[a], t, t + delay(), Kind.BAD, BAD_REASONS[kind], seq++));
    }

    // ---- heaps ----

    private static boolean before(Session x, Session y) {
        return x.next < y.next || x.next == y.next && x.id < y.id;
    }

    private void pushOpen(Session s) {
        if (openSize == open.length) {
            open = Arrays.copyOf(open, openSize * 2);
        }
        int i = openSize++;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!before(s, open[p])) {
                break;
            }
            open[i] = open[p];
            i = p;
        }
        open[i] = s;
    }

    private void popOpen() {
        Session lastS = open[--openSize];
        open[openSize] = null;
        if (openSize > 0) {
            open[0] = lastS;
            siftDownOpen(0);
        }
    }

    private void siftDownOpen(int i) {
        Session s = open[i];
        int half = openSize >>> 1;
        while (i < half) {
            int c = 2 * i + 1;
            if (c + 1 < openSize && before(open[c + 1], open[c])) {
                c++;
            }
            if (!before(open[c], s)) {
                break;
            }
            open[i] = open[c];
            i = c;
        }
        open[i] = s;
    }

    private static boolean earlier(GeneratedRecord x, GeneratedRecord y) {
        return x.arrivalTime() < y.arrivalTime() || x.arrivalTime() == y.arrivalTime() && x.seq < y.seq;
    }

    private void pushArrival(GeneratedRecord r) {
        if (arrivalSize == arrivals.length) {
            arrivals = Arrays.copyOf(arrivals, arrivalSize * 2);
        }
        int i = arrivalSize++;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!earlier(r, arrivals[p])) {
                break;
            }
            arrivals[i] = arrivals[p];
            i = p;
        }
        arrivals[i] = r;
    }

    private GeneratedRecord pollArrival() {
        GeneratedRecord top = arrivals[0];
        GeneratedRecord r = arrivals[--arrivalSize];
        arrivals[arrivalSize] = null;
        if (arrivalSize > 0) {
            int i = 0;
            int half = arrivalSize >>> 1;
            while (i < half) {
                int c = 2 * i + 1;
                if (c + 1 < arrivalSize && earlier(arrivals[c + 1], arrivals[c])) {
                    c++;
                }
                if (!earlier(arrivals[c], r)) {
                    break;
                }
                arrivals[i] = arrivals[c];
                i = c;
            }
            arrivals[i] = r;
        }
        return top;
    }

    // ---- random helpers ----

    static double[] zipfCdf(int max, double alpha) {
        double[] cdf = new double[max];
        double sum = 0;
        for (int k = 1; k <= max; k++) {
            sum += Math.pow(k, -alpha);
            cdf[k - 1] = sum;
        }
        for (int k = 0; k < max; k++) {
            cdf[k] /= sum;
        }
        return cdf;
    }

    /** Index i with probability cdf[i] - cdf[i-1]. */
    private int sampleCdf(double[] cdf) {
        double x = rnd.nextDouble();
        int i = Arrays.binarySearch(cdf, x);
        i = i >= 0 ? i : -i - 1;
        return Math.min(i, cdf.length - 1);
    }

    private int weighted(int[] weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int x = rnd.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            x -= weights[i];
            if (x < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    private double expo(double mean) {
        return -mean * Math.log(1 - rnd.nextDouble());
    }

    private int geometric(double mean) {
        double p = 1 / (1 + mean);
        return (int) Math.min(10_000, Math.floor(Math.log(1 - rnd.nextDouble()) / Math.log(1 - p)));
    }

    private double gaussian() {
        // Box-Muller, one value (SplittableRandom has no nextGaussian on Java 17)
        double u1 = 1 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static int dayOfMonth(long dayStart) {
        StringBuilder d = Json.date(new StringBuilder(10), Math.floorDiv(dayStart, DAY));
        return (d.charAt(8) - '0') * 10 + (d.charAt(9) - '0');
    }

    /** One user's (or the backend's) visit: a script of special events mixed into routine ones. */
    static final class Session {
        final int id;
        final int account;
        final int user;
        final int client;
        final double intent;
        long next;
        int routine;
        boolean started;
        int[] code = new int[2];
        long[] arg1 = new long[2];
        long[] arg2 = new long[2];
        int size;
        int pos;

        Session(int id, int account, int user, int client, long start, double intent) {
            this.id = id;
            this.account = account;
            this.user = user;
            this.client = client;
            this.next = start;
            this.intent = intent;
        }

        void add(int c, long x, long y) {
            if (size == code.length) {
                code = Arrays.copyOf(code, size * 2);
                arg1 = Arrays.copyOf(arg1, size * 2);
                arg2 = Arrays.copyOf(arg2, size * 2);
            }
            code[size] = c;
            arg1[size] = x;
            arg2[size] = y;
            size++;
        }
    }
}
