package dev.hyperweave.kernels;

import dev.hyperweave.cuda.Cuda;
import dev.hyperweave.cuda.CudaContext;
import dev.hyperweave.cuda.CudaModule;
import dev.hyperweave.cuda.DeviceBuffer;
import dev.hyperweave.cuda.Dim3;
import dev.hyperweave.cuda.KernelArgs;
import dev.hyperweave.ptxvm.PtxVm;
import dev.hyperweave.ptxvm.StandinDriver;
import java.util.HashMap;
import java.util.Map;

/**
 * The kernels' test bench: the device layer over the stand-in driver with the PTX VM behind it, the
 * same host path a GPU takes. Loads the packaged PTX from the classpath and launches by name.
 */
final class Gpu implements AutoCloseable {
    private final PtxVm vm = new PtxVm();
    private final CudaContext ctx;
    private final Map<String, CudaModule> modules = new HashMap<>();
    private final KernelArgs args = new KernelArgs();

    Gpu() {
        StandinDriver.install();
        StandinDriver.registerRunner(vm);
        ctx = Cuda.device(0).primaryContext();
    }

    DeviceBuffer upload(float[] values) {
        DeviceBuffer b = ctx.allocate(4L * Math.max(1, values.length));
        b.copyFrom(values);
        return b;
    }

    DeviceBuffer upload(int[] values) {
        DeviceBuffer b = ctx.allocate(4L * Math.max(1, values.length));
        b.copyFromHost(java.lang.foreign.MemorySegment.ofArray(values));
        return b;
    }

    /** Device floats filled with NaN, so an element a kernel fails to write shows. */
    DeviceBuffer poisoned(int floats) {
        DeviceBuffer b = ctx.allocate(4L * floats);
        b.fill(Float.NaN);
        return b;
    }

    int[] ints(DeviceBuffer b) {
        int[] out = new int[(int) (b.byteSize() / 4)];
        b.copyToHost(java.lang.foreign.MemorySegment.ofArray(out));
        return out;
    }

    /** Launches family/kernel; arguments: DeviceBuffer (pointer), null (null pointer), Integer, Long, Float. */
    void launch(String family, String kernel, Dim3 grid, Dim3 block, Object... values) {
        CudaModule m = modules.computeIfAbsent(family, f -> ctx.loadModule(KernelLibrary.resource(f)));
        args.clear();
        for (Object v : values) {
            switch (v) {
                case null -> args.i64(0);
                case DeviceBuffer b -> args.pointer(b);
                case Integer i -> args.i32(i);
                case Long l -> args.i64(l);
                case Float f -> args.f32(f);
                default -> throw new IllegalArgumentException("argument " + v);
            }
        }
        m.function(kernel).launch(grid, block, 0, null, args);
    }

    /** A 1-D launch of 256-thread blocks covering n elements (grid-stride kernels). */
    static Dim3 cover(long n) {
        return Dim3.of((int) Math.max(1, Math.min(4096, (n + 255) / 256)));
    }

    @Override
    public void close() {
        args.close();
        ctx.close();
        StandinDriver.clearRunner();
        vm.close();
    }
}
