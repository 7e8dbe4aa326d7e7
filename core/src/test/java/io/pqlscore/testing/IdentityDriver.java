package io.pqlscore.testing;

import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.MessageIdOrder;
import io.pqlscore.events.IdentityInput;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.RejectReason;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.identity.IdentityResolver;
import io.pqlscore.identity.UserIdentity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@link IdentityResolver} without Flink, the way the identity stage does: every user's
 * records in (time, messageId) order; returns the records of accounts, ready for an {@link
 * EngineDriver}, with the records that need no resolution passed through.
 */
public final class IdentityDriver implements IdentityResolver.Output {
    private final IdentityResolver resolver;
    private final Map<String, UserIdentity> identities = new HashMap<>();
    private final List<UsageEvent> out = new ArrayList<>();
    public final List<DeadLetter> rejected = new ArrayList<>();
    public int memberships;

    public IdentityDriver(long retentionMs) {
        this.resolver = new IdentityResolver(retentionMs);
    }

    /** The valid records among {@code parsed}, resolved into records of accounts. */
    public List<UsageEvent> resolve(List<ParsedRecord> parsed) {
        List<ParsedRecord> valid = new ArrayList<>();
        for (ParsedRecord r : parsed) {
            if (r.isValid()) {
                valid.add(r);
            }
        }
        valid.sort(Comparator.comparingLong((ParsedRecord r) -> r.event.timestamp)
                .thenComparing(r -> r.event.messageId, MessageIdOrder.CODE_POINTS));
        for (ParsedRecord r : valid) {
            if (IdentityInput.needed(r.event)) {
                String user = r.event.userId;
                identities.put(user, resolver.read(identities.get(user), IdentityInput.of(r), this));
            } else {
                out.add(r.event);
            }
        }
        return out;
    }

    @Override
    public void emit(UsageEvent e, boolean resolved) {
        out.add(e);
    }

    @Override
    public void joined(UsageEvent group) {
        memberships++;
    }

    @Override
    public void noAccount(IdentityInput in, String detail) {
        rejected.add(EventParser.deadLetter(RejectReason.MISSING_ACCOUNT, detail, in.raw, in.position));
    }
}
