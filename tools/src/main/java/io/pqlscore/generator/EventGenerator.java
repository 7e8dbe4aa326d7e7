package io.pqlscore.generator;

import io.pqlscore.command.Commands;
import io.pqlscore.backtest.Outcomes;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Generates realistic Segment-spec product-usage events for the scoring job: the command behind
 * the local demo and the benchmark, and a library for calling it in-process.
 *
 * <ul>
 *   <li>{@link #records} / {@link #stream}: the records as fast as they can be made, in arrival
 *       order (pure: no clock, no pacing). Same config, same records, byte for byte.</li>
 *   <li>{@link #generate}: pushes them to a {@link RecordSink}, honouring {@code --rate} and live
 *       mode ({@code --speedup}: a record is released when {@code start + elapsed × speedup}
 *       reaches its arrival time). {@link #stop} ends it from another thread.</li>
 *   <li>{@link GenerateCommand}: the command line, {@code pqlscore generate}.</li>
 * </ul>
 *
 * <p>What the records look like, and why, is in {@link EventStream} and docs/GENERATOR.md.
 */
public final class EventGenerator {

    private final GeneratorConfig config;
    private volatile boolean stopRequested;
    private final CountDownLatch finished = new CountDownLatch(1);
    private PrintStream progress;

    public EventGenerator(GeneratorConfig config) {
        this.config = config.validate();
    }

    /** The records in arrival order (event time trails by less than the max disorder). */
    public static Iterator<GeneratedRecord> records(GeneratorConfig config) {
        return new EventStream(config.validate());
    }

    /** The JSON lines in arrival order; finite unless neither days nor events bound the config. */
    public static Stream<String> stream(GeneratorConfig config) {
        Iterator<GeneratedRecord> it = records(config);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .map(GeneratedRecord::json);
    }

    /** Progress lines (live and paced runs every 10 s, others every 10 s of work) go here; null: none. */
    public EventGenerator progressTo(PrintStream out) {
        this.progress = out;
        return this;
    }

    /** Ends {@link #generate} early (from any thread); what was accepted is flushed. */
    public void stop() {
        stopRequested = true;
    }

    /** Waits for a running {@link #generate} to return (after {@link #stop}). */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    /**
     * Pushes the records to {@code sink} with the configured pacing, flushes it (does not close it)
     * and returns what was generated. Blocks until the records run out or {@link #stop} is called.
     */
    public Summary generate(RecordSink sink) throws Exception {
        try {
            return pump(sink);
        } finally {
            finished.countDown();
        }
    }

    private Summary pump(RecordSink sink) throws Exception {
        EventStream it = new EventStream(config);
        Summary s = new Summary();
        s.accounts = it.population().n;
        s.users = it.population().users;
        long startMs = config.start().toEpochMilli();
        boolean live = config.live();
        double nsPerEventMs = live ? 1e6 / config.speedup() : 0;
        double nsPerRecord = config.rate() > 0 ? 1e9 / config.rate() : 0;
        boolean paced = live || nsPerRecord > 0;
        long t0 = System.nanoTime();
        long lastFlush = t0;
        long nextProgress = t0 + 10_000_000_000L;
        long count = 0;
        while (!stopRequested && it.hasNext()) {
            GeneratedRecord r = it.next();
            if (paced) {
                long due = t0;
                if (live) {
                    due = t0 + (long) ((r.arrivalTime() - startMs) * nsPerEventMs);
                }
                if (nsPerRecord > 0) {
                    due = Math.max(due, t0 + (long) (count * nsPerRecord));
                }
                long now = System.nanoTime();
                if (due > now) {
                    if (due - now > 5_000_000L || now - lastFlush > 50_000_000L) {
                        sink.flush();
                        lastFlush = now;
                    }
                    if (!sleepUntil(due)) {
                        break;
                    }
                }
            }
            sink.accept(r);
            count++;
            if (s.firstEventTime == Long.MIN_VALUE) {
                s.firstEventTime = r.eventTime();
            }
            s.lastEventTime = Math.max(s.lastEventTime, r.eventTime());
            if ((count & 4095) == 0 && sink.closedDownstream()) {
                s.stoppedBy = "the output was closed";
                break;
            }
            if (progress != null && (paced || (count & 4095) == 0)) {
                long now = System.nanoTime();
                if (now >= nextProgress) {
                    nextProgress = now + 10_000_000_000L;
                    progress.printf(Locale.ROOT, "event generator: %,d records in %.0f s, event time %s%n", count,
                            (now - t0) / 1e9, Instant.ofEpochMilli(s.lastEventTime));
                }
            }
        }
        sink.flush();
        if (stopRequested && s.stoppedBy == null) {
            s.stoppedBy = "a stop request";
        }
        s.records = count;
        s.valid = it.valid;
        s.duplicates = it.duplicates;
        s.bad = it.bad;
        s.accountsSeen = it.population().accountsSeen;
        s.usersSeen = it.population().usersSeen;
        if (config.outcomes() != null) {
            Outcomes o = Outcomes.of(config.outcomes(), it.outcomes());
            java.nio.file.Path file = java.nio.file.Paths.get(config.outcomes());
            if (file.getParent() != null) {
                java.nio.file.Files.createDirectories(file.getParent());
            }
            java.nio.file.Files.writeString(file, o.toCsv(), java.nio.charset.StandardCharsets.UTF_8);
            s.outcomesWon = o.won();
            s.outcomesLost = o.lost();
        }
        s.elapsedNanos = System.nanoTime() - t0;
        return s;
    }

    /** Sleeps until {@code deadline} (nanoTime) in short slices; false if stopped or interrupted. */
    private boolean sleepUntil(long deadline) {
        while (true) {
            if (stopRequested) {
                return false;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            LockSupport.parkNanos(Math.min(left, 100_000_000L));
            if (Thread.currentThread().isInterrupted()) {
                stopRequested = true;
                return false;
            }
        }
    }

    /** What a generation produced. */
    public static final class Summary {
        public long records;
        public long valid;
        public long duplicates;
        public long bad;
        /** The simulated population (team seats summed: users who may never appear included). */
        public int accounts;
        public int users;
        /** Accounts and users with at least one record. */
        public int accountsSeen;
        public int usersSeen;
        public long firstEventTime = Long.MIN_VALUE;
        public long lastEventTime = Long.MIN_VALUE;
        public long elapsedNanos;
        /** Why it ended before the records ran out, or null. */
        public String stoppedBy;
        /** With --outcomes: the won and lost accounts written; -1 without. */
        public int outcomesWon = -1;
        public int outcomesLost = -1;

        public double recordsPerSecond() {
            return elapsedNanos == 0 ? 0 : records * 1e9 / elapsedNanos;
        }

        @Override
        public String toString() {
            String span = records == 0 ? "no records"
                    : "event time " + Instant.ofEpochMilli(firstEventTime) + " .. " + Instant.ofEpochMilli(lastEventTime);
            return String.format(Locale.ROOT, "%,d records (%,d valid, %,d duplicates, %,d bad) from %,d of %,d accounts "
                    + "and %,d of %,d users; %s; %.1f s, %,.0f records/s%s", records, valid, duplicates, bad,
                    accountsSeen, accounts, usersSeen, users, span, elapsedNanos / 1e9, recordsPerSecond(),
                    stoppedBy == null ? "" : "; stopped by " + stoppedBy)
                    + (outcomesWon < 0 ? "" : String.format(Locale.ROOT, "; outcomes: %,d won, %,d lost", outcomesWon, outcomesLost));
        }
    }

    // ==== command line ====

    /** The entry point of before the command line: {@code pqlscore generate} ({@link GenerateCommand}). */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * {@code pqlscore generate} with these arguments: 0 when done, 2 for bad arguments (message and
     * a hint on {@code err}), 1 when the output fails. Records go to {@code out} with {@code --out -};
     * progress and the summary to {@code err}.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return Commands.execute(new GenerateCommand(), args, out, err);
    }
}
