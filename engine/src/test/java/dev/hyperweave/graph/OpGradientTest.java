package dev.hyperweave.graph;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.train.GradCheck;
import dev.hyperweave.train.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every op's gradient against central finite differences, in double precision on the reference
 * backend. Pass criterion: |analytic - numeric| <= 1e-8 + 1e-5 * max(|analytic|, |numeric|), h = 1e-6.
 * Each op's output is reduced to a scalar as sum(out * R) with R random, so every output element
 * carries a distinct weight.
 */
class OpGradientTest {

    /** Builds the op under test from a fresh graph; returns its (non-scalar or scalar) output. */
    private static void check(Function<Graph, Node> build) {
        Graph g = new Graph();
        Node out = build.apply(g);
        Node loss = out.numel() == 1 && out.rank() == 0 ? out : g.sum(g.mul(out, g.input("R", DType.F32, out.shape())));
        GradCheck.Result r = GradCheck.check(g, loss, OpGradientTest::feedRandom, 42, 60);
        assertTrue(r.checked() > 0, "nothing checked");
        assertTrue(r.passed(), "gradient mismatch, worst " + r.worstRatio() + " at " + r.worst());
    }

    /** Fills every input with seeded gaussian floats (ints: indices/labels, set by the test's own input names). */
    static void feedRandom(Session s) {
        Random rnd = new Random(7);
        for (String name : s.compiled() == null ? java.util.List.<String>of() : inputNames(s)) {
            Tensor t = s.input(name);
            if (t.dtype() == DType.I32) continue;
            for (long i = 0; i < t.numel(); i++) t.setLinear(i, rnd.nextGaussian());
        }
    }

    private static java.util.Set<String> inputNames(Session s) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>();
        for (String n : new String[] {"R", "T", "X"}) {
            try {
                s.input(n);
                names.add(n);
            } catch (IllegalArgumentException e) {
                // not an input of this graph
            }
        }
        return names;
    }

    private static Node param(Graph g, String name, int... shape) {
        return g.parameter(name, Init.normal(1), shape);
    }

    @ParameterizedTest
    @ValueSource(strings = {"NN", "TN", "NT", "TT"})
    void matmul2d(String flags) {
        boolean ta = flags.charAt(0) == 'T', tb = flags.charAt(1) == 'T';
        check(g -> g.matmul(param(g, "a", ta ? new int[] {5, 3} : new int[] {3, 5}), param(g, "b", tb ? new int[] {4, 5} : new int[] {5, 4}), ta, tb));
    }

    @ParameterizedTest
    @ValueSource(strings = {"NN", "TN", "NT", "TT"})
    void matmulBatched(String flags) {
        boolean ta = flags.charAt(0) == 'T', tb = flags.charAt(1) == 'T';
        check(g -> g.matmul(param(g, "a", ta ? new int[] {2, 5, 3} : new int[] {2, 3, 5}), param(g, "b", tb ? new int[] {2, 4, 5} : new int[] {2, 5, 4}), ta, tb));
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void linear2d(Activation act) {
        check(g -> g.linear(param(g, "x", 3, 5), param(g, "w", 4, 5), param(g, "b", 4), act));
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void linearBatched(Activation act) {
        check(g -> g.linear(param(g, "x", 2, 3, 5), param(g, "w", 2, 4, 5), param(g, "b", 2, 4), act));
    }

    @Test
    void linearWithoutBias() {
        check(g -> g.linear(param(g, "x", 3, 5), param(g, "w", 4, 5), null, Activation.TANH));
    }

    @Test
    void addSubMul() {
        check(g -> g.add(param(g, "a", 3, 4), param(g, "b", 3, 4)));
        check(g -> g.sub(param(g, "a", 3, 4), param(g, "b", 3, 4)));
        check(g -> g.mul(param(g, "a", 3, 4), param(g, "b", 3, 4)));
    }

    @Test
    void sameNodeUsedTwice() {
        check(g -> {
            Node a = param(g, "a", 3, 4);
            return g.mul(a, g.add(a, a));
        });
    }

    @Test
    void scale() {
        check(g -> g.scale(param(g, "a", 2, 3), -2.5));
    }

    @Test
    void biasAdd() {
        check(g -> g.biasAdd(param(g, "x", 3, 4), param(g, "b", 4)));
        check(g -> g.biasAdd(param(g, "x", 2, 3, 4), param(g, "b", 2, 4)));
        check(g -> g.biasAdd(param(g, "x", 2, 3, 4), param(g, "b", 4)));
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"RELU", "TANH", "SIGMOID", "ELU"})
    void activations(Activation act) {
        check(g -> g.activation(act, param(g, "x", 4, 5)));
    }

    @Test
    void sumAndMean() {
        check(g -> g.sum(param(g, "x", 3, 4)));
        check(g -> g.mean(param(g, "x", 3, 4)));
        check(g -> g.sum(param(g, "x", 2, 3, 4), 1, false));
        check(g -> g.sum(param(g, "x", 2, 3, 4), 0, true));
    }

    @Test
    void gatherWithRepeatedIndices() {
        Graph g = new Graph();
        Node table = param(g, "table", 5, 3);
        Node idx = g.input("idx", DType.I32, 6);
        Node out = g.gather(table, idx);
        Node loss = g.sum(g.mul(out, g.input("R", DType.F32, out.shape())));
        GradCheck.Result r = GradCheck.check(g, loss, s -> {
            s.setInput("idx", new int[] {4, 0, 4, 2, 1, 4});
            feedRandom(s);
        }, 3, 100);
        assertTrue(r.passed(), "gather: " + r.worst());
    }

    @Test
    void concat() {
        check(g -> g.concat(1, param(g, "a", 3, 2), param(g, "b", 3, 4), param(g, "c", 3, 1)));
        check(g -> g.concat(0, param(g, "a", 1, 2, 3), param(g, "b", 2, 2, 3)));
    }

    @Test
    void viewsSliceReshapeTransposeExpand() {
        check(g -> g.slice(param(g, "x", 4, 6), 1, 1, 3));
        check(g -> g.reshape(param(g, "x", 4, 6), 3, 8));
        check(g -> g.transpose(param(g, "x", 2, 4, 3), 1, 2));
        check(g -> g.expand(param(g, "x", 2, 1, 3), 2, 4, 3));
        check(g -> g.reshape(g.transpose(param(g, "x", 4, 6), 0, 1), 24));
        // Two slices of one parameter: the gradients land in disjoint regions of one buffer.
        check(g -> {
            Node x = param(g, "x", 4, 6);
            return g.mul(g.slice(x, 1, 0, 3), g.slice(x, 1, 3, 3));
        });
        // Overlapping slices: the regions overlap, so the planner must sum instead.
        check(g -> {
            Node x = param(g, "x", 4, 6);
            return g.mul(g.slice(x, 1, 0, 4), g.slice(x, 1, 2, 4));
        });
    }

    @Test
    void copy() {
        check(g -> g.copy(g.transpose(param(g, "x", 3, 4), 0, 1)));
    }

    @Test
    void softmaxCrossEntropy() {
        Graph g = new Graph();
        Node logits = param(g, "logits", 6, 5);
        Node loss = g.softmaxCrossEntropy(logits, g.input("labels", DType.I32, 6));
        GradCheck.Result r = GradCheck.check(g, loss, s -> s.setInput("labels", new int[] {0, 4, 2, 2, 1, 3}), 5, 100);
        assertTrue(r.passed(), "softmaxCrossEntropy: " + r.worst());
    }

    @Test
    void meanSquaredError() {
        check(g -> g.meanSquaredError(param(g, "p", 3, 4), param(g, "t", 3, 4)));
        check(g -> g.meanSquaredError(param(g, "p", 7), g.input("T", DType.F32, 7)));
    }
}
