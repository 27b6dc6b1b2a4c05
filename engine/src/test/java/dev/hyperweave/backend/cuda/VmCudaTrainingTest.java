package dev.hyperweave.backend.cuda;

import dev.hyperweave.backend.Backend;
import org.junit.jupiter.api.Tag;

/** The training checks on the PTX VM behind the stand-in driver. */
@Tag("ptxvm")
class VmCudaTrainingTest extends CudaTrainingSuite {
    @Override
    protected Backend gpu() {
        return VmGpu.backend();
    }
}
