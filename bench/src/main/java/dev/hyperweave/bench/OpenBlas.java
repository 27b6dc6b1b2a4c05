package dev.hyperweave.bench;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * OpenBLAS's {@code cblas_sgemm} through the FFM API (java.lang.foreign), the yardstick for our
 * matrix products. Only a handful of functions, so the downcall handles are written by hand.
 *
 * <p>Install the library with {@code apt-get install libopenblas0-pthread} (Debian/Ubuntu). It is
 * looked up at {@code /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0} first, then as
 * {@code libopenblas.so.0} through the dynamic loader's search path, then at a few other usual paths
 * (or wherever the system property {@code hyperweave.openblas} points; {@code -Dhyperweave.openblas=none}
 * acts as if it were missing). {@link #load()} never throws:
 * when the library is missing it returns empty and {@link #unavailableReason()} says why and how to
 * install it. The JVM needs {@code --enable-native-access=ALL-UNNAMED} to call it without a warning.
 *
 * <p><b>Environment.</b> OpenBLAS picks its kernels when it is loaded, from the CPU and from the
 * environment: {@code OPENBLAS_CORETYPE} pins a kernel family and {@code OPENBLAS_L2_SIZE} overrides
 * the blocking; some machines set both to work around bugs of old OpenBLAS builds, and they can make
 * a current one slower. A process that measures OpenBLAS as a peer should be started without them
 * ({@code env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java ...}); they cannot be changed from inside
 * the JVM once the library is loaded. {@link #coreName()} says which kernel family was chosen, and
 * {@code OPENBLAS_NUM_THREADS} only sets the initial thread count ({@link #setThreads} overrides it).
 */
@SuppressWarnings("restricted")
public final class OpenBlas {
    /** Where Debian's libopenblas0-pthread puts the library, then names/paths tried after it. */
    private static final List<String> CANDIDATES = List.of(
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "libopenblas.so.0",
            "libopenblas.so",
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
            "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0",
            "/usr/lib64/libopenblas.so.0",
            "/usr/lib/libopenblas.so.0",
            "/usr/local/lib/libopenblas.so.0",
            "/opt/OpenBLAS/lib/libopenblas.so.0");

    static final String INSTALL_HINT = "install it with: apt-get install libopenblas0-pthread"
            + " (or point -Dhyperweave.openblas=/path/to/libopenblas.so.0 at another build)";

    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private static final class Holder {
        static final OpenBlas INSTANCE;
        static final String REASON;

        static {
            OpenBlas blas = null;
            String reason;
            try {
                StringBuilder why = new StringBuilder();
                blas = tryLoad(why);
                reason = blas != null ? null : "OpenBLAS not found (" + why + "); " + INSTALL_HINT;
            } catch (Throwable t) {
                reason = "OpenBLAS could not be bound: " + t + "; " + INSTALL_HINT;
            }
            INSTANCE = blas;
            REASON = reason;
        }
    }

    private final String path;
    private final MethodHandle sgemm, setThreads, getThreads, coreName, config;

    private OpenBlas(String path, SymbolLookup lib) {
        this.path = path;
        Linker linker = Linker.nativeLinker();
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
        AddressLayout p = ValueLayout.ADDRESS;
        sgemm = linker.downcallHandle(find(lib, "cblas_sgemm"),
                FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, p, i, p, i, f, p, i));
        setThreads = linker.downcallHandle(find(lib, "openblas_set_num_threads"), FunctionDescriptor.ofVoid(i));
        getThreads = linker.downcallHandle(find(lib, "openblas_get_num_threads"), FunctionDescriptor.of(i));
        coreName = lib.find("openblas_get_corename")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(p.withTargetLayout(ValueLayout.JAVA_BYTE))))
                .orElse(null);
        config = lib.find("openblas_get_config")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(p.withTargetLayout(ValueLayout.JAVA_BYTE))))
                .orElse(null);
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalStateException("symbol " + name + " missing"));
    }

    private static OpenBlas tryLoad(StringBuilder why) {
        List<String> tried = new ArrayList<>();
        String override = System.getProperty("hyperweave.openblas");
        if ("none".equals(override)) {
            why.append("disabled by -Dhyperweave.openblas=none");
            return null;
        }
        List<String> candidates = new ArrayList<>();
        if (override != null && !override.isBlank()) candidates.add(override);
        candidates.addAll(CANDIDATES);
        for (String c : candidates) {
            boolean isPath = c.contains("/");
            if (isPath && !Files.exists(Path.of(c))) {
                tried.add(c + ": no such file");
                continue;
            }
            SymbolLookup lib;
            try {
                lib = isPath ? SymbolLookup.libraryLookup(Path.of(c), Arena.global()) : SymbolLookup.libraryLookup(c, Arena.global());
            } catch (IllegalArgumentException | IllegalCallerException e) {
                tried.add(c + ": " + e.getMessage());
                continue;
            }
            if (lib.find("cblas_sgemm").isEmpty() || lib.find("openblas_set_num_threads").isEmpty()) {
                tried.add(c + ": not OpenBLAS (no cblas_sgemm/openblas_set_num_threads)");
                continue;
            }
            return new OpenBlas(c, lib);
        }
        why.append("tried ").append(String.join("; ", tried));
        return null;
    }

    /** The library, bound once per JVM; empty when it cannot be loaded (see {@link #unavailableReason()}). */
    public static Optional<OpenBlas> load() {
        return Optional.ofNullable(Holder.INSTANCE);
    }

    /** Why {@link #load()} is empty, with the command that installs the library; null when it loaded. */
    public static String unavailableReason() {
        return Holder.REASON;
    }

    /** The library file (or name) that was loaded. */
    public String path() { return path; }

    /**
     * C = op(A) @ op(B), row-major, alpha = 1, beta = 0. op(A) is m x k, op(B) is k x n, C is m x n.
     * A is stored m x k (lda >= k) or, with {@code transA}, k x m (lda >= m); likewise B. All three
     * segments must be native (off-heap) and large enough; they are checked, so a wrong size throws
     * instead of crashing the JVM.
     */
    public void sgemm(int m, int n, int k, MemorySegment a, int lda, MemorySegment b, int ldb,
                      MemorySegment c, int ldc, boolean transA, boolean transB) {
        check("A", a, transA ? k : m, transA ? m : k, lda);
        check("B", b, transB ? n : k, transB ? k : n, ldb);
        check("C", c, m, n, ldc);
        try {
            sgemm.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k,
                    1.0f, a, lda, b, ldb, 0.0f, c, ldc);
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }

    private static void check(String name, MemorySegment s, int rows, int cols, int ld) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException(name + ": negative size " + rows + "x" + cols);
        if (ld < Math.max(1, cols)) throw new IllegalArgumentException(name + ": leading dimension " + ld + " < " + cols);
        if (!s.isNative()) throw new IllegalArgumentException(name + ": OpenBLAS needs a native (off-heap) segment");
        long need = rows == 0 || cols == 0 ? 0 : ((long) (rows - 1) * ld + cols) * Float.BYTES;
        if (s.byteSize() < need) {
            throw new IllegalArgumentException(name + ": " + rows + "x" + cols + " with leading dimension " + ld
                    + " needs " + need + " bytes, segment has " + s.byteSize());
        }
    }

    /** Sets the number of threads OpenBLAS's calls use from now on. */
    public void setThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        try {
            setThreads.invokeExact(threads);
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads failed", t);
        }
    }

    public int threads() {
        try {
            return (int) getThreads.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_get_num_threads failed", t);
        }
    }

    /** The kernel family OpenBLAS chose at load (e.g. "Zen", "Haswell"), or "unknown". */
    public String coreName() { return cString(coreName); }

    /** OpenBLAS's build description (version, DYNAMIC_ARCH, thread model), or "unknown". */
    public String config() { return cString(config); }

    private static String cString(MethodHandle h) {
        if (h == null) return "unknown";
        try {
            MemorySegment s = (MemorySegment) h.invokeExact();
            return s.equals(MemorySegment.NULL) ? "unknown" : s.reinterpret(Integer.MAX_VALUE).getString(0).trim();
        } catch (Throwable t) {
            return "unknown";
        }
    }
}
