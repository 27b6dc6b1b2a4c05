package dev.hyperweave.cli;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.Backends;
import dev.hyperweave.cuda.Cuda;
import dev.hyperweave.cuda.DriverProbe;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** --backend, --threads and --kernels, shared by the commands that compute. */
final class BackendOptions {
    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "cpu",
            description = {"Backend to compute on: cpu, reference, or cuda (default: ${DEFAULT-VALUE}).",
                    "Without a usable CUDA driver, cuda says why and computes on cpu."})
    String backend;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads of the cpu backend (default: all cores).")
    Integer threads;

    @Option(names = "--kernels", paramLabel = "DIR",
            description = {"cuda: a folder of .ptx files; a kernel there with the name of one of ours replaces it",
                    "(same parameter list required; default: the hyperweave.kernels system property, if set)."})
    Path kernels;

    Backend create(CommandLine cl) {
        int n = threads == null ? Backends.defaultThreads() : threads;
        if (n < 1) throw new CommandLine.ParameterException(cl, "--threads must be at least 1, got " + n);
        if (!Backends.NAMES.contains(backend)) {
            throw new CommandLine.ParameterException(cl, "unknown --backend '" + backend + "' (available: " + String.join(", ", Backends.NAMES) + ")");
        }
        if (kernels != null && !backend.equals("cuda")) {
            throw new CommandLine.ParameterException(cl, "--kernels applies to --backend cuda only");
        }
        if (backend.equals("cuda")) {
            DriverProbe probe = Cuda.probe();
            if (!probe.available()) {
                cl.getErr().println("hyperweave: " + probe.problem());
                cl.getErr().println("hyperweave: computing on the cpu backend instead");
                return Backends.create("cpu", n);
            }
            try {
                return Backends.create("cuda", n, kernels);
            } catch (IllegalArgumentException e) { // a bad kernel folder or replacement
                throw new CommandLine.ParameterException(cl, e.getMessage());
            }
        }
        return Backends.create(backend, n);
    }
}
