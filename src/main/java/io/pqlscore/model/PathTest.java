package io.pqlscore.model;

import java.io.Serializable;

/** A dotted path plus the test its value must pass. */
public final class PathTest implements Serializable {
    private static final long serialVersionUID = 1L;

    private final JsonPath path;
    private final ValueTest test;

    public PathTest(JsonPath path, ValueTest test) {
        this.path = path;
        this.test = test;
    }

    public JsonPath path() {
        return path;
    }

    public ValueTest test() {
        return test;
    }

    @Override
    public String toString() {
        return path + " " + test;
    }
}
