package io.pqlscore.events;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.model.EventMatch;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * Every activity signal's match on one valid track, page or screen record, as the record's hits
 * ({@link UsageEvent#hitSignals} and the arrays parallel to it), for {@link EventParser}. Trait
 * signals are never matched against activity, so they are left out once, when the model is read.
 */
final class ActivitySignals implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The points, distinct, usage and sequence signals, in model order (the order of the hits). */
    private final Signal[] signals;

    ActivitySignals(List<Signal> all) {
        signals = all.stream().filter(ActivitySignals::matchesActivity).toArray(Signal[]::new);
    }

    private static boolean matchesActivity(Signal s) {
        SignalKind k = s.kind();
        return k == SignalKind.POINTS || k == SignalKind.DISTINCT || k == SignalKind.USAGE || k == SignalKind.SEQUENCE;
    }

    /** Sets {@code e}'s hits; {@code eventName}/{@code pageName} are its event/name strings or null. */
    void evaluate(UsageEvent e, String eventName, String pageName, JsonNode root) {
        Hits hits = new Hits(signals.length);
        for (Signal s : signals) {
            switch (s.kind()) {
                case POINTS:
                    if (s.match().matches(e.type, eventName, pageName, root)) {
                        hits.add(s.index(), null, Double.NaN, 0L);
                    }
                    break;
                case DISTINCT:
                    if (s.match().matches(e.type, eventName, pageName, root)) {
                        String key = distinctKey(s, e, root);
                        if (key != null) {
                            hits.add(s.index(), key, Double.NaN, 0L);
                        }
                    }
                    break;
                case USAGE:
                    if (s.match().matches(e.type, eventName, pageName, root)) {
                        usage(s, root, hits);
                    }
                    break;
                case SEQUENCE:
                    long mask = stepMask(s.steps(), e.type, eventName, pageName, root);
                    if (mask != 0) {
                        hits.add(s.index(), null, Double.NaN, mask);
                    }
                    break;
                default:
                    break; // left out by the constructor
            }
        }
        hits.into(e);
    }

    /** A usage reading: its ratio and metric key, when used and a positive limit are numbers. */
    private static void usage(Signal s, JsonNode root, Hits hits) {
        JsonNode used = s.usedPath().find(root);
        JsonNode limit = s.limitPath().find(root);
        if (used != null && used.isNumber() && limit != null && limit.isNumber() && limit.decimalValue().signum() > 0) {
            double ratio = used.doubleValue() / limit.doubleValue();
            Object metric = s.metricPath() == null ? null : JsonValues.canonical(s.metricPath().find(root));
            hits.add(s.index(), metric == null ? "" : EventParser.bounded(JsonValues.key(metric)), ratio, 0L);
        }
    }

    /** Bit {@code i} set when the record matches step {@code i} of a sequence. */
    private static long stepMask(List<EventMatch> steps, String type, String eventName, String pageName, JsonNode root) {
        long mask = 0;
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).matches(type, eventName, pageName, root)) {
                mask |= 1L << i;
            }
        }
        return mask;
    }

    private static String distinctKey(Signal s, UsageEvent e, JsonNode root) {
        switch (s.distinctBy()) {
            case DAY:
                return Timestamps.utcDate(e.timestamp);
            case USER:
                // counted, never shown: the state keeps fingerprints (KeyPrint), not the ids
                return e.userId == null ? null : KeyPrint.of(e.userId);
            default:
                Object v = JsonValues.canonical(s.distinctPath().find(root));
                return v == null ? null : KeyPrint.of(JsonValues.key(v));
        }
    }

    /**
     * The hits of one record in plain arrays: a signal hits at most once per record, so arrays of
     * the signal count never grow, and are cut to the hits at the end (no boxed lists).
     */
    private static final class Hits {
        private final int[] signals;
        private final String[] values;
        private final double[] ratios;
        private final long[] steps;
        private int n;

        Hits(int capacity) {
            signals = new int[capacity];
            values = new String[capacity];
            ratios = new double[capacity];
            steps = new long[capacity];
        }

        void add(int signal, String value, double ratio, long mask) {
            signals[n] = signal;
            values[n] = value;
            ratios[n] = ratio;
            steps[n] = mask;
            n++;
        }

        void into(UsageEvent e) {
            e.hitSignals = Arrays.copyOf(signals, n);
            e.hitValues = Arrays.copyOf(values, n);
            e.hitRatios = Arrays.copyOf(ratios, n);
            e.hitSteps = Arrays.copyOf(steps, n);
        }
    }
}
