package io.pqlscore.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pqlscore.command.Commands;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.TimeSettings;
import io.pqlscore.time.Durations;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/** The {@code pqlscore} command line as a user meets it: help, version, errors, durations, and a few real runs. */
class PqlScoreTest {
    static final List<String> COMMANDS = List.of("run", "validate", "backtest", "generate", "inspect", "schema");

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    static Result pqlscore(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PqlScore.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsEveryCommandAndEachCommandHasItsOwn() {
        Result help = pqlscore("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).startsWith("Usage: pqlscore [-hV] COMMAND").contains("Exit codes:");
        for (String c : COMMANDS) {
            assertThat(help.out()).as("pqlscore --help lists " + c).containsPattern("(?m)^  " + c + " +\\S");
            Result own = pqlscore(c, "--help");
            assertThat(own.code()).as(c + " --help").isZero();
            assertThat(own.err()).isEmpty();
            assertThat(own.out()).as(c + " --help").contains("Usage: pqlscore " + c).contains("Options:")
                    .contains("Exit codes:").contains("  2   ");
        }
        assertThat(pqlscore("help").code()).as("no such command").isEqualTo(2);
    }

    @Test
    void defaultsAreShownAsTheyAreWritten() {
        String run = pqlscore("run", "--help").out().replaceAll("\\s+", " "); // as wrapped
        assertThat(run).contains("(default: 30s)").contains("(default: 10m)").contains("(default: 720)")
                .doesNotContainPattern("PT\\d");
        assertThat(pqlscore("generate", "--help").out().replaceAll("\\s+", " ")).contains("(default: 2m)")
                .contains("(default: 1000)");
    }

    @Test
    void versionIsThePomsVersion() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("<revision>([^<$]+)</revision>").matcher(pom);
        assertThat(m.find()).as("pom.xml's <revision>, the project version").isTrue();
        // written once: the parent takes it as its version, every module its parent's
        assertThat(pom).contains("<artifactId>pqlscore-parent</artifactId>\n  <version>${revision}</version>");
        for (String module : List.of("test-support", "core", "job", "tools", "benchmarks")) {
            String modulePom = Files.readString(Path.of(module, "pom.xml"), StandardCharsets.UTF_8)
                    .replaceAll("(?s)<!--.*?-->", "");
            assertThat(modulePom).as(module + "/pom.xml").contains("<version>${revision}</version>\n  </parent>");
            assertThat(modulePom.split("<version>", -1)).as(module + "/pom.xml: no version but the parent's").hasSize(2);
        }
        Result v = pqlscore("--version");
        assertThat(v.code()).isZero();
        assertThat(v.out()).isEqualTo("pqlscore " + m.group(1) + System.lineSeparator());
        assertThat(pqlscore("validate", "--version").out()).isEqualTo(v.out());
    }

    @Test
    void usageErrorsExitTwoWithOneLineAndAHint() {
        for (String[] bad : new String[][] {{}, {"launch"}, {"run", "--input", "x", "--idle-timeout", "30"},
                {"run", "--input", "x", "--parallelism", "0"}, {"run", "--modle", "m", "--input", "x"}, {"run"},
                {"validate"}, {"generate", "--accounts", "many"}, {"schema"}, {"inspect", "--as-of", "yesterday"}}) {
            Result r = pqlscore(bad);
            String line = String.join(" ", bad);
            assertThat(r.code()).as(line).isEqualTo(2);
            assertThat(r.out()).as(line).isEmpty();
            String[] lines = r.err().split("\\R");
            assertThat(lines).as(line + ": " + r.err()).hasSize(2);
            assertThat(lines[0]).as(line).startsWith("pqlscore");
            assertThat(lines[1]).as(line).startsWith("Try 'pqlscore").endsWith("--help' for the options.");
        }
        assertThat(pqlscore("run", "--modle", "m", "--input", "x").err()).contains("(did you mean --model");
    }

    @Test
    void aMisspelledOptionIsNamedWithoutItsValue() {
        Result r = pqlscore("run", "--input", "x", "--kafka-proprety", "sasl.jaas.config=s3cret");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown option --kafka-proprety").doesNotContain("s3cret");
    }

    /**
     * One duration grammar: every duration option of every command reads what the model file
     * reads, to the same milliseconds, and refuses what it refuses (ISO-8601, a bare number).
     */
    @Test
    void everyDurationOptionReadsTheModelsGrammar() throws Exception {
        Map<String, List<String>> required = Map.of("run", List.of("--input", "x"), "validate", List.of("m.yaml"),
                "backtest", List.of("--events", "e", "--outcomes", "o"), "generate", List.of(),
                "inspect", List.of("--savepoint", "s"), "schema", List.of("--jdbc-url", "jdbc:postgresql://h/db"));
        PrintStream nowhere = new PrintStream(PrintStream.nullOutputStream());
        List<String> checked = new ArrayList<>();
        for (CommandLine c : Commands.commandLine(new PqlScore(), nowhere, nowhere).getSubcommands().values()) {
            for (OptionSpec o : c.getCommandSpec().options()) {
                if (o.type() != Duration.class) {
                    continue;
                }
                String name = c.getCommandName() + " " + o.longestName();
                assertThat(o.converters()).as(name + ": no converter of its own").isEmpty();
                CommandLine fresh = Commands.commandLine(c.getCommand().getClass().getDeclaredConstructor().newInstance(),
                        nowhere, nowhere);
                List<String> args = new ArrayList<>(required.get(c.getCommandName()));
                fresh.parseArgs(Stream.concat(args.stream(), Stream.of(o.longestName(), "1.5h")).toArray(String[]::new));
                assertThat((Duration) fresh.getCommandSpec().findOption(o.longestName()).getValue()).as(name)
                        .isEqualTo(Duration.ofMinutes(90));
                for (String refused : List.of("PT1H", "30", "5 m", "5M", "36501d")) {
                    args = new ArrayList<>(required.get(c.getCommandName()));
                    args.addAll(List.of(o.longestName(), refused));
                    CommandLine again = Commands.commandLine(c.getCommand().getClass().getDeclaredConstructor().newInstance(),
                            nowhere, nowhere);
                    String[] a = args.toArray(String[]::new);
                    assertThatThrownBy(() -> again.parseArgs(a)).as(name + " " + refused)
                            .isInstanceOf(ParameterException.class)
                            .hasMessageContaining(refused.equals("36501d") ? "too long: at most 36500d" : Durations.HINT);
                }
                checked.add(name);
            }
        }
        assertThat(checked).as("duration options found").hasSizeGreaterThanOrEqualTo(7)
                .contains("run --idle-timeout", "backtest --progress-interval", "generate --max-disorder");

        // and the model file reads its durations to the same milliseconds
        TimeSettings model = ModelLoader.loadDefault().time();
        assertThat(Durations.parseMillis("5m")).isEqualTo(model.maxOutOfOrdernessMs());
        assertThat(Durations.parseMillis("90d")).isEqualTo(model.retentionMs());
    }

    @Test
    void validateAGoodAndABadModel() throws IOException {
        Result good = pqlscore("validate", "classpath:/models/default.yaml");
        assertThat(good.code()).isZero();
        assertThat(good.out()).startsWith("OK: model default version 1: 14 signals");
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, "id: bad\nversion: \"1\"\nsignals: []\nhalflife: 7d\n");
        Result refused = pqlscore("validate", bad.toString());
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.err()).contains(bad + ": halflife: unknown key").containsPattern("model refused: \\d+ problems?");
    }

    @Test
    void generateToAFileTheSameRecordsEachTime() throws IOException {
        Path first = tmp.resolve("a/events.jsonl");
        Path second = tmp.resolve("b/events.jsonl");
        for (Path p : List.of(first, second)) {
            Files.createDirectories(p.getParent());
            Result r = pqlscore("generate", "--accounts", "10", "--days", "3", "--out", p.toString(), "--max-disorder", "30s");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).contains("event generator: ").contains(" records (");
        }
        List<String> lines = Files.readAllLines(first, StandardCharsets.UTF_8);
        assertThat(lines).hasSizeGreaterThan(100);
        ObjectMapper json = new ObjectMapper();
        for (String line : lines.subList(0, 20)) {
            assertThat(json.readTree(line).path("type").asText()).isIn("track", "page", "screen", "identify", "group");
        }
        assertThat(Files.readAllBytes(second)).isEqualTo(Files.readAllBytes(first));
    }

    /** The README's replay: {@code ./pqlscore run --local --input samples/events.jsonl ...}. */
    @Test
    void runReplaysTheSampleLocally() throws IOException {
        Path out = tmp.resolve("sample");
        Result r = pqlscore("run", "--local", "--input", "samples/events.jsonl", "--output", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(lines(out.resolve("transitions"))).hasSize(42);
        assertThat(lines(out.resolve("dead-letters"))).hasSize(3);
    }

    private static List<String> lines(Path dir) throws IOException {
        List<String> all = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith(".")).toList()) {
                all.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
            }
        }
        return all;
    }
}
