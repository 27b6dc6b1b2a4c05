package dev.hyperweave.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.workload.WorkloadRun;
import dev.hyperweave.workload.WorkloadSpec;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Full-size W1 and W2 on a real GPU, timed with CUDA events, printed for the record (no timed assertion:
 * the numbers go to docs/KERNELS.md by hand). Checks only that training runs and the loss falls.
 */
@Tag("gpu")
class GpuW1BenchmarkTest {
    @Test
    void fullSizeWorkloadsRunOnTheGpu() {
        try (Backend gpu = RealGpu.backend()) {
            for (WorkloadSpec spec : new WorkloadSpec[] {WorkloadSpec.HMLP, WorkloadSpec.CHUNKED}) {
                WorkloadRun.Result r = WorkloadRun.run(spec, gpu, 20, 200, 1);
                System.out.println("gpu benchmark: " + r.toJson());
                assertTrue(Double.isFinite(r.lastLoss()) && r.lastLoss() < r.firstLoss(),
                        spec.name() + ": loss " + r.firstLoss() + " -> " + r.lastLoss());
            }
        }
    }
}
