package dev.hyperweave.backend.cuda;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.BackendMatmulTest;
import org.junit.jupiter.api.Tag;

/**
 * The matmul suite on the cuda backend (matmul_f32 on the PTX VM); repeated calls must be bit-identical.
 */
@Tag("ptxvm")
class CudaMatmulTest extends BackendMatmulTest {
    @Override
    protected Backend[] createBackends() {
        return new Backend[] {new Mirrored(VmGpu.backend())};
    }
}
