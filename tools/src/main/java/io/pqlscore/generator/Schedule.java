package io.pqlscore.generator;

import static io.pqlscore.generator.Session.BILLING;
import static io.pqlscore.generator.Session.CHECKOUT;
import static io.pqlscore.generator.Session.FUNNEL_0;
import static io.pqlscore.generator.Session.GROUP;
import static io.pqlscore.generator.Session.IDENTIFY;
import static io.pqlscore.generator.Session.INVITE;
import static io.pqlscore.generator.Session.PRICING;
import static io.pqlscore.generator.Session.SERVER;
import static io.pqlscore.generator.Session.UPGRADE;
import static io.pqlscore.generator.Session.USAGE;
import static io.pqlscore.generator.Vocabulary.API_LIMIT;
import static io.pqlscore.generator.Vocabulary.DAY;
import static io.pqlscore.generator.Vocabulary.FEATURES;
import static io.pqlscore.generator.Vocabulary.HOUR;
import static io.pqlscore.generator.Vocabulary.PRO;
import static io.pqlscore.generator.Vocabulary.ROWS_LIMIT;
import static io.pqlscore.generator.Vocabulary.SEATS_LIMIT;

import java.util.Arrays;

/**
 * The discrete-event schedule: day by day (UTC), every live account and each of its joined users
 * decide whether they are active and when their sessions start (local working hours); the day's
 * sessions are sorted by start, and a small heap of open sessions yields the next event in
 * event-time order. Which events a session scripts (first visits, funnel steps, invites, the
 * checkout of a converting account, the nightly usage readings) is decided here too.
 */
final class Schedule {
    private final Population pop;
    private final SessionPlayer player;
    private final Draws rnd;
    private final double activity;
    private final long startMs;
    private final long endMs;
    private final long day0;
    private final int maxDay;

    private int curDay = -1;
    private boolean noMoreDays;
    private Session[] pending = new Session[0];
    private int pendingCount;
    private int pendingPos;
    private Session[] open = new Session[256];
    private int openSize;
    private int sessionIds;

    Schedule(Population pop, SessionPlayer player, Draws rnd, double activity, long startMs, long endMs, long day0,
            int maxDay) {
        this.pop = pop;
        this.player = player;
        this.rnd = rnd;
        this.activity = activity;
        this.startMs = startMs;
        this.endMs = endMs;
        this.day0 = day0;
        this.maxDay = maxDay;
    }

    /**
     * Opens the next day when the next event ({@code t}) lies past the current one, or no session
     * is left: schedules its sessions, or notes that no day is left. True when it did either: the
     * caller looks at the next event again.
     */
    boolean advanceDay(long t) {
        if (!noMoreDays && (t == Long.MAX_VALUE || t >= day0 + (curDay + 1) * DAY)) {
            int next = curDay + 1;
            if (next >= maxDay || next > pop.lastActiveDay) {
                noMoreDays = true;
            } else {
                curDay = next;
                scheduleDay(next);
            }
            return true;
        }
        return false;
    }

    /** The event time of the next event of any session, or Long.MAX_VALUE when none is left today. */
    long peekTime() {
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
    void step() {
        Session s;
        boolean fromPending = pendingPos < pendingCount
                && (openSize == 0 || Session.before(pending[pendingPos], open[0]));
        if (fromPending) {
            s = pending[pendingPos];
            pending[pendingPos++] = null;
        } else {
            s = open[0];
        }
        boolean more = s.next < endMs && player.emit(s);
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
        for (int a = 0; a < pop.n; a++) {
            if (pop.signupDay[a] > d || d >= pop.churnDay[a]) {
                continue;
            }
            int daysLeft = pop.churnDay[a] - d;
            double health = daysLeft < 10 ? 0.2 + 0.08 * daysLeft : 1.0;
            double intent = intent(a, d);
            double mult = activity * health * (1 + 0.8 * intent);
            int planToday = pop.plan[a];
            boolean convertToday = pop.convertDay[a] == d;
            boolean abandonToday = pop.abandonDay[a] == d;
            int base = pop.userBase[a];
            int size = pop.team[a];
            int joined = 0;
            for (int i = 0; i < size && pop.joinDay[base + i] <= d + 2; i++) {
                int u = base + i;
                if (pop.joinDay[u] <= d) {
                    joined++;
                }
                if (pop.inviteDay[u] == d && pop.joinDay[u] >= d) {
                    int by = pop.inviter[u];
                    if (pop.pendingInvites[by] < 100) {
                        pop.pendingInvites[by]++;
                    }
                }
            }

            // nightly backend job: one usage reading per metric (no user)
            if (d > pop.signupDay[a]) {
                long t = dayStart + HOUR / 2 + rnd.nextLong(3 * HOUR);
                if (t >= startMs && t < endMs) {
                    Session s = new Session(sessionIds++, a, -1, SERVER, t, intent);
                    usage(s, a, d, planToday, joined, dom);
                    list = add(list, count++, s);
                }
            }

            int offset = pop.tzOffset[a];
            for (int i = 0; i < size; i++) {
                int u = base + i;
                if (pop.joinDay[u] > d) {
                    break;
                }
                boolean isNew = pop.joinDay[u] == d;
                boolean buyer = i == 0 && (convertToday || abandonToday);
                boolean force = isNew || pop.pendingInvites[u] > 0 || buyer;
                double p = Math.min(0.95, 0.12 * pop.level[u] * mult * (weekend ? 0.3 : 1.0));
                if (!force && rnd.nextDouble() >= p) {
                    continue;
                }
                int sessions = 1;
                double more = Math.min(0.6, 0.15 * Math.pow(pop.level[u], 0.7) * Math.min(2, activity));
                while (sessions < 6 && rnd.nextDouble() < more) {
                    sessions++;
                }
                boolean scripted = false;
                for (int k = 0; k < sessions; k++) {
                    long start = sessionStart(dayStart, offset);
                    if (start < startMs || start >= endMs) {
                        continue;
                    }
                    double meanEvents = (3 + 3 * Math.sqrt(pop.level[u])) * Math.min(3, Math.sqrt(activity));
                    int events = 1 + rnd.geometric(meanEvents);
                    Session s = new Session(sessionIds++, a, u, pop.client[u], start, intent);
                    s.routine = Math.min(events, 200);
                    if (!scripted) {
                        scripted = true;
                        script(s, a, u, i, d, isNew, planToday, convertToday, abandonToday, joined);
                    }
                    list = add(list, count++, s);
                }
                if (scripted) {
                    pop.pendingInvites[u] = 0;
                }
            }
            if (convertToday) {
                pop.plan[a] = PRO;
            }
        }
        Arrays.sort(list, 0, count, Session.ORDER);
        // sessions left from the previous day were all started (they are open), so pending is free
        pending = list;
        pendingCount = count;
        pendingPos = 0;
    }

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
        if (!pop.identified[u] || rnd.nextDouble() < 0.05) {
            pop.identified[u] = true;
            s.add(IDENTIFY, 0, 0);
        }
        boolean accountGroup = !pop.groupSent[a] || (i == 0 && rnd.nextDouble() < 0.03);
        if (accountGroup || pop.segmentStyle && !pop.userGrouped[u]) {
            // Segment style: each user joins its account by a group call naming it (SPEC 8)
            pop.groupSent[a] = true;
            pop.userGrouped[u] = true;
            s.add(GROUP, planToday, 0);
        }
        int advance = isNew ? 1 + rnd.nextInt(2) : rnd.nextDouble() < 0.5 ? 1 : 0;
        while (advance-- > 0 && pop.stage[u] < pop.maxStage[u]) {
            s.add(FUNNEL_0 + pop.stage[u], 0, 0);
            pop.stage[u]++;
        }
        if (pop.depth[u] < FEATURES.length && rnd.nextDouble() < 0.15 * Math.pow(pop.level[u], 0.3)) {
            pop.depth[u]++;
        }
        int invites = pop.pendingInvites[u] + (rnd.nextDouble() < 0.02 ? 1 : 0); // some invites are never accepted
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
        int age = d - pop.signupDay[a];
        int originalPlan = pop.origPlan[a];
        double ratio = pop.rowsSlope[a] > 0
                ? 0.05 + pop.rowsSlope[a] * age
                : pop.rowsPlateau[a] * Math.min(1.0, (age + 1) / 10.0);
        ratio = Math.min(1.4, ratio) * (1 + 0.02 * rnd.gaussian());
        long used = Math.max(pop.rowsUsed[a], Math.round(ratio * ROWS_LIMIT[originalPlan]));
        pop.rowsUsed[a] = used;
        s.add(USAGE, used, ROWS_LIMIT[planToday] * 4 + 0);
        long seats = planToday == PRO ? 10L * ((pop.team[a] * 5 / 4 + 9) / 10) + 10 : SEATS_LIMIT[planToday];
        s.add(USAGE, joined, seats * 4 + 1);
        if (pop.usesApi[a]) {
            long api = Math.round(pop.apiDaily[a] * dom * API_LIMIT[originalPlan] * (1 + 0.05 * rnd.gaussian()));
            s.add(USAGE, Math.max(0, api), API_LIMIT[planToday] * 4 + 2);
        }
    }

    private double intent(int a, int d) {
        int c = pop.convertDay[a] != Integer.MIN_VALUE ? pop.convertDay[a] : pop.abandonDay[a];
        if (c != Integer.MIN_VALUE) {
            if (d <= c && d >= c - 14) {
                double top = pop.convertDay[a] != Integer.MIN_VALUE ? 1.0 : 0.6;
                return pop.baseIntent[a] + (top - pop.baseIntent[a]) * (d - c + 14) / 14.0;
            }
            if (d > c) {
                return 0.05;
            }
        }
        return pop.baseIntent[a];
    }

    /** A session start in the account's local working hours (sometimes any time), as UTC in the day. */
    private long sessionStart(long dayStart, int offsetMinutes) {
        long local = rnd.nextDouble() < 0.85
                ? 8 * HOUR + (long) (5 * HOUR * (rnd.nextDouble() + rnd.nextDouble()))
                : rnd.nextLong(DAY);
        local += rnd.nextLong(HOUR / 6);
        return dayStart + Math.floorMod(local - offsetMinutes * 60_000L, DAY);
    }

    private void pushOpen(Session s) {
        if (openSize == open.length) {
            open = Arrays.copyOf(open, openSize * 2);
        }
        int i = openSize++;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!Session.before(s, open[p])) {
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
            if (c + 1 < openSize && Session.before(open[c + 1], open[c])) {
                c++;
            }
            if (!Session.before(open[c], s)) {
                break;
            }
            open[i] = open[c];
            i = c;
        }
        open[i] = s;
    }

    private static int dayOfMonth(long dayStart) {
        StringBuilder d = Json.date(new StringBuilder(10), Math.floorDiv(dayStart, DAY));
        return (d.charAt(8) - '0') * 10 + (d.charAt(9) - '0');
    }
}
