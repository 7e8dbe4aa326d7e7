package io.pqlscore.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The soak's verdict line: a leak must show, one transient sample must not. */
class SoakFitTest {

    private static List<Soak.Sample> heap(double... mb) {
        List<Soak.Sample> s = new ArrayList<>();
        for (int i = 0; i < mb.length; i++) {
            s.add(new Soak.Sample(7 + i, 0, 0, 0, (long) (mb[i] * 1048576), 0, 0, 0, 0, 0, 0));
        }
        return s;
    }

    private static Soak.Fit fit(List<Soak.Sample> s) {
        return Soak.Fit.of(s, Soak.Sample::minute, x -> x.heapAfterGc() / 1048576.0);
    }

    @Test
    void oneTransientSampleDoesNotMakeAFlatSeriesGrow() {
        // the heap of the 2026-11-24 run at 4,560 records/s, minutes 7-30: one sample of 538 MB
        Soak.Fit f = fit(heap(217.0, 217.5, 217.8, 217.8, 218.4, 219.6, 218.8, 218.8, 218.7, 218.6, 219.3, 219.6,
                219.5, 218.9, 219.3, 218.5, 220.1, 222.7, 538.1, 220.9, 219.5, 219.6, 220.6, 219.8));
        assertThat(100 * f.growth() / f.median).isLessThan(3);
        assertThat(f.median).isCloseTo(219.3, within(0.5));
    }

    @Test
    void aSteadyRiseIsMeasuredInFull() {
        double[] rising = new double[24];
        for (int i = 0; i < rising.length; i++) {
            rising[i] = 200 + 2 * i + (i % 3 == 0 ? 1.5 : -0.5);
        }
        Soak.Fit f = fit(heap(rising));
        assertThat(f.growth()).isCloseTo(2 * 23, within(2.0));
        assertThat(100 * f.growth() / f.median).isGreaterThan(20);
    }

    @Test
    void aLeakIsNotHiddenByOneLowSample() {
        Soak.Fit f = fit(heap(200, 205, 210, 215, 220, 100, 230, 235, 240, 245));
        assertThat(f.slope).isCloseTo(5, within(0.01));
    }
}
