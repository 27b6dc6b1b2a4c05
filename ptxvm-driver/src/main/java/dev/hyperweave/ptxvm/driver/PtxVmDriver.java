package dev.hyperweave.ptxvm.driver;

import dev.hyperweave.cuda.DriverSetup;
import dev.hyperweave.ptxvm.PtxVm;
import dev.hyperweave.ptxvm.StandinDriver;

/**
 * Installs the stand-in libcuda.so.1 (from {@code -Dhyperweave.ptxvm.library}, or ptxvm/target/native
 * under the working directory) and registers a PTX VM to run the kernels it is asked to launch. Every
 * driver call the engine makes then goes through the stand-in, and every kernel is our real PTX,
 * interpreted on the CPU: slow, but the same host path as on a GPU.
 */
public final class PtxVmDriver implements DriverSetup {

    @Override
    public void install() {
        StandinDriver.install();
        StandinDriver.registerRunner(new PtxVm());
    }
}
