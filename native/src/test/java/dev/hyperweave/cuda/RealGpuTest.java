package dev.hyperweave.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The device layer on a real NVIDIA driver and GPU. Runs in its own JVM (the gpu-test execution),
 * which never loads the stand-in; skipped, saying why, where there is no usable driver.
 */
@Tag("gpu")
class RealGpuTest {
    /** y[i] = a * x[i] + y[i]; hand-written PTX, JIT-compiled by the driver. */
    static final String SAXPY = """
            .version 9.0
            .target sm_80
            .address_size 64
            .visible .entry saxpy(.param .u64 x, .param .u64 y, .param .f32 a, .param .u32 n)
            {
                .reg .pred %p<2>;
                .reg .b32 %r<6>;
                .reg .f32 %f<4>;
                .reg .b64 %rd<8>;
                ld.param.u64 %rd1, [x];
                ld.param.u64 %rd2, [y];
                ld.param.f32 %f1, [a];
                ld.param.u32 %r1, [n];
                mov.u32 %r2, %ctaid.x;
                mov.u32 %r3, %ntid.x;
                mov.u32 %r4, %tid.x;
                mad.lo.s32 %r5, %r2, %r3, %r4;
                setp.ge.u32 %p1, %r5, %r1;
                @%p1 bra DONE;
                cvta.to.global.u64 %rd3, %rd1;
                cvta.to.global.u64 %rd4, %rd2;
                mul.wide.u32 %rd5, %r5, 4;
                add.s64 %rd6, %rd3, %rd5;
                add.s64 %rd7, %rd4, %rd5;
                ld.global.f32 %f2, [%rd6];
                ld.global.f32 %f3, [%rd7];
                fma.rn.f32 %f3, %f1, %f2, %f3;
                st.global.f32 [%rd7], %f3;
            DONE:
                ret;
            }
            """;

    @BeforeAll
    static void requireGpu() {
        DriverProbe p = Cuda.probe();
        if (!p.available()) System.out.println("[gpu tests skipped] " + p.problem());
        assumeTrue(p.available(), "no usable CUDA driver: " + p.problem());
        assumeTrue(!Cuda.device(0).name().contains("stand-in"), "the stand-in driver is loaded, not a real one");
    }

    @Test
    void saxpyOnTheDevice() {
        int n = 1000;
        Random r = new Random(3);
        float[] x = new float[n], y = new float[n], want = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
            y[i] = (float) r.nextGaussian();
            want[i] = Math.fma(1.5f, x[i], y[i]);
        }
        try (CudaContext ctx = Cuda.device(0).primaryContext();
             DeviceBuffer dx = ctx.allocate(4L * n);
             DeviceBuffer dy = ctx.allocate(4L * n);
             CudaModule m = ctx.loadModule(SAXPY);
             KernelArgs args = new KernelArgs();
             CudaEvent start = ctx.createEvent();
             CudaEvent end = ctx.createEvent()) {
            dx.copyFrom(x);
            dy.copyFrom(y);
            args.pointer(dx).pointer(dy).f32(1.5f).i32(n);
            start.record(null);
            m.function("saxpy").launch(Dim3.of((n + 255) / 256), Dim3.of(256), 0, null, args);
            end.record(null);
            end.synchronize();
            assertArrayEquals(want, dy.toFloatArray());
            assertTrue(end.millisSince(start) >= 0f);
            System.out.println("[gpu] " + Cuda.device(0).describe() + ", " + Cuda.probe());
        }
    }
}
