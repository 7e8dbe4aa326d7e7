package io.pqlscore.model;

import java.io.Serializable;

/** A dotted path plus the test its value must pass. */
public record PathTest(JsonPath path, ValueTest test) implements Serializable {
    @Override
    public String toString() {
        return path + " " + test;
    }
}
