package io.pqlscore.generator;

import static io.pqlscore.generator.Session.ANDROID;
import static io.pqlscore.generator.Session.BILLING;
import static io.pqlscore.generator.Session.CHECKOUT;
import static io.pqlscore.generator.Session.FUNNEL_0;
import static io.pqlscore.generator.Session.GROUP;
import static io.pqlscore.generator.Session.IDENTIFY;
import static io.pqlscore.generator.Session.INVITE;
import static io.pqlscore.generator.Session.IOS;
import static io.pqlscore.generator.Session.PRICING;
import static io.pqlscore.generator.Session.UPGRADE;
import static io.pqlscore.generator.Vocabulary.CHANNELS;
import static io.pqlscore.generator.Vocabulary.FEATURES;
import static io.pqlscore.generator.Vocabulary.FIRST_NAMES;
import static io.pqlscore.generator.Vocabulary.FUNNEL;
import static io.pqlscore.generator.Vocabulary.INTEGRATIONS;
import static io.pqlscore.generator.Vocabulary.PAGES;
import static io.pqlscore.generator.Vocabulary.PAGE_WEIGHTS;
import static io.pqlscore.generator.Vocabulary.ROLES;
import static io.pqlscore.generator.Vocabulary.SCREENS;
import static io.pqlscore.generator.Vocabulary.SOURCES;
import static io.pqlscore.generator.Vocabulary.TEAM_ROLE_WEIGHTS;
import static io.pqlscore.generator.Vocabulary.TEMPLATES;
import static io.pqlscore.generator.Vocabulary.USE_CASES;

/**
 * Plays sessions, one event at a time: the backend's usage readings; a user's scripted events
 * (identify and group first, the rest mixed among routine ones at random) and routine activity
 * (pages or screens, features used, queries, dashboards; pricing and billing pages more often as
 * the account's intent to buy grows). Each event becomes a record ({@link RecordWriter}) queued
 * for its arrival ({@link Arrivals}).
 */
final class SessionPlayer {
    private final Population pop;
    private final RecordWriter writer;
    private final Arrivals arrivals;
    private final Draws rnd;

    SessionPlayer(Population pop, RecordWriter writer, Arrivals arrivals, Draws rnd) {
        this.pop = pop;
        this.writer = writer;
        this.arrivals = arrivals;
        this.rnd = rnd;
    }

    /** Emits the session's next event; false when the session is over. */
    boolean emit(Session s) {
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
        s.next = t + 500 + (long) rnd.expo(40_000);
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
                writer.domain(a).append("\",\"invitee_role\":\"").append(ROLES[rnd.weighted(TEAM_ROLE_WEIGHTS)]).append('"');
                close(s, t, a, u);
                return;
            }
            case CHECKOUT: {
                if (pop.checkoutAt[a] == 0) {
                    pop.checkoutAt[a] = t;
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
                Json.hex(prop("dashboard_id").append("\"d_"), rnd.nextLong(), 8)
                        .append("\",\"template\":\"").append(TEMPLATES[rnd.nextInt(TEMPLATES.length)]).append('"');
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
                String[] p = PAGES[rnd.weighted(PAGE_WEIGHTS)];
                page(s, t, a, u, p[0], p[1]);
            }
        } else if (r < 0.70) {
            track(s, t, a, u, "Feature Used");
            int k = pop.depth[u];
            int f = Math.min(k - 1, (int) Math.pow(k + 1, rnd.nextDouble()) - 1);
            prop("feature").append('"').append(FEATURES[f]).append('"');
            close(s, t, a, u);
        } else if (r < 0.80) {
            track(s, t, a, u, "Query Run");
            prop("rows_returned").append(rnd.nextInt(50_000)).append(",\"duration_ms\":").append(20 + rnd.nextInt(4000));
            close(s, t, a, u);
        } else if (r < 0.88) {
            track(s, t, a, u, "Dashboard Viewed");
            Json.hex(prop("dashboard_id").append("\"d_"), Json.mix64(a * 64L + rnd.nextInt(16)), 8).append('"');
            close(s, t, a, u);
        } else if (r < 0.93) {
            track(s, t, a, u, "Search Performed");
            prop("query_length").append(1 + rnd.nextInt(40));
            close(s, t, a, u);
        } else if (r < 0.96) {
            track(s, t, a, u, "Chart Exported");
            prop("format").append('"').append(rnd.nextBoolean() ? "png" : rnd.nextBoolean() ? "csv" : "pdf").append('"');
            close(s, t, a, u);
        } else if (r < 0.98 && pop.stage[u] >= 3) {
            track(s, t, a, u, FUNNEL[2]);
            funnelProperties(2, a);
            close(s, t, a, u);
        } else if (r < 0.99 && pop.stage[u] >= 4) {
            track(s, t, a, u, FUNNEL[3]);
            funnelProperties(3, a);
            close(s, t, a, u);
        } else {
            String[] p = PAGES[rnd.weighted(PAGE_WEIGHTS)];
            page(s, t, a, u, p[0], p[1]);
        }
    }

    // ---- each record written, then queued for its arrival ----

    private void usageRecord(Session s, long t, int a, long used, long packed) {
        arrivals.queue(writer.usageRecord(s, t, a, used, packed), t, a, -1);
    }

    private void identify(Session s, long t, int a, int u) {
        arrivals.queue(writer.identify(s, t, a, u), t, a, u);
    }

    private void group(Session s, long t, int a, int u, int planCode) {
        arrivals.queue(writer.group(s, t, a, u, planCode), t, a, u);
    }

    private void page(Session s, long t, int a, int u, String name, String path) {
        arrivals.queue(writer.page(s, t, u, name, path), t, a, u);
    }

    private void screen(Session s, long t, int a, int u, String name) {
        arrivals.queue(writer.screen(s, t, u, name), t, a, u);
    }

    /** Opens a track call: its properties follow with {@link #prop}, then {@link #close}. */
    private void track(Session s, long t, int a, int u, String event) {
        writer.track(s, t, u, event);
    }

    private StringBuilder prop(String key) {
        return writer.prop(key);
    }

    private void close(Session s, long t, int a, int u) {
        arrivals.queue(writer.close(), t, a, u);
    }
}
