package io.pqlscore.identity;

import io.pqlscore.events.DeadLetter;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.EventSequencer;
import io.pqlscore.events.EventTimeBuckets;
import io.pqlscore.events.IdentityInput;
import io.pqlscore.events.RejectReason;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.ops.Metrics;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The identity stage (SPEC 8), keyed by user id: holds each user's records until the watermark
 * passes them, reads them in SPEC 3 order with the {@link IdentityResolver}, and emits what it
 * resolves, as records of accounts, to the account stage; rejections go to {@link #DEAD_LETTERS}.
 * Only the records that need it come here ({@link IdentityInput#needed}): activity that carries an
 * account id never does.
 *
 * <p>State per user: the records not yet released (at most the out-of-orderness bound's worth)
 * and one {@link UserIdentity}, which is cleared {@code retention} after the user's latest record
 * read here, by one wake-up timer per user (re-armed when it fires early).
 */
public class IdentityResolution extends KeyedProcessFunction<String, IdentityInput, UsageEvent> {
    private static final long serialVersionUID = 1L;

    /** Activity whose user has no account ({@code missing_account}), and the late guard's records. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS = new OutputTag<>("identity-dead-letters") {};

    private final IdentityResolver resolver;

    private transient EventTimeBuckets<IdentityInput> pending;
    private transient ValueState<UserIdentity> identity;
    private transient Counter resolved;
    private transient Counter memberships;
    private transient Counter noAccount;
    private transient Counter missingAccount;
    private transient Counter late;
    private transient Counter lateAfterShuffle;

    public IdentityResolution(IdentityResolver resolver) {
        this.resolver = resolver;
    }

    @Override
    public void open(OpenContext openContext) {
        pending = new EventTimeBuckets<>(getRuntimeContext().getMapState(new MapStateDescriptor<>("pending", Types.LONG,
                Types.LIST(TypeInformation.of(IdentityInput.class)))));
        identity = getRuntimeContext().getState(new ValueStateDescriptor<>("identity", TypeInformation.of(UserIdentity.class)));
        MetricGroup metrics = Metrics.group(getRuntimeContext().getMetricGroup());
        resolved = metrics.counter(Metrics.IDENTITY_RESOLVED);
        memberships = metrics.counter(Metrics.IDENTITY_MEMBERSHIPS);
        noAccount = metrics.counter(Metrics.IDENTITY_NO_ACCOUNT);
        late = metrics.counter(Metrics.LATE);
        Metrics.CounterFamily rejected = new Metrics.CounterFamily(metrics, Metrics.REJECTED);
        missingAccount = rejected.get(RejectReason.MISSING_ACCOUNT.code());
        lateAfterShuffle = rejected.get(Metrics.LATE_AFTER_SHUFFLE);
    }

    @Override
    public void processElement(IdentityInput in, Context ctx, Collector<UsageEvent> out) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        if (in.event.timestamp <= watermark) {
            // the router rejects late records already; this guard only keeps "never dropped silently"
            late.inc();
            lateAfterShuffle.inc();
            String detail = "late after the shuffle to identity resolution: messageId " + in.event.messageId;
            ctx.output(DEAD_LETTERS, in.raw != null
                    ? EventParser.deadLetter(RejectReason.LATE, detail, in.raw, in.position)
                    : new DeadLetter(RejectReason.LATE, detail, null, null,
                            new SourcePosition("user:" + in.event.userId, -1, in.event.timestamp)));
            return;
        }
        pending.add(in.event.timestamp, in, ctx.timerService());
    }

    @Override
    public void onTimer(long time, OnTimerContext ctx, Collector<UsageEvent> out) throws Exception {
        UserIdentity id = identity.value();
        List<IdentityInput> at = pending.take(time);
        if (at != null) {
            at.sort((a, b) -> EventSequencer.CODE_POINT_ORDER.compare(a.event.messageId, b.event.messageId));
            Resolved o = new Resolved(ctx, out);
            for (IdentityInput in : at) {
                id = resolver.read(id, in, o);
            }
        }
        if (id == null) {
            return;
        }
        if (resolver.forgottenAt(id, time)) {
            identity.clear();
            return;
        }
        if (id.wakeAt == Long.MAX_VALUE || id.wakeAt <= time) {
            // none yet, or this is the one that fired: one timer per user, at the earliest forgetting
            id.wakeAt = resolver.forgetAt(id);
            ctx.timerService().registerEventTimeTimer(id.wakeAt);
        }
        identity.update(id);
    }

    private final class Resolved implements IdentityResolver.Output {
        private final OnTimerContext ctx;
        private final Collector<UsageEvent> out;

        Resolved(OnTimerContext ctx, Collector<UsageEvent> out) {
            this.ctx = ctx;
            this.out = out;
        }

        @Override
        public void emit(UsageEvent e, boolean resolvedHere) {
            if (resolvedHere) {
                resolved.inc();
            }
            out.collect(e);
        }

        @Override
        public void joined(UsageEvent group) {
            memberships.inc();
        }

        @Override
        public void noAccount(IdentityInput in, String detail) {
            noAccount.inc();
            missingAccount.inc();
            ctx.output(DEAD_LETTERS, EventParser.deadLetter(RejectReason.MISSING_ACCOUNT, detail, in.raw, in.position));
        }
    }
}
