package dev.hyperweave.ptxvm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The stand-in libcuda.so.1 (src/main/c/cuda_standin.c): loading it into this process, plugging a
 * {@link KernelRunner} into it, and injecting faults.
 *
 * <p>{@link #install()} loads the library by its absolute path. Its SONAME is libcuda.so.1, so every
 * later load of "libcuda.so.1" by name in this process (the generated bindings do exactly that)
 * resolves to it: the real host code runs unchanged. Install before anything else loads a driver.
 */
public final class StandinDriver {
    private StandinDriver() {}

    /** System property naming the built library; else it is looked for under ptxvm/target/native. */
    public static final String LIBRARY_PROPERTY = "hyperweave.ptxvm.library";

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout ADDR = ValueLayout.ADDRESS;

    private static SymbolLookup lookup;
    private static MethodHandle registerHandle, failNextAllocHandle, failNextLaunchHandle, setVersionHandle, resetFaultsHandle,
            liveAllocationsHandle, liveBytesHandle, lastDetailHandle, allocationsHandle;

    /** The built stand-in library. */
    public static Path library() {
        String prop = System.getProperty(LIBRARY_PROPERTY);
        if (prop != null) {
            Path p = Path.of(prop).toAbsolutePath();
            if (!Files.isRegularFile(p)) throw notBuilt(p.toString());
            return p;
        }
        Path cwd = Path.of("").toAbsolutePath();
        for (Path base : new Path[] {cwd, cwd.getParent()}) {
            if (base == null) continue;
            for (Path p : new Path[] {base.resolve("ptxvm/target/native/libcuda.so.1"), base.resolve("target/native/libcuda.so.1")}) {
                if (Files.isRegularFile(p)) return p;
            }
        }
        throw notBuilt("ptxvm/target/native/libcuda.so.1 under " + cwd);
    }

    private static IllegalStateException notBuilt(String where) {
        return new IllegalStateException("the stand-in libcuda.so.1 is not built (looked for " + where + "): build it with "
                + "'./mvnw -pl ptxvm package' (needs a C compiler and CUDA 13's cuda.h), or set -D" + LIBRARY_PROPERTY);
    }

    /** The variant that looks like a CUDA 12.4 driver: version 12040, no cuEventElapsedTime_v2. */
    public static Path oldDriverLibrary() {
        return library().resolveSibling("old").resolve("libcuda.so.1");
    }

    /** Loads the stand-in into this process (once) and binds its control functions. */
    public static synchronized void install() {
        if (lookup != null) return;
        SymbolLookup l = SymbolLookup.libraryLookup(library(), Arena.global());
        Linker linker = Linker.nativeLinker();
        registerHandle = linker.downcallHandle(l.findOrThrow("ptxvm_register_runner"),
                FunctionDescriptor.ofVoid(ADDR, ADDR, ADDR, ADDR, ADDR));
        failNextAllocHandle = linker.downcallHandle(l.findOrThrow("ptxvm_fail_next_alloc"), FunctionDescriptor.ofVoid());
        failNextLaunchHandle = linker.downcallHandle(l.findOrThrow("ptxvm_fail_next_launch"), FunctionDescriptor.ofVoid(INT));
        setVersionHandle = linker.downcallHandle(l.findOrThrow("ptxvm_set_driver_version"), FunctionDescriptor.ofVoid(INT));
        resetFaultsHandle = linker.downcallHandle(l.findOrThrow("ptxvm_reset_faults"), FunctionDescriptor.ofVoid());
        liveAllocationsHandle = linker.downcallHandle(l.findOrThrow("ptxvm_live_allocations"), FunctionDescriptor.of(LONG));
        liveBytesHandle = linker.downcallHandle(l.findOrThrow("ptxvm_live_bytes"), FunctionDescriptor.of(LONG));
        lastDetailHandle = linker.downcallHandle(l.findOrThrow("ptxvm_last_detail"), FunctionDescriptor.of(ADDR));
        allocationsHandle = linker.downcallHandle(l.findOrThrow("ptxvm_allocations"), FunctionDescriptor.of(LONG, ADDR, ADDR, LONG));
        lookup = l;
    }

    /** Whether install() has run in this process. */
    public static synchronized boolean installed() {
        return lookup != null;
    }

    /** The live allocations as {bases, sizes}. */
    static synchronized long[][] allocations() {
        install();
        try (Arena arena = Arena.ofConfined()) {
            int cap = 64;
            while (true) {
                MemorySegment bases = arena.allocate(LONG, cap), sizes = arena.allocate(LONG, cap);
                long n = (long) invoke(allocationsHandle, bases, sizes, (long) cap);
                if (n <= cap) {
                    return new long[][] {bases.asSlice(0, n * 8).toArray(LONG), sizes.asSlice(0, n * 8).toArray(LONG)};
                }
                cap = (int) n * 2;
            }
        }
    }

    // ---- the kernel runner ---------------------------------------------------------------------

    private static Arena upcallArena;
    private static volatile KernelRunner runner;

    /** Hands module loads and launches to {@code r} from now on (replacing any runner before it). */
    public static synchronized void registerRunner(KernelRunner r) {
        install();
        if (r == null) throw new IllegalArgumentException("runner must not be null (clearRunner() removes one)");
        Arena arena = Arena.ofShared();
        Linker linker = Linker.nativeLinker();
        MethodHandles.Lookup self = MethodHandles.lookup();
        try {
            MemorySegment load = linker.upcallStub(self.findStatic(StandinDriver.class, "load",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class, MemorySegment.class, long.class)),
                    FunctionDescriptor.of(INT, ADDR, ADDR, ADDR, LONG), arena);
            MemorySegment unload = linker.upcallStub(self.findStatic(StandinDriver.class, "unload",
                    MethodType.methodType(int.class, long.class)), FunctionDescriptor.of(INT, LONG), arena);
            MemorySegment function = linker.upcallStub(self.findStatic(StandinDriver.class, "function",
                    MethodType.methodType(int.class, long.class, MemorySegment.class, MemorySegment.class, MemorySegment.class, long.class)),
                    FunctionDescriptor.of(INT, LONG, ADDR, ADDR, ADDR, LONG), arena);
            MemorySegment attribute = linker.upcallStub(self.findStatic(StandinDriver.class, "attribute",
                    MethodType.methodType(int.class, long.class, int.class, MemorySegment.class)),
                    FunctionDescriptor.of(INT, LONG, INT, ADDR), arena);
            MemorySegment launch = linker.upcallStub(self.findStatic(StandinDriver.class, "launch",
                    MethodType.methodType(int.class, long.class, MemorySegment.class, MemorySegment.class, int.class,
                            MemorySegment.class, MemorySegment.class, long.class)),
                    FunctionDescriptor.of(INT, LONG, ADDR, ADDR, INT, ADDR, ADDR, LONG), arena);
            runner = r;
            invoke(registerHandle, load, unload, function, attribute, launch);
        } catch (ReflectiveOperationException e) {
            arena.close();
            throw new IllegalStateException(e);
        }
        if (upcallArena != null) upcallArena.close(); // the driver no longer holds the old stubs
        upcallArena = arena;
    }

    /** Removes the runner: launches fail again with "no kernel runner is registered". */
    public static synchronized void clearRunner() {
        install();
        invoke(registerHandle, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL);
        runner = null;
        if (upcallArena != null) upcallArena.close();
        upcallArena = null;
    }

    // Upcall targets. An exception must never escape into C (the JVM would abort): every Throwable
    // becomes a CUresult and a message in the caller's log buffer.

    private static int load(MemorySegment ptx, MemorySegment moduleOut, MemorySegment log, long logSize) {
        try {
            long id = runner.loadModule(ptx.reinterpret(Long.MAX_VALUE).getString(0));
            moduleOut.reinterpret(8).set(LONG, 0, id);
            return 0;
        } catch (Throwable t) {
            return report(t, log, logSize);
        }
    }

    private static int unload(long module) {
        try {
            runner.unloadModule(module);
            return 0;
        } catch (Throwable t) {
            return t instanceof KernelRunnerException k ? k.cuResult() : KernelRunnerException.CUDA_ERROR_UNKNOWN;
        }
    }

    private static int function(long module, MemorySegment name, MemorySegment functionOut, MemorySegment log, long logSize) {
        try {
            long id = runner.function(module, name.reinterpret(Long.MAX_VALUE).getString(0));
            functionOut.reinterpret(8).set(LONG, 0, id);
            return 0;
        } catch (Throwable t) {
            return report(t, log, logSize);
        }
    }

    private static int attribute(long function, int attribute, MemorySegment valueOut) {
        try {
            valueOut.reinterpret(4).set(INT, 0, runner.functionAttribute(function, attribute));
            return 0;
        } catch (Throwable t) {
            return t instanceof KernelRunnerException k ? k.cuResult() : KernelRunnerException.CUDA_ERROR_UNKNOWN;
        }
    }

    private static int launch(long function, MemorySegment grid, MemorySegment block, int shared, MemorySegment params,
                              MemorySegment log, long logSize) {
        try {
            MemorySegment g = grid.reinterpret(12), b = block.reinterpret(12);
            runner.launch(function, g.get(INT, 0), g.get(INT, 4), g.get(INT, 8), b.get(INT, 0), b.get(INT, 4), b.get(INT, 8),
                    shared, params);
            return 0;
        } catch (Throwable t) {
            return report(t, log, logSize);
        }
    }

    private static int report(Throwable t, MemorySegment log, long logSize) {
        int code;
        String message;
        if (t instanceof KernelRunnerException k) {
            code = k.cuResult();
            message = k.getMessage();
        } else {
            code = KernelRunnerException.CUDA_ERROR_UNKNOWN;
            message = "kernel runner failed: " + t;
        }
        try {
            if (logSize > 0) {
                byte[] bytes = String.valueOf(message).getBytes(StandardCharsets.UTF_8);
                int n = (int) Math.min(bytes.length, logSize - 1);
                MemorySegment out = log.reinterpret(logSize);
                MemorySegment.copy(bytes, 0, out, ValueLayout.JAVA_BYTE, 0, n);
                out.set(ValueLayout.JAVA_BYTE, n, (byte) 0);
            }
        } catch (Throwable ignored) {
            // the code alone still reaches the caller
        }
        return code;
    }

    // ---- faults and introspection ----------------------------------------------------------------

    /** The next cuMemAlloc_v2 fails with CUDA_ERROR_OUT_OF_MEMORY (only the next). */
    public static void failNextAllocation() {
        install();
        invoke(failNextAllocHandle);
    }

    /** The next cuLaunchKernel returns {@code cuResult} without running. */
    public static void failNextLaunch(int cuResult) {
        install();
        invoke(failNextLaunchHandle, cuResult);
    }

    /** What cuDriverGetVersion reports from now on (13000 = 13.0). */
    public static void setDriverVersion(int version) {
        install();
        invoke(setVersionHandle, version);
    }

    /** Clears pending faults and restores the default driver version. */
    public static void resetFaults() {
        install();
        invoke(resetFaultsHandle);
    }

    public static long liveAllocations() {
        install();
        return (long) invoke(liveAllocationsHandle);
    }

    public static long liveBytes() {
        install();
        return (long) invoke(liveBytesHandle);
    }

    /** The explanation of the calling thread's last failed driver call. */
    public static String lastDetail() {
        install();
        return ((MemorySegment) invoke(lastDetailHandle)).reinterpret(4096).getString(0);
    }

    private static Object invoke(MethodHandle h, Object... args) {
        try {
            return h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
