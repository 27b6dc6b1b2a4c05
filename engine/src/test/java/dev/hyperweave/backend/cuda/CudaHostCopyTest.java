package dev.hyperweave.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorArena;
import dev.hyperweave.tensor.TensorMemory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Host copies of the cuda backend: contiguous and strided views both ways, scalars, and misuse. */
@Tag("ptxvm")
class CudaHostCopyTest {

    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i * 0.37f - 5;
        return v;
    }

    @Test
    void stridedViewsRoundTripInRowMajorOrder() {
        try (CudaBackend cuda = VmGpu.backend(); TensorMemory mem = cuda.newMemory()) {
            Tensor base = mem.allocate(DType.F32, 5, 7);
            assertArrayEquals(new float[35], cuda.readFloats(base), "device memory starts zeroed");
            cuda.write(base, ramp(35));
            Tensor t = base.transpose(0, 1).slice(0, 2, 4); // [4, 5], strides [1, 7]
            float[] expect = new float[20];
            for (int i = 0; i < 4; i++) for (int j = 0; j < 5; j++) expect[i * 5 + j] = ramp(35)[j * 7 + i + 2];
            assertArrayEquals(expect, cuda.readFloats(t));

            float[] v = ramp(20);
            for (int i = 0; i < v.length; i++) v[i] = -v[i] * 3;
            cuda.write(t, v);
            assertArrayEquals(v, cuda.readFloats(t));
            float[] all = cuda.readFloats(base);
            for (int r = 0; r < 5; r++) {
                for (int c = 0; c < 7; c++) {
                    boolean inView = c >= 2 && c < 6;
                    float want = inView ? v[(c - 2) * 5 + r] : ramp(35)[r * 7 + c];
                    assertEquals(want, all[r * 7 + c], "element [" + r + ", " + c + "]");
                }
            }
            assertEquals(all[3 * 7 + 4], cuda.readScalar(base.select(0, 3).slice(0, 4, 1)));

            Tensor ints = mem.allocate(DType.I32, 3, 2).transpose(0, 1);
            cuda.write(ints, new int[] {1, 2, 3, 4, 5, 6});
            assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, cuda.readInts(ints));
        }
    }

    @Test
    void misuseIsAClearError() {
        CudaBackend cuda = VmGpu.backend();
        try (TensorArena host = new TensorArena()) {
            Tensor h = host.allocate(DType.F32, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cuda.readFloats(h));
            assertTrue(e.getMessage().contains("not in this cuda backend's memory"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> cuda.fill(h, 1));
            assertTrue(e.getMessage().contains("host memory"), e.getMessage());
            TensorMemory mem = cuda.newMemory();
            Tensor d = mem.allocate(DType.F32, 4);
            assertThrows(dev.hyperweave.tensor.ShapeException.class, () -> cuda.write(d, new float[3]));
            mem.close();
            mem.close(); // harmless
            assertThrows(IllegalArgumentException.class, () -> cuda.readFloats(d), "freed memory is no longer the backend's");
        } finally {
            cuda.close();
            cuda.close();
        }
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> cuda.newMemory());
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }

    @Test
    void memoryClosedAfterItsBackendIsHarmless() {
        VmGpu.backend().close(); // the stand-in and the VM in place
        CudaBackend cuda = CudaBackend.open(0, null); // owns its hold on the context, and closes it
        TensorMemory mem = cuda.newMemory();
        Tensor t = mem.allocate(DType.F32, 8);
        cuda.fill(t, 2);
        cuda.close();
        mem.close();
        mem.close();
    }
}
