package dev.hyperweave.backend.cpu;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorArena;
import java.util.Random;

/**
 * A throughput check run by hand (not a unit test): prints GFLOP/s of CpuMatmul on the W1 shapes.
 * <pre>
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector \
 *   -cp engine/target/classes:engine/target/test-classes dev.hyperweave.backend.cpu.CpuMatmulSpeedMain [threads...]
 * </pre>
 */
public final class CpuMatmulSpeedMain {
    private CpuMatmulSpeedMain() {}

    public static void main(String[] args) {
        int[] threads = args.length == 0 ? new int[] {1, 2} : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        int[][] shapes = { // B, M, N, K
            {1, 1024, 1024, 1024},
            {1, 32, 26122, 256},
            {1, 4096, 128, 128},
            {32, 128, 128, 64},
        };
        Random rnd = new Random(1);
        try (TensorArena arena = new TensorArena()) {
            for (int th : threads) {
                try (WorkerPool pool = new WorkerPool(th)) {
                    CpuMatmul mm = new CpuMatmul(pool);
                    for (int[] s : shapes) {
                        int bs = s[0], m = s[1], n = s[2], k = s[3];
                        Tensor a = fill(arena.allocate(DType.F32, bs, m, k), rnd);
                        Tensor b = fill(arena.allocate(DType.F32, bs, k, n), rnd);
                        Tensor c = arena.allocate(DType.F32, bs, m, n);
                        double flops = 2.0 * bs * m * n * k;
                        int reps = (int) Math.max(3, 3e9 / flops);
                        double best = 0;
                        for (int round = 0; round < 12; round++) {
                            long t0 = System.nanoTime();
                            for (int r = 0; r < reps; r++) mm.matmul(a, b, c, null, Activation.NONE, false);
                            double sec = (System.nanoTime() - t0) / 1e9;
                            best = Math.max(best, flops * reps / sec / 1e9);
                        }
                        System.out.printf("threads=%d  %dx[%dx%d]@[%dx%d]  %.1f GFLOP/s%n", th, bs, m, k, k, n, best);
                    }
                }
            }
        }
    }

    private static Tensor fill(Tensor t, Random rnd) {
        float[] v = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        return t.copyFrom(v);
    }
}
