package io.pqlscore.scoring;

/** One of the signals that contributed most to a score. */
public class TopSignal {
    public String signal;
    public String category;
    public double points;
    /** Last time the signal contributed (epoch ms), or {@code Long.MIN_VALUE} if unknown. */
    public long lastSeen;

    public TopSignal() {}

    public TopSignal(String signal, String category, double points, long lastSeen) {
        this.signal = signal;
        this.category = category;
        this.points = points;
        this.lastSeen = lastSeen;
    }
}
