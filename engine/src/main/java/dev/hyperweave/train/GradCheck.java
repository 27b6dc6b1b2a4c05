package dev.hyperweave.train;

import dev.hyperweave.backend.reference.ReferenceBackend;
import dev.hyperweave.graph.Graph;
import dev.hyperweave.graph.Node;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;

import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Finite-difference check of a graph's gradients, in double precision on the reference backend:
 * the analytic gradient of every parameter is compared, element by element (or on a random sample
 * of elements for big parameters), with the central difference (L(p+h) - L(p-h)) / 2h.
 *
 * <p>Each check compiles {@code graph} in its own F64 {@link Session} on a fresh reference backend,
 * both closed before it returns; the gradient nodes are added to {@code graph}. The parameters take
 * their initial values from {@code seed}, and every checked element costs two forward passes.
 */
public final class GradCheck {

    /**
     * The worst element: its error measure is {@code |analytic - numeric| / (atol + rtol * max(|a|, |n|))};
     * pass when {@code <= 1}.
     *
     * @param worstRatio the largest error measure seen: 0 when nothing was checked, infinity when one was NaN
     * @param worst      where it was: the parameter, the linear index and both gradients, or {@code "none"}
     * @param checked    elements compared, over all parameters (sampled elements may repeat)
     */
    public record Result(double worstRatio, String worst, int checked) {
        /**
         * Whether every checked element is within tolerance. True when nothing was checked.
         *
         * @return {@code worstRatio <= 1}
         */
        public boolean passed() { return worstRatio <= 1; }
    }

    private GradCheck() {}

    /**
     * Checks with h = 1e-6, atol = 1e-8 and rtol = 1e-5.
     *
     * @param graph        the graph holding {@code loss}; it gains the gradient nodes
     * @param loss         a floating scalar depending on at least one parameter
     * @param feed         writes the graph's inputs into the session before anything runs
     * @param seed         seed of the parameters' initial values and of the sample
     * @param maxPerParam  elements checked per parameter (a random sample when it has more)
     * @return the worst element over all parameters
     * @throws IllegalArgumentException if the loss depends on no parameter
     * @throws dev.hyperweave.tensor.ShapeException if {@code loss} is not a floating scalar
     */
    public static Result check(Graph graph, Node loss, Consumer<Session> feed, long seed, int maxPerParam) {
        return check(graph, loss, feed, seed, maxPerParam, 1e-6, 1e-8, 1e-5);
    }

    /**
     * Checks with the given step and tolerances. The arguments are not validated: a
     * {@code maxPerParam} of 0 or less checks nothing and passes.
     *
     * @param graph        the graph holding {@code loss}; it gains the gradient nodes
     * @param loss         a floating scalar depending on at least one parameter
     * @param feed         writes the graph's inputs into the F64 session (with
     *                     {@link Session#setInput}) before anything runs
     * @param seed         seed of the parameters' initial values and of the sample
     * @param maxPerParam  elements checked per parameter; a parameter with more gets that many drawn
     *                     at random, with replacement
     * @param h            the finite-difference step
     * @param atol         absolute tolerance
     * @param rtol         relative tolerance
     * @return the worst element over all parameters
     * @throws IllegalArgumentException if the loss depends on no parameter
     * @throws dev.hyperweave.tensor.ShapeException if {@code loss} is not a floating scalar
     */
    public static Result check(Graph graph, Node loss, Consumer<Session> feed, long seed, int maxPerParam, double h, double atol, double rtol) {
        try (ReferenceBackend backend = new ReferenceBackend();
             Session s = Session.training(graph, loss, Optimizer.sgd(1), backend, DType.F64, seed)) {
            feed.accept(s);
            s.computeGradients();
            SplittableRandom pick = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
            double worst = 0;
            String where = "none";
            int checked = 0;
            for (String name : s.parameterNames()) {
                Tensor p = s.parameter(name);
                double[] analytic = s.gradient(name).toDoubleArray();
                long n = p.numel();
                int count = (int) Math.min(n, maxPerParam);
                for (int c = 0; c < count; c++) {
                    long i = count == n ? c : pick.nextLong(n);
                    double orig = p.getLinear(i);
                    p.setLinear(i, orig + h);
                    double up = s.evaluate();
                    p.setLinear(i, orig - h);
                    double down = s.evaluate();
                    p.setLinear(i, orig);
                    double numeric = (up - down) / (2 * h);
                    double a = analytic[(int) i];
                    double ratio = Math.abs(a - numeric) / (atol + rtol * Math.max(Math.abs(a), Math.abs(numeric)));
                    checked++;
                    if (!(ratio <= worst)) {
                        worst = Double.isNaN(ratio) ? Double.POSITIVE_INFINITY : ratio;
                        where = name + "[" + i + "]: analytic " + a + " numeric " + numeric;
                    }
                }
            }
            return new Result(worst, where, checked);
        }
    }
}
