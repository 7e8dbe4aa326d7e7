package io.pqlscore.scoring;

import io.pqlscore.model.Signal;
import io.pqlscore.model.TraitTest;
import java.util.Arrays;

/**
 * The arithmetic of one signal's state (SPEC 2 and 4): what a signal contributes at an instant
 * (decay, distinct counts in a rolling window, traits), what a hit does to its state, how usage
 * readings and distinct values are kept. Stateless; {@link ScoreEngine} decides when each applies
 * and to which entity.
 */
final class SignalMath {
    private SignalMath() {}

    /** A category's points, capped where the model caps the category ({@code NaN}: uncapped). */
    static double capped(double[] caps, int category, double sum) {
        return Double.isNaN(caps[category]) ? sum : Math.min(sum, caps[category]);
    }

    static double contribution(Signal s, SignalState st, SignalState accountSt, long t) {
        switch (s.kind()) {
            case POINTS:
            case SEQUENCE:
            case USAGE:
                return decayed(s, st, t);
            case DISTINCT:
                return s.pointsForCount(countRecent(st.times, t, s.windowMs()));
            case TRAIT:
                SignalState owner = s.trait().of() == TraitTest.Of.ACCOUNT ? accountSt : st;
                return owner.fired ? s.points() : 0;
            default:
                throw new IllegalStateException("unknown kind " + s.kind());
        }
    }

    /** {@code points · 2^(-(t - t_e) / half-life)} summed, kept as one value at {@code valueAt}. */
    static double decayed(Signal s, SignalState st, long t) {
        if (st.value == 0 || !s.decays()) {
            return st.value;
        }
        return st.value * Math.pow(2, -(double) (t - st.valueAt) / s.halfLifeMs());
    }

    /** How many times lie in the rolling window {@code (t - window, t]}. */
    static int countRecent(long[] times, long t, long window) {
        int n = 0;
        for (long x : times) {
            if (x > t - window && x <= t) {
                n++;
            }
        }
        return n;
    }

    /**
     * Records a usage reading of {@code metric} in the signal's state and says whether the engine
     * fires for it; the other crossings are CEP's ({@code UsageApproachPattern}, run by {@code
     * PatternMachines}). The engine fires for a reading at or above {@code at} that is the first
     * reading of the metric for this entity (the engine knows when an entity starts: it is
     * forgotten at retention), or whose previous reading was below {@code at} and {@code expiry} or
     * more before it (see {@code TimeSettings.usageExpiryMs}). Together with CEP's crossings that
     * is SPEC's rule: the previous reading below, however long ago; where both see a crossing the
     * record fires the signal once.
     *
     * <p>State: {@code keys} holds the metrics seen; {@code times} two longs per metric, the time
     * of its latest reading and 1 if that reading was below {@code at}, else 0. State from before
     * {@code times} was kept (savepoints of earlier versions) gets "unknown" (Long.MIN_VALUE, 0)
     * for the metrics it already had: those rely on CEP alone until their next reading.
     */
    static boolean usageReading(SignalState st, String metric, boolean atOrAbove, long t, long expiry) {
        int n = st.keys.length;
        if (st.times.length != 2 * n) {
            long[] times = new long[2 * n];
            for (int k = 0; k < n; k++) {
                times[2 * k] = Long.MIN_VALUE;
            }
            st.times = times;
        }
        int k = Arrays.asList(st.keys).indexOf(metric);
        boolean fires;
        if (k < 0) {
            st.keys = Arrays.copyOf(st.keys, n + 1);
            st.keys[n] = metric;
            st.times = Arrays.copyOf(st.times, 2 * n + 2);
            k = n;
            fires = atOrAbove;
        } else {
            long previous = st.times[2 * k];
            boolean previousBelow = st.times[2 * k + 1] != 0;
            fires = atOrAbove && previousBelow && previous != Long.MIN_VALUE && t - previous >= expiry;
        }
        st.times[2 * k] = t;
        st.times[2 * k + 1] = atOrAbove ? 0 : 1;
        return fires;
    }

    static void fire(SignalState st, Signal s, long t) {
        st.value = decayed(s, st, t) + s.points();
        st.valueAt = t;
        st.lastSeen = t;
        st.fired = true;
    }

    /**
     * Records that {@code key} was seen at {@code t}, keeping only values still in the window and
     * at most {@code keep} of them, the most recent: that is all any future count up to the
     * highest tier can depend on.
     */
    static void observe(SignalState st, String key, long t, long window, int keep) {
        int n = st.keys.length;
        int[] hashes = st.hashesOf == st.keys ? st.hashes : hashes(st.keys);
        int found = -1;
        int hash = key.hashCode();
        for (int i = 0; i < n; i++) {
            if (hashes[i] == hash) {
                String k = st.keys[i];
                if (k == key || k.equals(key)) {
                    found = i;
                    break;
                }
            }
        }
        String[] keys;
        long[] times;
        if (found >= 0) {
            keys = st.keys;
            times = st.times;
            times[found] = Math.max(times[found], t);
        } else {
            keys = Arrays.copyOf(st.keys, n + 1);
            times = Arrays.copyOf(st.times, n + 1);
            hashes = Arrays.copyOf(hashes, n + 1);
            keys[n] = key;
            times[n] = t;
            hashes[n] = hash;
            n++;
        }
        // drop expired values, then the oldest beyond `keep`
        int live = 0;
        for (int i = 0; i < n; i++) {
            if (times[i] > t - window) {
                keys[live] = keys[i];
                times[live] = times[i];
                hashes[live] = hashes[i];
                live++;
            }
        }
        while (live > keep) {
            int oldest = 0;
            for (int i = 1; i < live; i++) {
                if (times[i] < times[oldest]) {
                    oldest = i;
                }
            }
            keys[oldest] = keys[live - 1];
            times[oldest] = times[live - 1];
            hashes[oldest] = hashes[live - 1];
            live--;
        }
        st.keys = live == keys.length ? keys : Arrays.copyOf(keys, live);
        st.times = live == times.length ? times : Arrays.copyOf(times, live);
        st.hashes = live == hashes.length ? hashes : Arrays.copyOf(hashes, live);
        st.hashesOf = st.keys;
    }

    private static int[] hashes(String[] keys) {
        int[] h = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            h[i] = keys[i].hashCode();
        }
        return h;
    }
}
