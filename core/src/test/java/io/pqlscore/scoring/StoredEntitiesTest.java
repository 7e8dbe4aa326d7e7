package io.pqlscore.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/** The stored form of entity state ({@link StoredEntities}) reads back as the state that was written. */
class StoredEntitiesTest {
    private static final String[] IDS = {"a", "b", "c"};
    private static final int LAYOUT = 42;

    private static EntityState entity() {
        EntityState e = new EntityState();
        e.tier = 2;
        e.lastRecordAt = 10;
        e.lastActivityAt = 9;
        e.lastEvalAt = 8;
        e.tickAt = 3_600_000;
        e.scheduledAt = 3_600_000;
        e.signalIds = IDS.clone();
        e.signals = new SignalState[] {new SignalState(), new SignalState(), new SignalState()};
        e.signals[1].value = 5;
        e.signals[1].valueAt = 10;
        e.signals[1].lastSeen = 10;
        e.signals[1].fired = true;
        e.signals[2].keys = new String[] {"2026-03-02"};
        e.signals[2].times = new long[] {10};
        e.traitKeys = new String[] {"role"};
        e.traitValues = new String[] {"\"vp\""};
        return e;
    }

    @Test
    void aCompactUserLeavesOutItsIdsAndUntouchedSignalsAndReadsBackTheSame() {
        EntityState e = entity();
        EntityState stored = StoredEntities.forStorage(e, IDS, LAYOUT, true);
        assertThat(stored.signalIds).isEmpty();
        assertThat(stored.layout).isEqualTo(LAYOUT);
        assertThat(stored.signals[0]).isNull();
        assertThat(stored.signals[1]).isSameAs(e.signals[1]);
        assertThat(e.signalIds).containsExactly(IDS); // the engine's object is not changed
        assertThat(e.signals[0]).isNotNull();

        EntityState back = StoredEntities.userFromStorage(stored, IDS, LAYOUT);
        assertThat(back).usingRecursiveComparison().ignoringFields("layout").isEqualTo(e);
    }

    @Test
    void anEntityInAnotherModelsOrderKeepsItsIds() {
        EntityState e = entity();
        EntityState stored = StoredEntities.forStorage(e, new String[] {"x", "a", "b", "c"}, LAYOUT, true);
        assertThat(stored.signalIds).containsExactly(IDS);
        assertThat(stored.layout).isZero();
        assertThat(StoredEntities.userFromStorage(stored, new String[] {"other"}, 7)).usingRecursiveComparison()
                .ignoringFields("layout").isEqualTo(e);
    }

    @Test
    void aUserBorrowingIdsOfAnotherLayoutThanItsAccountsIsRefused() {
        EntityState stored = StoredEntities.forStorage(entity(), IDS, LAYOUT, true);
        assertThatThrownBy(() -> StoredEntities.userFromStorage(stored, IDS, LAYOUT + 1))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theStoredCopyCarriesEveryFieldOfEntityState() throws Exception {
        // a field added to EntityState must also be copied by StoredEntities.shallowCopy
        EntityState e = entity();
        EntityState stored = StoredEntities.forStorage(e, IDS, LAYOUT, false);
        for (Field f : EntityState.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) || Modifier.isTransient(f.getModifiers()) || f.getName().equals("signals")
                    || f.getName().equals("layout")) {
                continue;
            }
            assertThat(f.get(stored)).as(f.getName()).isEqualTo(f.get(e));
        }
        assertThat(EntityState.class.getFields()).extracting(Field::getName).containsExactlyInAnyOrder("tier",
                "lastRecordAt", "lastActivityAt", "lastEvalAt", "tickAt", "scheduledAt", "signalIds", "signals", "layout",
                "traitKeys", "traitValues", "patterns");
    }
}
