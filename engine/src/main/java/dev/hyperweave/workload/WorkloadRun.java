package dev.hyperweave.workload;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.Stopwatch;
import dev.hyperweave.graph.CompiledGraph;
import dev.hyperweave.train.Optimizer;
import dev.hyperweave.train.Session;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Times training steps of a workload: warm-up, then each step timed on its own, or each of its kernels. */
public final class WorkloadRun {

    /** Timing of one run; {@code stepsPerSecond} counts all timed steps over their total time. */
    public record Result(String workload, String backend, int threads, int steps, double stepsPerSecond,
                         double stepMsMedian, double stepMsP10, double stepMsP90, double gflops, double firstLoss, double lastLoss,
                         double allocatedBytesPerStep) {

        public String toJson() {
            return String.format(Locale.ROOT,
                    "{\"workload\":\"%s\",\"backend\":\"%s\",\"threads\":%d,\"steps\":%d,\"steps_per_s\":%.3f,"
                            + "\"step_ms_median\":%.3f,\"step_ms_p10\":%.3f,\"step_ms_p90\":%.3f,\"gflops\":%.2f,"
                            + "\"first_loss\":%.6f,\"last_loss\":%.6f,\"alloc_bytes_per_step\":%.1f}",
                    workload, backend, threads, steps, stepsPerSecond, stepMsMedian, stepMsP10, stepMsP90, gflops, firstLoss, lastLoss,
                    allocatedBytesPerStep);
        }

        public String toText() {
            return String.format(Locale.ROOT,
                    "%s on %s, %d thread(s): %.2f steps/s, median step %.2f ms (p10 %.2f, p90 %.2f), %.1f GFLOP/s; loss %.4f -> %.4f over %d timed steps; %.0f heap bytes allocated per step",
                    workload, backend, threads, stepsPerSecond, stepMsMedian, stepMsP10, stepMsP90, gflops, firstLoss, lastLoss, steps,
                    allocatedBytesPerStep);
        }
    }

    private WorkloadRun() {}

    public static Result run(WorkloadSpec spec, Backend backend, int warmup, int steps, long seed) {
        if (steps < 1) throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        WorkloadSpec.Built built = spec.build();
        try (Session s = built.session(backend, seed)) {
            double first = Double.NaN;
            for (int i = 0; i < warmup; i++) {
                double l = s.step();
                if (i == 0) first = l;
            }
            long[] times = new long[steps];
            double last = 0;
            HeapCounter heap = new HeapCounter();
            long start = System.nanoTime();
            try (Stopwatch clock = backend.stopwatch()) { // CUDA events on a GPU
                for (int i = 0; i < steps; i++) {
                    clock.start();
                    last = s.step();
                    times[i] = Math.round(clock.stopMillis() * 1e6);
                    if (i == 0 && warmup == 0) first = last;
                }
            }
            double total = (System.nanoTime() - start) / 1e9;
            double allocated = heap.allocatedSinceStart() / (double) steps;
            long[] sorted = times.clone();
            Arrays.sort(sorted);
            double median = sorted[steps / 2] / 1e6;
            return new Result(spec.name(), backend.name(), backend.threads(), steps, steps / total, median,
                    sorted[steps / 10] / 1e6, sorted[Math.min(steps - 1, steps * 9 / 10)] / 1e6,
                    spec.stepFlops() / (median / 1e3) / 1e9, first, last, allocated);
        }
    }

    /**
     * Where a step's time goes: per kernel of the compiled step and for the optimiser, the median over
     * the profiled steps of its wall time (on a device backend, the launch cost; see
     * {@link Session#stepProfiled}).
     */
    public record Profile(String workload, String backend, int threads, int steps, List<Part> parts) {

        /** One kernel (or the optimiser): op name, operand shapes, median ms, FLOPs counted for it (0: none). */
        public record Part(String name, String shapes, double ms, long flops) {
            /** GFLOP/s at the median time, NaN where no FLOPs are counted. */
            public double gflops() { return flops == 0 || ms == 0 ? Double.NaN : flops / ms / 1e6; }
        }

        /** The sum of the parts' medians, in ms. */
        public double totalMs() { return parts.stream().mapToDouble(Part::ms).sum(); }

        public String toText() {
            double total = totalMs();
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                    "%s on %s, %d thread(s): median time of each part over %d profiled steps, %.2f ms per step in all%n"
                            + "  #        ms   share  GFLOP/s  kernel                    shapes%n",
                    workload, backend, threads, steps, total));
            for (int i = 0; i < parts.size(); i++) {
                Part p = parts.get(i);
                boolean optimizer = i == parts.size() - 1;
                sb.append(String.format(Locale.ROOT, "%3s %9.3f  %5.1f%%  %7s  %-24s  %s%n", optimizer ? "" : Integer.toString(i), p.ms(),
                        100 * p.ms() / total, Double.isNaN(p.gflops()) ? "" : String.format(Locale.ROOT, "%.1f", p.gflops()), p.name(), p.shapes()));
            }
            return sb.toString().stripTrailing();
        }

        public String toJson() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                    "{\"workload\":\"%s\",\"backend\":\"%s\",\"threads\":%d,\"steps\":%d,\"step_ms\":%.4f,\"parts\":[",
                    workload, backend, threads, steps, totalMs()));
            for (int i = 0; i < parts.size(); i++) {
                Part p = parts.get(i);
                sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "{\"name\":\"%s\",\"shapes\":\"%s\",\"ms\":%.4f,\"flops\":%d}",
                        p.name(), p.shapes(), p.ms(), p.flops()));
            }
            return sb.append("]}").toString();
        }
    }

    /**
     * Profiles training steps of {@code spec}: {@code warmup} plain steps, then {@code steps} steps
     * with each kernel and the optimiser timed on its own ({@link Session#stepProfiled}).
     *
     * @return the parts in run order, the optimiser last
     * @throws IllegalArgumentException if {@code steps} is below 1
     */
    public static Profile profile(WorkloadSpec spec, Backend backend, int warmup, int steps, long seed) {
        if (steps < 1) throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        try (Session s = spec.build().session(backend, seed)) {
            for (int i = 0; i < warmup; i++) s.step();
            CompiledGraph cg = s.compiled();
            int n = cg.kernelCount() + 1;
            long[][] nanos = new long[steps][n];
            for (long[] slot : nanos) s.stepProfiled(slot);
            List<String> names = cg.kernelNames(), shapes = cg.kernelShapes();
            List<Long> flops = cg.kernelFlops();
            List<Profile.Part> parts = new ArrayList<>();
            long[] column = new long[steps];
            for (int k = 0; k < n; k++) {
                for (int i = 0; i < steps; i++) column[i] = nanos[i][k];
                Arrays.sort(column);
                double ms = column[steps / 2] / 1e6;
                if (k < n - 1) parts.add(new Profile.Part(names.get(k), shapes.get(k), ms, flops.get(k)));
                else parts.add(new Profile.Part(s.optimizer() instanceof Optimizer.Adam ? "adam" : "sgd",
                        "flat buffer of " + s.flatParameters().numel() + " elements", ms, 0));
            }
            return new Profile(spec.name(), backend.name(), backend.threads(), steps, List.copyOf(parts));
        }
    }
}
