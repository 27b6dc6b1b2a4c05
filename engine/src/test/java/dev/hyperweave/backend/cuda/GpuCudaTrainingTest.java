package dev.hyperweave.backend.cuda;

import dev.hyperweave.backend.Backend;
import org.junit.jupiter.api.Tag;

/** The training checks on a real GPU (skipped, saying why, without one). */
@Tag("gpu")
class GpuCudaTrainingTest extends CudaTrainingSuite {
    @Override
    protected Backend gpu() {
        return RealGpu.backend();
    }
}
