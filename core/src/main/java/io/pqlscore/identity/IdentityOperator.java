package io.pqlscore.identity;

import io.pqlscore.buffer.OrderedKeyedOperator;
import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.MessageIdOrder;
import io.pqlscore.events.IdentityInput;
import io.pqlscore.events.IdentityInputSerializer;
import io.pqlscore.events.RejectReason;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.metrics.Metrics;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The identity stage (SPEC 8), keyed by user id: holds each user's records until the watermark
 * passes them ({@link OrderedKeyedOperator}: on the heap, written to raw keyed state only in
 * snapshots), reads them in SPEC 3 order with the {@link IdentityResolver}, and emits what it
 * resolves, as records of accounts, to the account stage; rejections go to {@link #DEAD_LETTERS}.
 * Only the records that need it come here ({@link IdentityInput#needed}): activity that carries an
 * account id never does.
 *
 * <p>State per user: one {@link UserIdentity} (keyed state), cleared {@code retention} after the
 * user's latest record read here by the user's one wake-up.
 */
public class IdentityOperator extends OrderedKeyedOperator<IdentityInput, UsageEvent> {
    private static final long serialVersionUID = 1L;

    /** Activity whose user has no account ({@code missing_account}), and the late guard's records. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("identity-dead-letters") {};
    public static final String IDENTITY_STATE = "identity";

    private final IdentityResolver resolver;

    private transient ValueState<UserIdentity> identity;
    private transient Counter resolved;
    private transient Counter memberships;
    private transient Counter noAccount;
    private transient Counter missingAccount;
    private transient Counter late;
    private transient Counter lateAfterShuffle;
    private transient Resolved out;

    public IdentityOperator(IdentityResolver resolver, int heapBudget) {
        super(IdentityInputSerializer.INSTANCE, heapBudget);
        this.resolver = resolver;
    }

    @Override
    protected String keyOf(IdentityInput r) {
        return r.event.userId;
    }

    @Override
    protected long timeOf(IdentityInput r) {
        return r.event.timestamp;
    }

    @Override
    protected int compareTies(IdentityInput a, IdentityInput b) {
        return MessageIdOrder.CODE_POINTS.compare(a.event.messageId, b.event.messageId);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        identity = context.getKeyedStateStore().getState(new ValueStateDescriptor<>(IDENTITY_STATE,
                UserIdentitySerializer.INSTANCE));
    }

    @Override
    public void open() throws Exception {
        MetricGroup metrics = Metrics.group(getRuntimeContext().getMetricGroup());
        resolved = metrics.counter(Metrics.IDENTITY_RESOLVED);
        memberships = metrics.counter(Metrics.IDENTITY_MEMBERSHIPS);
        noAccount = metrics.counter(Metrics.IDENTITY_NO_ACCOUNT);
        late = metrics.counter(Metrics.LATE);
        Metrics.CounterFamily rejected = new Metrics.CounterFamily(metrics, Metrics.REJECTED);
        missingAccount = rejected.get(RejectReason.MISSING_ACCOUNT.code());
        lateAfterShuffle = rejected.get(Metrics.LATE_AFTER_SHUFFLE);
        out = new Resolved();
        super.open();
    }

    @Override
    protected void onRecord(IdentityInput in) throws Exception {
        UserIdentity id = resolver.read(identity.value(), in, out);
        identity.update(id);
        setWake(in.event.userId, resolver.forgetAt(id));
    }

    @Override
    protected void onWake(String user, long time) throws Exception {
        UserIdentity id = identity.value();
        if (id == null) {
            return;
        }
        if (resolver.forgottenAt(id, time)) {
            identity.clear();
        } else {
            setWake(user, resolver.forgetAt(id));
        }
    }

    @Override
    protected void onLate(IdentityInput in, long watermark) {
        // the router rejects late records already; this guard only keeps "never dropped silently"
        late.inc();
        lateAfterShuffle.inc();
        String detail = "late after the shuffle to identity resolution: messageId " + in.event.messageId;
        output.collect(DEAD_LETTERS, new StreamRecord<>(in.raw != null
                ? EventParser.deadLetter(RejectReason.LATE, detail, in.raw, in.position)
                : new DeadLetter(RejectReason.LATE, detail, null, null,
                        new SourcePosition("user:" + in.event.userId, -1, in.event.timestamp))));
    }

    /** A user's wake-up is always {@code resolver.forgetAt} of its identity: snapshots leave them out. */
    @Override
    protected boolean wakesFollowFromState() {
        return true;
    }

    @Override
    protected void rebuildWakes() throws Exception {
        for (String user : keysWith(IDENTITY_STATE)) {
            setKey(user);
            UserIdentity id = identity.value();
            if (id != null) {
                setWake(user, resolver.forgetAt(id));
            }
        }
    }

    private final class Resolved implements IdentityResolver.Output {
        @Override
        public void emit(UsageEvent e, boolean resolvedHere) {
            if (resolvedHere) {
                resolved.inc();
            }
            output.collect(new StreamRecord<>(e));
        }

        @Override
        public void joined(UsageEvent group) {
            memberships.inc();
        }

        @Override
        public void noAccount(IdentityInput in, String detail) {
            noAccount.inc();
            missingAccount.inc();
            output.collect(DEAD_LETTERS, new StreamRecord<>(
                    EventParser.deadLetter(RejectReason.MISSING_ACCOUNT, detail, in.raw, in.position)));
        }
    }
}
