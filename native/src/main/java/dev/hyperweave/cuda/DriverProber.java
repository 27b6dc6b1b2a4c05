package dev.hyperweave.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Probes a CUDA driver library without touching the generated bindings: their class loads
 * libcuda.so.1 in its static initialiser and would fail there with an ExceptionInInitializerError
 * where there is no driver. The probe loads the library itself, checks that every function of the
 * bindings' include list is exported, then asks for the version, initialises and counts devices.
 */
final class DriverProber {
    private DriverProber() {}

    /** The include list jextract-gen was generated from, packaged beside the bindings. */
    private static final String INCLUDES = "/dev/hyperweave/cuda/bindings/includes.txt";

    static final String INSTALL_HINT = "install NVIDIA driver R580 or newer (CUDA 13.0), or compute on the cpu backend";

    static DriverProbe probe(String library) {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(library, arena);
            } catch (IllegalArgumentException e) {
                return fail(library, 0, "no CUDA driver: " + library + " could not be loaded (" + e.getMessage() + "); "
                        + INSTALL_HINT);
            }
            Linker linker = Linker.nativeLinker();
            int version = 0;
            var getVersion = lookup.find("cuDriverGetVersion");
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            if (getVersion.isPresent()) {
                MethodHandle h = linker.downcallHandle(getVersion.get(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
                if (call(h, out) == 0) version = out.get(ValueLayout.JAVA_INT, 0);
            }
            List<String> missing = new ArrayList<>();
            for (String f : requiredFunctions()) {
                if (lookup.find(f).isEmpty()) missing.add(f);
            }
            String found = version > 0 ? " (driver API " + DriverProbe.versionString(version) + ")" : "";
            if (!missing.isEmpty()) {
                return fail(library, version, library + found + " lacks " + String.join(", ", missing)
                        + ": Hyperweave needs the CUDA 13 driver API; " + INSTALL_HINT);
            }
            if (version < DriverProbe.REQUIRED_VERSION) {
                return fail(library, version, "CUDA driver too old: " + library + " reports driver API "
                        + DriverProbe.versionString(version) + ", and the PTX Hyperweave ships (nvcc 13) needs "
                        + DriverProbe.versionString(DriverProbe.REQUIRED_VERSION) + " or newer; " + INSTALL_HINT);
            }
            MethodHandle init = linker.downcallHandle(lookup.find("cuInit").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            int r = call(init, 0);
            if (r != 0) {
                return fail(library, version, "cuInit failed: " + errorName(lookup, arena, r)
                        + " (is the NVIDIA kernel module loaded and a device visible to this process?)");
            }
            MethodHandle count = linker.downcallHandle(lookup.find("cuDeviceGetCount").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            r = call(count, out);
            if (r != 0) return fail(library, version, "cuDeviceGetCount failed: " + errorName(lookup, arena, r));
            int devices = out.get(ValueLayout.JAVA_INT, 0);
            if (devices == 0) return fail(library, version, "the CUDA driver sees no device (CUDA_VISIBLE_DEVICES?)");
            return new DriverProbe(library, version, devices, null);
        }
    }

    private static DriverProbe fail(String library, int version, String problem) {
        return new DriverProbe(library, version, 0, problem);
    }

    private static String errorName(SymbolLookup lookup, Arena arena, int code) {
        MethodHandle h = Linker.nativeLinker().downcallHandle(lookup.find("cuGetErrorName").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        MemorySegment str = arena.allocate(ValueLayout.ADDRESS);
        if (call(h, code, str) != 0) return "error " + code;
        return str.get(ValueLayout.ADDRESS, 0).reinterpret(256).getString(0) + " (" + code + ")";
    }

    private static int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException("calling the CUDA driver failed: " + t, t);
        }
    }

    /** Every function named in the bindings' include list. */
    static List<String> requiredFunctions() {
        try (InputStream in = DriverProber.class.getResourceAsStream(INCLUDES)) {
            if (in == null) throw new IllegalStateException("missing resource " + INCLUDES + " (hyperweave-jextract-gen jar)");
            List<String> names = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 2 && parts[0].equals("--include-function")) names.add(parts[1]);
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
