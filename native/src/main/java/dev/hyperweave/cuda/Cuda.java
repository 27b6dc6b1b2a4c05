package dev.hyperweave.cuda;

import dev.hyperweave.cuda.bindings.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The entry point of the device layer: probe for the driver, list devices.
 *
 * <pre>{@code
 * DriverProbe probe = Cuda.probe();           // never throws; probe.problem() says why not
 * try (CudaContext ctx = Cuda.device(0).primaryContext();
 *      DeviceBuffer buf = ctx.allocate(1 << 20)) { ... }
 * }</pre>
 *
 * Nothing here touches the generated bindings (which load libcuda.so.1 in their static initialiser)
 * before the probe has found a usable driver, so no caller ever sees an ExceptionInInitializerError.
 */
public final class Cuda {
    private Cuda() {}

    /** The driver library, found by the dynamic loader's search (LD_LIBRARY_PATH, ld.so.cache). */
    public static final String LIBRARY = "libcuda.so.1";

    private static volatile DriverProbe probe;

    /**
     * Probes libcuda.so.1 once per process: loadable, every needed symbol, version 13.0+, cuInit, devices.
     * First runs any {@link DriverSetup} on the class path. The result is cached, so later calls return
     * at once, and a driver installed after the first call is not seen. Thread-safe.
     *
     * @return what the probe found; {@link DriverProbe#problem()} says why the driver is unusable
     * Never throws: a failing driver setup or cuInit becomes the probe's problem.
     */
    public static DriverProbe probe() {
        DriverProbe p = probe;
        if (p == null) {
            synchronized (Cuda.class) {
                p = probe;
                if (p == null) {
                    String setupProblem = runDriverSetups();
                    p = setupProblem != null ? new DriverProbe(LIBRARY, 0, 0, setupProblem) : DriverProber.probe(LIBRARY);
                    // The prober unloads its own handle when done; initialise the bindings' one.
                    if (p.available()) {
                        int r = cuda_h.cuInit(0);
                        if (r != 0) p = new DriverProbe(LIBRARY, p.driverVersion(), 0, "cuInit failed: " + error(r, "cuInit", null).getMessage());
                    }
                    probe = p;
                }
            }
        }
        return p;
    }

    /** Runs the {@link DriverSetup} hooks on the class path; returns why one failed, or null. */
    private static String runDriverSetups() {
        try {
            for (DriverSetup setup : ServiceLoader.load(DriverSetup.class)) {
                try {
                    setup.install();
                } catch (RuntimeException e) {
                    return "the driver setup " + setup.getClass().getName() + " failed: " + e.getMessage();
                }
            }
        } catch (ServiceConfigurationError e) { // a provider that cannot be loaded
            return "a driver setup could not be loaded: " + e.getMessage();
        }
        return null;
    }

    /**
     * Probes a given driver library (a name for the loader or an absolute path) without caching and
     * without touching the bindings: for tools and tests. Runs no {@link DriverSetup}. Loads the library,
     * checks its symbols and version, calls its cuInit and cuDeviceGetCount, and unloads it again.
     *
     * @param library the library to probe, as {@code dlopen} takes it
     * @return what the probe found
     */
    public static DriverProbe probe(String library) {
        return DriverProber.probe(library);
    }

    /**
     * Throws {@link CudaUnavailableException} with the probe's reason unless the driver is usable.
     * Probes first if {@link #probe()} has not run yet.
     *
     * @return the probe, which is {@link DriverProbe#available() available}
     * @throws CudaUnavailableException if the driver cannot be used
     */
    public static DriverProbe require() {
        DriverProbe p = probe();
        if (!p.available()) throw new CudaUnavailableException(p);
        return p;
    }

    /**
     * Every device the driver sees, in ordinal order.
     *
     * @return a new modifiable list, never empty
     * @throws CudaUnavailableException if the driver cannot be used
     * @throws CudaException naming cuDeviceGet if the driver refuses an ordinal
     */
    public static List<CudaDevice> devices() {
        int n = require().deviceCount();
        List<CudaDevice> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) list.add(device(i));
        return list;
    }

    /**
     * One device, by the driver's ordinal ({@code CUDA_VISIBLE_DEVICES} applies).
     *
     * @param ordinal the device's index, from 0 to {@link DriverProbe#deviceCount()} - 1
     * @return the device; a new object on every call
     * @throws CudaUnavailableException if the driver cannot be used
     * @throws IllegalArgumentException if there is no device {@code ordinal}
     * @throws CudaException naming cuDeviceGet if the driver refuses the ordinal
     */
    public static CudaDevice device(int ordinal) {
        int n = require().deviceCount();
        if (ordinal < 0 || ordinal >= n) {
            throw new IllegalArgumentException("no CUDA device " + ordinal + ": the driver sees " + n + " (0.." + (n - 1) + ")");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dev = arena.allocate(ValueLayout.JAVA_INT);
            check(cuda_h.cuDeviceGet(dev, ordinal), "cuDeviceGet");
            return new CudaDevice(ordinal, dev.get(ValueLayout.JAVA_INT, 0));
        }
    }

    // ---- error mapping -------------------------------------------------------------------------

    static void check(int result, String call) {
        if (result != 0) throw error(result, call, null);
    }

    static CudaException error(int result, String call, String log) {
        String name = "CUresult " + result, text = "unknown error code";
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment str = arena.allocate(ValueLayout.ADDRESS);
            if (cuda_h.cuGetErrorName(result, str) == 0) name = cString(str.get(ValueLayout.ADDRESS, 0));
            if (cuda_h.cuGetErrorString(result, str) == 0) text = cString(str.get(ValueLayout.ADDRESS, 0));
        }
        if (result == cuda_h.CUDA_ERROR_OUT_OF_MEMORY()) return new CudaOutOfMemoryException(call, result, name, text);
        return new CudaException(call, result, name, text, log);
    }

    static String cString(MemorySegment p) {
        return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(Integer.MAX_VALUE).getString(0);
    }
}
