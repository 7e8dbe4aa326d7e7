package io.pqlscore.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.generator.EventGenerator;
import io.pqlscore.model.JsonValues;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The command: two models over a small generated history end to end, and its refusals (exit 2, every problem named). */
class BacktestCommandTest {
    /** One MiniCluster for the class (a local environment per run would start one per job). */
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Backtest.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                org.apache.flink.streaming.api.environment.StreamExecutionEnvironment::getExecutionEnvironment);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void twoModelsSideBySide() throws Exception {
        Path events = dir.resolve("events.jsonl");
        Path crm = dir.resolve("outcomes.csv");
        assertThat(EventGenerator.run(new String[] {"--accounts", "30", "--days", "8", "--convert-ratio", "0.25", "--quiet",
                "--out", events.toString(), "--outcomes", crm.toString()}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream()))).isZero();
        String candidate = new String(Backtest.class.getResourceAsStream("/models/default.yaml").readAllBytes(), StandardCharsets.UTF_8)
                .replace("version: \"1\"", "version: \"2\"")
                .replace("{name: pql, min: 40, route: sales, sla: 4h}", "{name: pql, min: 30, route: sales, sla: 4h}");
        Path model = dir.resolve("candidate.yaml");
        Files.writeString(model, candidate);
        Path out = dir.resolve("report");

        Run r = run("--events", events.toString(), "--outcomes", crm.toString(), "--model", "classpath:/models/default.yaml",
                "--model", model.toString(), "--out", out.toString(), "--target-weekly-leads", "15", "--progress-interval", "1s");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("[default v1] backtest of model default v1").contains("[default v2] done: ");
        assertThat(r.out()).contains("population: ").contains("default v1: AUC pql").contains("default v2: AUC pql")
                .contains("page:   " + out.resolve("backtest.html").toAbsolutePath());

        JsonNode json = JsonValues.MAPPER.readTree(Files.readString(out.resolve("backtest.json")));
        assertThat(json.path("models")).hasSize(2);
        assertThat(json.path("settings").path("target_weekly_leads").asDouble()).isEqualTo(15.0);
        JsonNode a = json.path("models").get(0);
        JsonNode b = json.path("models").get(1);
        assertThat(a.path("model").path("label").asText()).isEqualTo("default v1");
        assertThat(b.path("model").path("tiers").path("pql").get(1).path("min").asDouble()).isEqualTo(30.0);
        assertThat(a.path("population").path("accounts").asInt()).isGreaterThan(10);
        assertThat(a.path("population")).isEqualTo(b.path("population"));
        assertThat(a.path("curves").path("pql").path("suggestion").path("method").asText()).isEqualTo("target_weekly_leads");
        // the candidate's lower pql threshold qualifies at least the baseline's pql accounts
        JsonNode pql = null;
        for (JsonNode t : json.path("comparison").path("tiers")) {
            if (t.path("tier").asText().equals("pql")) {
                pql = t;
            }
        }
        assertThat(pql).isNotNull();
        assertThat(pql.path("overlap").path("baseline_only").asInt()).isZero();
        assertThat(pql.path("overlap").path("both").asInt()).isEqualTo(pql.path("accounts_baseline").asInt());
        assertThat(pql.path("overlap").path("both").asInt() + pql.path("overlap").path("candidate_only").asInt())
                .isEqualTo(pql.path("accounts_candidate").asInt());
        // the same scores for what did not change: the PQA tier is identical
        assertThat(a.path("curves").path("pqa").path("auc")).isEqualTo(b.path("curves").path("pqa").path("auc"));

        String html = Files.readString(out.resolve("backtest.html"));
        assertThat(html).contains("<title>Backtest: default v1 vs default v2</title>").contains("\"comparison\"");
    }

    @Test
    void theBacktestGuideNamesEveryOption() throws Exception {
        String guide = Files.readString(Path.of("docs", "BACKTEST.md"), StandardCharsets.UTF_8);
        int at = guide.indexOf("## Running a backtest");
        assertThat(at).as("docs/BACKTEST.md section").isGreaterThanOrEqualTo(0);
        String section = guide.substring(at, guide.indexOf("\n## ", at + 5));
        java.util.Set<String> options = new java.util.TreeSet<>();
        for (picocli.CommandLine.Model.OptionSpec o : new picocli.CommandLine(new BacktestCommand()).getCommandSpec().options()) {
            if (!o.versionHelp()) { // --help is named there; --version is every command's
                options.add(o.longestName());
            }
        }
        assertThat(options).hasSizeGreaterThan(10);
        for (String o : options) {
            assertThat(section).as("docs/BACKTEST.md's backtest section names " + o).contains("`" + o);
        }
    }

    @Test
    void refusals() throws Exception {
        Path events = dir.resolve("e.jsonl");
        Files.writeString(events, "{}\n");
        Path good = dir.resolve("o.csv");
        Files.writeString(good, "account_id,outcome,closed_at\nacme,won,2026-03-01\n");
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "account_id,outcome,closed_at\nacme,maybe,2026-03-01\nglobex,won,yesterday\n");
        Path badModel = dir.resolve("m.yaml");
        Files.writeString(badModel, "id: x\nversion: \"1\"\nsignals: []\nnonsense: 1\n");

        assertThat(run("--help").out()).contains("Usage: pqlscore backtest");
        Run r = run("--outcomes", good.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("pqlscore backtest: Missing required option: '--events=PATH'");
        assertThat(run("--events", dir.resolve("nope").toString(), "--outcomes", good.toString()).err())
                .contains("no such file or directory");
        assertThat(run("--events", events.toString()).err()).contains("Missing required option: '--outcomes=FILE'");
        assertThat(run("--events", events.toString(), "--outcomes", good.toString(), "--target-precision", "2").err())
                .contains("--target-precision is a share in (0, 1]");
        assertThat(run("--events", events.toString(), "--outcomes", good.toString(), "--target-precision", "0.2",
                "--target-weekly-leads", "5").err()).contains("not both");
        assertThat(run("--events", events.toString(), "--outcomes", good.toString(), "--model", "a", "--model", "b",
                "--model", "c").err()).contains("at most twice");
        assertThat(run("--events", events.toString(), "--outcomes", good.toString(), "--state-backend", "memory").code())
                .isEqualTo(2);
        assertThat(run("--events", events.toString(), "--outcomes", good.toString(), "--bogus", "1").err())
                .contains("unknown option --bogus");

        r = run("--events", events.toString(), "--outcomes", bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(bad + ":2: outcome \"maybe\" is not won or lost")
                .contains(bad + ":3: closed_at \"yesterday\"").contains("outcomes refused: 2 problems");
        r = run("--events", events.toString(), "--outcomes", good.toString(), "--model", badModel.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("nonsense");
    }
}
