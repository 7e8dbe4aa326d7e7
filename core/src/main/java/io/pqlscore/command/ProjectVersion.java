package io.pqlscore.command;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The project version, from {@code pom.xml}'s {@code <version>} (the only place it is written):
 * Maven filters it into {@code io/pqlscore/version.properties} when it copies the resources, so it
 * is right in the job jar and when running from {@code target/classes} alike.
 */
public final class ProjectVersion implements IVersionProvider {
    static final String RESOURCE = "/io/pqlscore/version.properties";

    /** The version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String get() {
        try (InputStream in = ProjectVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing: build with Maven (mvn compile)");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"pqlscore " + get()};
    }
}
