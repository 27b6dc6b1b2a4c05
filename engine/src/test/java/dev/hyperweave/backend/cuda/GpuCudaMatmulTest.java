package dev.hyperweave.backend.cuda;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.BackendMatmulTest;
import org.junit.jupiter.api.Tag;

/** The matmul suite on a real GPU (skipped, saying why, without one); repeated calls must be bit-identical. */
@Tag("gpu")
class GpuCudaMatmulTest extends BackendMatmulTest {
    @Override
    protected Backend[] createBackends() {
        return new Backend[] {new Mirrored(RealGpu.backend())};
    }
}
