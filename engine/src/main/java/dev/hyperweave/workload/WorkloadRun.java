package dev.hyperweave.workload;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.Stopwatch;
import dev.hyperweave.train.Session;

import java.util.Arrays;
import java.util.Locale;

/** Times training steps of a workload: warm-up, then each step timed on its own. */
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
}
