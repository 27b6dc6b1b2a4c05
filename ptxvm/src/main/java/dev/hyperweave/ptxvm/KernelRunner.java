package dev.hyperweave.ptxvm;

import java.lang.foreign.MemorySegment;

/**
 * What executes PTX behind the stand-in driver: module loads, function lookups and launches that
 * reach libcuda.so.1 are handed here (see {@link StandinDriver#registerRunner}). Ids are the
 * runner's own, positive. Failures are reported by throwing {@link KernelRunnerException} with the
 * CUresult the driver call should return; its message becomes the JIT log or the error detail.
 * Calls arrive on the thread that called the driver, one launch at a time per thread.
 */
public interface KernelRunner {

    /** Parses PTX text; returns the module's id. */
    long loadModule(String ptx);

    void unloadModule(long module);

    /** The id of kernel {@code name} of a loaded module (CUDA_ERROR_NOT_FOUND if there is none). */
    long function(long module, String name);

    /** A CUfunction_attribute of a kernel. */
    int functionAttribute(long function, int attribute);

    /**
     * Runs a kernel over the whole grid before returning. {@code params} is the launch's
     * {@code void **kernelParams} with a size of zero: entry i points to parameter i, whose size the
     * runner knows from the kernel's .param list, so it reinterprets both itself.
     */
    void launch(long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes,
                MemorySegment params);
}
