package dev.hyperweave.cuda;

import dev.hyperweave.cuda.bindings.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A kernel of a loaded module; valid while its module is. */
public final class CudaFunction {
    private final CudaModule module;
    private final String name;
    private final MemorySegment handle; // CUfunction

    CudaFunction(CudaModule module, String name, MemorySegment handle) {
        this.module = module;
        this.name = name;
        this.handle = handle;
    }

    public String name() {
        return name;
    }

    /** A CUfunction_attribute, e.g. {@code cuda_h.CU_FUNC_ATTRIBUTE_NUM_REGS()}. */
    public int attribute(int attribute) {
        module.use();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
            Cuda.check(cuda_h.cuFuncGetAttribute(v, attribute, handle), "cuFuncGetAttribute(" + name + ")");
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /**
     * Launches the kernel on {@code stream} (null: the default stream). {@code args} must match the
     * kernel's parameter list in order and type; the driver copies them at the call, so the same
     * KernelArgs may be refilled for the next launch at once.
     */
    public void launch(Dim3 grid, Dim3 block, int sharedBytes, CudaStream stream, KernelArgs args) {
        if (sharedBytes < 0) throw new IllegalArgumentException("launch of " + name + ": negative shared memory " + sharedBytes);
        module.use();
        MemorySegment s = stream == null ? MemorySegment.NULL : stream.handle();
        int r = cuda_h.cuLaunchKernel(handle, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(), sharedBytes,
                s, args.pointers(), MemorySegment.NULL);
        if (r != 0) throw Cuda.error(r, "cuLaunchKernel(" + name + ", grid " + grid + ", block " + block + ")", null);
    }

    @Override
    public String toString() {
        return "kernel " + name;
    }
}
