package dev.hyperweave.hyper;

import dev.hyperweave.backend.reference.ReferenceBackend;
import dev.hyperweave.train.GradCheck;
import dev.hyperweave.train.Optimizer;
import dev.hyperweave.train.Session;
import dev.hyperweave.workload.WorkloadSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Whole hypernetwork + target graphs (W1 and W2 structure at reduced sizes) against finite
 * differences in double precision. Same criterion as the op checks: |a - n| <= 1e-8 + 1e-5 max(|a|,|n|),
 * on a random sample of elements of every parameter.
 */
class HypernetGradientTest {

    /** W1's structure: T=3, e in R^4, hypernet 4->6->5->P, target 5->4->3->3, N=4. */
    static final WorkloadSpec SMALL_HMLP = new WorkloadSpec("hmlp-small", 3, 4, 4, new int[] {5, 4, 3, 3}, new int[] {6, 5}, 0, 0);

    /** W2's structure: chunks of C=16 (P=54, K=4; the last chunk is cut), chunk embeddings in R^3. */
    static final WorkloadSpec SMALL_CHUNKED = new WorkloadSpec("chunked-small", 3, 4, 4, new int[] {5, 4, 3, 3}, new int[] {6, 5}, 16, 3);

    private static void check(WorkloadSpec spec) {
        WorkloadSpec.Built built = spec.build();
        GradCheck.Result r = GradCheck.check(built.graph(), built.loss(), s -> built.feed(s, 11), 5, 25);
        assertTrue(r.checked() > 100, "too few elements checked: " + r.checked());
        assertTrue(r.passed(), spec.name() + ": worst ratio " + r.worstRatio() + " at " + r.worst());
    }

    @Test
    void fullHypernetworkGradients() { check(SMALL_HMLP); }

    @Test
    void chunkedHypernetworkGradients() { check(SMALL_CHUNKED); }

    /**
     * The target nets' weight and bias gradients are written straight into their slices of dL/d[T,P]:
     * no accumulate kernel runs for it, and the planner reports the in-place gradient.
     */
    @Test
    void targetWeightGradientsLandInPlace() {
        for (WorkloadSpec spec : new WorkloadSpec[] {SMALL_HMLP, SMALL_CHUNKED}) {
            WorkloadSpec.Built built = spec.build();
            try (ReferenceBackend be = new ReferenceBackend(); Session s = Session.training(built.graph(), built.loss(), Optimizer.adam(1e-3), be, 1)) {
                assertTrue(s.compiled().inPlaceGradients() >= 1, spec.name());
                assertFalse(s.compiled().kernelNames().contains("accumulate"), spec.name() + " kernels: " + s.compiled().kernelNames());
                assertFalse(s.compiled().kernelNames().contains("copy"), spec.name() + " kernels: " + s.compiled().kernelNames());
            }
        }
    }

    /**
     * The cpu backend computes the same loss and flat gradient as the reference on whole W1/W2 graphs
     * (mid sizes, so blocked and threaded paths run): |cpu - ref| <= 1e-4 * (max |ref| over the buffer) + 1e-6.
     */
    @Test
    void cpuMatchesReferenceOnWholeGraphs() {
        WorkloadSpec[] specs = {
                new WorkloadSpec("hmlp-mid", 5, 8, 9, new int[] {7, 33, 17, 10}, new int[] {33, 20}, 0, 0),
                new WorkloadSpec("chunked-mid", 5, 8, 9, new int[] {7, 33, 17, 10}, new int[] {33, 20}, 100, 6)};
        for (WorkloadSpec spec : specs) {
            WorkloadSpec.Built built = spec.build();
            try (ReferenceBackend ref = new ReferenceBackend(); dev.hyperweave.backend.cpu.CpuBackend cpu = new dev.hyperweave.backend.cpu.CpuBackend(3);
                 Session a = built.session(ref, 4); Session b = built.session(cpu, 4)) {
                double la = a.computeGradients(), lb = b.computeGradients();
                assertEquals(la, lb, 1e-5 * Math.abs(la), spec.name() + " loss");
                double[] ga = a.flatGradients().toDoubleArray(), gb = b.flatGradients().toDoubleArray();
                double scale = 0;
                for (double v : ga) scale = Math.max(scale, Math.abs(v));
                assertTrue(scale > 0, "gradient is all zero");
                for (int i = 0; i < ga.length; i++) {
                    assertEquals(ga[i], gb[i], 1e-4 * scale + 1e-6, spec.name() + " gradient element " + i);
                }
            }
        }
    }

    @Test
    void targetLayoutIsWThenBPerLayer() {
        TargetMlp t = TargetMlp.of(dev.hyperweave.backend.Activation.RELU, 64, 128, 128, 10);
        assertEquals(26122, t.paramCount());
        assertEquals(0, t.weightOffset(0));
        assertEquals(64 * 128 + 128, t.weightOffset(1));
        assertEquals(64 * 128 + 128 + 128 * 128 + 128, t.weightOffset(2));
        assertEquals(7, new ChunkedHypernet(32, 32, 16, 4096, new int[] {256, 256}, dev.hyperweave.backend.Activation.RELU).chunks(26122));
    }

    @Test
    void workloadFlopsMatchWorkloadsMd() {
        assertEquals(1.93e9, WorkloadSpec.HMLP.stepFlops(), 0.01e9);
        assertEquals(2.15e9, WorkloadSpec.CHUNKED.stepFlops(), 0.01e9);
    }
}
