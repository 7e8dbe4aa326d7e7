package io.pqlscore.generator;

import io.pqlscore.generator.GeneratedRecord.Kind;
import java.util.Arrays;
import java.util.Queue;

/**
 * When records arrive: each record's arrival is its event time plus a network or SDK batching
 * delay below the max disorder; some are sent twice (an SDK retry, with a later arrival), some
 * are followed by a record the job must reject. Records wait in an arrival-time heap until the
 * stream releases them, so they leave in non-decreasing arrival order.
 */
final class Arrivals {
    private final Population pop;
    private final RecordWriter writer;
    private final Draws rnd;
    private final long maxDisorder;
    private final double dupRatio;
    private final double badRatio;
    /** Records queued so far: breaks ties of arrival time, so equal arrivals keep their order. */
    private long seq;
    private GeneratedRecord[] arrivals = new GeneratedRecord[1024];
    private int arrivalSize;

    Arrivals(Population pop, RecordWriter writer, Draws rnd, long maxDisorder, double dupRatio, double badRatio) {
        this.pop = pop;
        this.writer = writer;
        this.rnd = rnd;
        this.maxDisorder = maxDisorder;
        this.dupRatio = dupRatio;
        this.badRatio = badRatio;
    }

    /**
     * Queues a record of account {@code a} and user {@code u} (-1: none) written at event time
     * {@code t}: it arrives after a delay; sometimes an SDK retry follows it, sometimes a record
     * the job must reject.
     */
    void queue(String json, long t, int a, int u) {
        long delay = delay();
        pushArrival(new GeneratedRecord(json, pop.accountIds[a], t, t + delay, Kind.VALID, null, seq++));
        pop.seen(a, u);
        if (dupRatio > 0 && rnd.nextDouble() < dupRatio) {
            long retry = maxDisorder - delay > 1 ? delay + 1 + rnd.nextLong(maxDisorder - delay - 1) : delay;
            pushArrival(new GeneratedRecord(json, pop.accountIds[a], t, t + retry, Kind.DUPLICATE, null, seq++));
        }
        if (badRatio > 0 && rnd.nextDouble() < badRatio) {
            RecordWriter.Bad bad = writer.badRecord(t, a, u);
            pushArrival(new GeneratedRecord(bad.json(), pop.accountIds[a], t, t + delay(), Kind.BAD, bad.reason(),
                    seq++));
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

    /** Moves every record that arrives at or before {@code t} to {@code ready}, in arrival order. */
    void releaseUpTo(long t, Queue<GeneratedRecord> ready) {
        while (arrivalSize > 0 && arrivals[0].arrivalTime() <= t) {
            ready.add(pollArrival());
        }
    }

    /** Moves every record left to {@code ready}, in arrival order (the simulation has ended). */
    void drainTo(Queue<GeneratedRecord> ready) {
        while (arrivalSize > 0) {
            ready.add(pollArrival());
        }
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
}
