package dev.hyperweave.cli;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.Backends;
import dev.hyperweave.cuda.Cuda;
import dev.hyperweave.cuda.DriverProbe;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** --backend and --threads, shared by the commands that compute. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu",
            description = {"Backend to compute on: cpu, reference, or cuda (default: ${DEFAULT-VALUE}).",
                    "Without a usable CUDA driver, cuda says why and computes on cpu."})
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads of the cpu backend (default: all cores).")
    Integer threads;

    Backend create(CommandLine cl) {
        int n = threads == null ? Backends.defaultThreads() : threads;
        if (n < 1) throw new CommandLine.ParameterException(cl, "--threads must be at least 1, got " + n);
        if (backend.equals("cuda")) {
            DriverProbe probe = Cuda.probe();
            if (probe.available()) {
                throw new CommandLine.ParameterException(cl, "the cuda backend is not built yet (the driver layer is; the "
                        + "kernels and the backend are the next step): use --backend cpu");
            }
            cl.getErr().println("hyperweave: " + probe.problem());
            cl.getErr().println("hyperweave: computing on the cpu backend instead");
            return Backends.create("cpu", n);
        }
        if (!Backends.NAMES.contains(backend)) {
            throw new CommandLine.ParameterException(cl, "unknown --backend '" + backend + "' (available: " + String.join(", ", Backends.NAMES) + ")");
        }
        return Backends.create(backend, n);
    }
}
