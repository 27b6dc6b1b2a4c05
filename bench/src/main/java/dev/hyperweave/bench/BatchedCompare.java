package dev.hyperweave.bench;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorArena;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * W3's batched product, 32 x [128x64] @ [64x128] (W1's first target layer), on the cpu backend:
 * prints one JSON line with GFLOP/s per round. The peer is PyTorch's bmm (bench/peers/workloads.py bmm).
 */
public final class BatchedCompare {
    private BatchedCompare() {}

    public static void main(String[] args) {
        int threads = 1, rounds = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--json" -> { }
                default -> {
                    System.err.println("usage: BatchedCompare [--threads N] [--rounds R] [--json]");
                    System.exit(2);
                }
            }
        }
        int b = 32, m = 128, k = 64, n = 128;
        double flops = 2.0 * b * m * n * k;
        try (TensorArena arena = new TensorArena(); CpuBackend cpu = new CpuBackend(threads)) {
            Tensor a = arena.allocate(DType.F32, b, m, k), bm = arena.allocate(DType.F32, b, k, n), c = arena.allocate(DType.F32, b, m, n);
            Random r = new Random(1);
            for (long i = 0; i < a.numel(); i++) a.setLinear(i, r.nextGaussian());
            for (long i = 0; i < bm.numel(); i++) bm.setLinear(i, r.nextGaussian());
            for (int i = 0; i < 2000; i++) cpu.matmul(a, bm, c, null, Activation.NONE, false);
            List<Double> gflops = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                int reps = 500;
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) cpu.matmul(a, bm, c, null, Activation.NONE, false);
                gflops.add(flops * reps / ((System.nanoTime() - t0) / 1e9) / 1e9);
            }
            System.out.printf(Locale.ROOT, "{\"bench\":\"bmm\",\"shape\":\"32x[128x64]@[64x128]\",\"threads\":%d,\"ours_gflops\":%s,\"ours_median\":%.3f}%n",
                    threads, Json.list(gflops), Compare.median(gflops));
        }
    }
}
