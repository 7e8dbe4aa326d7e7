package io.pqlscore.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.model.JsonValues;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML page: self-contained (nothing loaded from the network, the data cannot break out of
 * its script element), and, in headless Chromium (Debian's {@code chromium} package; skipped when
 * {@code /usr/bin/chromium} is absent, {@code .ci/run} installs it), every chart is drawn: the
 * page's script counts the marks it drew into {@code data-*} attributes, read back with {@code
 * --dump-dom}, and a screenshot holds both models' colours.
 */
class HtmlReportTest {
    static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
    static final String[] CHARTS = {"decile-pql", "decile-pqa", "pr-pql", "pr-pqa", "signal-lift"};

    @TempDir
    Path dir;

    /** Two models over 400 hand-made accounts: the candidate ranks the winners better. */
    static Backtest.Result twoModels(String labelA) {
        List<AccountSummary> a = new ArrayList<>();
        List<AccountSummary> b = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            boolean won = i % 9 == 0;
            String outcome = won ? "won" : i % 3 == 0 ? "lost" : null;
            String id = String.format("acc-%03d", i);
            double base = (i * 37 % 100);
            AccountSummary x = BacktestReportTest.account(id, outcome, 20, base * 0.8, base * 0.8 >= 50 ? 3 : -1,
                    base, base / 2);
            AccountSummary y = BacktestReportTest.account(id, outcome, 20, won ? base * 0.5 + 45 : base * 0.7,
                    (won ? base * 0.5 + 45 : base * 0.7) >= 50 ? 4 : -1, won ? Math.min(99, base + 30) : base * 0.9);
            BacktestReportTest.fire(x, 0, i % 2 == 0 ? 1 : 2, won ? 7 : 3);
            BacktestReportTest.fire(y, 0, i % 2 == 0 ? 1 : 2, won || i % 5 == 0 ? 7 : 3, won ? 8 : 4);
            a.add(x);
            b.add(y);
        }
        List<Outcomes.Row> rows = new ArrayList<>();
        for (AccountSummary s : a) {
            if (s.outcome != null) {
                rows.add(new Outcomes.Row(s.accountId, s.won(), s.closedAt));
            }
        }
        Outcomes outcomes = Outcomes.of("crm.csv", rows);
        return Backtest.result(List.of("history/events.jsonl"), outcomes, BacktestReport.Settings.defaults(),
                List.of(run(labelA, a), run("candidate v2", b)));
    }

    static BacktestJob.ModelRun run(String label, List<AccountSummary> accounts) {
        BacktestJob.ModelRun r = new BacktestJob.ModelRun();
        r.label = label;
        r.model = BacktestReportTest.MODEL;
        r.modelSource = label + ".yaml";
        r.accounts = accounts;
        r.records = 123_456;
        r.valid = 123_000;
        r.rejected = Map.of("bad_json", 456L);
        r.firstEventTime = BacktestReportTest.T0;
        r.lastEventTime = BacktestReportTest.T0 + 28 * BacktestReportTest.DAY;
        r.seconds = 42;
        r.parallelism = 2;
        r.stateBackend = "hashmap";
        return r;
    }

    @Test
    void thePageIsSelfContainedAndItsDataCannotBreakOut() throws Exception {
        Backtest.Result r = twoModels("</script><script>document.title='pwned'</script>");
        String json = Backtest.json(r);
        String page = HtmlReport.render(json, Backtest.title(r));
        assertThat(page).doesNotContain("<script>document.title='pwned'");
        assertThat(page).contains("\\u003c/script>\\u003cscript>");
        assertThat(page).doesNotContainPattern("(?i)(src|href)\\s*=\\s*[\"']?(https?:)?//");
        assertThat(page).doesNotContainPattern("(?i)@import|url\\(|<link|<iframe|fetch\\(|XMLHttpRequest");
        // the embedded data is the JSON report itself
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"backtest-data\">(.*?)</script>", Pattern.DOTALL)
                .matcher(page);
        assertThat(m.find()).isTrue();
        JsonNode embedded = JsonValues.MAPPER.readTree(m.group(1));
        assertThat(embedded).isEqualTo(JsonValues.MAPPER.readTree(json));
        assertThat(embedded.path("models")).hasSize(2);
        assertThat(embedded.path("comparison").path("tiers")).isNotEmpty();
    }

    @Test
    void chromiumDrawsEveryChart() throws Exception {
        if (System.getenv("PQLSCORE_REQUIRE_CHROMIUM") != null) {
            assertThat(CHROMIUM).as("PQLSCORE_REQUIRE_CHROMIUM is set (.ci/run) but Chromium is missing").isExecutable();
        }
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "headless Chromium not installed at " + CHROMIUM
                + " (Debian: apt-get install chromium; .ci/run installs it): the page is not rendered");
        Backtest.Result r = twoModels("baseline v1");
        Path html = dir.resolve("backtest.html");
        Files.writeString(html, HtmlReport.render(Backtest.json(r), Backtest.title(r)), StandardCharsets.UTF_8);

        String dom = chromium(html, "--dump-dom");
        Matcher body = Pattern.compile("<body([^>]*)>").matcher(dom);
        Map<String, String> attrs = new LinkedHashMap<>();
        while (body.find()) {
            attrs = attributes(body.group(1));
            if (attrs.containsKey("data-status")) {
                break;
            }
        }
        assertThat(attrs).as("body attributes; page error: %s", attrs.get("data-error")).doesNotContainKey("data-error");
        assertThat(attrs.get("data-status")).isEqualTo("drawn");
        assertThat(attrs.get("data-charts-drawn")).isEqualTo(String.valueOf(CHARTS.length));
        assertThat(Integer.parseInt(attrs.get("data-marks"))).isGreaterThan(100);
        Map<String, Integer> marks = new LinkedHashMap<>();
        Matcher fig = Pattern.compile("<figure([^>]*)>").matcher(dom);
        while (fig.find()) {
            Map<String, String> a = attributes(fig.group(1));
            marks.put(a.get("data-chart"), Integer.parseInt(a.getOrDefault("data-marks", "0")));
        }
        assertThat(marks.keySet()).containsExactly(CHARTS);
        // ten deciles per model; a line, its points and the tier markers per model; a bar per signal and model
        assertThat(marks.get("decile-pql")).isEqualTo(20);
        assertThat(marks.get("decile-pqa")).isEqualTo(20);
        assertThat(marks.get("pr-pql")).isGreaterThan(2 * (1 + 3));
        assertThat(marks.get("signal-lift")).isGreaterThanOrEqualTo(10);
        assertThat(dom).contains("Baseline vs candidate").doesNotContain("id=\"comparison-section\" hidden");

        Path png = dir.resolve("page.png");
        chromium(html, "--screenshot=" + png, "--window-size=1360,3000", "--hide-scrollbars");
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(1360);
        int baseline = 0;
        int candidate = 0;
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                baseline += near(rgb, 0x2563eb) ? 1 : 0;
                candidate += near(rgb, 0xea580c) ? 1 : 0;
            }
        }
        assertThat(colours.size()).as("distinct colours in the screenshot").isGreaterThan(200);
        assertThat(baseline).as("pixels of the baseline's bars and lines").isGreaterThan(3_000);
        assertThat(candidate).as("pixels of the candidate's bars and lines").isGreaterThan(3_000);
    }

    static boolean near(int rgb, int target) {
        int dr = ((rgb >> 16) & 0xff) - ((target >> 16) & 0xff);
        int dg = ((rgb >> 8) & 0xff) - ((target >> 8) & 0xff);
        int db = (rgb & 0xff) - (target & 0xff);
        return dr * dr + dg * dg + db * db < 30 * 30;
    }

    static Map<String, String> attributes(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        Matcher a = Pattern.compile("([\\w-]+)(?:=\"([^\"]*)\")?").matcher(text);
        while (a.find()) {
            m.put(a.group(1), a.group(2) == null ? "" : a.group(2));
        }
        return m;
    }

    /** Runs headless Chromium on the page with a fresh profile; returns its standard output. */
    String chromium(Path page, String... extra) throws Exception {
        Path profile = Files.createTempDirectory(dir, "chromium-profile");
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile));
        cmd.addAll(List.of(extra));
        cmd.add(page.toUri().toString());
        Path out = dir.resolve("chromium.out");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(dir.resolve("chromium.err").toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 90 s: " + Files.readString(dir.resolve("chromium.err")));
        }
        assertThat(p.exitValue()).as("chromium exit; stderr: %s", Files.readString(dir.resolve("chromium.err"))).isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }
}
