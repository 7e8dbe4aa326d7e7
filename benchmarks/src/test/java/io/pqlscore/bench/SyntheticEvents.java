package io.pqlscore.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A deterministic generator of Segment-spec usage events (JSON lines) for the default model, for
 * measurements (not a test). Same parameters and seed: byte-identical output.
 *
 * <p>Shape: {@code accounts} accounts with power-law team sizes (Zipf, exponent
 * {@value #ZIPF_EXPONENT}, 1..{@value #MAX_TEAM} users); each event picks an account with
 * probability proportional to its team size and a user of it uniformly (2 % of activity
 * events have no {@code userId}). Event times cover {@value #SPAN_DAYS} days from
 * {@link #START}: evenly spaced base times in file order plus a jitter in [0, 4 min), so the file
 * is out of order by less than 4 minutes (within the default model's 5 m bound: nothing late).
 * The mix exercises every signal of {@code models/default.yaml}: onboarding, the two activation
 * sequences, invitations, {@code Feature Used} with {@code properties.feature}, Pricing / Billing
 * / Upgrade pages, checkout, {@code Usage Reported} with {@code metric/used/limit}, plus
 * {@code identify} (role) and {@code group} (employees, industry) calls. {@code messageId}s are
 * unique.
 *
 * <pre>java ... io.pqlscore.bench.SyntheticEvents ACCOUNTS EVENTS SEED OUTPUT</pre>
 */
public final class SyntheticEvents {
    public static final double ZIPF_EXPONENT = 1.6;
    public static final int MAX_TEAM = 200;
    public static final int SPAN_DAYS = 60;
    public static final Instant START = Instant.parse("2026-01-05T00:00:00Z");
    public static final long MAX_JITTER_MS = 4 * 60_000L - 1;
    /** The account of the optional watermark tail (see {@link #generate(int, long, long, Path, int)}). */
    public static final String TAIL_ACCOUNT = "zz-watermark-tail";
    /** Spacing of the tail's records in event time. */
    public static final long TAIL_STEP_MS = 60;

    static final String[] FEATURES = {"filters", "drilldown", "alerts", "export_csv", "export_pdf", "sql_editor",
        "scheduling", "annotations", "embedding", "api_access", "sso", "themes", "comments", "forecasting",
        "pivot", "joins", "templates", "versioning", "permissions", "audit_log"};
    static final String[] METRICS = {"seats", "api_calls", "storage_gb"};
    static final String[] PAGES = {"Home", "Dashboards", "Settings", "Docs", "Reports", "Integrations"};
    static final String[] OTHER_EVENTS = {"Query Run", "Dashboard Viewed", "Search Performed", "Comment Added"};
    static final String[] ROLES = {"vp", "director", "head", "founder", "engineer", "analyst", "manager", "intern"};
    static final String[] INDUSTRIES = {"software", "fintech", "ecommerce", "healthcare", "education", "retail"};
    static final String[] SCREENS = {"Mobile Home", "Mobile Dashboard"};

    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** What a generation produced: counts of the entities and keys the job will hold state for. */
    public static final class Stats {
        public long events;
        public long activityEvents;
        /** Accounts with at least one record. */
        public int accounts;
        /** Identified users (account, userId) with at least one record. */
        public int users;
        /** Team size summed over all accounts (users who may never appear included). */
        public long teamSeats;
        /** Keys of the usage pattern: (account, metric) and (account, user, metric) pairs seen. */
        public int usageAccountMetricKeys;
        public int usageUserMetricKeys;
        public long firstTimestamp;
        public long lastTimestamp;
        /** The largest event time of the synthetic accounts' records (the tail excluded). */
        public long maxTimestamp;
        /** Records of the watermark tail, and the event time of its first and last. */
        public int tailRecords;
        public long tailStart;
        public long tailEnd;

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "events=%d activity=%d accounts=%d users=%d teamSeats=%d "
                    + "usageKeys(account,metric)=%d usageKeys(user,metric)=%d span=%s..%s",
                    events, activityEvents, accounts, users, teamSeats, usageAccountMetricKeys, usageUserMetricKeys,
                    Instant.ofEpochMilli(firstTimestamp), Instant.ofEpochMilli(maxTimestamp))
                    + (tailRecords == 0 ? "" : String.format(Locale.ROOT, " + watermark tail of %d records (%s) %s..%s",
                    tailRecords, TAIL_ACCOUNT, Instant.ofEpochMilli(tailStart), Instant.ofEpochMilli(tailEnd)));
        }
    }

    private SyntheticEvents() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 4 && args.length != 5) {
            System.err.println("usage: SyntheticEvents ACCOUNTS EVENTS SEED OUTPUT [TAIL_RECORDS]");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        Stats s = generate(Integer.parseInt(args[0]), Long.parseLong(args[1]), Long.parseLong(args[2]),
                Paths.get(args[3]), args.length == 5 ? Integer.parseInt(args[4]) : 0);
        System.out.printf(Locale.ROOT, "%s%nwritten to %s in %.1f s%n", s, args[3], (System.nanoTime() - t0) / 1e9);
    }

    public static Stats generate(int accounts, long events, long seed, Path output) throws IOException {
        return generate(accounts, events, seed, output, 0);
    }

    /**
     * Like {@link #generate(int, long, long, Path)}, followed by {@code tailRecords} anonymous
     * {@code page} records of one extra account, {@value #TAIL_ACCOUNT}, starting 5 minutes after
     * the last synthetic event, {@value #TAIL_STEP_MS} ms apart. A file source emits watermarks
     * periodically and not when a split ends, so the records read after the last periodic emission
     * never advance the watermark of a continuously watched directory; the tail takes that role, so
     * that the watermark passes every synthetic record. Measurements leave its account out.
     */
    public static Stats generate(int accounts, long events, long seed, Path output, int tailRecords)
            throws IOException {
        if (accounts <= 0 || events <= 0 || tailRecords < 0) {
            throw new IllegalArgumentException("accounts and events must be positive");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] team = teamSizes(accounts, rnd);
        // Cumulative team sizes: an event picks an account in proportion to its team size.
        long[] cumulative = new long[accounts];
        long seats = 0;
        for (int a = 0; a < accounts; a++) {
            seats += team[a];
            cumulative[a] = seats;
        }
        String runTag = Long.toHexString(seed);
        Stats st = new Stats();
        st.teamSeats = seats;
        boolean[] accountSeen = new boolean[accounts];
        Set<Long> usersSeen = new HashSet<>();
        Set<Long> usageAccountKeys = new HashSet<>();
        Set<Long> usageUserKeys = new HashSet<>();
        long start = START.toEpochMilli();
        double step = (double) SPAN_DAYS * 86_400_000L / events;
        st.firstTimestamp = Long.MAX_VALUE;
        StringBuilder b = new StringBuilder(512);
        Files.createDirectories(output.toAbsolutePath().getParent());
        try (Writer w = new BufferedWriter(Files.newBufferedWriter(output, StandardCharsets.UTF_8), 1 << 20)) {
            for (long i = 0; i < events; i++) {
                long ts = start + (long) (i * step) + rnd.nextLong(MAX_JITTER_MS + 1);
                int a = pickAccount(cumulative, rnd.nextLong(seats));
                int u = rnd.nextInt(team[a]);
                String account = "acct-" + a;
                String user = "user-" + a + "-" + u;
                b.setLength(0);
                int kind = event(b, rnd, account, user, ts, runTag + "-" + i);
                w.write(b.toString());
                w.write('\n');

                st.events++;
                accountSeen[a] = true;
                boolean usage = kind >= USAGE_BASE;
                boolean identified = usage ? (kind - USAGE_BASE) % 2 == 0 : kind == ACTIVITY || kind == IDENTIFY;
                if (identified) {
                    usersSeen.add(((long) a << 32) | u);
                }
                if (kind != IDENTIFY && kind != GROUP) {
                    st.activityEvents++;
                }
                if (usage) {
                    int metric = (kind - USAGE_BASE) / 2;
                    usageAccountKeys.add(((long) a << 8) | metric);
                    if (identified) {
                        usageUserKeys.add((((long) a << 32) | u) * 8 + metric);
                    }
                }
                st.firstTimestamp = Math.min(st.firstTimestamp, ts);
                st.maxTimestamp = Math.max(st.maxTimestamp, ts);
                st.lastTimestamp = ts;
            }
            long tailStart = st.maxTimestamp + 5 * 60_000L;
            for (int i = 0; i < tailRecords; i++) {
                long ts = tailStart + i * TAIL_STEP_MS;
                b.setLength(0);
                page(b, "page", "Home", runTag + "-tail-" + i, ts, null, TAIL_ACCOUNT);
                w.write(b.toString());
                w.write('\n');
                st.tailEnd = ts;
            }
            st.tailRecords = tailRecords;
            st.tailStart = tailRecords == 0 ? 0 : tailStart;
        }
        for (boolean seen : accountSeen) {
            st.accounts += seen ? 1 : 0;
        }
        st.users = usersSeen.size();
        st.usageAccountMetricKeys = usageAccountKeys.size();
        st.usageUserMetricKeys = usageUserKeys.size();
        return st;
    }

    /** Zipf(1.6) over 1..MAX_TEAM by inverse CDF. */
    static int[] teamSizes(int accounts, SplittableRandom rnd) {
        double[] cdf = new double[MAX_TEAM];
        double sum = 0;
        for (int k = 1; k <= MAX_TEAM; k++) {
            sum += Math.pow(k, -ZIPF_EXPONENT);
            cdf[k - 1] = sum;
        }
        int[] team = new int[accounts];
        for (int a = 0; a < accounts; a++) {
            double x = rnd.nextDouble() * sum;
            int k = 0;
            while (k < MAX_TEAM - 1 && cdf[k] < x) {
                k++;
            }
            team[a] = k + 1;
        }
        return team;
    }

    private static int pickAccount(long[] cumulative, long r) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > r) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    static final int ACTIVITY = 0;
    static final int NO_USER = 1;
    static final int IDENTIFY = 2;
    static final int GROUP = 3;
    static final int USAGE_BASE = 16;

    /**
     * Appends one record; returns its kind: ACTIVITY, NO_USER (activity without userId), IDENTIFY,
     * GROUP, or for a usage reading USAGE_BASE + 2 * metric index (+ 1 without userId).
     */
    private static int event(StringBuilder b, SplittableRandom rnd, String account, String user, long ts,
            String messageId) {
        int p = rnd.nextInt(10_000); // per-mille-and-a-bit buckets of the event mix
        if (p < 300) { // 3 %: identify with a role
            head(b, "identify", messageId, ts, user, account);
            b.append(",\"traits\":{\"role\":\"").append(ROLES[rnd.nextInt(ROLES.length)])
                    .append("\",\"email\":\"").append(user).append("@example.com\"}}");
            return IDENTIFY;
        }
        if (p < 400) { // 1 %: group with firmographics
            head(b, "group", messageId, ts, user, null);
            b.append(",\"groupId\":\"").append(account).append("\",\"traits\":{\"employees\":")
                    .append(10 + rnd.nextInt(4990)).append(",\"industry\":\"")
                    .append(INDUSTRIES[rnd.nextInt(INDUSTRIES.length)]).append("\",\"name\":\"")
                    .append(account).append(" Inc\"}}");
            return GROUP;
        }
        boolean anonymous = rnd.nextInt(50) == 0; // 2 % of activity events carry no userId
        String uid = anonymous ? null : user;
        int kind = anonymous ? NO_USER : ACTIVITY;
        if (p < 3400) { // 30 %: Feature Used
            track(b, "Feature Used", messageId, ts, uid, account);
            b.append(",\"properties\":{\"feature\":\"").append(FEATURES[zipfIndex(rnd, FEATURES.length)])
                    .append("\"}}");
        } else if (p < 4200) { // 8 %: Usage Reported
            int metric = rnd.nextInt(METRICS.length);
            int limit = 10 * (1 + rnd.nextInt(100));
            // ratios mostly below 0.8 with regular excursions above it, so the pattern re-arms
            int used = (int) Math.round(limit * Math.min(1.2, rnd.nextDouble() * 1.05));
            track(b, "Usage Reported", messageId, ts, uid, account);
            b.append(",\"properties\":{\"metric\":\"").append(METRICS[metric]).append("\",\"used\":").append(used)
                    .append(",\"limit\":").append(limit).append("}}");
            return USAGE_BASE + 2 * metric + (anonymous ? 1 : 0);
        } else if (p < 4800) { // 6 %
            track(b, "Dashboard Created", messageId, ts, uid, account);
            b.append(",\"properties\":{\"dashboardId\":\"d").append(rnd.nextInt(1_000_000)).append("\"}}");
        } else if (p < 5200) { // 4 %
            track(b, "Data Source Connected", messageId, ts, uid, account);
            b.append(",\"properties\":{\"source\":\"").append(rnd.nextBoolean() ? "postgres" : "snowflake")
                    .append("\"}}");
        } else if (p < 5600) { // 4 %
            track(b, "Report Shared", messageId, ts, uid, account);
            b.append(",\"properties\":{\"channel\":\"").append(rnd.nextBoolean() ? "email" : "slack").append("\"}}");
        } else if (p < 5800) { // 2 %
            track(b, "Integration Connected", messageId, ts, uid, account);
            b.append(",\"properties\":{\"integration\":\"").append(rnd.nextBoolean() ? "slack" : "salesforce")
                    .append("\"}}");
        } else if (p < 6000) { // 2 %
            track(b, "User Invited", messageId, ts, uid, account);
            b.append(",\"properties\":{\"invitee\":\"x").append(rnd.nextInt(1_000_000)).append("@example.com\"}}");
        } else if (p < 6100) { // 1 %
            track(b, "Onboarding Completed", messageId, ts, uid, account);
            b.append('}');
        } else if (p < 6150) { // 0.5 %
            track(b, "Checkout Started", messageId, ts, uid, account);
            b.append(",\"properties\":{\"plan\":\"").append(rnd.nextBoolean() ? "pro" : "business").append("\"}}");
        } else if (p < 6350) { // 2 %: Pricing
            page(b, "page", "Pricing", messageId, ts, uid, account);
        } else if (p < 6450) { // 1 %: Billing / Upgrade
            page(b, "page", rnd.nextBoolean() ? "Billing" : "Upgrade", messageId, ts, uid, account);
        } else if (p < 6650) { // 2 %: screens
            page(b, "screen", SCREENS[rnd.nextInt(SCREENS.length)], messageId, ts, uid, account);
        } else if (p < 8650) { // 20 %: other pages
            page(b, "page", PAGES[rnd.nextInt(PAGES.length)], messageId, ts, uid, account);
        } else { // 13.5 %: other track events
            track(b, OTHER_EVENTS[rnd.nextInt(OTHER_EVENTS.length)], messageId, ts, uid, account);
            b.append(",\"properties\":{\"durationMs\":").append(rnd.nextInt(5000)).append("}}");
        }
        return kind;
    }

    /** Index in [0, n) with a Zipf(1)-like skew: a few features are used most. */
    private static int zipfIndex(SplittableRandom rnd, int n) {
        double x = Math.pow(n + 1, rnd.nextDouble()); // log-uniform over [1, n+1)
        return Math.min(n - 1, (int) x - 1);
    }

    private static void head(StringBuilder b, String type, String messageId, long ts, String userId, String account) {
        b.append("{\"type\":\"").append(type).append("\",\"messageId\":\"").append(messageId)
                .append("\",\"timestamp\":\"").append(ISO_MILLIS.format(Instant.ofEpochMilli(ts))).append('"');
        if (userId != null) {
            b.append(",\"userId\":\"").append(userId).append('"');
        }
        if (account != null) {
            b.append(",\"context\":{\"groupId\":\"").append(account).append("\",\"library\":{\"name\":\"analytics.js\"}}");
        }
    }

    private static void track(StringBuilder b, String event, String messageId, long ts, String userId, String account) {
        head(b, "track", messageId, ts, userId, account);
        b.append(",\"event\":\"").append(event).append('"');
    }

    private static void page(StringBuilder b, String type, String name, String messageId, long ts, String userId,
            String account) {
        head(b, type, messageId, ts, userId, account);
        b.append(",\"name\":\"").append(name).append("\",\"properties\":{\"path\":\"/")
                .append(name.toLowerCase(Locale.ROOT).replace(' ', '-')).append("\"}}");
    }
}
