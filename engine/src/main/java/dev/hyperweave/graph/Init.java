package dev.hyperweave.graph;

import java.util.SplittableRandom;

/** How a parameter's initial values are drawn; deterministic for a given random stream. */
@FunctionalInterface
public interface Init {

    /** Fills {@code values} (row-major over {@code shape}). */
    void fill(double[] values, int[] shape, SplittableRandom random);

    static Init zeros() { return (v, s, r) -> java.util.Arrays.fill(v, 0); }

    static Init constant(double c) { return (v, s, r) -> java.util.Arrays.fill(v, c); }

    static Init normal(double std) {
        return (v, s, r) -> {
            for (int i = 0; i < v.length; i++) v[i] = std * gaussian(r);
        };
    }

    static Init uniform(double bound) {
        return (v, s, r) -> {
            for (int i = 0; i < v.length; i++) v[i] = (2 * r.nextDouble() - 1) * bound;
        };
    }

    /** U(-1/sqrt(fanIn), 1/sqrt(fanIn)): PyTorch's default for Linear weights and biases. */
    static Init fanIn(int fanIn) { return uniform(1 / Math.sqrt(fanIn)); }

    /** Box-Muller from the given stream (SplittableRandom has no gaussian of its own in older JDKs' API). */
    static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble(), w = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
    }
}
