package dev.hyperweave.ptxvm;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./hyperweave ptx run FILE.ptx KERNEL --grid X,Y,Z --block X,Y,Z [ARG...]}: one kernel on the PTX VM. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run one kernel of a PTX file on the PTX VM (every memory access checked) and print what it executed.",
                "Exits 0 when the kernel ran to its end; otherwise prints the error (kernel, PTX line, thread, block, address)",
                "and exits 1. A PTX the VM refuses exits 1 with the line; bad options exit 2."})
public final class PtxRunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE.ptx", description = "The PTX module.")
    Path file;

    @Parameters(index = "1", paramLabel = "KERNEL", description = "The .entry to run.")
    String kernel;

    @Parameters(index = "2..*", paramLabel = "ARG", description = {"Kernel arguments in .param order:",
            "  buf:BYTES    a buffer of BYTES random bytes drawn as standard normal floats (its address is passed)",
            "  zeros:BYTES  a zeroed buffer",
            "  i32:V u32:V i64:V u64:V f32:V f64:V  a scalar"})
    List<String> args = new ArrayList<>();

    @Option(names = "--grid", paramLabel = "X,Y,Z", defaultValue = "1,1,1", description = "CTAs in the grid (default: ${DEFAULT-VALUE}).")
    String grid;

    @Option(names = "--block", paramLabel = "X,Y,Z", defaultValue = "32,1,1", description = "Threads per CTA (default: ${DEFAULT-VALUE}).")
    String block;

    @Option(names = "--shared", paramLabel = "BYTES", defaultValue = "0", description = "Dynamic shared memory per CTA (default: ${DEFAULT-VALUE}).")
    int shared;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the random buffers (default: ${DEFAULT-VALUE}).")
    long seed;

    private int[] dims(String option, String value) {
        String[] p = value.split(",");
        if (p.length < 1 || p.length > 3) throw bad(option + " takes X[,Y[,Z]], got '" + value + "'");
        int[] d = {1, 1, 1};
        for (int i = 0; i < p.length; i++) {
            try {
                d[i] = Integer.parseInt(p[i].trim());
            } catch (NumberFormatException e) {
                throw bad(option + ": '" + p[i] + "' is not a number");
            }
            if (d[i] < 1) throw bad(option + ": extents must be at least 1, got " + d[i]);
        }
        return d;
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        int[] g = dims("--grid", grid), b = dims("--block", block);
        if (shared < 0) throw bad("--shared must be 0 or more, got " + shared);
        String ptx;
        try {
            ptx = Files.readString(file);
        } catch (IOException e) {
            throw bad("cannot read " + file + ": " + e.getMessage());
        }
        try (PtxVm vm = new PtxVm()) {
            Random rnd = new Random(seed);
            Object[] values = new Object[args.size()];
            for (int i = 0; i < values.length; i++) values[i] = argument(vm, rnd, args.get(i));
            LaunchStats s = vm.runWithDynamicShared(ptx, kernel, g, b, shared, values);
            out.printf("%s: %s, grid %d,%d,%d, block %d,%d,%d: ran to the end%n", file.getFileName(), kernel, g[0], g[1], g[2], b[0], b[1], b[2]);
            out.println(s);
            return 0;
        } catch (PtxVmException e) {
            err.println("ptx run: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
    }

    private Object argument(PtxVm vm, Random rnd, String a) {
        int colon = a.indexOf(':');
        if (colon < 0) throw bad("argument '" + a + "': expected KIND:VALUE (buf:BYTES, zeros:BYTES, i32:V, f32:V, ...)");
        String kind = a.substring(0, colon), v = a.substring(colon + 1);
        try {
            return switch (kind) {
                case "buf", "zeros" -> {
                    long bytes = Long.parseLong(v);
                    if (bytes < 1) throw bad("argument '" + a + "': a buffer needs at least 1 byte");
                    PtxVm.Buffer buf = vm.allocate(bytes);
                    buf.segment().fill((byte) 0);
                    if (kind.equals("buf")) {
                        for (long i = 0; i + 4 <= bytes; i += 4) buf.segment().set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) rnd.nextGaussian());
                    }
                    yield buf;
                }
                case "i32", "u32" -> (int) Long.parseLong(v);
                case "i64", "u64" -> Long.parseLong(v);
                case "f32" -> Float.parseFloat(v);
                case "f64" -> Double.parseDouble(v);
                default -> throw bad("argument '" + a + "': unknown kind " + kind + " (buf, zeros, i32, u32, i64, u64, f32, f64)");
            };
        } catch (NumberFormatException e) {
            throw bad("argument '" + a + "': '" + v + "' is not a number");
        }
    }

    /** {@code ptx run ...}: the launcher's entry point. */
    @Command(name = "ptx", mixinStandardHelpOptions = true, subcommands = {PtxRunCommand.class},
            description = "Run PTX kernels on the PTX VM.")
    static final class Ptx implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try 'ptx run --help')");
        }
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line; returns the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Ptx()).setCommandName("hyperweave ptx");
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }
}
