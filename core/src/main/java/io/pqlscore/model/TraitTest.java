package io.pqlscore.model;

import java.io.Serializable;

/** A trait test (signal kind 5, and the routing override): {@code of}, {@code path} and a test. */
public record TraitTest(Of of, JsonPath path, ValueTest test) implements Serializable {
    public enum Of {
        ACCOUNT,
        USER
    }

    @Override
    public String toString() {
        return "trait{" + of.name().toLowerCase() + "." + path + " " + test + "}";
    }
}
