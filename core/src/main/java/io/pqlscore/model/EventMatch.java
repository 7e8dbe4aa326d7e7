package io.pqlscore.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * A compiled {@code match} (SPEC section 1): activity types, optional event or page/screen
 * names, and where-tests that must all hold.
 */
public record EventMatch(Set<String> types, Set<String> events, Set<String> names, List<PathTest> where)
        implements Serializable {
    /** {@code events}, {@code names}: null matches any. */
    public EventMatch {
        types = Set.copyOf(types);
        events = events == null ? null : Set.copyOf(events);
        names = names == null ? null : Set.copyOf(names);
        where = List.copyOf(where);
    }

    /**
     * Tests a validated activity record. {@code eventName}/{@code pageName} are the record's
     * {@code event}/{@code name} strings or null when absent.
     */
    public boolean matches(String type, String eventName, String pageName, JsonNode record) {
        if (!types.contains(type)) {
            return false;
        }
        if (events != null && (eventName == null || !events.contains(eventName))) {
            return false;
        }
        if (names != null && (pageName == null || !names.contains(pageName))) {
            return false;
        }
        for (PathTest t : where) {
            if (!t.test().test(JsonValues.canonical(t.path().find(record)))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "match{types=" + types + ", events=" + events + ", names=" + names + ", where=" + where + "}";
    }
}
