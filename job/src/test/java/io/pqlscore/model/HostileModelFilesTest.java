package io.pqlscore.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.ScoringJob;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile model files (issue 7): broken YAML, wrong types, unknown keys, huge numbers, alias bombs
 * (billion laughs) and self-references, empty files, binary garbage, a missing file, a directory
 * and more, given to both entry points: {@code ValidateModel} and the job's {@code main}
 * ({@link ScoringJob#prepare}). Each must be refused with short lines that name the file and the
 * problem, then a {@code model refused: N problems} line (exit 1 for the validator, 2 for the
 * job), and never with a stack trace. Two of them also go through real {@code java} processes, to
 * see exactly what an operator sees.
 */
class HostileModelFilesTest {

    @TempDir
    static Path dir;

    /** name -> the model file (or directory, or missing path) */
    static final Map<String, Path> CASES = new LinkedHashMap<>();

    private static final String SCORES = "scores:\n  pql: {tiers: [{name: pql, min: 40, route: sales}]}\n"
            + "  pqa: {tiers: [{name: pqa, min: 50, route: sales}]}\n";

    private static String signal(String body) {
        return "id: m\nversion: '1'\nsignals:\n  - " + body + "\n" + SCORES;
    }

    @BeforeAll
    static void writeTheFiles() throws IOException {
        text("empty file", "");
        text("only whitespace", "  \n\t\n   \n");
        text("only comments", "# a model\n# nothing else\n");
        text("not YAML: unclosed flow", "id: [unclosed\nversion: '1'\n");
        text("not YAML: tab indentation", "id: m\nscores:\n\tpql: {}\n");
        text("not YAML: bad indentation", "id: m\n  version: '1'\n signals: []\n");
        text("top-level list", "- id: m\n- version: '1'\n");
        text("top-level scalar", "just some text\n");
        text("top-level number", "42\n");
        text("wrong types", "id: {a: 1}\nversion: [1]\nsignals: 5\nscores: text\n");
        text("unknown keys", "idd: m\nversoin: '1'\nsignal: []\n" + SCORES);
        text("huge numbers", signal("{id: a, category: c, match: {event: A}, points: 1e400}")
                .replace("min: 40", "min: 123456789012345678901234567890123456789"));
        text("infinities and NaN", signal("{id: a, category: c, match: {event: A}, points: .inf}")
                .replace("min: 40", "min: .nan").replace("min: 50", "min: -.inf"));
        text("huge durations", signal("{id: a, category: c, match: {event: A}, points: 1, half-life: 1e400d}")
                .replace("version: '1'", "version: '1'\ntime: {retention: 99999999999999999999999d, evaluation-interval: 0ms}"));
        text("huge integer in a where test", signal("{id: a, category: c, match: {event: A, where: {properties.n: {gte: "
                + "9".repeat(5000) + "}}}, points: 1}"));
        StringBuilder laughs = new StringBuilder("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            laughs.append(c).append(": &").append(c).append(" [");
            for (int k = 0; k < 9; k++) {
                laughs.append(k == 0 ? "" : ", ").append('*').append((char) (c - 1));
            }
            laughs.append("]\n");
        }
        text("billion laughs", laughs.toString());
        text("billion laughs inside a model", signal("{id: a, category: c, match: {event: A, where: {properties.x: {in: *j}}}, points: 1}")
                .replace("signals:", laughs.toString().replace("\n", "\nx_") .replaceFirst("^", "x_").replaceAll("x_$", "") + "signals:"));
        text("self-referencing alias", "id: &a [*a]\n");
        text("recursive key", "&a [*a]: 1\n");
        text("merge-key bomb", "base: &b {x: 1}\n" + "m: {<<: [*b, *b, *b, *b, *b, *b, *b, *b]}\n".repeat(3) + SCORES);
        text("deep nesting", "id: " + "[".repeat(10_000) + "\n");
        text("deep block nesting", "id: m\n" + buildDeepBlock(200));
        text("duplicate keys", "id: m\nid: n\nversion: '1'\n" + SCORES);
        text("several documents", "id: m\n---\nid: n\n");
        text("java type tag", "id: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL [\"http://127.0.0.1/\"]]]]\n");
        text("binary, set and omap tags", "id: !!binary aGVsbG8=\nversion: !!set {a, b}\nsignals: !!omap [a: 1]\n" + SCORES);
        text("newline and control characters in names", signal("{id: \"a\\nb\\u0000c\\u001b[31m\", category: \"x\\ny\", match: {event: A}, points: -1}"));
        text("a 100 KB key", signal("{id: a, category: c, match: {event: A}, points: 1, " + "k".repeat(100_000) + ": 1}"));
        text("100,000 signals", "id: m\nversion: '1'\nsignals:\n" + "  - {id: a, category: c, match: {event: A}, points: -1}\n".repeat(17_000) + SCORES);
        bytes("binary garbage", random(4096, 1));
        bytes("invalid UTF-8", ("id: m\nversion: '1'\nnote: \"caf\u00e9\"\n").getBytes(StandardCharsets.ISO_8859_1));
        bytes("NUL bytes", "id: m\u0000\u0000\nversion: '1'\n".getBytes(StandardCharsets.UTF_8));
        bytes("UTF-16 with BOM", ("id: m\nversion: '1'\n" + SCORES).getBytes(StandardCharsets.UTF_16));
        bytes("5 MB file", ("# " + "x".repeat(5 << 20) + "\n").getBytes(StandardCharsets.UTF_8));
        CASES.put("missing file", dir.resolve("does-not-exist.yaml"));
        Path d = dir.resolve("a-directory.yaml");
        Files.createDirectories(d);
        CASES.put("directory instead of a file", d);
        Path loop = dir.resolve("symlink-loop.yaml");
        Files.createSymbolicLink(loop, loop);
        CASES.put("symlink loop", loop);
    }

    private static String buildDeepBlock(int depth) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            b.append("  ".repeat(i)).append("k").append(i).append(":\n");
        }
        return b.append("  ".repeat(depth)).append("v\n").toString();
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void text(String name, String content) throws IOException {
        bytes(name, content.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name.replaceAll("[^A-Za-z0-9]+", "-") + ".yaml");
        Files.write(p, content);
        CASES.put(name, p);
    }

    @Test
    void validateModelRefusesEachWithShortLinesAndNoStackTrace() {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Path> c : CASES.entrySet()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            long t0 = System.nanoTime();
            int code = ValidateModel.run(new String[] {c.getValue().toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String e = err.toString(StandardCharsets.UTF_8);
            if (code != 1) {
                problems.add(c.getKey() + ": exit " + code);
            }
            if (out.size() > 0) {
                problems.add(c.getKey() + ": printed on stdout: " + out.toString(StandardCharsets.UTF_8));
            }
            problems.addAll(checkMessage(c.getKey(), c.getValue(), e));
            if (ms > 10_000) {
                problems.add(c.getKey() + ": took " + ms + " ms");
            }
            System.out.printf("%-42s %s%n", c.getKey(), firstLine(e));
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void theJobRefusesEachBeforeStartingWithShortLinesAndNoStackTrace() {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Path> c : CASES.entrySet()) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            ScoringJob.Prepared job = ScoringJob.prepare(new String[] {"--model", c.getValue().toString(), "--input",
                    dir.resolve("events.jsonl").toString()}, new PrintStream(err, true, StandardCharsets.UTF_8));
            if (job != null) {
                problems.add(c.getKey() + ": the job would start");
            }
            problems.addAll(checkMessage(c.getKey(), c.getValue(), err.toString(StandardCharsets.UTF_8)));
        }
        assertThat(problems).isEmpty();
    }

    /** What an operator sees: real processes, their exit codes, everything they print. */
    @Test
    void realProcessesPrintNoStackTrace() throws Exception {
        for (String name : List.of("billion laughs", "binary garbage", "directory instead of a file")) {
            Path model = CASES.get(name);
            Run validate = java("io.pqlscore.model.ValidateModel", model.toString());
            assertThat(validate.code).as("ValidateModel exit code, " + name).isEqualTo(1);
            assertThat(validate.stdout).isEmpty();
            assertThat(checkMessage(name, model, validate.stderr)).as("ValidateModel stderr, " + name).isEmpty();
            Run job = java("io.pqlscore.ScoringJob", "--model", model.toString(), "--input", dir.toString());
            assertThat(job.code).as("ScoringJob exit code, " + name).isEqualTo(2);
            assertThat(job.stdout).isEmpty();
            assertThat(checkMessage(name, model, job.stderr)).as("ScoringJob stderr, " + name).isEmpty();
        }
    }

    /**
     * Problems with what an entry point printed: every line is short, names the model file (or is
     * the closing count), there is at least one, and nothing looks like a stack trace.
     */
    static List<String> checkMessage(String name, Path model, String err) {
        List<String> problems = new ArrayList<>();
        String[] lines = err.split("\\R");
        if (err.isBlank()) {
            problems.add(name + ": nothing printed");
            return problems;
        }
        if (!lines[lines.length - 1].matches("model refused: \\d+ problems?")) {
            problems.add(name + ": last line is not 'model refused: N problems': " + lines[lines.length - 1]);
        }
        if (lines.length > 25) {
            problems.add(name + ": " + lines.length + " lines");
        }
        for (int i = 0; i < lines.length - 1; i++) {
            String l = lines[i];
            if (!l.startsWith(model.toString() + ": ")) {
                problems.add(name + ": line " + (i + 1) + " does not start with the file name: " + cut(l));
            }
            if (l.length() > 600) {
                problems.add(name + ": line " + (i + 1) + " has " + l.length() + " characters: " + cut(l));
            }
            if (l.matches(".*(Exception|Error)\\b.*") || l.matches("\\s+at .*") || l.contains("\tat ")) {
                problems.add(name + ": looks like a stack trace: " + cut(l));
            }
            if (l.chars().anyMatch(ch -> ch < 0x20 && ch != '\t')) {
                problems.add(name + ": control characters in line " + (i + 1) + ": " + cut(l));
            }
        }
        return problems;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return cut(nl < 0 ? s : s.substring(0, nl));
    }

    private static String cut(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    private record Run(int code, String stdout, String stderr) {}

    private static Run java(String main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(main + " finished").isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
