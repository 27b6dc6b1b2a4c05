package dev.hyperweave.backend.cuda;

import dev.hyperweave.cuda.Cuda;
import dev.hyperweave.cuda.DriverProbe;
import org.junit.jupiter.api.Assumptions;

/**
 * The GPU of the tests tagged gpu: device 0 through the system's libcuda.so.1. Where there is no
 * usable driver or device, the test is skipped with the probe's reason; so is a JVM where a ptxvm test
 * installed the stand-in driver first (a -Dtest filter can put both tags in one JVM).
 */
final class RealGpu {
    private RealGpu() {}

    static CudaBackend backend() {
        DriverProbe probe = Cuda.probe();
        Assumptions.assumeTrue(probe.available(), () -> "no GPU to test on: " + probe.problem());
        String name = Cuda.device(0).name();
        Assumptions.assumeFalse(name.contains("stand-in"), () -> "no GPU to test on: device 0 is " + name);
        return CudaBackend.open(0, null);
    }
}
