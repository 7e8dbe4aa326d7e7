package io.pqlscore.bench;

/**
 * When the records of a timed run began to flow, to the resolution of the benchmark's metric polls.
 * The start is the last poll that saw no records, not the first that saw some: a tiny run can drain
 * completely between two polls, and timing it from the first poll that saw records gave it a
 * duration of zero, an infinite rate and a full-to-baseline ratio of 0. Taking the earlier poll
 * understates a rate by at most one poll interval instead, which over a real run is noise.
 */
final class DrainStart {

    private long lastEmptyPoll;
    private long start;
    // System.nanoTime() may be negative: no sentinel value of start can mean "not yet"
    private boolean started;

    /** @param submittedNanos {@link System#nanoTime()} when the job was submitted, before any poll */
    DrainStart(long submittedNanos) {
        this.lastEmptyPoll = submittedNanos;
    }

    /** @return true at the one poll that first sees records: the caller restarts its meters there */
    boolean firstSeen(long pollNanos, long recordsSeen) {
        if (started) {
            return false;
        }
        if (recordsSeen > 0) {
            start = lastEmptyPoll;
            started = true;
            return true;
        }
        lastEmptyPoll = pollNanos;
        return false;
    }

    /** whether {@link #firstSeen} has returned true */
    boolean started() {
        return started;
    }

    /** the start in {@link System#nanoTime()}, once {@link #firstSeen} has returned true */
    long nanos() {
        if (!started) {
            throw new IllegalStateException("no records seen yet");
        }
        return start;
    }
}
