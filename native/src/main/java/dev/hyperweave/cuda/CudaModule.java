package dev.hyperweave.cuda;

import dev.hyperweave.cuda.bindings.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;

/**
 * A module JIT-compiled by the driver from PTX text, and the kernels in it. Created by
 * {@link CudaContext#loadModule(String)}; unloaded by {@link #close()} or with its context, after which
 * its {@link CudaFunction}s can no longer be used.
 */
public final class CudaModule extends DeviceResource {
    private static final int LOG_BYTES = 16 * 1024;

    private final MemorySegment handle; // CUmodule
    private final Map<String, CudaFunction> functions = new HashMap<>();

    private CudaModule(CudaContext context, MemorySegment handle) {
        super(context);
        this.handle = handle;
    }

    /** Called by CudaContext with the context current. */
    static CudaModule load(CudaContext context, String ptx) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment image = arena.allocateFrom(ptx);
            MemorySegment errorLog = arena.allocate(LOG_BYTES), infoLog = arena.allocate(LOG_BYTES);
            int[] keys = {cuda_h.CU_JIT_ERROR_LOG_BUFFER(), cuda_h.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES(),
                cuda_h.CU_JIT_INFO_LOG_BUFFER(), cuda_h.CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES()};
            MemorySegment options = arena.allocateFrom(ValueLayout.JAVA_INT, keys);
            MemorySegment values = arena.allocate(ValueLayout.ADDRESS, keys.length);
            values.setAtIndex(ValueLayout.ADDRESS, 0, errorLog);
            values.setAtIndex(ValueLayout.ADDRESS, 1, MemorySegment.ofAddress(LOG_BYTES)); // sizes travel as pointer-sized values
            values.setAtIndex(ValueLayout.ADDRESS, 2, infoLog);
            values.setAtIndex(ValueLayout.ADDRESS, 3, MemorySegment.ofAddress(LOG_BYTES));
            MemorySegment module = arena.allocate(ValueLayout.ADDRESS);
            int r = cuda_h.cuModuleLoadDataEx(module, image, keys.length, options, values);
            if (r != 0) {
                String log = errorLog.getString(0);
                throw Cuda.error(r, "cuModuleLoadDataEx", log.isBlank() ? null : "JIT log: " + log);
            }
            return new CudaModule(context, module.get(ValueLayout.ADDRESS, 0));
        }
    }

    /**
     * The kernel {@code name} (its PTX .entry name). Looked up once (cuModuleGetFunction), then the same
     * object is returned.
     *
     * @param name the kernel's .entry name
     * @return the kernel, valid while this module is loaded
     * @throws IllegalStateException if this module was released
     * @throws CudaException naming cuModuleGetFunction and {@code name} if the module has no such
     *         kernel (CUDA_ERROR_NOT_FOUND)
     */
    public synchronized CudaFunction function(String name) {
        use();
        CudaFunction f = functions.get(name);
        if (f != null) return f;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fn = arena.allocate(ValueLayout.ADDRESS);
            int r = cuda_h.cuModuleGetFunction(fn, handle, arena.allocateFrom(name));
            if (r != 0) throw Cuda.error(r, "cuModuleGetFunction(\"" + name + "\")", null);
            f = new CudaFunction(this, name, fn.get(ValueLayout.ADDRESS, 0));
            functions.put(name, f);
            return f;
        }
    }

    @Override
    String what() {
        return "CUDA module";
    }

    @Override
    void release() {
        Cuda.check(cuda_h.cuModuleUnload(handle), "cuModuleUnload");
    }
}
