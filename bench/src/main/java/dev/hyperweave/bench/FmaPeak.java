package dev.hyperweave.bench;

import dev.hyperweave.backend.cpu.CpuMatmul;
import java.util.Locale;
import java.util.concurrent.atomic.DoubleAdder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's register FMA peak in GFLOP/s over T threads: each thread runs 12 independent fused
 * multiply-add chains on the matrix product's vector species, with no memory traffic. Nothing that
 * multiplies matrices on these cores can go faster, so it bounds what any target measured in
 * FLOPs can ask. Prints one JSON line: {"threads":T,"gflops":X} (the best of several timed runs).
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> S = CpuMatmul.SPECIES;

    private FmaPeak() {}

    public static void main(String[] args) throws InterruptedException {
        int threads = args.length == 2 && args[0].equals("--threads") ? Integer.parseInt(args[1]) : 1;
        if (threads < 1) throw new IllegalArgumentException("--threads must be positive, got " + threads);
        double best = 0;
        for (int rep = 0; rep < 6; rep++) best = Math.max(best, measure(threads, 40_000_000L));
        System.out.println(String.format(Locale.ROOT, "{\"threads\":%d,\"gflops\":%.1f}", threads, best));
    }

    /** GFLOP/s of all threads running {@code iters} iterations at once. */
    static double measure(int threads, long iters) throws InterruptedException {
        DoubleAdder sink = new DoubleAdder();
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) ts[i] = new Thread(() -> sink.add(chains(iters)));
        long t0 = System.nanoTime();
        for (Thread t : ts) t.start();
        for (Thread t : ts) t.join();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (sink.sum() == 42) System.out.print(""); // the chains' result is used
        return threads * iters * 12.0 * S.length() * 2 / seconds / 1e9;
    }

    private static float chains(long iters) {
        FloatVector a = FloatVector.broadcast(S, 1.0000001f), b = FloatVector.broadcast(S, 0.9999999f);
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        FloatVector c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iters; i++) {
            c0 = a.fma(b, c0); c1 = a.fma(b, c1); c2 = a.fma(b, c2); c3 = a.fma(b, c3);
            c4 = a.fma(b, c4); c5 = a.fma(b, c5); c6 = a.fma(b, c6); c7 = a.fma(b, c7);
            c8 = a.fma(b, c8); c9 = a.fma(b, c9); c10 = a.fma(b, c10); c11 = a.fma(b, c11);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }
}
