package io.pqlscore.generator;

import static io.pqlscore.generator.Session.ANDROID;
import static io.pqlscore.generator.Session.IOS;
import static io.pqlscore.generator.Session.WEB;
import static io.pqlscore.generator.Vocabulary.DAY;
import static io.pqlscore.generator.Vocabulary.EDUCATION;
import static io.pqlscore.generator.Vocabulary.FEATURES;
import static io.pqlscore.generator.Vocabulary.FIRST_ROLE_WEIGHTS;
import static io.pqlscore.generator.Vocabulary.FREE;
import static io.pqlscore.generator.Vocabulary.FUNNEL_FIRST;
import static io.pqlscore.generator.Vocabulary.FUNNEL_TEAM;
import static io.pqlscore.generator.Vocabulary.HOUR;
import static io.pqlscore.generator.Vocabulary.INDUSTRY_WEIGHTS;
import static io.pqlscore.generator.Vocabulary.PRO;
import static io.pqlscore.generator.Vocabulary.TEAM_ROLE_WEIGHTS;
import static io.pqlscore.generator.Vocabulary.TRIAL;
import static io.pqlscore.generator.Vocabulary.TZ_OFFSETS;
import static io.pqlscore.generator.Vocabulary.TZ_WEIGHTS;

import io.pqlscore.backtest.Outcomes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The simulated world: accounts and their users, drawn once from the configuration, and what the
 * simulation changes about them as days pass (plans, funnel stages, pending invites, identities,
 * usage). Kept as arrays, one slot per account and per user (a user's global index is
 * {@code userBase[account] + i}), for the hot path of millions of records; {@link Schedule},
 * {@link SessionPlayer} and {@link RecordWriter} read and update them.
 */
final class Population {
    // ---- accounts ----
    final int n;
    final int[] team;
    final int[] userBase;
    final String[] accountIds;
    final int[] signupDay;
    final int[] churnDay;
    final int[] convertDay;
    final int[] abandonDay;
    /** Event time of the account's checkout (completed or abandoned), 0 before it is generated. */
    final long[] checkoutAt;
    final byte[] plan;
    final byte[] origPlan;
    final byte[] industry;
    final int[] employees;
    final short[] tzOffset;
    final float[] baseIntent;
    final boolean[] propsOnly;
    final boolean[] python;
    final boolean[] groupSent;
    /** Segment style: whether the user's own group call is scheduled (again after its identity expired). */
    final boolean[] userGrouped;
    /** Segment style: event time of the user's latest group call naming it, or Long.MIN_VALUE. */
    final long[] joinedAt;
    /** Segment style: event time of the user's latest record the job's identity stage reads (SPEC 8). */
    final long[] identityReadAt;
    final boolean segmentStyle;
    final boolean[] usesApi;
    final float[] rowsSlope;
    final float[] rowsPlateau;
    final long[] rowsUsed;
    final float[] apiDaily;
    final int lastActiveDay;

    // ---- users (global index = userBase[account] + i, joinDay non-decreasing within an account) ----
    final int users;
    final int[] userAccount;
    final int[] joinDay;
    final int[] inviteDay;
    final int[] inviter;
    final float[] level;
    final byte[] role;
    final byte[] client;
    final byte[] stage;
    final byte[] maxStage;
    final byte[] depth;
    final byte[] pendingInvites;
    final boolean[] identified;

    // ---- who has appeared in the output so far (the outcomes cover only them) ----
    private final boolean[] accountSeen;
    private final boolean[] userSeen;
    int accountsSeen;
    int usersSeen;

    /** Draws the accounts and their users (the first draws of the stream); {@code idKey} scrambles account ids. */
    Population(GeneratorConfig cfg, Draws rnd, int idKey) {
        double days = cfg.effectiveDays();
        int signupSpan = days > 0 ? Math.max(1, (int) Math.ceil(days)) : 28;
        StringBuilder b = new StringBuilder(16);

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

        double[] teamCdf = Draws.zipfCdf(cfg.maxTeam(), cfg.usersAlpha());
        long total = 0;
        for (int a = 0; a < n; a++) {
            team[a] = rnd.sampleCdf(teamCdf) + 1;
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
            industry[a] = (byte) rnd.weighted(INDUSTRY_WEIGHTS);
            tzOffset[a] = (short) TZ_OFFSETS[rnd.weighted(TZ_WEIGHTS)];
            long emp = Math.round(Math.exp(Math.log(40) + 1.5 * rnd.gaussian()));
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
                churnDay[a] = (int) Math.min(Integer.MAX_VALUE / 2, signup + 7 + Math.round(rnd.expo(mean)));
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
                    joinOffset += rnd.expo(meanGap);
                }
                joinDay[u] = (int) Math.min(Integer.MAX_VALUE / 2, signup + (long) joinOffset);
                inviter[u] = i == 0 ? -1 : base + (rnd.nextDouble() < 0.6 ? 0 : rnd.nextInt(i));
                inviteDay[u] = i == 0 ? Integer.MIN_VALUE : Math.max(joinDay[inviter[u]], joinDay[u] - rnd.nextInt(3));
                level[u] = (float) Math.min(40, Math.pow(1 - rnd.nextDouble(), -1 / 1.6));
                int r = rnd.weighted(i == 0 ? FIRST_ROLE_WEIGHTS : TEAM_ROLE_WEIGHTS);
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

    /** Notes that a record of account {@code a} and user {@code u} (-1: none) went out. */
    void seen(int a, int u) {
        if (!accountSeen[a]) {
            accountSeen[a] = true;
            accountsSeen++;
        }
        if (u >= 0 && !userSeen[u]) {
            userSeen[u] = true;
            usersSeen++;
        }
    }

    /**
     * The CRM outcomes the simulation implies for the accounts generated so far, for backtests
     * ({@code --outcomes}): an account that converts is won at its checkout (estimated at 15:00 UTC
     * of its conversion day when the checkout lies beyond the generated records); one that starts
     * a checkout and abandons it is lost a week after; a trial account that churns is lost on the
     * day it churns (often after the last generated record: deals close after the history ends).
     * Free and pro accounts that never reach a checkout have no outcome. Draws no random numbers,
     * so the records are the same with or without it.
     */
    List<Outcomes.Row> outcomes(long day0) {
        List<Outcomes.Row> rows = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            if (!accountSeen[a]) {
                continue;
            }
            if (convertDay[a] != Integer.MIN_VALUE) {
                long at = checkoutAt[a] != 0 ? checkoutAt[a] : day0 + convertDay[a] * DAY + 15 * HOUR;
                rows.add(new Outcomes.Row(accountIds[a], true, at));
            } else if (abandonDay[a] != Integer.MIN_VALUE) {
                long at = checkoutAt[a] != 0 ? checkoutAt[a] : day0 + abandonDay[a] * DAY + 15 * HOUR;
                rows.add(new Outcomes.Row(accountIds[a], false, at + 7 * DAY));
            } else if (origPlan[a] == TRIAL && churnDay[a] < Integer.MAX_VALUE / 2) {
                rows.add(new Outcomes.Row(accountIds[a], false, day0 + churnDay[a] * DAY));
            }
        }
        return rows;
    }
}
