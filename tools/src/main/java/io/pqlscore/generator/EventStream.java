package io.pqlscore.generator;

import static io.pqlscore.generator.Vocabulary.DAY;

import io.pqlscore.backtest.Outcomes;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The simulation behind {@link EventGenerator}: a population of accounts and users and a
 * discrete-event schedule of their sessions, producing records in arrival order. Pure: no clock,
 * no I/O; the same configuration gives the same records.
 *
 * <p>How it works. Day by day (UTC), every live account and each of its joined users decide
 * whether they are active and when their sessions start ({@link Schedule}, over the
 * {@link Population}). The schedule yields the next event of any session in event-time order; the
 * {@link SessionPlayer} makes it a record ({@link RecordWriter}) whose arrival time is its event
 * time plus a delay below the max disorder ({@link Arrivals}). Records wait in an arrival-time
 * heap until no later event can arrive before them (every later event has an event time, hence an
 * arrival, at or after the next event time), so the output is in non-decreasing arrival order and
 * no record trails the largest event time before it by max disorder or more. All parts draw from
 * one random stream ({@link Draws}) in a fixed order: that is what makes a seed reproducible.
 */
final class EventStream implements Iterator<GeneratedRecord> {
    private final Population population;
    private final Schedule schedule;
    private final Arrivals arrivals;
    private final long day0;
    private final long limit;
    private final ArrayDeque<GeneratedRecord> ready = new ArrayDeque<>();
    private boolean finished;
    private long emitted;

    // ---- statistics ----
    long valid;
    long duplicates;
    long bad;

    EventStream(GeneratorConfig cfg) {
        // everything is read here: later changes to cfg do not matter
        Draws rnd = new Draws(cfg.seed());
        int idKey = (int) Json.mix64(cfg.seed() ^ 0x5eedL);
        // messageIds differ between datasets (another start, population or fault mix), so two
        // generated streams sent to one topic never collide in the job's deduplication
        long idSalt = Json.mix64(cfg.seed() * 31 + cfg.contentKey().hashCode());
        long startMs = cfg.start().toEpochMilli();
        this.day0 = Math.floorDiv(startMs, DAY) * DAY;
        double days = cfg.effectiveDays();
        long endMs = days > 0 ? startMs + Math.round(days * DAY) : Long.MAX_VALUE;
        int maxDay = days > 0 ? (int) ((endMs - day0 + DAY - 1) / DAY) : Integer.MAX_VALUE;
        this.limit = cfg.events() > 0 ? cfg.events() : Long.MAX_VALUE;

        this.population = new Population(cfg, rnd, idKey);
        RecordWriter writer = new RecordWriter(population, rnd, idKey, idSalt, day0);
        this.arrivals = new Arrivals(population, writer, rnd, cfg.maxDisorderMs(), cfg.duplicateRatio(),
                cfg.badRatio());
        SessionPlayer player = new SessionPlayer(population, writer, arrivals, rnd);
        this.schedule = new Schedule(population, player, rnd, cfg.activity(), startMs, endMs, day0, maxDay);
    }

    /** The simulated accounts and users (drawn in full when the stream is made). */
    Population population() {
        return population;
    }

    @Override
    public boolean hasNext() {
        if (emitted >= limit) {
            return false;
        }
        if (ready.isEmpty()) {
            fill();
        }
        return !ready.isEmpty();
    }

    @Override
    public GeneratedRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        GeneratedRecord r = ready.poll();
        emitted++;
        switch (r.kind()) {
            case VALID: valid++; break;
            case DUPLICATE: duplicates++; break;
            default: bad++; break;
        }
        return r;
    }

    private void fill() {
        while (ready.isEmpty() && !finished) {
            long t = schedule.peekTime();
            if (schedule.advanceDay(t)) {
                continue;
            }
            if (t == Long.MAX_VALUE) {
                arrivals.drainTo(ready);
                finished = true;
                return;
            }
            schedule.step();
            arrivals.releaseUpTo(t, ready);
        }
    }

    /**
     * The CRM outcomes the simulation implies for the accounts generated so far, for backtests
     * ({@code --outcomes}): see {@link Population#outcomes}. Draws no random numbers, so the
     * records are the same with or without it.
     */
    List<Outcomes.Row> outcomes() {
        return population.outcomes(day0);
    }
}
