package io.pqlscore.scoring;

/**
 * The state of one signal for one entity. Which fields are used depends on the signal kind:
 * <ul>
 *   <li>points, sequence, usage: {@code value} is the decayed sum valid at {@code valueAt};
 *       {@code fired} marks the first hit ({@code once}, milestones);</li>
 *   <li>distinct: {@code keys}/{@code times} hold the most recent distinct values and the latest
 *       time each was seen, at most as many as the highest tier needs;</li>
 *   <li>trait: {@code fired} is whether the test passes on the entity's own latest traits.</li>
 * </ul>
 * A POJO so that Flink serializes it (and evolves it) without Kryo.
 */
public class SignalState {
    public double value;
    public long valueAt;
    /** Last time the signal contributed; {@code Long.MIN_VALUE} when never. */
    public long lastSeen = Long.MIN_VALUE;
    public boolean fired;
    public String[] keys = new String[0];
    public long[] times = new long[0];
    /**
     * The hash of each of {@code keys}, while {@link #hashesOf} is that very array: a distinct
     * signal's lookup compares these, side by side in one array, instead of reaching every kept
     * String (a cache miss each, the larger part of the account stage's time at full size). Not
     * state: rebuilt whenever {@code keys} is another array.
     */
    transient int[] hashes;
    transient String[] hashesOf;

    public SignalState() {}
}
