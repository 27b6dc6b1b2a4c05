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
 */
public final class GradCheck {

    /** The worst element: its error measure is |analytic - numeric| / (atol + rtol * max(|a|, |n|)); pass when <= 1. */
    public record Result(double worstRatio, String worst, int checked) {
        public boolean passed() { return worstRatio <= 1; }
    }

    private GradCheck() {}

    /**
     * @param feed         writes the graph's inputs into the session before anything runs
     * @param maxPerParam  elements checked per parameter (a random sample when it has more)
     */
    public static Result check(Graph graph, Node loss, Consumer<Session> feed, long seed, int maxPerParam) {
        return check(graph, loss, feed, seed, maxPerParam, 1e-6, 1e-8, 1e-5);
    }

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
