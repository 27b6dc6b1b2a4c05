package dev.hyperweave.backend.cuda;

import dev.hyperweave.cuda.Cuda;
import dev.hyperweave.cuda.CudaContext;
import dev.hyperweave.kernels.KernelLibrary;
import dev.hyperweave.ptxvm.PtxVm;
import dev.hyperweave.ptxvm.StandinDriver;

/**
 * The GPU of these tests: the stand-in libcuda.so.1 with the PTX VM running the launched kernels, so
 * the cuda backend's real host code and our real PTX run on the CPU. One per test JVM; the context
 * and the loaded kernels are shared by every backend the tests make.
 */
final class VmGpu {
    private static CudaContext context;
    private static KernelLibrary kernels;

    private VmGpu() {}

    static synchronized CudaBackend backend() {
        if (context == null) {
            StandinDriver.install();
            StandinDriver.registerRunner(new PtxVm());
            context = Cuda.device(0).primaryContext();
            kernels = KernelLibrary.open(context);
        }
        return new CudaBackend(context, kernels);
    }
}
