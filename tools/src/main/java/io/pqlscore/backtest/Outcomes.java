package io.pqlscore.backtest;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.events.Timestamps;
import io.pqlscore.model.JsonValues;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The closed outcomes of accounts, from a CRM export: one row per account with {@code account_id},
 * {@code outcome} ({@code won} or {@code lost}) and {@code closed_at}. Read from CSV (a header
 * row naming those columns, in any order; other columns are ignored; RFC 4180 quoting) or JSON
 * lines (one object per line with those keys). {@code closed_at} is an ISO-8601 instant with an
 * offset ({@code 2026-03-14T16:05:00Z}, the same form as event timestamps) or a bare date
 * ({@code 2026-03-14}, read as the start of that UTC day, so only activity before that day counts
 * as "before close").
 *
 * <p>Every problem is reported with its file and line, all at once (up to {@value #MAX_ERRORS}).
 * Immutable and serializable: the backtest job carries it to its aggregating operator.
 */
public final class Outcomes implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String WON = "won";
    public static final String LOST = "lost";
    static final int MAX_ERRORS = 20;
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    private final String source;
    private final String[] ids; // sorted
    private final boolean[] won;
    private final long[] closedAt;

    private Outcomes(String source, String[] ids, boolean[] won, long[] closedAt) {
        this.source = source;
        this.ids = ids;
        this.won = won;
        this.closedAt = closedAt;
    }

    /** Thrown for an unreadable or invalid outcomes file; the message lists every problem found. */
    public static final class OutcomesException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        OutcomesException(String message) {
            super(message);
        }
    }

    /** One outcome, for building a set in code (tests, the generator). */
    public record Row(String accountId, boolean won, long closedAt) {}

    public static Outcomes of(String source, List<Row> rows) {
        Row[] sorted = rows.toArray(new Row[0]);
        Arrays.sort(sorted, (a, b) -> a.accountId().compareTo(b.accountId()));
        String[] ids = new String[sorted.length];
        boolean[] won = new boolean[sorted.length];
        long[] at = new long[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            if (i > 0 && sorted[i].accountId().equals(sorted[i - 1].accountId())) {
                throw new OutcomesException(source + ": account " + sorted[i].accountId() + " has more than one outcome");
            }
            ids[i] = sorted[i].accountId();
            won[i] = sorted[i].won();
            at[i] = sorted[i].closedAt();
        }
        return new Outcomes(source, ids, won, at);
    }

    /** Reads a CSV or JSON-lines file: by extension ({@code .csv}; {@code .jsonl}, {@code .ndjson}, {@code .json}), else by content. */
    public static Outcomes read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new OutcomesException("cannot read outcomes file " + file + ": " + e.getMessage());
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new OutcomesException(file + ": not UTF-8 text");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean json;
        if (name.endsWith(".csv")) {
            json = false;
        } else if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            json = true;
        } else {
            json = text.stripLeading().startsWith("{");
        }
        return json ? parseJsonLines(file.toString(), text) : parseCsv(file.toString(), text);
    }

    // ---------------------------------------------------------------- parsing

    private static final class Collector {
        final String source;
        final List<String> errors = new ArrayList<>();
        int moreErrors;
        final Map<String, Integer> lineOf = new HashMap<>();
        final List<Row> rows = new ArrayList<>();

        Collector(String source) {
            this.source = source;
        }

        void error(int line, String message) {
            if (errors.size() < MAX_ERRORS) {
                errors.add(source + ":" + line + ": " + message);
            } else {
                moreErrors++;
            }
        }

        void row(int line, String accountId, String outcome, String closedAt) {
            int before = errors.size() + moreErrors;
            String id = accountId == null ? "" : accountId.strip();
            if (id.isEmpty()) {
                error(line, "account_id is empty");
            }
            String o = outcome == null ? "" : outcome.strip().toLowerCase(Locale.ROOT);
            if (!o.equals(WON) && !o.equals(LOST)) {
                error(line, "outcome " + quote(outcome) + " is not won or lost");
            }
            long at = parseClosedAt(closedAt);
            if (at == Long.MIN_VALUE) {
                error(line, "closed_at " + quote(closedAt) + " is not an ISO-8601 instant with an offset"
                        + " (2026-03-14T16:05:00Z) or a date (2026-03-14)");
            }
            if (!id.isEmpty()) {
                Integer first = lineOf.putIfAbsent(id, line);
                if (first != null) {
                    error(line, "account " + quote(id) + " already has an outcome on line " + first
                            + " (one row per account: keep the opportunity the model should predict)");
                }
            }
            if (errors.size() + moreErrors == before) {
                rows.add(new Row(id, o.equals(WON), at));
            }
        }

        Outcomes finish() {
            if (errors.isEmpty() && rows.isEmpty()) {
                errors.add(source + ": no outcomes (expected a row per account: account_id, outcome, closed_at)");
            }
            if (!errors.isEmpty()) {
                StringBuilder b = new StringBuilder();
                for (String e : errors) {
                    b.append(e).append('\n');
                }
                if (moreErrors > 0) {
                    b.append("... and ").append(moreErrors).append(" more problems\n");
                }
                int n = errors.size() + moreErrors;
                b.append("outcomes refused: ").append(n).append(n == 1 ? " problem" : " problems");
                throw new OutcomesException(b.toString());
            }
            return of(source, rows);
        }
    }

    static long parseClosedAt(String text) {
        if (text == null) {
            return Long.MIN_VALUE;
        }
        String t = text.strip();
        if (DATE.matcher(t).matches()) {
            try {
                return LocalDate.parse(t).toEpochDay() * 86_400_000L;
            } catch (DateTimeParseException e) {
                return Long.MIN_VALUE;
            }
        }
        return Timestamps.parseMillis(t);
    }

    private static String quote(String s) {
        if (s == null) {
            return "(missing)";
        }
        String shown = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return "\"" + shown + "\"";
    }

    static Outcomes parseJsonLines(String source, String text) {
        Collector c = new Collector(source);
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int line = i + 1;
            if (lines[i].isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JsonValues.MAPPER.readTree(lines[i]);
            } catch (IOException e) {
                c.error(line, "not valid JSON");
                continue;
            }
            if (n == null || !n.isObject()) {
                c.error(line, "not a JSON object");
                continue;
            }
            String id = field(c, line, n, "account_id");
            String outcome = field(c, line, n, "outcome");
            String closed = field(c, line, n, "closed_at");
            if (id != null && outcome != null && closed != null) {
                c.row(line, id, outcome, closed);
            }
        }
        return c.finish();
    }

    private static String field(Collector c, int line, JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) {
            c.error(line, "missing " + name);
            return null;
        }
        if (!v.isTextual()) {
            c.error(line, name + " must be a string, not " + v);
            return null;
        }
        return v.textValue();
    }

    static Outcomes parseCsv(String source, String text) {
        Collector c = new Collector(source);
        List<CsvRecord> records;
        try {
            records = CsvRecord.parse(text);
        } catch (IllegalArgumentException e) {
            throw new OutcomesException(source + ":" + e.getMessage());
        }
        if (records.isEmpty()) {
            return c.finish();
        }
        CsvRecord header = records.get(0);
        int id = -1;
        int outcome = -1;
        int closed = -1;
        for (int i = 0; i < header.fields.size(); i++) {
            String h = header.fields.get(i).strip().toLowerCase(Locale.ROOT);
            if (h.equals("account_id")) {
                id = i;
            } else if (h.equals("outcome")) {
                outcome = i;
            } else if (h.equals("closed_at")) {
                closed = i;
            }
        }
        if (id < 0 || outcome < 0 || closed < 0) {
            List<String> missing = new ArrayList<>();
            if (id < 0) {
                missing.add("account_id");
            }
            if (outcome < 0) {
                missing.add("outcome");
            }
            if (closed < 0) {
                missing.add("closed_at");
            }
            throw new OutcomesException(source + ":" + header.line + ": the header row " + header.fields
                    + " lacks the column" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + " (expected a header such as: account_id,outcome,closed_at)");
        }
        int need = Math.max(id, Math.max(outcome, closed)) + 1;
        for (int r = 1; r < records.size(); r++) {
            CsvRecord rec = records.get(r);
            if (rec.fields.size() == 1 && rec.fields.get(0).isBlank()) {
                continue; // a blank line
            }
            if (rec.fields.size() < need) {
                c.error(rec.line, "has " + rec.fields.size() + " columns, the header has " + header.fields.size());
                continue;
            }
            c.row(rec.line, rec.fields.get(id), rec.fields.get(outcome), rec.fields.get(closed));
        }
        return c.finish();
    }

    /** One CSV record (RFC 4180: quoted fields may hold commas, quotes as "" and line breaks). */
    static final class CsvRecord {
        final int line;
        final List<String> fields;

        CsvRecord(int line, List<String> fields) {
            this.line = line;
            this.fields = fields;
        }

        static List<CsvRecord> parse(String text) {
            List<CsvRecord> out = new ArrayList<>();
            List<String> fields = new ArrayList<>();
            StringBuilder f = new StringBuilder();
            int line = 1;
            int recordLine = 1;
            boolean quoted = false;
            boolean wasQuoted = false;
            int n = text.length();
            for (int i = 0; i < n; i++) {
                char ch = text.charAt(i);
                if (quoted) {
                    if (ch == '"') {
                        if (i + 1 < n && text.charAt(i + 1) == '"') {
                            f.append('"');
                            i++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        if (ch == '\n') {
                            line++;
                        }
                        f.append(ch);
                    }
                } else if (ch == '"') {
                    if (f.length() > 0 && !f.toString().isBlank() || wasQuoted) {
                        throw new IllegalArgumentException(line + ": a quote inside an unquoted field (quote the whole field and"
                                + " double the quotes inside it)");
                    }
                    f.setLength(0);
                    quoted = true;
                    wasQuoted = true;
                } else if (ch == ',') {
                    fields.add(f.toString());
                    f.setLength(0);
                    wasQuoted = false;
                } else if (ch == '\n' || ch == '\r') {
                    if (ch == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                        i++;
                    }
                    fields.add(f.toString());
                    out.add(new CsvRecord(recordLine, fields));
                    fields = new ArrayList<>();
                    f.setLength(0);
                    wasQuoted = false;
                    line++;
                    recordLine = line;
                } else if (wasQuoted) {
                    if (ch != ' ' && ch != '\t') {
                        throw new IllegalArgumentException(line + ": text after a closing quote");
                    }
                } else {
                    f.append(ch);
                }
            }
            if (quoted) {
                throw new IllegalArgumentException(recordLine + ": a quoted field is not closed");
            }
            if (f.length() > 0 || !fields.isEmpty() || wasQuoted) {
                fields.add(f.toString());
                out.add(new CsvRecord(recordLine, fields));
            }
            return out;
        }
    }

    // ---------------------------------------------------------------- lookups

    public String source() {
        return source;
    }

    public int size() {
        return ids.length;
    }

    private int indexOf(String accountId) {
        return accountId == null ? -1 : Arrays.binarySearch(ids, accountId);
    }

    public boolean has(String accountId) {
        return indexOf(accountId) >= 0;
    }

    /** {@code won}, {@code lost}, or null without an outcome. */
    public String outcome(String accountId) {
        int i = indexOf(accountId);
        return i < 0 ? null : won[i] ? WON : LOST;
    }

    /** Epoch ms of the close, or {@code Long.MAX_VALUE} for an account without an outcome (never closed). */
    public long closedAt(String accountId) {
        int i = indexOf(accountId);
        return i < 0 ? Long.MAX_VALUE : closedAt[i];
    }

    /** Account ids with an outcome, sorted. */
    public List<String> accountIds() {
        return List.of(ids);
    }

    public int won() {
        int n = 0;
        for (boolean w : won) {
            if (w) {
                n++;
            }
        }
        return n;
    }

    public int lost() {
        return ids.length - won();
    }

    /** Writes the rows as CSV (account_id,outcome,closed_at; ISO-8601 UTC instants). */
    public String toCsv() {
        StringBuilder b = new StringBuilder("account_id,outcome,closed_at\n");
        for (int i = 0; i < ids.length; i++) {
            b.append(csvField(ids[i])).append(',').append(won[i] ? WON : LOST).append(',')
                    .append(Timestamps.format(closedAt[i])).append('\n');
        }
        return b.toString();
    }

    static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0
                && s.strip().equals(s)) {
            return s;
        }
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
