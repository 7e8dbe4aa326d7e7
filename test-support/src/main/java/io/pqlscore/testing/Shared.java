package io.pqlscore.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Where the behaviour contract lives: the repository's own copy in {@code contract/} (SPEC.md,
 * model-format.yaml, conformance/), identical to the source of truth {@code ../shared} that
 * {@code .ci/run} compares it with; {@code -Dshared.dir} points the tests elsewhere.
 */
public final class Shared {
    private Shared() {}

    public static Path dir() {
        Path p = Paths.get(System.getProperty("shared.dir", "contract")).toAbsolutePath().normalize();
        if (!Files.isDirectory(p.resolve("conformance"))) {
            throw new IllegalStateException("the shared contract is not at " + p + " (set -Dshared.dir)");
        }
        return p;
    }

    public static Path conformance() {
        return dir().resolve("conformance");
    }
}
