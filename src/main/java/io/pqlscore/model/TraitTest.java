package io.pqlscore.model;

import java.io.Serializable;

/** A trait test (signal kind 5, and the routing override): {@code of}, {@code path} and a test. */
public final class TraitTest implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Of {
        ACCOUNT,
        USER
    }

    private final Of of;
    private final JsonPath path;
    private final ValueTest test;

    public TraitTest(Of of, JsonPath path, ValueTest test) {
        this.of = of;
        this.path = path;
        this.test = test;
    }

    public Of of() {
        return of;
    }

    public JsonPath path() {
        return path;
    }

    public ValueTest test() {
        return test;
    }

    @Override
    public String toString() {
        return "trait{" + of.name().toLowerCase() + "." + path + " " + test + "}";
    }
}
