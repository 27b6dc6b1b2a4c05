package dev.hyperweave.cli;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.workload.WorkloadRun;
import dev.hyperweave.workload.WorkloadSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time training steps of a reference workload (shared/WORKLOADS.md):",
                "  hmlp     W1, full task-conditioned hypernetwork",
                "  chunked  W2, chunked hypernetwork",
                "  compare  ours vs PyTorch and OpenBLAS, interleaved (./hyperweave bench compare --help)",
                "Prints steps/s, the median step time and the achieved GFLOP/s;",
                "with --profile, the median time of each kernel of the step and of the optimiser."})
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "WORKLOAD", description = "hmlp or chunked.")
    String workload;

    @Mixin
    BackendOptions backendOptions;

    @Option(names = "--steps", paramLabel = "S", defaultValue = "50", description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", paramLabel = "W", defaultValue = "50", description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of data and weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print one JSON line instead of text.")
    boolean json;

    @Option(names = "--profile", description = "Time each kernel of the step and the optimiser on their own (median over the timed steps).")
    boolean profile;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        if (workload.equals("compare")) {
            throw new CommandLine.ParameterException(cl, "'bench compare' lives in the bench module: run it as ./hyperweave bench compare");
        }
        if (!workload.equals("hmlp") && !workload.equals("chunked")) {
            throw new CommandLine.ParameterException(cl, "unknown workload '" + workload + "' (expected hmlp or chunked)");
        }
        if (steps < 1) throw new CommandLine.ParameterException(cl, "--steps must be at least 1, got " + steps);
        if (warmup < 0) throw new CommandLine.ParameterException(cl, "--warmup must not be negative, got " + warmup);
        try (Backend backend = backendOptions.create(cl)) {
            if (profile) {
                WorkloadRun.Profile p = WorkloadRun.profile(WorkloadSpec.named(workload), backend, warmup, steps, seed);
                cl.getOut().println(json ? p.toJson() : p.toText());
            } else {
                WorkloadRun.Result r = WorkloadRun.run(WorkloadSpec.named(workload), backend, warmup, steps, seed);
                cl.getOut().println(json ? r.toJson() : r.toText());
            }
        }
        return 0;
    }
}
