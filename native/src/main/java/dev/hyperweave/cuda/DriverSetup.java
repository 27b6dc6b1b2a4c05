package dev.hyperweave.cuda;

/**
 * A hook that puts a driver in place before the first probe: {@link Cuda#probe()} runs every
 * implementation on the class path once ({@link java.util.ServiceLoader}, registered in
 * {@code META-INF/services/dev.hyperweave.cuda.DriverSetup}). The engine ships none. The
 * {@code hyperweave-ptxvm-driver} jar has one that installs the stand-in libcuda.so.1 with the PTX
 * VM behind it; {@code ./hyperweave --driver ptxvm} puts that jar on the class path.
 */
public interface DriverSetup {

    /**
     * Makes the driver loadable as libcuda.so.1. Runs once per process, on the thread of the first
     * {@link Cuda#probe()}, before the driver is loaded. A {@link RuntimeException} thrown here becomes
     * the probe's problem (the driver is then unavailable) and no later setup runs.
     */
    void install();
}
