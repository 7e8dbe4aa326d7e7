package io.pqlscore.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.config.JobOptions;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import org.junit.jupiter.api.Test;

/**
 * The README's option table is generated from {@link JobOptions#SPECS} (names, arguments, help)
 * and the defaults of a fresh {@link JobOptions}, so it cannot drift from the code. To refresh it
 * after changing an option, paste the output of {@link #main} between the README's
 * {@code <!-- options:begin -->} and {@code <!-- options:end -->} markers.
 */
class ReadmeOptionsTest {
    static final String BEGIN = "<!-- options:begin -->";
    static final String END = "<!-- options:end -->";

    public static void main(String[] args) {
        System.out.print(table());
    }

    @Test
    void readmeListsEveryOptionExactlyAsTheCodeDefinesIt() throws Exception {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int b = readme.indexOf(BEGIN);
        int e = readme.indexOf(END);
        assertThat(b).as("README.md has the " + BEGIN + " marker").isGreaterThanOrEqualTo(0);
        assertThat(e).as("README.md has the " + END + " marker").isGreaterThan(b);
        String inReadme = readme.substring(b + BEGIN.length(), e).strip();
        assertThat(inReadme)
                .as("README option table (regenerate it with ReadmeOptionsTest.main)")
                .isEqualTo(table().strip());
    }

    static String table() {
        JobOptions defaults = new JobOptions();
        StringBuilder t = new StringBuilder();
        t.append("| option | argument | default | meaning |\n");
        t.append("|---|---|---|---|\n");
        for (JobOptions.Spec s : JobOptions.SPECS.values()) {
            t.append("| `--").append(s.name).append("` | ")
                    .append(s.arg == null ? "(flag)" : "`" + s.arg + "`").append(" | ")
                    .append(defaultOf(defaults, s)).append(" | ")
                    .append(s.help.replace("|", "\\|")).append(" |\n");
        }
        return t.toString();
    }

    private static String defaultOf(JobOptions defaults, JobOptions.Spec s) {
        Object v = field(defaults, s.name);
        if (v == null) {
            return "none";
        }
        if (v instanceof Boolean) {
            return (Boolean) v ? "on" : "off";
        }
        if (v instanceof Collection) {
            return ((Collection<?>) v).isEmpty() ? "none" : "`" + v + "`";
        }
        if (v instanceof java.util.Map) {
            return ((java.util.Map<?, ?>) v).isEmpty() ? "none" : "`" + v + "`";
        }
        if (v instanceof Integer && (Integer) v <= 0) {
            return "`parallelism.default`";
        }
        if (v instanceof Duration) {
            return "`" + duration((Duration) v) + "`";
        }
        return "`" + v + "`";
    }

    /** The field an option sets: its name in camel case, or the plural for repeatable ones. */
    private static Object field(JobOptions o, String option) {
        StringBuilder name = new StringBuilder();
        boolean upper = false;
        for (char c : option.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                name.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        String n = name.toString();
        String plural = n.endsWith("y") ? n.substring(0, n.length() - 1) + "ies" : n + "s";
        for (String candidate : new String[] {n, plural}) {
            try {
                Field f = JobOptions.class.getField(candidate);
                return f.get(o);
            } catch (NoSuchFieldException e) {
                // try the next spelling
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("no JobOptions field for --" + option);
    }

    private static String duration(Duration d) {
        long ms = d.toMillis();
        long[] units = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (ms % units[i] == 0) {
                return ms / units[i] + names[i];
            }
        }
        return ms + "ms";
    }
}
