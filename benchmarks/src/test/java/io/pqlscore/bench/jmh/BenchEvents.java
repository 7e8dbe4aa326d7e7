package io.pqlscore.bench.jmh;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.MessageIdOrder;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.generator.EventGenerator;
import io.pqlscore.generator.GeneratorConfig;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The input of the microbenchmarks: records of the README's event generator (the benchmark's own
 * shape, default options, fixed seed), as raw JSON lines and as parsed {@link UsageEvent}s in the
 * order the scorer sees them (SPEC 3: event time, ties by {@code messageId}; duplicates dropped).
 */
final class BenchEvents {
    /** Accounts of the generated population: ~10.9 users each, power-law team sizes. */
    static final int ACCOUNTS = 500;
    /** Records per benchmark invocation (a replay of this many records). */
    static final int RECORDS = 50_000;
    static final long SEED = 20260302L;

    final ScoringModel model;
    final EventParser parser;
    final byte[][] lines;
    /** Valid records, deduplicated, in SPEC order. */
    final List<UsageEvent> ordered;
    /** Valid records in arrival (file) order, duplicates included. */
    final List<UsageEvent> arrivals;

    BenchEvents() {
        this(ACCOUNTS, RECORDS);
    }

    /** A population of {@code accounts} and its first {@code records} records. */
    BenchEvents(int accounts, int records) {
        model = ModelLoader.loadDefault();
        parser = new EventParser(model);
        GeneratorConfig cfg = new GeneratorConfig().accounts(accounts).events(records).seed(SEED).quiet(true);
        lines = EventGenerator.stream(cfg).map(l -> l.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        List<UsageEvent> valid = new ArrayList<>(lines.length);
        SourcePosition where = new SourcePosition("bench", 0, 0);
        for (byte[] line : lines) {
            ParsedRecord r = parser.parse(line, where);
            if (r.isValid()) {
                valid.add(r.event);
            }
        }
        arrivals = List.copyOf(valid);
        valid.sort(Comparator.comparingLong((UsageEvent e) -> e.timestamp)
                .thenComparing(e -> e.messageId, MessageIdOrder.CODE_POINTS));
        // the dedupe window is longer than the generator's retry delay: a repeated id is a duplicate
        Set<String> seen = new HashSet<>();
        ordered = new ArrayList<>(valid.size());
        for (UsageEvent e : valid) {
            if (seen.add(e.accountId + '\u0000' + e.messageId)) {
                ordered.add(e);
            }
        }
    }
}
