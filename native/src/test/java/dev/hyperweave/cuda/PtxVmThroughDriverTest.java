package dev.hyperweave.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.cuda.bindings.cuda_h;
import dev.hyperweave.ptxvm.PtxVm;
import dev.hyperweave.ptxvm.StandinDriver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real host path end to end without a GPU: the device layer loads nvcc's PTX through the stand-in
 * driver, launches it with typed arguments, and the PTX VM runs it over device memory.
 */
class PtxVmThroughDriverTest {
    static final String PTX;

    static {
        try {
            PTX = Files.readString(Path.of("../ptxvm/src/test/resources/kernels/test_kernels.ptx"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private PtxVm vm;
    private CudaContext ctx;

    @BeforeAll
    static void installStandin() {
        StandinDriver.install();
    }

    @BeforeEach
    void open() {
        vm = new PtxVm();
        StandinDriver.registerRunner(vm);
        ctx = Cuda.device(0).primaryContext();
    }

    @AfterEach
    void close() {
        ctx.close();
        StandinDriver.clearRunner();
        vm.close();
    }

    @Test
    void tiledMatmulRunsThroughTheDriver() {
        int m = 37, n = 29, k = 45;
        Random r = new Random(5);
        float[] a = new float[m * k], b = new float[k * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        try (DeviceBuffer da = ctx.allocate(4L * a.length); DeviceBuffer db = ctx.allocate(4L * b.length);
             DeviceBuffer dc = ctx.allocate(4L * m * n); CudaModule mod = ctx.loadModule(PTX); KernelArgs args = new KernelArgs()) {
            da.copyFrom(a);
            db.copyFrom(b);
            dc.fill(Float.NaN);
            CudaFunction f = mod.function("matmul_tiled");
            assertTrue(f.attribute(cuda_h.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES()) >= 2048, "two 16x16 float tiles");
            args.pointer(da).pointer(db).pointer(dc).i32(m).i32(n).i32(k);
            f.launch(new Dim3((n + 15) / 16, (m + 15) / 16, 1), new Dim3(16, 16, 1), 0, null, args);
            float[] c = dc.toFloatArray();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double ref = 0;
                    for (int p = 0; p < k; p++) ref += (double) a[i * k + p] * b[p * n + j];
                    assertEquals(ref, c[i * n + j], 1e-4, "(" + i + "," + j + ")");
                }
            }
            assertTrue(vm.lastLaunch().globalBytes() >= 4L * (a.length + b.length + m * n), vm.lastLaunch().toString());
        }
    }

    @Test
    void aKernelFaultReachesTheCallerAsACudaException() {
        try (DeviceBuffer x = ctx.allocate(4 * 10); DeviceBuffer out = ctx.allocate(4); CudaModule mod = ctx.loadModule(PTX);
             KernelArgs args = new KernelArgs()) {
            args.pointer(x).pointer(out).i32(11); // one element more than x holds
            CudaException e = assertThrows(CudaException.class,
                    () -> mod.function("warp_sum").launch(Dim3.of(1), Dim3.of(32), 0, null, args));
            assertEquals("CUDA_ERROR_ILLEGAL_ADDRESS", e.errorName());
            assertTrue(e.getMessage().contains("kernel warp_sum, line ") && e.getMessage().contains("out of bounds")
                    && e.getMessage().contains("thread tid (10,0,0)"), e.getMessage());
        }
    }

    @Test
    void badPtxFailsTheModuleLoadWithTheLineInTheJitLog() {
        CudaException e = assertThrows(CudaException.class, () -> ctx.loadModule(PTX.replace("bar.sync", "bar.frobnicate")));
        assertEquals("CUDA_ERROR_INVALID_PTX", e.errorName());
        assertTrue(e.getMessage().contains("JIT log: line ") && e.getMessage().contains("bar.frobnicate"), e.getMessage());
    }
}
