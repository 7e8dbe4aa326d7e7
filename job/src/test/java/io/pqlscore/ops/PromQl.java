package io.pqlscore.ops;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Just enough PromQL and Prometheus text exposition format for the monitoring tests: which metrics
 * an expression selects, with which label matchers, and which labels its {@code by (...)},
 * {@code without (...)}, {@code on (...)}, {@code ignoring (...)} and {@code group_left (...)}
 * clauses name, each with the metrics of its scope; and the series a {@code /metrics} scrape
 * holds. Not a PromQL evaluator: no Prometheus server is available to these tests, so they check
 * that what the queries name exists on the series the reporter really exports.
 */
final class PromQl {
    private PromQl() {}

    /** {@code label op "value"} of a selector. */
    record Matcher(String label, String op, String value) {}

    /** A vector selector: {@code metric{matchers}}; {@code metric} null for {@code {__name__=...}}. */
    record Selector(String metric, List<Matcher> matchers) {}

    /**
     * A clause naming labels: {@code by}, {@code without} (the aggregation's argument is the scope),
     * {@code on}, {@code ignoring}, {@code group_left}, {@code group_right} (the whole expression is).
     */
    record LabelClause(String keyword, List<String> labels, Set<String> metricsInScope) {}

    record Parsed(String expr, List<Selector> selectors, List<LabelClause> clauses) {
        Set<String> metrics() {
            Set<String> out = new TreeSet<>();
            selectors.forEach(s -> out.add(s.metric()));
            return out;
        }
    }

    /** Functions and aggregation operators: an identifier before {@code (} is never a metric anyway. */
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan");

    // ------------------------------------------------------------------ lexer

    private enum T { IDENT, STRING, NUMBER, PUNCT, VAR }

    private record Tok(T type, String text) {}

    private static List<Tok> lex(String s) {
        List<Tok> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') { // a comment runs to the end of the line
                while (i < s.length() && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '"' || c == '\'' || c == '`') {
                StringBuilder b = new StringBuilder();
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != c) {
                    if (s.charAt(j) == '\\' && c != '`' && j + 1 < s.length()) {
                        j++;
                    }
                    b.append(s.charAt(j));
                    j++;
                }
                if (j >= s.length()) {
                    throw new IllegalArgumentException("unterminated string in: " + s);
                }
                out.add(new Tok(T.STRING, b.toString()));
                i = j + 1;
            } else if (c == '[') { // a range or subquery: [5m], [$__rate_interval], [1h:5m]
                int j = s.indexOf(']', i);
                if (j < 0) {
                    throw new IllegalArgumentException("unterminated [ in: " + s);
                }
                i = j + 1;
            } else if (c == '$') { // a Grafana variable outside a string
                int j = i + 1;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                out.add(new Tok(T.VAR, s.substring(i, j)));
                i = j;
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int j = i + 1;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_' || s.charAt(j) == ':')) {
                    j++;
                }
                out.add(new Tok(T.IDENT, s.substring(i, j)));
                i = j;
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                int j = i + 1;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '.')) {
                    j++;
                }
                out.add(new Tok(T.NUMBER, s.substring(i, j)));
                i = j;
            } else {
                String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
                if (List.of("!=", "=~", "!~", "==", ">=", "<=").contains(two)) {
                    out.add(new Tok(T.PUNCT, two));
                    i += 2;
                } else {
                    out.add(new Tok(T.PUNCT, String.valueOf(c)));
                    i++;
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ parser

    private static final class Scope {
        final LabelClause pending; // a by/without clause whose argument this scope is
        final Set<String> metrics = new LinkedHashSet<>();

        Scope(LabelClause pending) {
            this.pending = pending;
        }
    }

    static Parsed parse(String expr) {
        List<Tok> toks = lex(expr);
        List<Selector> selectors = new ArrayList<>();
        List<LabelClause> clauses = new ArrayList<>();
        List<LabelClause> wholeExpression = new ArrayList<>();
        Deque<Scope> scopes = new ArrayDeque<>();
        scopes.push(new Scope(null));
        LabelClause pending = null;
        Scope lastClosed = null;
        for (int i = 0; i < toks.size(); i++) {
            Tok t = toks.get(i);
            Tok next = i + 1 < toks.size() ? toks.get(i + 1) : null;
            boolean beforeParen = next != null && next.type == T.PUNCT && next.text.equals("(");
            if (t.type == T.IDENT && KEYWORDS.contains(t.text)) {
                if (!beforeParen) {
                    continue; // and, or, bool, offset, group_left without labels
                }
                List<String> labels = new ArrayList<>();
                int j = i + 2;
                for (; j < toks.size() && !toks.get(j).text.equals(")"); j++) {
                    Tok l = toks.get(j);
                    if (l.type == T.IDENT) {
                        labels.add(l.text);
                    } else if (!l.text.equals(",")) {
                        throw new IllegalArgumentException("not a label list after " + t.text + ": " + expr);
                    }
                }
                i = j;
                LabelClause c = new LabelClause(t.text, labels, new LinkedHashSet<>());
                if (t.text.equals("by") || t.text.equals("without")) {
                    boolean suffix = lastClosed != null && previousIsCloseParen(toks, i, labels.size());
                    if (suffix) { // sum (x) by (l): the argument was just closed
                        c.metricsInScope().addAll(lastClosed.metrics);
                        clauses.add(c);
                    } else {
                        pending = c;
                    }
                } else {
                    wholeExpression.add(c);
                }
                continue;
            }
            boolean beforeGrouping = next != null && next.type == T.IDENT
                    && (next.text.equals("by") || next.text.equals("without"));
            if (t.type == T.IDENT && (beforeParen || beforeGrouping)) {
                continue; // a function or an aggregation
            }
            if (t.type == T.IDENT || (t.type == T.PUNCT && t.text.equals("{"))) {
                String metric = t.type == T.IDENT ? t.text : null;
                List<Matcher> matchers = new ArrayList<>();
                int j = t.type == T.IDENT ? i + 1 : i;
                if (j < toks.size() && toks.get(j).text.equals("{")) {
                    j++;
                    while (j < toks.size() && !toks.get(j).text.equals("}")) {
                        if (toks.get(j).text.equals(",")) {
                            j++;
                            continue;
                        }
                        Tok label = toks.get(j);
                        Tok op = toks.get(j + 1);
                        Tok value = toks.get(j + 2);
                        if (label.type != T.IDENT || value.type != T.STRING
                                || !List.of("=", "!=", "=~", "!~").contains(op.text)) {
                            throw new IllegalArgumentException("not a label matcher at " + label.text + ": " + expr);
                        }
                        matchers.add(new Matcher(label.text, op.text, value.text));
                        j += 3;
                    }
                    i = j;
                }
                selectors.add(new Selector(metric, matchers));
                scopes.peek().metrics.add(metric);
                continue;
            }
            if (t.type == T.PUNCT && t.text.equals("(")) {
                scopes.push(new Scope(pending));
                pending = null;
            } else if (t.type == T.PUNCT && t.text.equals(")")) {
                Scope closed = scopes.pop();
                if (closed.pending != null) {
                    closed.pending.metricsInScope().addAll(closed.metrics);
                    clauses.add(closed.pending);
                }
                scopes.peek().metrics.addAll(closed.metrics);
                lastClosed = closed;
            }
        }
        if (scopes.size() != 1 || pending != null) {
            throw new IllegalArgumentException("unbalanced parentheses or a dangling by/without: " + expr);
        }
        for (LabelClause c : wholeExpression) {
            c.metricsInScope().addAll(scopes.peek().metrics);
            clauses.add(c);
        }
        return new Parsed(expr, selectors, clauses);
    }

    /** Whether the token before {@code by}/{@code without} (ending at {@code labelsEnd}) is {@code )}. */
    private static boolean previousIsCloseParen(List<Tok> toks, int labelsEnd, int labels) {
        // labelsEnd is the ')' closing the label list; walk back over the list and the keyword
        int j = labelsEnd - 1;
        while (j >= 0 && !toks.get(j).text.equals("(")) {
            j--;
        }
        j -= 2; // the keyword, then the token before it
        return j >= 0 && toks.get(j).text.equals(")");
    }

    // ------------------------------------------------------------------ the exposition format

    /** One sample of a scrape. */
    record Series(String name, Map<String, String> labels, double value) {}

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    /** The samples of a Prometheus text-format scrape (comments and blank lines skipped). */
    static List<Series> parseExposition(String text) {
        List<Series> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("not a metric name: " + line);
            }
            Map<String, String> labels = new TreeMap<>();
            int i = name.length();
            if (brace == i) {
                i++;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String label = line.substring(i, eq);
                    StringBuilder v = new StringBuilder();
                    int j = eq + 2; // past ="
                    while (line.charAt(j) != '"') {
                        if (line.charAt(j) == '\\') {
                            j++;
                            v.append(line.charAt(j) == 'n' ? '\n' : line.charAt(j));
                        } else {
                            v.append(line.charAt(j));
                        }
                        j++;
                    }
                    labels.put(label, v.toString());
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    }
                }
                i++;
            }
            String[] rest = line.substring(i).trim().split("\\s+");
            out.add(new Series(name, labels, Double.parseDouble(rest[0])));
        }
        return out;
    }

    /** Metric name -> label -> the values seen (a label set per name, as the checks need it). */
    static Map<String, Map<String, Set<String>>> labelsByMetric(List<Series> series) {
        Map<String, Map<String, Set<String>>> out = new TreeMap<>();
        for (Series s : series) {
            Map<String, Set<String>> labels = out.computeIfAbsent(s.name(), k -> new LinkedHashMap<>());
            s.labels().forEach((k, v) -> labels.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
        }
        return out;
    }
}
