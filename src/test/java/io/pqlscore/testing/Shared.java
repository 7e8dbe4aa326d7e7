package io.pqlscore.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the shared contract lives: {@code ../shared} beside the project (CI has it). */
public final class Shared {
    private Shared() {}

    public static Path dir() {
        Path p = Paths.get(System.getProperty("shared.dir", "../shared")).toAbsolutePath().normalize();
        if (!Files.isDirectory(p.resolve("conformance"))) {
            throw new IllegalStateException("the shared contract is not at " + p + " (set -Dshared.dir)");
        }
        return p;
    }

    public static Path conformance() {
        return dir().resolve("conformance");
    }
}
