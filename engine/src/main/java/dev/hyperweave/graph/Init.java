package dev.hyperweave.graph;

import java.util.SplittableRandom;

/**
 * How a parameter's initial values are drawn; deterministic for a given random stream.
 * {@link dev.hyperweave.train.Session} calls it once per parameter, with a stream split off the
 * session's seed, so the values depend on the seed and the order of the parameters, not on the
 * backend.
 */
@FunctionalInterface
public interface Init {

    /**
     * Fills {@code values} (row-major over {@code shape}).
     *
     * @param values the destination, {@code numel(shape)} long; every element must be written
     * @param shape  the parameter's shape, for initialisers that depend on it
     * @param random the stream to draw from; this parameter's own
     */
    void fill(double[] values, int[] shape, SplittableRandom random);

    /**
     * All zeros; draws nothing.
     *
     * @return the initialiser
     */
    static Init zeros() { return (v, s, r) -> java.util.Arrays.fill(v, 0); }

    /**
     * Every element {@code c}; draws nothing.
     *
     * @param c the value
     * @return the initialiser
     */
    static Init constant(double c) { return (v, s, r) -> java.util.Arrays.fill(v, c); }

    /**
     * Normal with mean 0 and standard deviation {@code std}, each value from {@link #gaussian}.
     *
     * @param std the standard deviation
     * @return the initialiser
     */
    static Init normal(double std) {
        return (v, s, r) -> {
            for (int i = 0; i < v.length; i++) v[i] = std * gaussian(r);
        };
    }

    /**
     * Uniform on {@code [-bound, bound)}, one draw per value.
     *
     * @param bound the half-width
     * @return the initialiser
     */
    static Init uniform(double bound) {
        return (v, s, r) -> {
            for (int i = 0; i < v.length; i++) v[i] = (2 * r.nextDouble() - 1) * bound;
        };
    }

    /**
     * U(-1/sqrt(fanIn), 1/sqrt(fanIn)): PyTorch's default for Linear weights and biases.
     * {@code fanIn} is not checked: 0 gives an infinite bound.
     *
     * @param fanIn the layer's input width (K of a [N,K] weight)
     * @return the initialiser, {@link #uniform} with that bound
     */
    static Init fanIn(int fanIn) { return uniform(1 / Math.sqrt(fanIn)); }

    /**
     * A standard normal sample by Box-Muller from the given stream: a fixed formula, whose values
     * differ from {@link java.util.random.RandomGenerator#nextGaussian()}'s.
     *
     * @param r the stream; two doubles are drawn from it and the sine half is discarded
     * @return a sample of N(0, 1)
     */
    static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble(), w = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
    }
}
