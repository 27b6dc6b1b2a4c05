package dev.hyperweave.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.cuda.Cuda;
import dev.hyperweave.cuda.CudaContext;
import dev.hyperweave.cuda.DeviceBuffer;
import dev.hyperweave.cuda.Dim3;
import dev.hyperweave.cuda.KernelArgs;
import dev.hyperweave.ptxvm.PtxVm;
import dev.hyperweave.ptxvm.StandinDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading our kernels, and replacing one with a user's PTX of the same name and parameter list. */
class KernelLibraryTest {
    private PtxVm vm;
    private CudaContext ctx;

    @BeforeEach
    void open() {
        StandinDriver.install();
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

    /** A scale_f32 with our parameter list that writes 7 to out[0..n) (contiguous), whatever alpha says. */
    static String replacement(List<String> types, int drop) {
        StringBuilder params = new StringBuilder();
        for (int i = 0; i < types.size() - drop; i++) params.append(i == 0 ? "" : ", ").append(".param .").append(types.get(i)).append(" p").append(i);
        return """
                .version 9.0
                .target sm_80
                .address_size 64
                .visible .entry scale_f32(%s)
                {
                    .reg .pred %%p<2>;
                    .reg .b32 %%r<4>;
                    .reg .b64 %%rd<8>;
                    .reg .f32 %%f<2>;
                    ld.param.u64 %%rd1, [p5];
                    cvta.to.global.u64 %%rd1, %%rd1;
                    ld.param.u64 %%rd2, [p11];
                    mov.u32 %%r1, %%tid.x;
                    cvt.u64.u32 %%rd3, %%r1;
                    setp.ge.u64 %%p1, %%rd3, %%rd2;
                    @%%p1 bra DONE;
                    shl.b64 %%rd4, %%rd3, 2;
                    add.s64 %%rd5, %%rd1, %%rd4;
                    mov.f32 %%f1, 0f40E00000;
                    st.global.f32 [%%rd5], %%f1;
                DONE:
                    ret;
                }
                """.formatted(params);
    }

    private float[] scale(KernelLibrary lib, float[] x, float alpha) {
        int n = x.length;
        try (DeviceBuffer dx = ctx.allocate(4L * n); DeviceBuffer out = ctx.allocate(4L * n); KernelArgs args = new KernelArgs()) {
            dx.copyFrom(x);
            out.fill(Float.NaN);
            args.pointer(dx).i64(0).i64(0).i64(0).i64(1).pointer(out).i64(0).i64(0).i64(0).i64(1).f32(alpha).i64(n).i32(1).i32(1).i32(n);
            lib.function("scale_f32").launch(Dim3.of(1), Dim3.of(32), 0, null, args);
            return out.toFloatArray();
        }
    }

    @Test
    void ourKernelsByName() {
        KernelLibrary lib = new KernelLibrary(ctx, null);
        float[] got = scale(lib, new float[] {1.5f, -2f, 0.25f}, 3f);
        assertEquals(4.5f, got[0]);
        assertEquals(-6f, got[1]);
        assertEquals(0.75f, got[2]);
        assertTrue(lib.replacements().isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lib.function("nope_f32"));
        assertTrue(e.getMessage().contains("no kernel named nope_f32"), e.getMessage());
    }

    @Test
    void aKernelInTheUsersFolderReplacesOurs(@TempDir Path dir) throws Exception {
        List<String> types = KernelLibrary.entries(KernelLibrary.resource("elementwise")).get("scale_f32");
        assertEquals(15, types.size(), types.toString()); // x, 4 strides, out, 4 strides, alpha, n, n1, n2, n3
        Files.writeString(dir.resolve("mine.ptx"), replacement(types, 0));
        KernelLibrary lib = new KernelLibrary(ctx, dir);
        assertEquals(dir.resolve("mine.ptx"), lib.replacements().get("scale_f32"));
        float[] got = scale(lib, new float[] {1.5f, -2f, 0.25f}, 3f);
        assertEquals(7f, got[0]);
        assertEquals(7f, got[2]);
        // The other kernels stay ours.
        assertTrue(lib.function("fill_f32").name().equals("fill_f32"));
    }

    @Test
    void aReplacementWithAnotherParameterListIsRefused(@TempDir Path dir) throws Exception {
        List<String> types = KernelLibrary.entries(KernelLibrary.resource("elementwise")).get("scale_f32");
        Files.writeString(dir.resolve("wrong.ptx"), replacement(types, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new KernelLibrary(ctx, dir));
        assertTrue(e.getMessage().contains("wrong.ptx: kernel scale_f32 takes (") && e.getMessage().contains("but the engine launches it with ("),
                e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new KernelLibrary(ctx, dir.resolve("absent")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    }

    @Test
    void aReplacementThatDoesNotCompileFailsWhenTheLibraryOpens(@TempDir Path dir) throws Exception {
        List<String> types = KernelLibrary.entries(KernelLibrary.resource("elementwise")).get("scale_f32");
        Files.writeString(dir.resolve("broken.ptx"), replacement(types, 0).replace("ret;", "frobnicate.u32 %r1, %r1;\n    ret;"));
        dev.hyperweave.cuda.CudaException e = assertThrows(dev.hyperweave.cuda.CudaException.class, () -> new KernelLibrary(ctx, dir));
        assertTrue(e.getMessage().contains("frobnicate"), e.getMessage());
    }
}
