package dev.hyperweave.ptxvm.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.cuda.Cuda;
import dev.hyperweave.cuda.CudaContext;
import dev.hyperweave.cuda.DeviceBuffer;
import dev.hyperweave.cuda.Dim3;
import dev.hyperweave.cuda.DriverProbe;
import dev.hyperweave.cuda.KernelArgs;
import org.junit.jupiter.api.Test;

/** With this jar on the class path, the plain Cuda entry point finds the stand-in and runs kernels on the VM. */
class PtxVmDriverTest {
    private static final String SCALE = """
            .version 9.0
            .target sm_80
            .address_size 64
            .visible .entry twice(.param .u64 p, .param .u32 n) {
                .reg .b32 %r<4>; .reg .b64 %rd<4>; .reg .f32 %f<2>; .reg .pred %p;
                ld.param.u64 %rd1, [p];
                ld.param.u32 %r1, [n];
                mov.u32 %r2, %tid.x;
                setp.ge.u32 %p, %r2, %r1;
                @%p ret;
                mul.wide.u32 %rd2, %r2, 4;
                add.s64 %rd3, %rd1, %rd2;
                ld.global.f32 %f1, [%rd3];
                add.f32 %f1, %f1, %f1;
                st.global.f32 [%rd3], %f1;
                ret;
            }
            """;

    @Test
    void theServiceLoaderHookMakesTheStandInTheDriver() {
        DriverProbe probe = Cuda.probe();
        assertTrue(probe.available(), "probe: " + probe.problem());
        assertTrue(probe.deviceCount() >= 1, "devices: " + probe.deviceCount());
        try (CudaContext ctx = Cuda.device(0).primaryContext(); KernelArgs args = new KernelArgs()) {
            DeviceBuffer buf = ctx.allocate(4 * 5);
            buf.copyFrom(new float[] {1.5f, -2, 3.25f, 0, 7});
            args.pointer(buf).i32(5);
            ctx.loadModule(SCALE).function("twice").launch(Dim3.of(1), Dim3.of(32), 0, null, args);
            assertArrayEquals(new float[] {3, -4, 6.5f, 0, 14}, buf.toFloatArray());
        }
    }
}
