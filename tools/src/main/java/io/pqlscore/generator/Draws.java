package io.pqlscore.generator;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The simulation's one random stream, seeded from the configuration, and the distributions drawn
 * from it. Every part of the generator draws from this one stream, in the order the original
 * single-class generator did: that order is what makes a seed give the same records byte for
 * byte, so a change that adds, drops or reorders a draw changes every stream after it.
 */
final class Draws {
    private final SplittableRandom rnd;

    Draws(long seed) {
        this.rnd = new SplittableRandom(seed);
    }

    double nextDouble() {
        return rnd.nextDouble();
    }

    boolean nextBoolean() {
        return rnd.nextBoolean();
    }

    int nextInt(int bound) {
        return rnd.nextInt(bound);
    }

    long nextLong() {
        return rnd.nextLong();
    }

    long nextLong(long bound) {
        return rnd.nextLong(bound);
    }

    static double[] zipfCdf(int max, double alpha) {
        double[] cdf = new double[max];
        double sum = 0;
        for (int k = 1; k <= max; k++) {
            sum += Math.pow(k, -alpha);
            cdf[k - 1] = sum;
        }
        for (int k = 0; k < max; k++) {
            cdf[k] /= sum;
        }
        return cdf;
    }

    /** Index i with probability cdf[i] - cdf[i-1]. */
    int sampleCdf(double[] cdf) {
        double x = rnd.nextDouble();
        int i = Arrays.binarySearch(cdf, x);
        i = i >= 0 ? i : -i - 1;
        return Math.min(i, cdf.length - 1);
    }

    int weighted(int[] weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int x = rnd.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            x -= weights[i];
            if (x < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    double expo(double mean) {
        return -mean * Math.log(1 - rnd.nextDouble());
    }

    int geometric(double mean) {
        double p = 1 / (1 + mean);
        return (int) Math.min(10_000, Math.floor(Math.log(1 - rnd.nextDouble()) / Math.log(1 - p)));
    }

    double gaussian() {
        // Box-Muller, one value (SplittableRandom has no nextGaussian on Java 17)
        double u1 = 1 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
