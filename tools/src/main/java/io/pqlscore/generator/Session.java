package io.pqlscore.generator;

import java.util.Arrays;
import java.util.Comparator;

/**
 * One user's (or the backend's) visit: a script of special events (identify, group, funnel steps,
 * invites, checkout, usage readings) mixed into routine ones, and the time of its next event.
 * The script is a list of codes with two arguments each.
 */
final class Session {
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

    // ---- the client that sends the session's records ----
    static final int WEB = 0;
    static final int IOS = 1;
    static final int ANDROID = 2;
    static final int SERVER = 3;

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

    /** The day's order of sessions: by next event time, then by creation (stable, so seeds reproduce). */
    static final Comparator<Session> ORDER =
            (x, y) -> x.next != y.next ? Long.compare(x.next, y.next) : Integer.compare(x.id, y.id);

    /** {@link #ORDER} for the heap of open sessions. */
    static boolean before(Session x, Session y) {
        return x.next < y.next || x.next == y.next && x.id < y.id;
    }
}
