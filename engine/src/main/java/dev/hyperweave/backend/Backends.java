package dev.hyperweave.backend;

import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.backend.cuda.CudaBackend;
import dev.hyperweave.backend.reference.ReferenceBackend;

import java.nio.file.Path;
import java.util.List;

/** Creates backends by name. */
public final class Backends {
    private Backends() {}

    public static final List<String> NAMES = List.of("cpu", "reference", "cuda");

    /** @param threads worker threads for the cpu backend (ignored by the others) */
    public static Backend create(String name, int threads) {
        return create(name, threads, null);
    }

    /**
     * @param threads    worker threads for the cpu backend (ignored by the others)
     * @param kernelDir  for cuda: a folder of PTX whose kernels replace ours by name (null: none, or the
     *                   folder the {@code hyperweave.kernels} system property names)
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

    public static int defaultThreads() { return Runtime.getRuntime().availableProcessors(); }
}
