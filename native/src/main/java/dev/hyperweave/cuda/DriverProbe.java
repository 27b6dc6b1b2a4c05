package dev.hyperweave.cuda;

/**
 * What probing for the CUDA driver found. {@code problem} is null when the driver is usable; otherwise
 * it says why not in words meant for the user (library missing, symbols missing, too old, no device).
 *
 * @param library the library probed, as given to the dynamic loader
 * @param driverVersion the driver's CUDA version as cuDriverGetVersion reports it (13000 = 13.0), or 0
 * @param deviceCount CUDA devices found (0 unless the driver is usable)
 * @param problem why the driver cannot be used, or null when it can
 */
public record DriverProbe(String library, int driverVersion, int deviceCount, String problem) {

    /** PTX from nvcc 13 (.version 9.0) needs a CUDA 13.0 driver API: NVIDIA driver R580 or newer. */
    public static final int REQUIRED_VERSION = 13000;

    /**
     * Whether the driver is usable: loadable, complete, new enough, initialised, with a device.
     *
     * @return true when {@link #problem()} is null
     */
    public boolean available() {
        return problem == null;
    }

    /**
     * Formats a driver API version as major.minor: "13.0" for 13000, "12.4" for 12040.
     *
     * @param version a version as cuDriverGetVersion reports it (1000 * major + 10 * minor)
     * @return the version as major.minor
     */
    public static String versionString(int version) {
        return version / 1000 + "." + (version % 1000) / 10;
    }

    /**
     * One line for the user: the library, driver version and device count when the driver is usable,
     * else the problem.
     *
     * @return a description of what the probe found
     */
    @Override
    public String toString() {
        return available()
                ? library + ": CUDA driver " + versionString(driverVersion) + ", " + deviceCount + " device(s)"
                : problem;
    }
}
