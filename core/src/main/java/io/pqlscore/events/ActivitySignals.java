package io.pqlscore.events;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.model.EventMatch;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.Signal;
import io.pqlscore.model.SignalKind;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Every activity signal's match on one valid track, page or screen record, as the record's hits
 * ({@link UsageEvent#hitSignals} and the arrays parallel to it), for {@link EventParser}. Trait
 * signals are never matched against activity, so they are left out once, when the model is read.
 *
 * <p>Most matches name their activity types and event names, which {@link EventMatch#matches}
 * tests first. So the signals that could match at all are worked out once per activity type and
 * event name the model lists; a record is tested against those (a few of a model's signals), in
 * model order, and the others are skipped: each of their matches (each step of a sequence)
 * lists other types or other event names, so it would have failed those first tests.
 */
final class ActivitySignals implements Serializable {
    private static final long serialVersionUID = 1L;

    /** By activity type: the signals that may match a record of that type (see the class comment). */
    private final Map<String, Candidates> byType = new HashMap<>();

    ActivitySignals(List<Signal> all) {
        Signal[] signals = all.stream().filter(ActivitySignals::matchesActivity).toArray(Signal[]::new);
        TreeSet<String> eventNames = new TreeSet<>();
        for (Signal s : signals) {
            for (EventMatch m : matches(s)) {
                if (m.events() != null) {
                    eventNames.addAll(m.events());
                }
            }
        }
        for (String type : new String[] {UsageEvent.TRACK, UsageEvent.PAGE, UsageEvent.SCREEN}) {
            byType.put(type, new Candidates(signals, type, eventNames));
        }
    }

    private static boolean matchesActivity(Signal s) {
        SignalKind k = s.kind();
        return k == SignalKind.POINTS || k == SignalKind.DISTINCT || k == SignalKind.USAGE || k == SignalKind.SEQUENCE;
    }

    /** A signal's matches: a sequence's steps, else its one match. */
    private static List<EventMatch> matches(Signal s) {
        return s.kind() == SignalKind.SEQUENCE ? s.steps() : List.of(s.match());
    }

    /** The signals that may match records of one activity type, by their event name. */
    private static final class Candidates implements Serializable {
        private static final long serialVersionUID = 1L;

        /** For each event name some match lists. */
        final Map<String, Signal[]> byEvent = new HashMap<>();
        /** For any other event name, or none: the signals with a match naming no events. */
        final Signal[] otherEvent;

        Candidates(Signal[] signals, String type, Iterable<String> eventNames) {
            for (String name : eventNames) {
                byEvent.put(name, mayMatch(signals, type, name));
            }
            otherEvent = mayMatch(signals, type, null);
        }

        Signal[] of(String eventName) {
            Signal[] named = eventName == null ? null : byEvent.get(eventName);
            return named != null ? named : otherEvent;
        }

        /** In model order, the signals with a match (a step) that takes this type and event name. */
        private static Signal[] mayMatch(Signal[] signals, String type, String eventName) {
            return Arrays.stream(signals)
                    .filter(s -> matches(s).stream().anyMatch(m -> m.types().contains(type)
                            && (m.events() == null || (eventName != null && m.events().contains(eventName)))))
                    .toArray(Signal[]::new);
        }
    }

    /** Sets {@code e}'s hits; {@code eventName}/{@code pageName} are its event/name strings or null. */
    void evaluate(UsageEvent e, String eventName, String pageName, JsonNode root) {
        Signal[] candidates = byType.get(e.type).of(eventName);
        Hits hits = new Hits(candidates.length);
        for (Signal s : candidates) {
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
     * the candidates' count never grow, and are cut to the hits at the end (no boxed lists).
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
