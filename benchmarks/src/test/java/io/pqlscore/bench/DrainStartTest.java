package io.pqlscore.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DrainStartTest {

    @Test
    void aRunThatDrainsBetweenTwoPollsIsTimedFromThePollBeforeIt() {
        DrainStart d = new DrainStart(1_000);
        assertThat(d.firstSeen(1_020, 0)).isFalse();
        assertThat(d.firstSeen(1_040, 0)).isFalse();
        // all records arrived after the poll at 1,040: the first poll that sees them must not be the start
        assertThat(d.started()).isFalse();
        assertThat(d.firstSeen(1_060, 2_000)).isTrue();
        assertThat(d.started()).isTrue();
        assertThat(d.nanos()).isEqualTo(1_040);
        assertThat(d.firstSeen(1_080, 2_000)).isFalse();
        assertThat(d.nanos()).isEqualTo(1_040);
    }

    @Test
    void recordsAtTheFirstPollAreTimedFromTheSubmission() {
        DrainStart d = new DrainStart(500);
        assertThat(d.firstSeen(520, 7)).isTrue();
        assertThat(d.nanos()).isEqualTo(500);
    }

    @Test
    void aNegativeNanoTimeIsAStartLikeAnyOther() {
        DrainStart d = new DrainStart(-5_000);
        assertThat(d.firstSeen(-4_980, 3)).isTrue();
        assertThat(d.started()).isTrue();
        assertThat(d.nanos()).isEqualTo(-5_000);
        assertThat(d.firstSeen(-4_960, 9)).isFalse();
    }

    @Test
    void noStartBeforeAnyRecord() {
        DrainStart d = new DrainStart(0);
        d.firstSeen(20, 0);
        assertThatThrownBy(d::nanos).isInstanceOf(IllegalStateException.class);
    }
}
