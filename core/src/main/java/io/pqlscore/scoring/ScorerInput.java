package io.pqlscore.scoring;

import io.pqlscore.events.UsageEvent;

/** What the scorer receives: a record in SPEC order, or a pattern firing for one of them. */
public class ScorerInput {
    public UsageEvent event;
    public SignalFiring firing;

    public ScorerInput() {}

    public static ScorerInput of(UsageEvent e) {
        ScorerInput i = new ScorerInput();
        i.event = e;
        return i;
    }

    public static ScorerInput of(SignalFiring f) {
        ScorerInput i = new ScorerInput();
        i.firing = f;
        return i;
    }

    public String accountId() {
        return event != null ? event.accountId : firing.accountId;
    }

    public long timestamp() {
        return event != null ? event.timestamp : firing.timestamp;
    }
}
