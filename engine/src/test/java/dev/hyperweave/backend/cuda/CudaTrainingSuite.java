package dev.hyperweave.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.backend.reference.ReferenceBackend;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.train.Optimizer;
import dev.hyperweave.train.Session;
import dev.hyperweave.workload.WorkloadSpec;
import org.junit.jupiter.api.Test;

/**
 * Whole training steps on the cuda backend at reduced sizes of W1 and W2, against the cpu backend and
 * the double-precision reference; run on the PTX VM ({@link VmCudaTrainingTest}) and on a real GPU
 * where there is one ({@link GpuCudaTrainingTest}).
 *
 * <p>Tolerances: losses of the first steps agree with the cpu backend's to 1e-4 (1 + |loss|), as
 * the cpu and reference backends are held to in TrainingTest (float rounding differs between the
 * backends' summation orders; Adam's first steps amplify it only mildly). Gradients agree with the
 * reference backend's in F64 (which the finite-difference checks verify) to 1e-3 of the largest
 * gradient of the parameter, and parameters after the steps to 1e-4.
 */
abstract class CudaTrainingSuite {
    /** A cuda backend on the device under test. */
    protected abstract Backend gpu();

    /** W1's structure, reduced: T=4, e in R^8, hypernet 8->24->24->P, target 12->16->16->10, N=16. */
    static final WorkloadSpec SMALL_HMLP = new WorkloadSpec("hmlp-small", 4, 8, 16, new int[] {12, 16, 16, 10}, new int[] {24, 24}, 0, 0);
    /** W2's structure, reduced: as above with chunks of 64 weights and chunk embeddings in R^4. */
    static final WorkloadSpec SMALL_CHUNKED = new WorkloadSpec("chunked-small", 4, 8, 16, new int[] {12, 16, 16, 10}, new int[] {24, 24}, 64, 4);
    private static final int STEPS = 4;

    @Test
    void reducedW1TrainsLikeTheCpuBackend() {
        compareWithCpu(SMALL_HMLP);
    }

    @Test
    void reducedW2TrainsLikeTheCpuBackend() {
        compareWithCpu(SMALL_CHUNKED);
    }

    private void compareWithCpu(WorkloadSpec spec) {
        WorkloadSpec.Built built = spec.build();
        double[] cpuLoss = new double[STEPS], gpuLoss = new double[STEPS];
        float[] cpuParams, gpuParams;
        try (Backend cpu = new CpuBackend(1); Session s = built.session(cpu, 5)) {
            for (int i = 0; i < STEPS; i++) cpuLoss[i] = s.step();
            cpuParams = s.read(s.flatParameters());
        }
        try (Backend gpu = gpu(); Session s = built.session(gpu, 5)) {
            for (int i = 0; i < STEPS; i++) gpuLoss[i] = s.step();
            gpuParams = s.read(s.flatParameters());
            assertTrue(s.flatParameters().onDevice(), "parameters live in device memory");
        }
        for (int i = 0; i < STEPS; i++) {
            assertEquals(cpuLoss[i], gpuLoss[i], 1e-4 * (1 + Math.abs(cpuLoss[i])), spec.name() + " step " + (i + 1));
        }
        assertTrue(gpuLoss[STEPS - 1] < gpuLoss[0], spec.name() + ": loss did not fall: " + gpuLoss[0] + " -> " + gpuLoss[STEPS - 1]);
        for (int i = 0; i < cpuParams.length; i++) {
            if (!(Math.abs(cpuParams[i] - gpuParams[i]) <= 1e-4 * (1 + Math.abs(cpuParams[i])))) {
                fail(spec.name() + ": parameter element " + i + " is " + gpuParams[i] + " on cuda, " + cpuParams[i] + " on cpu");
            }
        }
    }

    @Test
    void gradientsMatchTheDoublePrecisionReference() {
        for (WorkloadSpec spec : new WorkloadSpec[] {SMALL_HMLP, SMALL_CHUNKED}) {
            WorkloadSpec.Built built = spec.build();
            Optimizer sgd = new Optimizer.Sgd(0.1, 0);
            try (Backend ref = new ReferenceBackend(); Backend gpu = gpu();
                 Session r = Session.training(built.graph(), built.loss(), sgd, ref, DType.F64, 9);
                 Session g = Session.training(built.graph(), built.loss(), sgd, gpu, 9)) {
                built.feed(r, 9);
                built.feed(g, 9);
                double lr = r.computeGradients(), lg = g.computeGradients();
                assertEquals(lr, lg, 1e-5 * (1 + Math.abs(lr)), spec.name() + " loss");
                for (String name : r.parameterNames()) {
                    double[] want = r.gradient(name).toDoubleArray();
                    float[] got = g.read(g.gradient(name));
                    double scale = 0;
                    for (double w : want) scale = Math.max(scale, Math.abs(w));
                    for (int i = 0; i < want.length; i++) {
                        if (!(Math.abs(want[i] - got[i]) <= 1e-3 * scale + 1e-7)) {
                            fail(spec.name() + ": d loss / d " + name + "[" + i + "] is " + got[i] + " on cuda, " + want[i] + " in F64");
                        }
                    }
                }
            }
        }
    }

    @Test
    void aBadTaskIdIsReportedByTheStepThatUsedIt() {
        WorkloadSpec.Built built = SMALL_HMLP.build();
        try (Backend gpu = gpu(); Session s = built.session(gpu, 5)) {
            s.step();
            s.setInput("task_ids", new int[] {0, 1, 7, 3});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, s::step);
            assertTrue(e.getMessage().contains("gatherRows") && e.getMessage().contains("index 7")
                    && e.getMessage().contains("position 2") && e.getMessage().contains("[0, 4)"), e.getMessage());
            s.setInput("task_ids", new int[] {0, 1, 2, 3});
            assertTrue(Double.isFinite(s.step()), "the session works again once the input is fixed");
        }
    }

    @Test
    void hostAccessToDeviceTensorsIsRefused() {
        WorkloadSpec.Built built = SMALL_HMLP.build();
        try (Backend gpu = gpu(); Session s = built.session(gpu, 5)) {
            String name = s.parameterNames().get(0);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.parameter(name).toFloatArray());
            assertTrue(e.getMessage().contains("device memory") && e.getMessage().contains("Backend.read"), e.getMessage());
            assertEquals(s.parameter(name).numel(), s.read(s.parameter(name)).length);
        }
    }
}
