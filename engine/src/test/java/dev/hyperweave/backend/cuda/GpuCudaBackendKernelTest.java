package dev.hyperweave.backend.cuda;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.BackendKernelTest;
import org.junit.jupiter.api.Tag;

/** The kernel suite of every backend, on the cuda backend on a real GPU (skipped, saying why, without one). */
@Tag("gpu")
class GpuCudaBackendKernelTest extends BackendKernelTest {
    @Override
    protected Backend createBackend() {
        return new Mirrored(RealGpu.backend());
    }
}
