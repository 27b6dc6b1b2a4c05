package dev.hyperweave.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorArena;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The FFM binding, checked against a plain triple loop; skipped where OpenBLAS is not installed. */
class OpenBlasTest {

    private static OpenBlas blasOrSkip() {
        Optional<OpenBlas> blas = OpenBlas.load();
        assumeTrue(blas.isPresent(), () -> "skipped, OpenBLAS is not installed: " + OpenBlas.unavailableReason());
        return blas.get();
    }

    @Test
    void loadNeverThrowsAndExplainsAbsence() {
        Optional<OpenBlas> blas = OpenBlas.load();
        if (blas.isEmpty()) {
            assertNotNull(OpenBlas.unavailableReason());
            assertTrue(OpenBlas.unavailableReason().contains("apt-get install libopenblas0-pthread"), OpenBlas.unavailableReason());
        } else {
            assertEquals(null, OpenBlas.unavailableReason());
        }
    }

    @Test
    void sgemmMatchesNaiveLoopWithEveryTransposeAndPaddedLeadingDimensions() {
        OpenBlas blas = blasOrSkip();
        int m = 37, n = 29, k = 53, pad = 3;
        Random r = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
                    int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
                    float[] a = random(r, aRows * lda), b = random(r, bRows * ldb);
                    MemorySegment sa = arena.allocateFrom(ValueLayout.JAVA_FLOAT, a);
                    MemorySegment sb = arena.allocateFrom(ValueLayout.JAVA_FLOAT, b);
                    MemorySegment sc = arena.allocate((long) m * ldc * Float.BYTES, 64);
                    blas.sgemm(m, n, k, sa, lda, sb, ldb, sc, ldc, ta, tb);
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double want = 0;
                            for (int p = 0; p < k; p++) {
                                want += (double) (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
                            }
                            float got = sc.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * ldc + j);
                            assertEquals(want, got, 1e-4 * (1 + Math.abs(want)), "transA=" + ta + " transB=" + tb + " at " + i + "," + j);
                        }
                    }
                }
            }
        }
    }

    @Test
    void sgemmRejectsTooSmallSegmentsInsteadOfCrashing() {
        OpenBlas blas = blasOrSkip();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment small = arena.allocate(4 * 10), big = arena.allocate(4 * 100);
            assertThrows(IllegalArgumentException.class, () -> blas.sgemm(10, 10, 10, small, 10, big, 10, big, 10, false, false));
            assertThrows(IllegalArgumentException.class, () -> blas.sgemm(10, 10, 10, big, 5, big, 10, big, 10, false, false));
            assertThrows(IllegalArgumentException.class,
                    () -> blas.sgemm(2, 2, 2, MemorySegment.ofArray(new float[4]), 2, big, 2, big, 2, false, false));
        }
    }

    @Test
    void threadCountIsSettable() {
        OpenBlas blas = blasOrSkip();
        blas.setThreads(1);
        assertEquals(1, blas.threads());
        assertNotNull(blas.coreName());
    }

    @Test
    void oursAgreesWithOpenBlasOnASkinnyProduct() {
        OpenBlas blas = blasOrSkip();
        int m = 32, n = 300, k = 70;
        try (TensorArena arena = new TensorArena(); CpuBackend cpu = new CpuBackend(2)) {
            Random r = new Random(3);
            Tensor a = arena.allocate(DType.F32, 1, m, k).copyFrom(random(r, m * k));
            Tensor b = arena.allocate(DType.F32, 1, k, n).copyFrom(random(r, k * n));
            Tensor c = arena.allocate(DType.F32, 1, m, n), ref = arena.allocate(DType.F32, 1, m, n);
            cpu.matmul(a, b, c, null, Activation.NONE, false);
            blas.sgemm(m, n, k, a.segment(), k, b.segment(), n, ref.segment(), n, false, false);
            assertTrue(GemmCompare.relativeError(c, ref) < 1e-5, "relative error " + GemmCompare.relativeError(c, ref));
        }
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }
}
