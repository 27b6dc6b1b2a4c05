package dev.hyperweave.cli;

import dev.hyperweave.cuda.CudaException;
import dev.hyperweave.cuda.CudaUnavailableException;
import dev.hyperweave.tensor.ShapeException;
import dev.hyperweave.train.InputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code hyperweave} command line. */
@Command(name = "hyperweave", mixinStandardHelpOptions = true, version = "hyperweave 0.1.0",
        description = "A Java engine for hypernetworks: train, benchmark, inspect.",
        subcommands = {DemoCommand.class, BenchCommand.class, DevicesCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try 'demo' or 'bench')");
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line; returns the exit code (0 ok, 1 failure, 2 bad usage or bad input). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof ShapeException || ex instanceof InputException
                    || ex instanceof CudaUnavailableException) {
                // A user error (a bad value, a shape that does not fit, a bad file): the message says it all.
                commandLine.getErr().println("hyperweave: error: " + ex.getMessage());
                return 2;
            }
            if (ex instanceof CudaException) { // the driver's own words name the call and the error
                commandLine.getErr().println("hyperweave: " + ex.getMessage());
                return 1;
            }
            commandLine.getErr().println("hyperweave: internal error: " + ex);
            ex.printStackTrace(commandLine.getErr());
            return 1;
        });
        return cl.execute(args);
    }
}
