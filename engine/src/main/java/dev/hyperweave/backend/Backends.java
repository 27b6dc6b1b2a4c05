package dev.hyperweave.backend;

import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.backend.reference.ReferenceBackend;

import java.util.List;

/** Creates backends by name. */
public final class Backends {
    private Backends() {}

    public static final List<String> NAMES = List.of("cpu", "reference");

    /** @param threads worker threads for the cpu backend (ignored by the reference backend) */
    public static Backend create(String name, int threads) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        return switch (name) {
            case "cpu" -> new CpuBackend(threads);
            case "reference" -> new ReferenceBackend();
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (available: " + String.join(", ", NAMES) + ")");
        };
    }

    public static int defaultThreads() { return Runtime.getRuntime().availableProcessors(); }
}
