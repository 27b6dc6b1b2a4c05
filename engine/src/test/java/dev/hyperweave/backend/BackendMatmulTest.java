package dev.hyperweave.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.hyperweave.backend.reference.ReferenceBackend;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.ShapeException;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorArena;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A backend's matmul against the reference backend (which sums in double) on gaussian inputs.
 *
 * <p>Tolerance: |x - ref| <= 1e-5 * (1 + sqrt(K)) * (1 + |ref|). Float32 summation of K products of
 * unit gaussians has a rounding error around eps * K (eps = 6e-8) in the worst realistic case, which
 * stays far below this bound (1.7e-4 at K = 257), while any indexing or packing bug gives O(1) errors.
 *
 * <p>Every output is poisoned with NaN before the cpu kernel runs (so unwritten elements fail) and
 * elements of a bigger C buffer outside the C view are checked to keep their sentinel. The outputs
 * of every backend a subclass gives (the cpu backend at 1, 2 and 3 threads, say) must be bit-identical,
 * and so must two calls of one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendMatmulTest {

    private static final float SENTINEL = 12345.5f;
    private static final ReferenceBackend REF = new ReferenceBackend();

    private Backend[] kernels;

    /** The backends under test; their results must agree bit for bit. */
    protected abstract Backend[] createBackends();

    @BeforeAll
    void setUp() {
        kernels = createBackends();
    }

    @AfterAll
    void tearDown() {
        if (kernels == null) return; // skipped: no such backend here
        for (Backend b : kernels) b.close();
    }

    /** One configuration of a product. */
    public record Case(int bs, int m, int n, int k, boolean transA, boolean transB, boolean expandA, boolean expandB,
                int cLayout, int biasKind, Activation act, boolean accumulate) {
        @Override
        public String toString() {
            return "B=" + bs + " M=" + m + " N=" + n + " K=" + k + " transA=" + transA + " transB=" + transB
                    + " expandA=" + expandA + " expandB=" + expandB + " cLayout=" + cLayout + " bias=" + biasKind
                    + " act=" + act + " acc=" + accumulate;
        }
    }

    private static final int[][] SHAPES = {
        {1, 1, 1}, {1, 7, 8}, {7, 1, 9}, {8, 16, 1}, {9, 17, 7}, {16, 8, 33}, {17, 33, 16}, {33, 64, 9},
        {64, 9, 17}, {4, 16, 64}, {257, 33, 17}, {9, 257, 64}, {33, 17, 257}, {5, 19, 600}, {2, 4100, 3},
        {130, 20, 5}, {3, 5, 0}, {20, 70, 37}, {40, 96, 300},
    };

    @Test
    void randomConfigurationsMatchReference() {
        Random rnd = new Random(42);
        Activation[] acts = Activation.values();
        int count = 0;
        for (int[] s : SHAPES) {
            for (int variant = 0; variant < 8; variant++) {
                boolean accumulate = variant % 4 == 3;
                int bs = rnd.nextBoolean() ? 1 : 3;
                Case c = new Case(bs, s[0], s[1], s[2], rnd.nextBoolean(), rnd.nextBoolean(),
                        bs > 1 && rnd.nextInt(3) == 0, bs > 1 && rnd.nextInt(3) == 0,
                        rnd.nextInt(3), accumulate ? 0 : rnd.nextInt(3),
                        accumulate ? Activation.NONE : acts[(count++) % acts.length], accumulate);
                check(c, rnd.nextLong());
            }
        }
    }

    @Test
    void everyActivationWithBiasAndStridedOutput() {
        long seed = 7;
        for (Activation act : Activation.values()) {
            for (int biasKind = 0; biasKind < 3; biasKind++) {
                check(new Case(3, 17, 33, 40, false, false, false, false, 1, biasKind, act, false), seed++);
                check(new Case(2, 9, 16, 300, true, true, false, true, 2, biasKind, act, false), seed++);
            }
        }
    }

    @Test
    void transposesExpandsAndAccumulate() {
        long seed = 100;
        for (int flags = 0; flags < 16; flags++) {
            boolean ta = (flags & 1) != 0, tb = (flags & 2) != 0, ea = (flags & 4) != 0, eb = (flags & 8) != 0;
            check(new Case(3, 33, 17, 9, ta, tb, ea, eb, flags % 3, 0, Activation.NONE, true), seed++);
            check(new Case(3, 7, 40, 257, ta, tb, ea, eb, flags % 3, 1, Activation.RELU, false), seed++);
        }
    }

    @Test
    void workloadShapesAreBitIdenticalAcrossBackendsAndCalls() {
        // Smaller versions of the W1 shapes (batch split, N split, M split), plus K over KC.
        checkBitIdentical(32, 128, 128, 64, 1);
        checkBitIdentical(1, 32, 3000, 256, 2);
        checkBitIdentical(1, 1000, 128, 128, 3);
        checkBitIdentical(3, 64, 64, 700, 4);
    }

    @Test
    void rejectsNonF32() {
        try (TensorArena arena = new TensorArena()) {
            Tensor a = arena.allocate(DType.F64, 1, 2, 3);
            Tensor b = arena.allocate(DType.F64, 1, 3, 4);
            Tensor c = arena.allocate(DType.F64, 1, 2, 4);
            assertThrows(ShapeException.class, () -> kernels[0].matmul(a, b, c, null, Activation.NONE, false));
            Tensor c32 = arena.allocate(DType.F32, 1, 2, 4);
            assertThrows(ShapeException.class, () -> kernels[0].matmul(a, b, c32, null, Activation.NONE, false));
            Tensor a32 = arena.allocate(DType.F32, 1, 2, 5);
            Tensor b32 = arena.allocate(DType.F32, 1, 3, 4);
            assertThrows(ShapeException.class, () -> kernels[0].matmul(a32, b32, c32, null, Activation.NONE, false));
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private void checkBitIdentical(int bs, int m, int n, int k, long seed) {
        Random rnd = new Random(seed);
        try (TensorArena arena = new TensorArena()) {
            Tensor a = gaussian(arena.allocate(DType.F32, bs, m, k), rnd);
            Tensor b = gaussian(arena.allocate(DType.F32, bs, k, n), rnd);
            Tensor bias = gaussian(arena.allocate(DType.F32, bs, n), rnd);
            Tensor c = arena.allocate(DType.F32, bs, m, n);
            float[] first = null;
            for (int t = 0; t < kernels.length; t++) {
                for (int rep = 0; rep < 2; rep++) {
                    c.fill(Float.NaN);
                    kernels[t].matmul(a, b, c, bias, Activation.TANH, false);
                    float[] got = c.toFloatArray();
                    if (first == null) first = got;
                    else assertArrayEquals(first, got, "backend " + t + " rep=" + rep);
                }
            }
            for (float v : first) if (Float.isNaN(v)) fail("NaN left in output");
        }
    }

    private static Tensor gaussian(Tensor t, Random rnd) {
        float[] v = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        return t.copyFrom(v);
    }

    /**
     * A [bs, rows, cols] operand, optionally stored transposed (then, at random, as a slice of wider
     * rows: a column stride that is not the row length) and/or shared across the batch.
     */
    private static Tensor operand(TensorArena arena, Random rnd, int bs, int rows, int cols, boolean trans, boolean expand) {
        int b0 = expand ? 1 : bs;
        int pad = trans && rnd.nextBoolean() ? 3 : 0;
        Tensor t = trans ? arena.allocate(DType.F32, b0, cols, rows + pad).slice(2, 0, rows).transpose(1, 2)
                : arena.allocate(DType.F32, b0, rows, cols);
        gaussian(t, rnd);
        return expand ? t.expand(bs, rows, cols) : t;
    }

    /**
     * C layouts: 0 contiguous; 1 a slice [.., .., 2:2+N] of [B, M, N+5]; 2 a [T,P]-like buffer
     * [M, P] with P = B*N + 3 where batch t is columns [1 + t*N, 1 + (t+1)*N); 3 stored transposed
     * ([B, N, M] seen as [B, M, N]: columns contiguous).
     */
    private static Tensor[] output(TensorArena arena, int layout, int bs, int m, int n) {
        return switch (layout) {
            case 0 -> {
                Tensor c = arena.allocate(DType.F32, bs, m, n);
                yield new Tensor[] {c, c};
            }
            case 1 -> {
                Tensor whole = arena.allocate(DType.F32, bs, m, n + 5);
                yield new Tensor[] {whole.slice(2, 2, n), whole};
            }
            case 3 -> {
                Tensor whole = arena.allocate(DType.F32, bs, n, m);
                yield new Tensor[] {whole.transpose(1, 2), whole};
            }
            default -> {
                int p = bs * n + 3;
                Tensor whole = arena.allocate(DType.F32, m, p);
                Tensor c = new Tensor(whole.segment(), DType.F32, 1, new int[] {bs, m, n}, new long[] {n, p, 1});
                yield new Tensor[] {c, whole};
            }
        };
    }

    protected void check(Case cs, long seed) {
        Random rnd = new Random(seed);
        try (TensorArena arena = new TensorArena()) {
            Tensor a = operand(arena, rnd, cs.bs, cs.m, cs.k, cs.transA, cs.expandA);
            Tensor b = operand(arena, rnd, cs.bs, cs.k, cs.n, cs.transB, cs.expandB);
            Tensor bias = switch (cs.biasKind) {
                case 0 -> null;
                case 1 -> gaussian(arena.allocate(DType.F32, cs.bs, cs.n), rnd);
                default -> gaussian(arena.allocate(DType.F32, 1, cs.n), rnd).expand(cs.bs, cs.n);
            };
            Tensor[] out = output(arena, cs.cLayout, cs.bs, cs.m, cs.n);
            Tensor c = out[0], whole = out[1];
            float[] prefill = null;
            if (cs.accumulate) {
                prefill = new float[Math.toIntExact(c.numel())];
                for (int i = 0; i < prefill.length; i++) prefill[i] = (float) rnd.nextGaussian();
            }
            // Reference on a contiguous copy of the same prefilled values.
            Tensor expected = arena.allocate(DType.F32, cs.bs, cs.m, cs.n);
            if (prefill != null) expected.copyFrom(prefill);
            REF.matmul(a, b, expected, bias, cs.act, cs.accumulate);
            float[] ref = expected.toFloatArray();
            double tol = 1e-5 * (1 + Math.sqrt(cs.k));

            float[] first = null;
            for (int t = 0; t < kernels.length; t++) {
                whole.fill(SENTINEL);
                if (prefill != null) c.copyFrom(prefill);
                else c.fill(Float.NaN);
                kernels[t].matmul(a, b, c, bias, cs.act, cs.accumulate);
                float[] got = c.toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    double err = Math.abs(got[i] - ref[i]);
                    if (!(err <= tol * (1 + Math.abs(ref[i])))) {
                        fail(cs + " backend " + t + ": element " + i + " got " + got[i] + " expected " + ref[i]);
                    }
                }
                if (first == null) first = got;
                else assertArrayEquals(first, got, cs + ": backend " + t + " differs from backend 0");
                checkOutside(whole, c, cs);
            }
        }
    }

    /** Elements of the whole buffer that are not in the C view must still hold the sentinel. */
    private static void checkOutside(Tensor whole, Tensor c, Case cs) {
        if (whole == c) return;
        long n = whole.numel();
        boolean[] inView = new boolean[Math.toIntExact(n)];
        long cn = c.numel();
        for (long i = 0; i < cn; i++) inView[Math.toIntExact(c.offsetOf(i) - whole.offset())] = true;
        for (long i = 0; i < n; i++) {
            if (!inView[Math.toIntExact(whole.offsetOf(i) - whole.offset())]) {
                assertEquals(SENTINEL, (float) whole.getLinear(i), cs + ": wrote outside C at " + i);
            }
        }
    }
}
