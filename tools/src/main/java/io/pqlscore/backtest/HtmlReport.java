package io.pqlscore.backtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The report as one self-contained HTML page for a revenue-operations analyst: the JSON report
 * embedded in the page and a small script that draws the charts as inline SVG (conversion by score
 * decile, precision/recall curves, signal lift) and the tables. Nothing is loaded from the network,
 * so it opens from a file, an e-mail attachment or a ticket. The page's template is the resource
 * {@code backtest/report.html}.
 */
public final class HtmlReport {
    static final String TEMPLATE = "/backtest/report.html";

    private HtmlReport() {}

    /** The page for a report whose JSON is {@code json} (as {@link Backtest#json} writes it). */
    public static String render(String json, String title) {
        String template = template();
        // inside <script type="application/json"> only "</" could end the element early; in JSON
        // text "<" only occurs inside strings, where \u003c means the same
        String safeJson = json.replace("<", "\\u003c");
        return template.replace("/*TITLE*/", escapeHtml(title)).replace("/*DATA*/", safeJson);
    }

    static String template() {
        try (InputStream in = HtmlReport.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + TEMPLATE + " missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
