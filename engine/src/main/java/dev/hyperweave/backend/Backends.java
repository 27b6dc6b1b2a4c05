package dev.hyperweave.backend;

import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.backend.cuda.CudaBackend;
import dev.hyperweave.backend.reference.ReferenceBackend;

import java.nio.file.Path;
import java.util.List;

/** Creates backends by name. The caller owns each backend it gets and closes it. */
public final class Backends {
    private Backends() {}

    /** The names {@link #create} accepts, lower case: {@code "cpu"}, {@code "reference"}, {@code "cuda"}. Immutable. */
    public static final List<String> NAMES = List.of("cpu", "reference", "cuda");

    /**
     * A backend by name: {@code create(name, threads, null)}.
     *
     * @param name    one of {@link #NAMES}, case-sensitive
     * @param threads worker threads for the cpu backend (ignored by the others)
     * @return a new backend; cuda runs on device 0
     * @throws IllegalArgumentException if {@code name} is unknown, {@code threads} is below 1 (for every
     *         backend, though only cpu uses it), or for cuda the folder the {@code hyperweave.kernels}
     *         system property names cannot replace our kernels
     * @throws dev.hyperweave.cuda.CudaUnavailableException for cuda without a usable driver and device, saying why
     */
    public static Backend create(String name, int threads) {
        return create(name, threads, null);
    }

    /**
     * A backend by name.
     *
     * @param name       one of {@link #NAMES}, case-sensitive
     * @param threads    worker threads for the cpu backend (ignored by the others)
     * @param kernelDir  for cuda: a folder of PTX whose kernels replace ours by name (null: none, or the
     *                   folder the {@code hyperweave.kernels} system property names)
     * @return a new backend; cuda runs on device 0
     * @throws IllegalArgumentException if {@code name} is unknown, {@code threads} is below 1 (for every
     *         backend, though only cpu uses it), {@code kernelDir} is given for a backend other than
     *         cuda, or the kernel folder is missing or holds a kernel that cannot replace ours
     * @throws dev.hyperweave.cuda.CudaUnavailableException for cuda without a usable driver and device, saying why
     */
    public static Backend create(String name, int threads, Path kernelDir) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        if (kernelDir != null && !name.equals("cuda")) {
            throw new IllegalArgumentException("a kernel folder only applies to the cuda backend, not '" + name + "'");
        }
        return switch (name) {
            case "cpu" -> new CpuBackend(threads);
            case "reference" -> new ReferenceBackend();
            case "cuda" -> CudaBackend.open(0, kernelDir);
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (available: " + String.join(", ", NAMES) + ")");
        };
    }

    /**
     * The cpu backend's usual thread count.
     *
     * @return the processors available to the JVM ({@link Runtime#availableProcessors()}), at least 1
     */
    public static int defaultThreads() { return Runtime.getRuntime().availableProcessors(); }
}
