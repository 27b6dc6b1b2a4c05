package dev.hyperweave.bench;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorArena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * W3's matrix products (WORKLOADS.md), our cpu backend against OpenBLAS {@code cblas_sgemm} on the
 * same data in one JVM, interleaved: after a warm-up of each side, rounds alternate ours, OpenBLAS,
 * ours, OpenBLAS, ... and every round reports GFLOP/s (2MNK per product). Prints one JSON line per
 * (shape, threads) to standard output:
 * <pre>{"bench":"sgemm","shape":"1024x1024x1024","threads":1,"ours_gflops":[...],"peer":"openblas",
 *  "peer_gflops":[...],"ours_median":..,"peer_median":..,"ratio":..,"peer_core":"Zen"}</pre>
 * The shape is MxNxK. Before timing a shape, both results are compared (max |ours - blas| over
 * max |blas| must stay under 1e-3) and a mismatch exits with status 1. Without OpenBLAS the line
 * still comes, with {@code "peer_gflops":null}, and the reason goes to standard error.
 *
 * <p>Start the JVM without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE in the environment (see {@link OpenBlas}).
 */
public final class GemmCompare {
    private GemmCompare() {}

    /** (M, N, K) of W3. */
    static final int[][] SHAPES = {{1024, 1024, 1024}, {32, 26122, 256}, {4096, 128, 128}};

    private static final String USAGE = """
            usage: GemmCompare [--threads 1,2] [--rounds R] [--round-ms MS] [--warmup-ms MS] [--shapes MxNxK,...] [--json]
              --threads    thread counts, comma separated (default 1,2)
              --rounds     interleaved rounds per side (default 5)
              --round-ms   length of one timed round in ms (default 300)
              --warmup-ms  warm-up per side and (shape, threads) in ms (default 700)
              --shapes     default the W3 shapes 1024x1024x1024,32x26122x256,4096x128x128
              --json       only the JSON lines (no summary on standard error)""";

    public static void main(String[] args) {
        List<Integer> threadCounts = List.of(1, 2);
        int rounds = 5;
        long roundMs = 300, warmupMs = 700;
        boolean json = false;
        int[][] shapes = SHAPES;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--threads" -> {
                        List<Integer> ts = new ArrayList<>();
                        for (String s : value(args, ++i).split(",")) ts.add(positive("--threads", s));
                        threadCounts = ts;
                    }
                    case "--rounds" -> rounds = positive("--rounds", value(args, ++i));
                    case "--round-ms" -> roundMs = positive("--round-ms", value(args, ++i));
                    case "--warmup-ms" -> warmupMs = Integer.parseInt(value(args, ++i));
                    case "--shapes" -> {
                        String[] parts = value(args, ++i).split(",");
                        shapes = new int[parts.length][];
                        for (int s = 0; s < parts.length; s++) {
                            String[] d = parts[s].split("x");
                            if (d.length != 3) throw new IllegalArgumentException("bad shape '" + parts[s] + "', want MxNxK");
                            shapes[s] = new int[] {positive("M", d[0]), positive("N", d[1]), positive("K", d[2])};
                        }
                    }
                    case "--json" -> json = true;
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("GemmCompare: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }

        Optional<OpenBlas> blas = OpenBlas.load();
        if (blas.isEmpty()) {
            System.err.println("GemmCompare: no peer: " + OpenBlas.unavailableReason());
        } else if (!json) {
            System.err.println("GemmCompare: OpenBLAS " + blas.get().config() + ", kernel " + blas.get().coreName() + " (" + blas.get().path() + ")");
        }
        for (String v : new String[] {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}) {
            if (System.getenv(v) != null && blas.isPresent()) {
                System.err.println("GemmCompare: warning: " + v + "=" + System.getenv(v) + " is set and changes OpenBLAS's kernels;"
                        + " start this JVM without it (env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ...)");
            }
        }

        boolean failed = false;
        for (int[] shape : shapes) {
            failed |= !runShape(shape, threadCounts, rounds, roundMs, warmupMs, blas.orElse(null), json);
        }
        if (failed) System.exit(1);
    }

    /** Returns false when ours and OpenBLAS disagree. */
    private static boolean runShape(int[] shape, List<Integer> threadCounts, int rounds, long roundMs, long warmupMs,
                                    OpenBlas blas, boolean json) {
        int m = shape[0], n = shape[1], k = shape[2];
        String name = m + "x" + n + "x" + k;
        double flops = 2.0 * m * n * k;
        try (TensorArena arena = new TensorArena()) {
            Tensor a = arena.allocate(DType.F32, 1, m, k), b = arena.allocate(DType.F32, 1, k, n);
            Tensor c = arena.allocate(DType.F32, 1, m, n), cBlas = arena.allocate(DType.F32, 1, m, n);
            Random r = new Random(42);
            a.copyFrom(gaussian(r, (int) a.numel()));
            b.copyFrom(gaussian(r, (int) b.numel()));
            boolean checked = false;
            for (int threads : threadCounts) {
                try (CpuBackend cpu = new CpuBackend(threads)) {
                    Runnable ours = () -> cpu.matmul(a, b, c, null, Activation.NONE, false);
                    Runnable peer = blas == null ? null
                            : () -> blas.sgemm(m, n, k, a.segment(), k, b.segment(), n, cBlas.segment(), n, false, false);
                    if (peer != null) blas.setThreads(threads);
                    if (peer != null && !checked) {
                        ours.run();
                        peer.run();
                        double err = relativeError(c, cBlas);
                        if (!(err <= 1e-3)) {
                            System.err.printf(Locale.ROOT, "GemmCompare: MISMATCH at %s: max|ours-openblas|/max|openblas| = %.3g (limit 1e-3)%n", name, err);
                            return false;
                        }
                        if (!json) System.err.printf(Locale.ROOT, "GemmCompare: %s agrees with OpenBLAS (relative error %.2g)%n", name, err);
                        checked = true;
                    }
                    timeRound(ours, warmupMs);
                    if (peer != null) timeRound(peer, warmupMs);
                    List<Double> oursG = new ArrayList<>(), peerG = new ArrayList<>();
                    for (int round = 0; round < rounds; round++) {
                        oursG.add(flops * timeRound(ours, roundMs) / 1e9);
                        pause(50);
                        if (peer != null) {
                            peerG.add(flops * timeRound(peer, roundMs) / 1e9);
                            // OpenBLAS's idle threads spin for a while after a call; let them park
                            // so that they do not steal a core from our next round.
                            pause(150);
                        }
                    }
                    double om = median(oursG), pm = peer == null ? Double.NaN : median(peerG);
                    System.out.printf(Locale.ROOT,
                            "{\"bench\":\"sgemm\",\"shape\":\"%s\",\"threads\":%d,\"ours_gflops\":%s,\"peer\":\"openblas\",\"peer_gflops\":%s,"
                                    + "\"ours_median\":%s,\"peer_median\":%s,\"ratio\":%s,\"peer_core\":%s}%n",
                            name, threads, list(oursG), peer == null ? "null" : list(peerG), num(om), num(pm),
                            num(om / pm), blas == null ? "null" : "\"" + blas.coreName().replace("\"", "'") + "\"");
                    System.out.flush();
                }
            }
        }
        return true;
    }

    /** Runs f repeatedly for about ms milliseconds; returns calls per second. */
    private static double timeRound(Runnable f, long ms) {
        long budget = ms * 1_000_000L;
        long t0 = System.nanoTime(), t;
        int calls = 0;
        do {
            f.run();
            calls++;
            t = System.nanoTime();
        } while (t - t0 < budget);
        return calls / ((t - t0) / 1e9);
    }

    static double relativeError(Tensor ours, Tensor ref) {
        float[] x = ours.toFloatArray(), y = ref.toFloatArray();
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < x.length; i++) {
            double d = Math.abs((double) x[i] - y[i]);
            if (!(d <= maxDiff)) maxDiff = d; // NaN propagates
            maxRef = Math.max(maxRef, Math.abs(y[i]));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (s.length == 0) return Double.NaN;
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "null";
    }

    private static String list(List<Double> xs) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < xs.size(); i++) sb.append(i > 0 ? "," : "").append(num(xs.get(i)));
        return sb.append(']').toString();
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value");
        return args[i];
    }

    private static int positive(String what, String s) {
        int v;
        try {
            v = Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + s + "' is not a number");
        }
        if (v < 1) throw new IllegalArgumentException(what + " must be >= 1, got " + v);
        return v;
    }
}
