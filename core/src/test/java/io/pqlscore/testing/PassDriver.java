package io.pqlscore.testing;

import io.pqlscore.events.EventParser;
import io.pqlscore.events.MessageIdOrder;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.patterns.PatternMachines;
import io.pqlscore.scoring.AccountEntry;
import io.pqlscore.scoring.AccountPass;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.ScoreEngine;
import io.pqlscore.scoring.ScoringOutput;
import io.pqlscore.scoring.Transition;
import io.pqlscore.events.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The whole job's rules without Flink: the parser, identity resolution ({@link IdentityDriver}),
 * then per account the account stage's own {@link AccountPass} (dedupe, the CEP patterns, the
 * engine), records in SPEC 3 order and wake-ups after the records of their instant, as the
 * account operator runs them; at the end time runs past every wake-up. Unlike the job, it keeps a
 * current-score row for every evaluation (the job writes the latest one per watermark step).
 */
public final class PassDriver implements ScoringOutput {
    private final ScoringModel model;
    private final AccountPass pass;
    private final PatternMachines machines;
    public final Map<String, AccountEntry> accounts = new TreeMap<>();
    public final List<Transition> transitions = new ArrayList<>();
    public final List<CurrentScore> scores = new ArrayList<>();
    public final List<DeadLetter> deadLetters = new ArrayList<>();
    public int duplicates;

    public PassDriver(ScoringModel model) {
        this.model = model;
        this.machines = new PatternMachines(model);
        this.pass = new AccountPass(new ScoreEngine(model), machines, model.time().dedupeWindowMs());
    }

    /** Parses and runs JSON lines (1-based line numbers as offsets). */
    public PassDriver runLines(List<String> lines) throws Exception {
        EventParser parser = new EventParser(model);
        List<ParsedRecord> parsed = new ArrayList<>();
        long line = 0;
        for (String l : lines) {
            line++;
            if (l.isBlank()) {
                continue;
            }
            ParsedRecord r = parser.parse(l.getBytes(StandardCharsets.UTF_8), new SourcePosition("driver", 0, line));
            parsed.add(r);
            if (!r.isValid()) {
                deadLetters.add(r.deadLetter);
            }
        }
        IdentityDriver identity = new IdentityDriver(model.time().retentionMs());
        List<UsageEvent> events = identity.resolve(parsed);
        deadLetters.addAll(identity.rejected);
        return run(events);
    }

    /** Runs valid records of accounts (any order; they are put in SPEC 3 order first). */
    public PassDriver run(List<UsageEvent> events) throws Exception {
        return run(events, true);
    }

    /**
     * As {@link #run(List)}; without {@code toTheEnd} time stops at the last record (the entries
     * keep their state, pattern states and wake-ups: for state tests).
     */
    public PassDriver run(List<UsageEvent> events, boolean toTheEnd) throws Exception {
        List<UsageEvent> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong((UsageEvent e) -> e.timestamp).thenComparing(MessageIdOrder.RECORDS));
        for (UsageEvent e : sorted) {
            AccountEntry entry = accounts.computeIfAbsent(e.accountId, AccountEntry::inMemory);
            wakeBefore(entry, e.timestamp);
            if (!pass.record(entry, e, this)) {
                duplicates++;
            }
        }
        if (toTheEnd) {
            for (AccountEntry entry : accounts.values()) {
                wakeBefore(entry, Long.MAX_VALUE);
            }
        }
        machines.close();
        return this;
    }

    /** Every wake-up strictly before {@code time} (those at it come after its records). */
    private void wakeBefore(AccountEntry entry, long time) throws Exception {
        long w;
        while ((w = pass.nextWake(entry)) < time && w != Long.MAX_VALUE) {
            pass.wake(entry, w, this);
        }
    }

    @Override
    public void transition(Transition t) {
        transitions.add(t);
    }

    @Override
    public void score(CurrentScore s) {
        scores.add(s);
    }
}
