package io.pqlscore.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * A compiled {@code match} (SPEC section 1): activity types, optional event or page/screen
 * names, and where-tests that must all hold.
 */
public final class EventMatch implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Set<String> types;
    private final Set<String> events; // null: any
    private final Set<String> names; // null: any
    private final List<PathTest> where;

    public EventMatch(Set<String> types, Set<String> events, Set<String> names, List<PathTest> where) {
        this.types = Set.copyOf(types);
        this.events = events == null ? null : Set.copyOf(events);
        this.names = names == null ? null : Set.copyOf(names);
        this.where = List.copyOf(where);
    }

    public Set<String> types() {
        return types;
    }

    public Set<String> events() {
        return events;
    }

    public Set<String> names() {
        return names;
    }

    public List<PathTest> where() {
        return where;
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
