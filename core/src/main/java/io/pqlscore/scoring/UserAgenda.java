package io.pqlscore.scoring;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One time per user of an account (a wake-up: a tick, a retention, a pattern's pruning), found by
 * user and by time: the account's one wake-up is the agenda's earliest time.
 */
final class UserAgenda {
    private final Map<String, Long> byUser = new HashMap<>();
    private final TreeMap<Long, Set<String>> byTime = new TreeMap<>();
    /** The earliest time, when {@code firstKnown}: asked for after every record of the account. */
    private long first = Long.MAX_VALUE;
    private boolean firstKnown = true;

    /** Sets the user's time; {@code Long.MAX_VALUE} removes it. */
    void set(String user, long time) {
        Long current = byUser.get(user);
        if (current == null ? time == Long.MAX_VALUE : current == time) {
            return;
        }
        Long old = time == Long.MAX_VALUE ? byUser.remove(user) : byUser.put(user, time);
        if (firstKnown) {
            if (old != null && old == first) {
                firstKnown = false;
            } else if (time < first) {
                first = time;
            }
        }
        if (old != null) {
            Set<String> at = byTime.get(old);
            if (at != null) {
                at.remove(user);
                if (at.isEmpty()) {
                    byTime.remove(old);
                }
            }
        }
        if (time != Long.MAX_VALUE) {
            byTime.computeIfAbsent(time, t -> new HashSet<>(2)).add(user);
        }
    }

    /** The user's time, or {@code Long.MAX_VALUE}. */
    long get(String user) {
        Long t = byUser.get(user);
        return t == null ? Long.MAX_VALUE : t;
    }

    /** Users at exactly {@code time}. */
    Collection<String> at(long time) {
        Set<String> at = byTime.get(time);
        return at == null ? List.of() : new ArrayList<>(at);
    }

    /** Users at or before {@code time}. */
    List<String> by(long time) {
        List<String> due = new ArrayList<>();
        for (Set<String> at : byTime.headMap(time, true).values()) {
            due.addAll(at);
        }
        return due;
    }

    /** The earliest time, or {@code Long.MAX_VALUE}. */
    long first() {
        if (!firstKnown) {
            first = byTime.isEmpty() ? Long.MAX_VALUE : byTime.firstKey();
            firstKnown = true;
        }
        return first;
    }

    int size() {
        return byUser.size();
    }

    Map<String, Long> entries() {
        return byUser;
    }

    void clear() {
        byUser.clear();
        byTime.clear();
        first = Long.MAX_VALUE;
        firstKnown = true;
    }
}
