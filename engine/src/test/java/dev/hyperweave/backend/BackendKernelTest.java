package dev.hyperweave.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.hyperweave.backend.reference.ReferenceBackend;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.ShapeException;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorArena;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tests every kernel of a backend except matmul against {@link ReferenceBackend} (double precision,
 * plain loops) on seeded random gaussian inputs, awkward sizes (1, 7, 9, 17, 33, 257, sizes past the
 * vector width, sizes large enough to be split over workers) and non-contiguous views (slices of
 * bigger buffers, transposed/strided views, stride-0 broadcast inputs).
 *
 * <p>Outputs are views into bigger "base" buffers whose other elements hold a sentinel; the view
 * itself is poisoned with NaN before the kernel runs (accumulating kernels get random values
 * instead). The reference runs on an identical copy of the base buffer and the two whole base
 * buffers are compared, so an unwritten element (NaN) or a write outside the view fails.
 *
 * <p>Tolerances (F32 kernel vs the double reference rounded to F32), |actual - ref| <= bound:
 * <ul>
 *   <li>element-wise kernels, activations and their gradients: 1e-5 * |ref| + 1e-7 (relative 1e-5);
 *   <li>reduceSum: 1e-5 * (|ref| + |alpha| * sqrt(m)), m = elements summed into one output (the
 *       size of such a sum of unit gaussians);
 *   <li>losses: 1e-5 * |ref| + 1e-6; loss gradients: 1e-5 * |ref| + 1e-6 * |dloss / rows|;
 *   <li>adam, sgd (float arithmetic, sums of O(1) terms that may cancel): 1e-5 * |ref| + 1e-6;
 *   <li>gather, scatterAdd (the same float additions in the same order), copy, fill: exact up to 1e-7.
 * </ul>
 */
public abstract class BackendKernelTest {

    protected abstract Backend createBackend();

    protected Backend backend;
    protected final ReferenceBackend ref = new ReferenceBackend();
    protected TensorArena arena;
    protected Random rnd;

    private static final float SENTINEL = 777.25f;
    private static final double EW_RTOL = 1e-5, EW_ATOL = 1e-7;

    @BeforeEach
    protected void setUp() {
        backend = createBackend();
        arena = new TensorArena();
        rnd = new Random(20240611L);
    }

    @AfterEach
    protected void tearDown() {
        if (backend != null) backend.close();
        if (arena != null) arena.close();
    }

    // ---- tensor helpers ---------------------------------------------------------------------------

    enum In { CONTIG, SLICE, STRIDED, BCAST_OUTER, BCAST_INNER }

    enum Out { CONTIG, SLICE, STRIDED }

    /** Output views into base buffers: a for the backend under test, b for the reference. */
    record OutPair(Tensor baseA, Tensor a, Tensor baseB, Tensor b) {}

    /** Gaussians times 3, every fifth one shrunk by 1e-3 (small magnitudes test relative accuracy). */
    protected float[] gaussians(int n) {
        float[] r = new float[n];
        for (int i = 0; i < n; i++) {
            double g = rnd.nextGaussian() * 3;
            if (i % 5 == 3) g *= 1e-3;
            r[i] = (float) g;
        }
        return r;
    }

    protected Tensor alloc(int... shape) {
        return arena.allocate(DType.F32, shape);
    }

    protected Tensor randn(int... shape) {
        Tensor t = alloc(shape);
        t.copyFrom(gaussians(Math.toIntExact(t.numel())));
        return t;
    }

    private static int[] grown(int[] shape, int by) {
        int[] s = shape.clone();
        for (int i = 0; i < s.length; i++) s[i] += by;
        return s;
    }

    private static int[] swappedLast(int[] shape) {
        int[] s = shape.clone();
        int r = s.length;
        s[r - 1] = shape[r - 2];
        s[r - 2] = shape[r - 1];
        return s;
    }

    /** A random input of the given shape laid out as {@code kind}. */
    protected Tensor input(In kind, int... shape) {
        int r = shape.length;
        switch (kind) {
            case CONTIG:
                return randn(shape);
            case SLICE: {
                Tensor v = randn(grown(shape, 3));
                for (int d = 0; d < r; d++) v = v.slice(d, 2, shape[d]);
                return v;
            }
            case STRIDED:
                if (r == 1) return randn(shape[0], 2).select(1, 1);
                return randn(swappedLast(shape)).transpose(r - 2, r - 1);
            case BCAST_OUTER: {
                int[] s = shape.clone();
                s[0] = 1;
                return randn(s).expand(shape);
            }
            case BCAST_INNER: {
                int[] s = shape.clone();
                s[r - 1] = 1;
                return randn(s).expand(shape);
            }
            default:
                throw new AssertionError();
        }
    }

    private static int[] outBaseShape(Out kind, int[] shape) {
        return switch (kind) {
            case CONTIG -> shape.clone();
            case SLICE -> grown(shape, 3);
            case STRIDED -> shape.length == 1 ? new int[] {shape[0], 2} : swappedLast(shape);
        };
    }

    private static Tensor outView(Out kind, Tensor base, int[] shape) {
        int r = shape.length;
        return switch (kind) {
            case CONTIG -> base;
            case SLICE -> {
                Tensor v = base;
                for (int d = 0; d < r; d++) v = v.slice(d, 1, shape[d]);
                yield v;
            }
            case STRIDED -> r == 1 ? base.select(1, 1) : base.transpose(r - 2, r - 1);
        };
    }

    /** Output pair poisoned with NaN (random values when {@code randomInit}), sentinel around it. */
    protected OutPair output(Out kind, boolean randomInit, int... shape) {
        int[] bs = outBaseShape(kind, shape);
        Tensor baseA = alloc(bs);
        baseA.fill(SENTINEL);
        Tensor a = outView(kind, baseA, shape);
        if (randomInit) a.copyFrom(gaussians(Math.toIntExact(a.numel())));
        else a.fill(Double.NaN);
        Tensor baseB = alloc(bs);
        baseB.copyFrom(baseA);
        return new OutPair(baseA, a, baseB, outView(kind, baseB, shape));
    }

    protected OutPair output(Out kind, int... shape) {
        return output(kind, false, shape);
    }

    protected Tensor scalar(double v) {
        Tensor t = alloc(1);
        t.setLinear(0, v);
        return t;
    }

    protected Tensor labels(int rows, int classes) {
        Tensor t = arena.allocate(DType.I32, rows);
        for (int i = 0; i < rows; i++) t.setLinear(i, rnd.nextInt(classes));
        return t;
    }

    /** Labels as a stride-2 view of a bigger I32 buffer. */
    protected Tensor stridedLabels(int rows, int classes) {
        Tensor base = arena.allocate(DType.I32, rows, 2);
        base.fill(-99);
        Tensor t = base.select(1, 1);
        for (int i = 0; i < rows; i++) t.setLinear(i, rnd.nextInt(classes));
        return t;
    }

    /** Copy of a contiguous tensor into a fresh buffer. */
    protected Tensor dup(Tensor t) {
        return alloc(t.shape()).copyFrom(t);
    }

    /** |actual - expected| <= rtol * |expected| + atol for every element (NaN fails). */
    protected static void assertClose(String what, Tensor expected, Tensor actual, double rtol, double atol) {
        assertTrue(expected.sameShape(actual), what + ": shapes differ");
        long n = expected.numel();
        for (long i = 0; i < n; i++) {
            double e = expected.getLinear(i), a = actual.getLinear(i);
            if (Double.compare(e, a) == 0) continue;
            if (!(Math.abs(a - e) <= rtol * Math.abs(e) + atol)) {
                fail(what + ": element " + i + " of " + Arrays.toString(expected.shape()) + " is " + a + ", expected " + e
                        + " (|diff| " + Math.abs(a - e) + " > " + (rtol * Math.abs(e) + atol) + ")");
            }
        }
    }

    protected static void assertBitIdentical(String what, Tensor x, Tensor y) {
        long n = x.numel();
        for (long i = 0; i < n; i++) {
            int a = Float.floatToRawIntBits((float) x.getLinear(i)), b = Float.floatToRawIntBits((float) y.getLinear(i));
            if (a != b) fail(what + ": element " + i + " differs between runs: " + x.getLinear(i) + " vs " + y.getLinear(i));
        }
    }

    // ---- element-wise kernels -----------------------------------------------------------------------

    /** Shapes for element-wise kernels; the last two are big enough to be split over workers. */
    static final int[][] SHAPES = {{1}, {7}, {9}, {17}, {257}, {33, 9}, {3, 17, 5}, {2, 3, 4, 17}, {129, 517}, {70001}};

    @FunctionalInterface
    interface Unary { void run(Backend b, Tensor x, Tensor out); }

    @FunctionalInterface
    interface Binary { void run(Backend b, Tensor x, Tensor y, Tensor out); }

    private void forEachCase(String name, Binary kernel, boolean randomInit, double rtol, double atol) {
        In[] ins = In.values();
        Out[] outs = Out.values();
        for (int s = 0; s < SHAPES.length; s++) {
            int[] shape = SHAPES[s];
            boolean big = s >= SHAPES.length - 2;
            // k = -1: every operand contiguous (the fully-contiguous fast path); then mixed layouts
            for (int k = -1; k < ins.length; k++) {
                if (big && (k == 2 || k == 4)) continue; // keeps the suite quick
                In ka = k < 0 ? In.CONTIG : ins[k], kb = k < 0 ? In.CONTIG : ins[(k + 2) % ins.length];
                Out ko = k < 0 ? Out.CONTIG : outs[(k + s) % outs.length];
                Tensor x = input(ka, shape), y = input(kb, shape);
                OutPair o = output(ko, randomInit, shape);
                kernel.run(ref, x, y, o.b());
                kernel.run(backend, x, y, o.a());
                assertClose(name + " " + Arrays.toString(shape) + " x " + ka + " y " + kb + " out " + ko, o.baseB(), o.baseA(), rtol, atol);
            }
        }
    }

    @Test
    void activation() {
        for (Activation act : Activation.values()) {
            forEachCase("activation " + act, (b, x, y, out) -> b.activation(act, x, out), false, EW_RTOL, EW_ATOL);
        }
    }

    @Test
    void activationAccuracyOverWideRange() {
        // A dense sweep over [-40, 40] including tiny values around 0, contiguous.
        int n = 20011;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (-40 + 80.0 * i / (n - 1));
        for (int i = 0; i < 200; i++) v[i] = (float) ((i - 100) * 1e-6);
        Tensor x = alloc(n).copyFrom(v);
        for (Activation act : Activation.values()) {
            OutPair o = output(Out.CONTIG, n);
            ref.activation(act, x, o.b());
            backend.activation(act, x, o.a());
            assertClose("activation sweep " + act, o.baseB(), o.baseA(), EW_RTOL, 1e-30);
        }
    }

    @Test
    void activationInPlace() {
        // out == x: the vector tanh, sigmoid and elu keep their exps in scratch, not in out
        for (Activation act : Activation.values()) {
            for (int[] shape : SHAPES) {
                Tensor xa = randn(shape);
                ref.scale(xa, 3, xa);
                Tensor xb = dup(xa);
                ref.activation(act, xb, xb);
                backend.activation(act, xa, xa);
                assertClose("activation in place " + act + " " + Arrays.toString(shape), xb, xa, EW_RTOL, EW_ATOL);
            }
        }
    }

    @Test
    void activationGrad() {
        for (Activation act : Activation.values()) {
            forEachCase("activationGrad " + act, (b, y, dy, out) -> b.activationGrad(act, y, dy, out), false, EW_RTOL, EW_ATOL);
        }
    }

    @Test
    void activationGradOnActivationOutputs() {
        // y from the activation itself (in (-1,1) for tanh, (0,1) for sigmoid, > -1 for elu).
        int n = 4099;
        Tensor x = randn(n), dy = randn(n);
        for (Activation act : Activation.values()) {
            Tensor y = alloc(n);
            ref.activation(act, x, y);
            OutPair o = output(Out.SLICE, n);
            ref.activationGrad(act, y, dy, o.b());
            backend.activationGrad(act, y, dy, o.a());
            assertClose("activationGrad on outputs " + act, o.baseB(), o.baseA(), EW_RTOL, EW_ATOL);
        }
    }

    @Test
    void binary() {
        for (BinaryOp op : BinaryOp.values()) {
            forEachCase("binary " + op, (b, x, y, out) -> b.binary(op, x, y, out), false, EW_RTOL, EW_ATOL);
        }
    }

    @Test
    void scale() {
        forEachCase("scale", (b, x, y, out) -> b.scale(x, -0.7318, out), false, EW_RTOL, EW_ATOL);
    }

    @Test
    void scaleInPlace() {
        for (int[] shape : SHAPES) {
            Tensor xa = randn(shape), xb = dup(xa);
            ref.scale(xb, 1.618, xb);
            backend.scale(xa, 1.618, xa);
            assertClose("scale in place " + Arrays.toString(shape), xb, xa, EW_RTOL, EW_ATOL);
        }
    }

    @Test
    void accumulate() {
        forEachCase("accumulate", (b, x, y, out) -> b.accumulate(x, out), true, EW_RTOL, EW_ATOL);
    }

    @Test
    void copy() {
        forEachCase("copy", (b, x, y, out) -> b.copy(x, out), false, 0, 0);
    }

    @Test
    void fill() {
        forEachCase("fill", (b, x, y, out) -> b.fill(out, 0.6180339), false, 0, 0);
    }

    @Test
    void meanSquaredErrorGrad() {
        Tensor dloss = scalar(1.37);
        forEachCase("meanSquaredErrorGrad", (b, p, t, out) -> b.meanSquaredErrorGrad(p, t, dloss, out), false, EW_RTOL, EW_ATOL);
    }

    // ---- reductions ---------------------------------------------------------------------------------

    private void checkReduce(String what, Tensor x, Out outKind, double alpha, int... outShape) {
        OutPair o = output(outKind, outShape);
        ref.reduceSum(x, o.b(), alpha);
        backend.reduceSum(x, o.a(), alpha);
        double m = (double) x.numel() / Math.max(1, o.a().numel());
        // bound: 1e-5 * (|ref| + |alpha| sqrt(m))
        long n = o.b().numel();
        for (long i = 0; i < n; i++) {
            double e = o.b().getLinear(i), a = o.a().getLinear(i);
            double tol = 1e-5 * (Math.abs(e) + Math.abs(alpha) * Math.sqrt(m));
            if (!(Math.abs(a - e) <= tol)) {
                fail("reduceSum " + what + " x " + x + " -> " + Arrays.toString(outShape) + " out " + outKind
                        + ": element " + i + " is " + a + ", expected " + e);
            }
        }
        // nothing written outside the output view
        assertClose("reduceSum " + what + " base", o.baseB(), o.baseA(), 1e-5, 1e-5 * Math.abs(alpha) * Math.sqrt(m));
    }

    @Test
    void reduceSum() {
        int[][] bmn = {{3, 33, 17}, {2, 257, 9}, {1, 7, 1}, {4, 1, 33}, {5, 9, 7}};
        Out[] outs = Out.values();
        int c = 0;
        for (int[] d : bmn) {
            int b = d[0], m = d[1], n = d[2];
            In[] kinds = {In.CONTIG, In.SLICE, In.STRIDED, In.BCAST_OUTER};
            for (In kind : kinds) {
                Tensor x = input(kind, b, m, n);
                String w = kind.toString();
                checkReduce(w, x, outs[c++ % 3], 0.75, b, 1, n);
                checkReduce(w, x, outs[c++ % 3], -1.5, 1, 1, n);
                checkReduce(w, x, outs[c++ % 3], 1.0, 1, 1, 1);
                checkReduce(w, x, outs[c++ % 3], 0.5, b, m, 1);
                checkReduce(w, x, outs[c++ % 3], 2.0, 1, m, 1);
                checkReduce(w, x, outs[c++ % 3], 1.0, b, 1, 1);
                checkReduce(w, x, outs[c++ % 3], 1.0, 1, m, n);
                checkReduce(w, x, outs[c++ % 3], 0.3, b, m, n);
            }
        }
        // rank 2 (bias gradient of a plain layer) and rank 4
        for (In kind : new In[] {In.CONTIG, In.STRIDED, In.SLICE}) {
            Tensor x2 = input(kind, 65, 33);
            checkReduce("rank2 " + kind, x2, Out.CONTIG, 1.0, 1, 33);
            checkReduce("rank2 " + kind, x2, Out.SLICE, 1.0, 65, 1);
            checkReduce("rank2 " + kind, x2, Out.STRIDED, 1.0, 1, 1);
            Tensor x4 = input(kind, 2, 3, 5, 7);
            checkReduce("rank4 " + kind, x4, Out.CONTIG, 1.0, 2, 1, 5, 1);
            checkReduce("rank4 " + kind, x4, Out.SLICE, 1.0, 1, 3, 1, 7);
            checkReduce("rank4 " + kind, x4, Out.STRIDED, 1.0, 1, 1, 1, 1);
            checkReduce("rank4 " + kind, x4, Out.CONTIG, 1.0, 2, 3, 1, 7);
        }
        // 1-D
        checkReduce("rank1", input(In.CONTIG, 257), Out.CONTIG, 1.0, 1);
        checkReduce("rank1 strided", input(In.STRIDED, 9), Out.CONTIG, 1.0, 1);
    }

    @Test
    void reduceSumLarge() {
        // big enough to be split over workers
        for (In kind : new In[] {In.CONTIG, In.STRIDED}) {
            Tensor x = input(kind, 4, 300, 70);
            checkReduce("large " + kind, x, Out.CONTIG, 1.0, 1, 1, 70);
            checkReduce("large " + kind, x, Out.SLICE, 0.5, 4, 1, 70);
            checkReduce("large " + kind, x, Out.CONTIG, 1.0, 1, 1, 1);
            checkReduce("large " + kind, x, Out.STRIDED, 1.0, 4, 300, 1);
            checkReduce("large " + kind, x, Out.CONTIG, 1.0, 1, 300, 1);
            checkReduce("large " + kind, x, Out.CONTIG, 1.0, 4, 1, 1);
        }
        checkReduce("large flat", input(In.CONTIG, 100003), Out.CONTIG, 1.0, 1);
        checkReduce("large wide", input(In.CONTIG, 3, 40000), Out.CONTIG, 1.0, 1, 40000);
        // more rows than a float flush (32), columns past one work item (4096) and its 256-column loops
        checkReduce("large wide rows", input(In.CONTIG, 70, 8200), Out.SLICE, 0.5, 1, 8200);
        checkReduce("large wide slice", input(In.SLICE, 2, 35, 4500), Out.CONTIG, 1.0, 2, 1, 4500);
    }

    // ---- losses ---------------------------------------------------------------------------------------

    private void checkSoftmax(String what, Tensor logits, Tensor labels, Out outKind) {
        Tensor la = scalar(Double.NaN), lb = scalar(Double.NaN);
        ref.softmaxCrossEntropy(logits, labels, lb);
        backend.softmaxCrossEntropy(logits, labels, la);
        assertClose("softmaxCrossEntropy " + what + " " + logits, lb, la, 1e-5, 1e-6);

        double dl = 1.7;
        Tensor dloss = scalar(dl);
        int rows = logits.dim(0), cls = logits.dim(1);
        OutPair o = output(outKind, rows, cls);
        ref.softmaxCrossEntropyGrad(logits, labels, dloss, o.b());
        backend.softmaxCrossEntropyGrad(logits, labels, dloss, o.a());
        assertClose("softmaxCrossEntropyGrad " + what + " " + logits + " out " + outKind, o.baseB(), o.baseA(), 1e-5, 1e-6 * dl / rows);
    }

    @Test
    void softmaxCrossEntropy() {
        int[][] rc = {{1, 1}, {1, 7}, {7, 9}, {33, 17}, {257, 10}, {5, 1000}, {3, 33}, {129, 600}, {3, 2500}};
        Out[] outs = Out.values();
        int c = 0;
        for (int[] d : rc) {
            int r = d[0], k = d[1];
            for (In kind : new In[] {In.CONTIG, In.SLICE, In.STRIDED, In.BCAST_OUTER}) {
                Tensor labels = c % 2 == 0 ? labels(r, k) : stridedLabels(r, k);
                checkSoftmax(kind.toString(), input(kind, r, k), labels, outs[c++ % 3]);
            }
        }
        // large logits: max subtraction must keep exp finite
        Tensor big = randn(9, 33);
        ref.scale(big, 40, big);
        checkSoftmax("large magnitude", big, labels(9, 33), Out.CONTIG);
        // short rows (fewer classes than a vector has lanes) far below zero: a max or a sum that
        // counted the lanes past the row would be wrong
        for (int k : new int[] {1, 10, 15}) {
            Tensor low = randn(9, k);
            float[] v = low.toFloatArray();
            for (int i = 0; i < v.length; i++) v[i] = 5 * v[i] - 300;
            low.copyFrom(v);
            for (Out o : outs) checkSoftmax("far below zero", low, labels(9, k), o);
        }
    }

    @Test
    void meanSquaredError() {
        In[] ins = In.values();
        for (int s = 0; s < SHAPES.length; s++) {
            for (int k = 0; k < ins.length; k++) {
                Tensor p = input(ins[k], SHAPES[s]), t = input(ins[(k + 1) % ins.length], SHAPES[s]);
                Tensor la = scalar(Double.NaN), lb = scalar(Double.NaN);
                ref.meanSquaredError(p, t, lb);
                backend.meanSquaredError(p, t, la);
                assertClose("meanSquaredError " + p + " " + t, lb, la, 1e-5, 1e-6);
            }
        }
    }

    // ---- rows -----------------------------------------------------------------------------------------

    private Tensor indices(int n, int limit) {
        Tensor t = arena.allocate(DType.I32, n);
        for (int i = 0; i < n; i++) t.setLinear(i, rnd.nextInt(limit));
        if (n > 2) t.setLinear(n - 1, (int) t.getLinear(0)); // a repeat for sure
        return t;
    }

    @Test
    void gatherRows() {
        int[][] cases = {{13, 1, 1}, {13, 7, 9}, {13, 17, 40}, {5, 257, 12}, {50, 600, 100}, {8, 33, 3}};
        In[] tk = {In.CONTIG, In.SLICE, In.STRIDED};
        Out[] outs = Out.values();
        int c = 0;
        for (int[] d : cases) {
            int v = d[0], e = d[1], n = d[2];
            for (In kind : tk) {
                Tensor table = input(kind, v, e);
                Tensor idx = c % 2 == 0 ? indices(n, v) : stridedLabels(n, v);
                Out ko = outs[c++ % 3];
                OutPair o = output(ko, n, e);
                ref.gatherRows(table, idx, o.b());
                backend.gatherRows(table, idx, o.a());
                assertClose("gatherRows table " + table + " out " + ko, o.baseB(), o.baseA(), 0, 1e-7);
            }
        }
    }

    @Test
    void scatterAddRows() {
        int[][] cases = {{13, 1, 1}, {13, 7, 9}, {4, 17, 40}, {5, 257, 12}, {20, 1500, 30}, {8, 33, 3}};
        In[] sk = {In.CONTIG, In.SLICE, In.STRIDED};
        Out[] outs = Out.values();
        int c = 0;
        for (int[] d : cases) {
            int v = d[0], e = d[1], n = d[2];
            for (In kind : sk) {
                Tensor src = input(kind, n, e);
                Tensor idx = c % 2 == 0 ? indices(n, v) : stridedLabels(n, v);
                Out ko = outs[c++ % 3];
                OutPair o = output(ko, true, v, e);
                ref.scatterAddRows(src, idx, o.b());
                backend.scatterAddRows(src, idx, o.a());
                assertClose("scatterAddRows src " + src + " table " + ko, o.baseB(), o.baseA(), 1e-6, 1e-6);
            }
        }
    }

    // ---- optimisers -----------------------------------------------------------------------------------

    /** A 1-D contiguous view at an offset inside a bigger buffer (offset handling). */
    private Tensor flatSlice(float[] values) {
        Tensor base = alloc(values.length + 5);
        base.fill(SENTINEL);
        return base.slice(0, 3, values.length).copyFrom(values);
    }

    @Test
    void adam() {
        for (int n : new int[] {1, 7, 17, 257, 70001}) {
            for (long step : new long[] {1, 7}) {
                float[] p = gaussians(n), g = gaussians(n), m = gaussians(n), v = gaussians(n);
                for (int i = 0; i < n; i++) v[i] = Math.abs(v[i]);
                Tensor pa = flatSlice(p), pb = flatSlice(p), ma = flatSlice(m), mb = flatSlice(m), va = flatSlice(v), vb = flatSlice(v);
                Tensor grad = alloc(n).copyFrom(g);
                ref.adam(pb, grad, mb, vb, 1e-2, 0.9, 0.999, 1e-8, step);
                backend.adam(pa, grad, ma, va, 1e-2, 0.9, 0.999, 1e-8, step);
                String w = "adam n=" + n + " step=" + step;
                assertClose(w + " param", pb, pa, 1e-5, 1e-6);
                assertClose(w + " m", mb, ma, 1e-5, 1e-6);
                assertClose(w + " v", vb, va, 1e-5, 1e-6);
            }
        }
    }

    @Test
    void sgd() {
        for (int n : new int[] {1, 7, 17, 257, 70001}) {
            for (boolean momentum : new boolean[] {false, true}) {
                float[] p = gaussians(n), g = gaussians(n), vel = gaussians(n);
                Tensor pa = flatSlice(p), pb = flatSlice(p);
                Tensor va = momentum ? flatSlice(vel) : null, vb = momentum ? flatSlice(vel) : null;
                Tensor grad = alloc(n).copyFrom(g);
                ref.sgd(pb, grad, vb, 0.05, 0.9);
                backend.sgd(pa, grad, va, 0.05, 0.9);
                String w = "sgd n=" + n + " momentum=" + momentum;
                assertClose(w + " param", pb, pa, 1e-5, 1e-6);
                if (momentum) assertClose(w + " velocity", vb, va, 1e-5, 1e-6);
            }
        }
    }

    // ---- determinism ----------------------------------------------------------------------------------

    @Test
    void deterministic() {
        Tensor x = randn(257, 301), y = randn(257, 301);
        Tensor xt = randn(301, 257).transpose(0, 1);
        Tensor lab = labels(257, 301);
        try (Backend other = createBackend()) {
            Backend[] bs = {backend, backend, other};
            Tensor[][] results = new Tensor[bs.length][];
            for (int run = 0; run < bs.length; run++) {
                Backend b = bs[run];
                Tensor full = alloc(1, 1), cols = alloc(1, 301), rows = alloc(257, 1), colsT = alloc(1, 301);
                Tensor loss = alloc(1), mse = alloc(1), dlogits = alloc(257, 301), act = alloc(257, 301);
                b.reduceSum(x, full, 1.0);
                b.reduceSum(x, cols, 1.0);
                b.reduceSum(x, rows, 1.0);
                b.reduceSum(xt, colsT, 1.0);
                b.softmaxCrossEntropy(x, lab, loss);
                b.softmaxCrossEntropyGrad(x, lab, scalar(1.0), dlogits);
                b.meanSquaredError(x, y, mse);
                b.activation(Activation.TANH, x, act);
                Tensor p = dup(x.reshape(257 * 301)), m = alloc(257 * 301), v = alloc(257 * 301);
                b.adam(p, y.reshape(257 * 301), m, v, 1e-3, 0.9, 0.999, 1e-8, 3);
                results[run] = new Tensor[] {full, cols, rows, colsT, loss, dlogits, mse, act, p};
            }
            for (int run = 1; run < bs.length; run++) {
                for (int i = 0; i < results[0].length; i++) {
                    assertBitIdentical("run " + run + " result " + i, results[0][i], results[run][i]);
                }
            }
        }
    }

    // ---- bad input ------------------------------------------------------------------------------------

    private static void assertShapeError(Runnable r, String... fragments) {
        ShapeException e = assertThrows(ShapeException.class, r::run);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    @Test
    void shapeMismatch() {
        Tensor a = randn(3, 4), b = randn(4, 3), c = alloc(3, 4);
        assertShapeError(() -> backend.binary(BinaryOp.ADD, a, b, c), "add", "[3, 4]", "[4, 3]");
        assertShapeError(() -> backend.binary(BinaryOp.MUL, a, a, b), "mul", "[3, 4]", "[4, 3]");
        assertShapeError(() -> backend.activation(Activation.RELU, a, b), "activation", "[3, 4]", "[4, 3]");
        assertShapeError(() -> backend.activationGrad(Activation.TANH, a, b, c), "activationGrad", "[3, 4]", "[4, 3]");
        assertShapeError(() -> backend.scale(a, 2, b), "scale", "[3, 4]", "[4, 3]");
        assertShapeError(() -> backend.accumulate(a, b), "accumulate", "[3, 4]", "[4, 3]");
        assertShapeError(() -> backend.copy(a, b), "copy", "[3, 4]", "[4, 3]");
        assertShapeError(() -> backend.reduceSum(a, alloc(1, 3), 1), "reduceSum", "[3, 4]", "[1, 3]");
        assertShapeError(() -> backend.reduceSum(a, alloc(4), 1), "reduceSum", "[3, 4]", "[4]");
        assertShapeError(() -> backend.meanSquaredError(a, b, alloc(1)), "meanSquaredError", "[3, 4]", "[4, 3]");
        assertShapeError(() -> backend.meanSquaredErrorGrad(a, a, scalar(1), b), "meanSquaredErrorGrad", "[3, 4]", "[4, 3]");
        Tensor lab = labels(3, 4);
        assertShapeError(() -> backend.softmaxCrossEntropyGrad(a, lab, scalar(1), b), "softmaxCrossEntropyGrad", "[3, 4]", "[4, 3]");
        assertShapeError(() -> backend.softmaxCrossEntropy(b, lab, alloc(1)), "softmaxCrossEntropy", "[4, 3]", "[3]");
        assertShapeError(() -> backend.gatherRows(a, labels(2, 3), alloc(2, 5)), "gatherRows", "[3, 4]", "[2, 5]");
        assertShapeError(() -> backend.scatterAddRows(alloc(2, 5), labels(2, 3), a), "scatterAddRows", "[3, 4]", "[2, 5]");
        assertShapeError(() -> backend.adam(alloc(5), alloc(6), alloc(5), alloc(5), 1e-3, 0.9, 0.999, 1e-8, 1), "adam", "[5]", "[6]");
        assertShapeError(() -> backend.sgd(alloc(5), alloc(5), alloc(7), 1e-3, 0.9), "sgd", "[5]", "[7]");
        assertShapeError(() -> backend.adam(a, a, a, a, 1e-3, 0.9, 0.999, 1e-8, 1), "adam");
    }

    @Test
    void adamStepCountsFromOne() {
        Tensor p = flatSlice(gaussians(5)), g = flatSlice(gaussians(5)), m = flatSlice(gaussians(5)), v = flatSlice(gaussians(5));
        for (Backend b : new Backend[] {backend, ref}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.adam(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 0));
            assertTrue(e.getMessage().contains("step is counted from 1"), b.name() + ": " + e.getMessage());
        }
    }

    @Test
    void unsupportedDtype() {
        if (backend.supports(DType.F64)) return;
        Tensor d = arena.allocate(DType.F64, 4);
        assertThrows(ShapeException.class, () -> backend.scale(d, 2, d));
        assertThrows(ShapeException.class, () -> backend.fill(d, 2));
    }

    @Test
    void badLabel() {
        Tensor logits = randn(4, 5);
        Tensor lab = labels(4, 5);
        lab.setLinear(2, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend.softmaxCrossEntropy(logits, lab, alloc(1)));
        assertTrue(e.getMessage().contains("softmaxCrossEntropy") && e.getMessage().contains("index 5")
                && e.getMessage().contains("position 2") && e.getMessage().contains("[0, 5)"), e.getMessage());
        lab.setLinear(2, 0);
        lab.setLinear(3, -1);
        e = assertThrows(IllegalArgumentException.class, () -> backend.softmaxCrossEntropyGrad(logits, lab, scalar(1), alloc(4, 5)));
        assertTrue(e.getMessage().contains("softmaxCrossEntropyGrad") && e.getMessage().contains("index -1")
                && e.getMessage().contains("position 3"), e.getMessage());
        Tensor idx = indices(3, 4);
        idx.setLinear(1, 4);
        e = assertThrows(IllegalArgumentException.class, () -> backend.gatherRows(randn(4, 6), idx, alloc(3, 6)));
        assertTrue(e.getMessage().contains("gatherRows") && e.getMessage().contains("index 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> backend.scatterAddRows(randn(3, 6), idx, alloc(4, 6)));
        assertTrue(e.getMessage().contains("scatterAddRows") && e.getMessage().contains("index 4"), e.getMessage());
        // the backend still works after a rejected call
        Tensor out = alloc(1);
        backend.meanSquaredError(logits, logits, out);
        assertEquals(0.0, out.item());
    }

    @Test
    void identity() {
        assertTrue(backend.supports(DType.F32));
        assertTrue(backend.threads() >= 1);
        assertTrue(!backend.name().isEmpty());
    }
}
