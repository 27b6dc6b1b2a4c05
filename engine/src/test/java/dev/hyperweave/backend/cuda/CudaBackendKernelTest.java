package dev.hyperweave.backend.cuda;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.BackendKernelTest;
import org.junit.jupiter.api.Tag;

/** The kernel suite of every backend, on the cuda backend: our PTX on the PTX VM behind the stand-in driver. */
@Tag("ptxvm")
class CudaBackendKernelTest extends BackendKernelTest {
    @Override
    protected Backend createBackend() {
        return new Mirrored(VmGpu.backend());
    }
}
