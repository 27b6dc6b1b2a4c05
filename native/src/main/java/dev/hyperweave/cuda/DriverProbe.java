package dev.hyperweave.cuda;

/**
 * What probing for the CUDA driver found. {@code problem} is null when the driver is usable; otherwise
 * it says why not in words meant for the user (library missing, symbols missing, too old, no device).
 *
 * @param library the library probed, as given to the dynamic loader
 * @param driverVersion the driver's CUDA version as cuDriverGetVersion reports it (13000 = 13.0), or 0
 * @param deviceCount CUDA devices found (0 unless the driver is usable)
 */
public record DriverProbe(String library, int driverVersion, int deviceCount, String problem) {

    /** PTX from nvcc 13 (.version 9.0) needs a CUDA 13.0 driver API: NVIDIA driver R580 or newer. */
    public static final int REQUIRED_VERSION = 13000;

    public boolean available() {
        return problem == null;
    }

    /** "13.0" for 13000, "12.4" for 12040. */
    public static String versionString(int version) {
        return version / 1000 + "." + (version % 1000) / 10;
    }

    @Override
    public String toString() {
        return available()
                ? library + ": CUDA driver " + versionString(driverVersion) + ", " + deviceCount + " device(s)"
                : problem;
    }
}
