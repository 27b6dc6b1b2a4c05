package dev.hyperweave.cli;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.Backends;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** --backend and --threads, shared by the commands that compute. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu",
            description = "Backend to compute on: cpu or reference (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads of the cpu backend (default: all cores).")
    Integer threads;

    Backend create(CommandLine cl) {
        int n = threads == null ? Backends.defaultThreads() : threads;
        if (n < 1) throw new CommandLine.ParameterException(cl, "--threads must be at least 1, got " + n);
        if (!Backends.NAMES.contains(backend)) {
            throw new CommandLine.ParameterException(cl, "unknown --backend '" + backend + "' (available: " + String.join(", ", Backends.NAMES) + ")");
        }
        return Backends.create(backend, n);
    }
}
