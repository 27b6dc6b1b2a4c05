package dev.hyperweave.cli;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.demo.Demo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Train one hypernetwork to generate a classifier for every task of a built-in family of related tasks",
                "(generated from the seed; no download), then report each task's accuracy on fresh samples."})
final class DemoCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    BackendOptions backendOptions;

    @Option(names = "--steps", paramLabel = "S", defaultValue = "600", description = "Training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--tasks", paramLabel = "T", defaultValue = "16", description = "Tasks in the family, all trained at once (default: ${DEFAULT-VALUE}).")
    int tasks;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the tasks, the data and the initial weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--chunk", paramLabel = "C", defaultValue = "0",
            description = "0 for the full hypernetwork; C > 0 for a chunked one that generates chunks of C weights (default: ${DEFAULT-VALUE}).")
    int chunk;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "3e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        if (steps < 1) throw new CommandLine.ParameterException(cl, "--steps must be at least 1, got " + steps);
        if (tasks < 1) throw new CommandLine.ParameterException(cl, "--tasks must be at least 1, got " + tasks);
        if (chunk < 0) throw new CommandLine.ParameterException(cl, "--chunk must be 0 or positive, got " + chunk);
        if (!(lr > 0)) throw new CommandLine.ParameterException(cl, "--lr must be positive, got " + lr);
        Demo.Config cfg = new Demo.Config(tasks, steps, seed, chunk, 128, 512, lr);
        try (Backend backend = backendOptions.create(cl)) {
            PrintStream out = new PrintStream(new WriterOutputStream(cl.getOut()), true);
            Demo.run(cfg, backend, out);
            out.flush();
        }
        return 0;
    }
}
