package io.pqlscore.patterns;

import io.pqlscore.events.EventSequencer;
import io.pqlscore.events.UsageEvent;
import org.apache.flink.cep.EventComparator;

/** CEP's tie-break for records of the same event time: {@code messageId} by code point (SPEC 7). */
public final class MessageIdOrder implements EventComparator<UsageEvent> {
    private static final long serialVersionUID = 1L;

    @Override
    public int compare(UsageEvent a, UsageEvent b) {
        return EventSequencer.CODE_POINT_ORDER.compare(a.messageId, b.messageId);
    }
}
