package io.pqlscore.bench.jmh;

import io.pqlscore.events.UsageEvent;
import io.pqlscore.scoring.AccountState;
import io.pqlscore.scoring.AccountStore;
import io.pqlscore.scoring.CurrentScore;
import io.pqlscore.scoring.EntityState;
import io.pqlscore.scoring.ScoreEngine;
import io.pqlscore.scoring.ScoringOutput;
import io.pqlscore.scoring.Transition;
import io.pqlscore.testing.InMemoryAccountStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The scoring math: a replay of {@value BenchEvents#RECORDS} generated records through
 * {@link ScoreEngine#apply} and {@link ScoreEngine#wake} as the scorer drives them (records in SPEC
 * order, every wake-up before the next later record, and at the end every pending one, as the
 * final watermark does), from empty state. Results in records per second.
 *
 * <p>{@code store}: {@code heap} keeps state as objects (the engine alone); {@code serialized}
 * round-trips every read and write through Flink's state serializers, as RocksDB does, with state
 * as plain POJOs (as the scorer stored it before issue #6); {@code stored-form} the same in the
 * scorer's stored form ({@link io.pqlscore.scoring.StoredEntities}: no ids per user, untouched
 * signals left out). Each store access is one (de)serialization here, as with an operator that
 * reads and writes through at every call. The
 * baseline {@code stateAccessOnly} does the state access every record needs at least (read and
 * write back the account and the record's user), with no scoring: the floor under {@code replay}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class ScoreEngineBenchmark {
    @Param({"heap", "serialized", "stored-form"})
    public String store;

    private List<UsageEvent> events;
    private ScoreEngine engine;
    private SerializingAccountStore.Serializers serializers;
    private String[] modelIds;
    private int modelLayout;

    @Setup
    public void setUp() {
        BenchEvents data = new BenchEvents();
        events = data.ordered;
        engine = new ScoreEngine(data.model, ScoreEngine.DEFAULT_TOP_SIGNALS, () -> 0L);
        serializers = new SerializingAccountStore.Serializers();
        modelIds = data.model.signals().stream().map(s -> s.id()).toArray(String[]::new);
        modelLayout = data.model.signalLayout();
    }

    @Benchmark
    @OperationsPerInvocation(BenchEvents.RECORDS)
    public void replay(Blackhole bh) {
        Map<String, AccountStore> stores = new HashMap<>();
        ScoringOutput out = new Sink(bh);
        for (UsageEvent e : events) {
            AccountStore s = stores.computeIfAbsent(e.accountId, this::newStore);
            wakeBefore(s, e.timestamp, out);
            engine.apply(s, e, List.of(), out);
        }
        for (AccountStore s : stores.values()) {
            wakeBefore(s, Long.MAX_VALUE, out);
        }
    }

    /** Baseline: per record, read and write back the account and the record's user; no scoring. */
    @Benchmark
    @OperationsPerInvocation(BenchEvents.RECORDS)
    public void stateAccessOnly(Blackhole bh) {
        Map<String, AccountStore> stores = new HashMap<>();
        for (UsageEvent e : events) {
            AccountStore s = stores.computeIfAbsent(e.accountId, this::newStore);
            AccountState a = s.account();
            if (a == null) {
                a = new AccountState();
            }
            bh.consume(a);
            s.putAccount(a);
            if (e.userId != null) {
                EntityState u = s.user(e.userId);
                if (u == null) {
                    u = new EntityState();
                }
                bh.consume(u);
                s.putUser(e.userId, u);
            }
        }
    }

    private AccountStore newStore(String accountId) {
        return store.equals("heap") ? new InMemoryAccountStore(accountId)
                : new SerializingAccountStore(accountId, serializers, store.equals("stored-form"), modelIds, modelLayout);
    }

    /** Fires every wake-up strictly before {@code time}, as the scorer's timers do. */
    private void wakeBefore(AccountStore s, long time, ScoringOutput out) {
        TreeSet<Long> timers = s instanceof InMemoryAccountStore m ? m.timers : ((SerializingAccountStore) s).timers;
        while (!timers.isEmpty() && timers.first() < time) {
            long t = timers.pollFirst();
            engine.wake(s, t, out);
            if (s instanceof InMemoryAccountStore m) {
                m.agenda.remove(t);
            } else {
                ((SerializingAccountStore) s).wakeDone(t);
            }
        }
    }

    private static final class Sink implements ScoringOutput {
        private final Blackhole bh;

        Sink(Blackhole bh) {
            this.bh = bh;
        }

        @Override
        public void transition(Transition t) {
            bh.consume(t);
        }

        @Override
        public void score(CurrentScore s) {
            bh.consume(s);
        }
    }
}
