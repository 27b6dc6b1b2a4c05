package dev.hyperweave.cuda;

import dev.hyperweave.cuda.bindings.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A kernel of a loaded module; valid while its module is. Obtained from
 * {@link CudaModule#function(String)}. Once the module is released, {@link #attribute(int)} and
 * {@link #launch(Dim3, Dim3, int, CudaStream, KernelArgs) launch} throw {@link IllegalStateException}.
 */
public final class CudaFunction {
    private final CudaModule module;
    private final String name;
    private final MemorySegment handle; // CUfunction

    CudaFunction(CudaModule module, String name, MemorySegment handle) {
        this.module = module;
        this.name = name;
        this.handle = handle;
    }

    /**
     * The kernel's PTX .entry name.
     *
     * @return the name it was looked up by
     */
    public String name() {
        return name;
    }

    /**
     * A CUfunction_attribute, e.g. {@code cuda_h.CU_FUNC_ATTRIBUTE_NUM_REGS()}. The bindings are
     * exported to this module only, so modular callers pass the value from cuda.h (4 for
     * {@code CU_FUNC_ATTRIBUTE_NUM_REGS}).
     *
     * @param attribute a {@code CUfunction_attribute} value
     * @return the attribute's value for this kernel (cuFuncGetAttribute)
     * @throws IllegalStateException if the module was released
     * @throws CudaException naming cuFuncGetAttribute and the kernel if the driver refuses the attribute
     */
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
     *
     * <p>Asynchronous (cuLaunchKernel): returns once the launch is queued. A fault while the kernel
     * runs is reported by a later call that waits for it, such as {@link CudaContext#synchronize()}.
     * Neither the argument list nor the stream is checked against the kernel or its context.
     *
     * @param grid        the number of blocks in each dimension
     * @param block       the number of threads per block in each dimension
     * @param sharedBytes dynamic shared memory per block, in bytes; 0 when the kernel declares none
     * @param stream      the stream to queue on, or null for the default stream
     * @param args        the kernel's arguments
     * @throws IllegalArgumentException if {@code sharedBytes} is negative
     * @throws IllegalStateException if the module or {@code stream} was released, or {@code args} closed
     * @throws CudaException naming cuLaunchKernel, the kernel, grid and block if the driver refuses the
     *         launch (extents or shared memory beyond the device's limits, say)
     */
    public void launch(Dim3 grid, Dim3 block, int sharedBytes, CudaStream stream, KernelArgs args) {
        if (sharedBytes < 0) throw new IllegalArgumentException("launch of " + name + ": negative shared memory " + sharedBytes);
        module.use();
        MemorySegment s = stream == null ? MemorySegment.NULL : stream.handle();
        int r = cuda_h.cuLaunchKernel(handle, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(), sharedBytes,
                s, args.pointers(), MemorySegment.NULL);
        if (r != 0) throw Cuda.error(r, "cuLaunchKernel(" + name + ", grid " + grid + ", block " + block + ")", null);
    }

    /**
     * Names the kernel for messages.
     *
     * @return {@code "kernel "} followed by the name
     */
    @Override
    public String toString() {
        return "kernel " + name;
    }
}
