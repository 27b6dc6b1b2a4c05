package dev.hyperweave.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.BackendKernelTest;
import dev.hyperweave.tensor.DType;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The kernel suite on the cpu backend with one worker and with three (ranges split over workers). */
class CpuBackendKernelTest {

    @Test
    void identityAndClose() {
        CpuBackend b = new CpuBackend(3);
        assertEquals("cpu", b.name());
        assertEquals(3, b.threads());
        assertFalse(b.supports(DType.F64));
        assertFalse(b.supports(DType.I32));
        b.close();
        b.close(); // idempotent
    }

    @Test
    void elementwiseResultsDoNotDependOnTheThreadCount() {
        // Rows (not mergeable into one) whose width is not a multiple of the vector length, split
        // between workers mid-row:
        // every element must take the same vector or scalar path whatever the split (the lanes and
        // tails of tanh, sigmoid and elu use different formulas, so a different path shows in the bits).
        java.util.Random rnd = new java.util.Random(5);
        try (dev.hyperweave.tensor.TensorArena arena = new dev.hyperweave.tensor.TensorArena()) {
            for (int width : new int[] {37, 21, 300}) {
                int rows = (int) (CpuBackend.GRAIN / width) + 3;
                // a slice of wider rows, so that the rows cannot be merged into one
                dev.hyperweave.tensor.Tensor x = arena.allocate(DType.F32, rows, width + 3).slice(1, 0, width);
                float[] v = new float[rows * width];
                for (int i = 0; i < v.length; i++) v[i] = (float) (2 * rnd.nextGaussian());
                x.copyFrom(v);
                java.util.Map<dev.hyperweave.backend.Activation, float[]> first = new java.util.EnumMap<>(dev.hyperweave.backend.Activation.class);
                for (int threads : new int[] {1, 2, 3}) {
                    try (CpuBackend b = new CpuBackend(threads)) {
                        for (dev.hyperweave.backend.Activation act : dev.hyperweave.backend.Activation.values()) {
                            dev.hyperweave.tensor.Tensor y = arena.allocate(DType.F32, rows, width);
                            b.activation(act, x, y);
                            float[] got = y.toFloatArray();
                            float[] want = first.putIfAbsent(act, got);
                            if (want != null) {
                                org.junit.jupiter.api.Assertions.assertArrayEquals(want, got, act + ", width " + width + ", " + threads + " threads");
                            }
                        }
                    }
                }
            }
        }
    }

    @Nested
    class OneThread extends BackendKernelTest {
        @Override
        protected Backend createBackend() {
            return new CpuBackend(1);
        }
    }

    @Nested
    class ThreeThreads extends BackendKernelTest {
        @Override
        protected Backend createBackend() {
            return new CpuBackend(3);
        }
    }
}
