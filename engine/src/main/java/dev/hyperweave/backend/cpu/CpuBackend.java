package dev.hyperweave.backend.cpu;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.BinaryOp;
import dev.hyperweave.backend.KernelChecks;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The multi-threaded F32 backend: Vector API kernels over {@link MemorySegment}s, split over a
 * {@link WorkerPool} with static (deterministic) ranges. Matrix products are delegated to
 * {@link CpuMatmul}.
 *
 * <p>Every element-wise kernel first coalesces its operands' dimensions (dropping size-1 dims and
 * merging dims that are contiguous for every operand), then walks "rows" (all coalesced dims but
 * the last) with the innermost loop vectorised when every operand has unit inner stride; any other
 * stride (including 0 for broadcast inputs) takes a scalar strided loop. A call allocates nothing:
 * tasks and scratch are preallocated fields (scratch grows only when a larger rank is first seen).
 * No method takes or returns a vector: loads are written out in each loop, lanes are summed where
 * they are added, and the one vector exp ({@link #vExpRow}) runs over a whole row. A vector passed
 * to or returned from a method that C2 does not inline is boxed, and whether it inlines depends on
 * what the JVM compiled first: a load helper made a column sum 5x slower allocating 11 MB a
 * training step, and a per-vector exp helper boxed 98 KB per step in one CI run of four. The
 * suite's noinline-test runs NoAllocationTest with no method of this package inlined. Lanes are
 * summed in lane order, not by reduceLanes(ADD): its order is unspecified and the JIT's intrinsic
 * and the interpreter's fallback differ, so results would change as code gets compiled.
 *
 * <p>Element-wise results do not depend on the thread count (each row splits into vectors and a
 * scalar tail the same way, see {@link #rowSplit}). Reductions are deterministic for a given thread
 * count: partitions are fixed, partial sums go to a preallocated per-worker array and are combined
 * in worker order. Transcendental functions
 * use small vectorised polynomial approximations (Cephes style, a few ulp in float), because the
 * Vector API's own EXP/TANH are not intrinsified on every JDK build and were slower than scalar
 * {@link Math} when measured.
 */
public final class CpuBackend implements Backend {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final ByteOrder NO = ByteOrder.nativeOrder();
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;

    /** Below this many elements a kernel runs on the calling thread alone. */
    static final long GRAIN = 1 << 15;
    /** Floats summed in float vector registers before the partial goes into a double. */
    static final int CHUNK = 1024;
    /** Column block of the column-sum reduction's add loops (a multiple of any vector length). */
    static final int BLK = 256;
    /**
     * Columns of one work item of the column-sum reduction, added BLK at a time: each reduced row is
     * then read in runs of up to 16 KB, not 1 KB (W1's [32, 26122] bias gradient, whose rows are 104 KB
     * apart, in the step: 0.56 -> 0.39 ms at 1 thread, 0.30-0.45 -> 0.24-0.28 at 2). The add loop
     * still runs BLK columns at a time: one loop over up to 4096 columns made [32, 128, 128] summed
     * over dim 1 (128 columns) 4x slower, likely C2 unrolling for the long rows and leaving short
     * ones to its scalar tail.
     */
    static final int WIDE = 16 * BLK;
    /** Reduced rows added in float before the block is flushed into the double accumulators. */
    static final int FLUSH = 32;
    /** Padding between per-worker partial sums (avoids false sharing). */
    static final int PAD = 8;

    // element-wise op codes
    static final int FILL = 0, COPY = 1, SCALE = 2, ADD = 3, SUB = 4, MUL = 5, MSEGRAD = 6,
            RELU = 7, TANH = 8, SIGMOID = 9, ELU = 10, G_RELU = 11, G_TANH = 12, G_SIGMOID = 13, G_ELU = 14;

    private final WorkerPool pool;
    private final CpuMatmul matmul;
    private final Layout lay = new Layout();
    private final double[] partial;
    private final float[][] fscratch, rowScratch;
    private final double[][] dscratch;
    /** Per worker, CHUNK floats of exp values between {@link #vExpRow} and the loop that uses them. */
    private final Arena nativeArena = Arena.ofShared();
    private final MemorySegment expScratch;

    private final ElementwiseTask ewTask = new ElementwiseTask();
    private final SumTask sumTask = new SumTask();
    private final ColumnReduceTask colTask = new ColumnReduceTask();
    private final RowReduceTask rowTask = new RowReduceTask();
    private final SoftmaxTask smTask = new SoftmaxTask();
    private final GatherTask gatherTask = new GatherTask();
    private final ScatterTask scatterTask = new ScatterTask();
    private final OptimizerTask optTask = new OptimizerTask();
    private boolean closed;

    public CpuBackend(int threads) {
        this.pool = new WorkerPool(threads);
        this.matmul = new CpuMatmul(pool);
        this.partial = new double[threads * PAD];
        this.fscratch = new float[threads][WIDE];
        this.rowScratch = new float[threads][WIDE];
        this.dscratch = new double[threads][WIDE];
        this.expScratch = nativeArena.allocate((long) threads * CHUNK * 4, 64);
    }

    /** Worker w's CHUNK floats of {@link #expScratch}, as a byte offset. */
    static long expSlot(int w) {
        return (long) w * CHUNK * 4;
    }

    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    @Override public String name() { return "cpu"; }
    @Override public int threads() { return pool.threads(); }
    @Override public boolean supports(DType dtype) { return dtype == DType.F32; }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        pool.close();
        matmul.close();
        nativeArena.close();
    }

    /**
     * Runs {@code task} on the pool, or alone on the calling thread when the work is small; returns
     * the number of workers it was split over (the partial sums to combine).
     */
    private int launch(WorkerPool.Task task, long work) {
        if (closed) throw new IllegalStateException("cpu backend is closed");
        if (pool.threads() == 1 || work < GRAIN) {
            task.run(0, 1);
            return 1;
        }
        pool.run(task);
        return pool.threads();
    }

    // ---- checks (allocation-free on success; delegate to KernelChecks for the message) ----------

    private static void f32(String kernel, String what, Tensor t) {
        if (t.dtype() != DType.F32) KernelChecks.dtype(kernel, what, t, DType.F32);
    }

    private static void same(String kernel, Tensor a, Tensor b) {
        if (!a.sameShape(b)) KernelChecks.sameShape(kernel, a, b);
    }

    private static void same(String kernel, Tensor a, Tensor b, Tensor c) {
        if (!a.sameShape(b) || !a.sameShape(c)) KernelChecks.sameShape(kernel, a, b, c);
    }

    private static boolean flatOk(Tensor t, Tensor ref) {
        return t.rank() == 1 && t.isContiguous() && t.sameShape(ref) && t.dtype() == DType.F32;
    }

    // ---- kernels -------------------------------------------------------------------------------

    @Override
    public void matmul(Tensor a, Tensor b, Tensor c, Tensor bias, Activation act, boolean accumulate) {
        // The product's epilogue fuses bias and ReLU; tanh, sigmoid and elu are the element-wise kernel
        // over C after it (row splits independent of the thread count, like the product's).
        boolean after = !accumulate && (act == Activation.TANH || act == Activation.SIGMOID || act == Activation.ELU);
        matmul.matmul(a, b, c, bias, after ? Activation.NONE : act, accumulate);
        if (after) activation(act, c, c);
    }

    @Override
    public void activation(Activation act, Tensor x, Tensor y) {
        same("activation", x, y);
        f32("activation", "x", x);
        f32("activation", "y", y);
        int op = switch (act) {
            case NONE -> COPY;
            case RELU -> RELU;
            case TANH -> TANH;
            case SIGMOID -> SIGMOID;
            case ELU -> ELU;
        };
        elementwise(op, y, x, null, 0f);
    }

    @Override
    public void activationGrad(Activation act, Tensor y, Tensor dy, Tensor dx) {
        same("activationGrad", y, dy, dx);
        f32("activationGrad", "y", y);
        f32("activationGrad", "dy", dy);
        f32("activationGrad", "dx", dx);
        if (act == Activation.NONE) {
            elementwise(COPY, dx, dy, null, 0f);
            return;
        }
        int op = switch (act) {
            case RELU -> G_RELU;
            case TANH -> G_TANH;
            case SIGMOID -> G_SIGMOID;
            default -> G_ELU;
        };
        elementwise(op, dx, y, dy, 0f);
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        String kernel = switch (op) {
            case ADD -> "add";
            case SUB -> "sub";
            case MUL -> "mul";
        };
        same(kernel, a, b, out);
        f32(kernel, "a", a);
        f32(kernel, "b", b);
        f32(kernel, "out", out);
        int code = switch (op) {
            case ADD -> ADD;
            case SUB -> SUB;
            case MUL -> MUL;
        };
        elementwise(code, out, a, b, 0f);
    }

    @Override
    public void scale(Tensor x, double alpha, Tensor out) {
        same("scale", x, out);
        f32("scale", "x", x);
        f32("scale", "out", out);
        elementwise(SCALE, out, x, null, (float) alpha);
    }

    @Override
    public void accumulate(Tensor x, Tensor out) {
        same("accumulate", x, out);
        f32("accumulate", "x", x);
        f32("accumulate", "out", out);
        elementwise(ADD, out, x, out, 0f);
    }

    @Override
    public void fill(Tensor t, double v) {
        f32("fill", "t", t);
        elementwise(FILL, t, null, null, (float) v);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        same("copy", src, dst);
        f32("copy", "src", src);
        f32("copy", "dst", dst);
        elementwise(COPY, dst, src, null, 0f);
    }

    private void elementwise(int op, Tensor out, Tensor a, Tensor b, float p) {
        if (out.numel() == 0) return;
        lay.set(out, a, b);
        ElementwiseTask t = ewTask;
        t.op = op;
        t.p = p;
        launch(t, lay.total());
    }

    @Override
    public void reduceSum(Tensor x, Tensor out, double alpha) {
        KernelChecks.reduce(x, out);
        f32("reduceSum", "x", x);
        f32("reduceSum", "out", out);
        if (out.numel() == 0) return;
        if (x.numel() == 0) {
            elementwise(FILL, out, null, null, 0f);
            return;
        }
        if (out.numel() == 1) {
            double s = fullSum(x, null);
            out.segment().set(F, out.byteOffset(), (float) (alpha * s));
            return;
        }
        lay.setReduce(x, out);
        if (lay.innerKept) {
            ColumnReduceTask t = colTask;
            t.alpha = alpha;
            // Blocks narrow enough that a few output rows still spread over every worker. A column's
            // sum never depends on the blocking, so results do not depend on the thread count.
            long perWorker = (lay.inner * lay.keptCount + 2L * pool.threads() - 1) / (2L * pool.threads());
            int blk = (int) Math.min(WIDE, Math.max(L, (perWorker + L - 1) / L * L));
            t.blk = blk;
            t.blocks = (lay.inner + blk - 1) / blk;
            launch(t, lay.total());
        } else {
            RowReduceTask t = rowTask;
            t.alpha = alpha;
            launch(t, lay.total());
        }
    }

    /** Sum of x (b == null) or of (x - b)^2 over every element, deterministic for the thread count. */
    private double fullSum(Tensor x, Tensor b) {
        lay.set(x, b, null);
        long total = lay.total();
        SumTask t = sumTask;
        t.squaredDiff = b != null;
        int workers = launch(t, total);
        double s = 0;
        for (int w = 0; w < workers; w++) s += partial[w * PAD];
        return s;
    }

    @Override
    public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor loss) {
        KernelChecks.loss("softmaxCrossEntropy", logits, labels);
        KernelChecks.oneElement("softmaxCrossEntropy", "loss", loss);
        f32("softmaxCrossEntropy", "logits", logits);
        f32("softmaxCrossEntropy", "loss", loss);
        int rows = logits.dim(0);
        checkLabels("softmaxCrossEntropy label", labels, logits.dim(1));
        double total = softmax(logits, labels, null, 0);
        loss.segment().set(F, loss.byteOffset(), (float) (total / rows));
    }

    @Override
    public void softmaxCrossEntropyGrad(Tensor logits, Tensor labels, Tensor dloss, Tensor dlogits) {
        KernelChecks.loss("softmaxCrossEntropyGrad", logits, labels);
        same("softmaxCrossEntropyGrad", logits, dlogits);
        KernelChecks.oneElement("softmaxCrossEntropyGrad", "dloss", dloss);
        f32("softmaxCrossEntropyGrad", "logits", logits);
        f32("softmaxCrossEntropyGrad", "dloss", dloss);
        f32("softmaxCrossEntropyGrad", "dlogits", dlogits);
        int rows = logits.dim(0);
        checkLabels("softmaxCrossEntropyGrad label", labels, logits.dim(1));
        double g = dloss.segment().get(F, dloss.byteOffset()) / (double) rows;
        softmax(logits, labels, dlogits, g);
    }

    private static void checkLabels(String kernel, Tensor labels, int classes) {
        MemorySegment seg = labels.segment();
        long off = labels.offset(), st = labels.stride(0);
        for (int r = 0, n = labels.dim(0); r < n; r++) {
            int label = seg.get(I, (off + r * st) * 4);
            if (label < 0 || label >= classes) KernelChecks.index(kernel, label, classes, r);
        }
    }

    /** Runs the softmax rows; returns the sum of the per-row losses (forward) or 0 (gradient). */
    private double softmax(Tensor logits, Tensor labels, Tensor dlogits, double g) {
        int rows = logits.dim(0), cls = logits.dim(1);
        if (rows == 0) return 0;
        SoftmaxTask t = smTask;
        t.logits = logits;
        t.labels = labels;
        t.dlogits = dlogits;
        t.g = g;
        long work = (long) rows * cls;
        int workers;
        try {
            workers = launch(t, work);
        } finally {
            t.logits = t.labels = t.dlogits = null;
        }
        double s = 0;
        for (int w = 0; w < workers; w++) s += partial[w * PAD];
        return s;
    }

    @Override
    public void meanSquaredError(Tensor pred, Tensor target, Tensor loss) {
        same("meanSquaredError", pred, target);
        KernelChecks.oneElement("meanSquaredError", "loss", loss);
        f32("meanSquaredError", "pred", pred);
        f32("meanSquaredError", "target", target);
        f32("meanSquaredError", "loss", loss);
        long n = pred.numel();
        double s = n == 0 ? 0 : fullSum(pred, target);
        loss.segment().set(F, loss.byteOffset(), (float) (s / n));
    }

    @Override
    public void meanSquaredErrorGrad(Tensor pred, Tensor target, Tensor dloss, Tensor dpred) {
        same("meanSquaredErrorGrad", pred, target, dpred);
        KernelChecks.oneElement("meanSquaredErrorGrad", "dloss", dloss);
        f32("meanSquaredErrorGrad", "pred", pred);
        f32("meanSquaredErrorGrad", "target", target);
        f32("meanSquaredErrorGrad", "dloss", dloss);
        f32("meanSquaredErrorGrad", "dpred", dpred);
        long n = pred.numel();
        double g = 2 * (double) dloss.segment().get(F, dloss.byteOffset()) / n;
        elementwise(MSEGRAD, dpred, pred, target, (float) g);
    }

    @Override
    public void gatherRows(Tensor table, Tensor indices, Tensor out) {
        KernelChecks.rows("gatherRows", table, indices, out);
        f32("gatherRows", "table", table);
        f32("gatherRows", "out", out);
        checkLabels("gatherRows", indices, table.dim(0));
        int n = out.dim(0), e = out.dim(1);
        if (n == 0 || e == 0) return;
        GatherTask t = gatherTask;
        t.table = table;
        t.indices = indices;
        t.rows = out;
        try {
            launch(t, (long) n * e);
        } finally {
            t.table = t.indices = t.rows = null;
        }
    }

    @Override
    public void scatterAddRows(Tensor src, Tensor indices, Tensor table) {
        KernelChecks.rows("scatterAddRows", table, indices, src);
        f32("scatterAddRows", "src", src);
        f32("scatterAddRows", "table", table);
        checkLabels("scatterAddRows", indices, table.dim(0));
        int n = src.dim(0), e = src.dim(1);
        if (n == 0 || e == 0) return;
        ScatterTask t = scatterTask;
        t.table = table;
        t.indices = indices;
        t.src = src;
        try {
            // Workers own column ranges; too few columns to share stays on the calling thread.
            launch(t, e < 4L * BLK ? 0 : (long) n * e);
        } finally {
            t.table = t.indices = t.src = null;
        }
    }

    @Override
    public void adam(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2, double eps, long step) {
        if (!flatOk(param, param) || !flatOk(grad, param) || !flatOk(m, param) || !flatOk(v, param)) {
            KernelChecks.flat("adam", param, grad, m, v);
            f32("adam", "param", param);
            f32("adam", "grad", grad);
            f32("adam", "m", m);
            f32("adam", "v", v);
        }
        KernelChecks.adamStep(step);
        double c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
        OptimizerTask t = optTask;
        t.adam = true;
        t.p = param; t.g = grad; t.m = m; t.v = v;
        t.b1 = (float) beta1;
        t.b2 = (float) beta2;
        t.ob1 = (float) (1 - beta1);
        t.ob2 = (float) (1 - beta2);
        t.stepSize = (float) (lr / c1);
        t.invC2 = (float) (1 / c2);
        t.eps = (float) eps;
        try {
            launch(t, param.numel());
        } finally {
            t.p = t.g = t.m = t.v = null;
        }
    }

    @Override
    public void sgd(Tensor param, Tensor grad, Tensor velocity, double lr, double momentum) {
        if (!flatOk(param, param) || !flatOk(grad, param) || (velocity != null && !flatOk(velocity, param))) {
            KernelChecks.flat("sgd", param, grad, velocity);
            f32("sgd", "param", param);
            f32("sgd", "grad", grad);
            if (velocity != null) f32("sgd", "velocity", velocity);
        }
        OptimizerTask t = optTask;
        t.adam = false;
        t.p = param; t.g = grad; t.m = velocity;
        t.lr = (float) lr;
        t.momentum = (float) momentum;
        try {
            launch(t, param.numel());
        } finally {
            t.p = t.g = t.m = null;
        }
    }

    // ---- layout: coalesced dims shared by up to three operands ----------------------------------

    /**
     * Coalesced iteration space of up to three operands of the same shape. Element offsets and
     * strides are in elements. Operand 0 is the one whose shape is iterated (the output for
     * element-wise kernels).
     */
    static final class Layout {
        int rank;
        long[] dims = new long[8];
        long[][] st = new long[3][8];
        final long[] base = new long[3];
        final MemorySegment[] seg = new MemorySegment[3];
        int nops;
        long rows;
        int inner;
        // reduceSum bookkeeping: operand 0 = x, operand 1 = out (stride 0 on reduced dims)
        boolean innerKept;
        int nKept, nRed;
        int[] kept = new int[8], red = new int[8];
        long keptCount, redCount;

        private void ensure(int r) {
            if (dims.length >= r) return;
            int cap = Math.max(r, 2 * dims.length);
            dims = new long[cap];
            st = new long[3][cap];
            kept = new int[cap];
            red = new int[cap];
        }

        long total() { return rows * inner; }

        void set(Tensor t0, Tensor t1, Tensor t2) {
            nops = t1 == null ? 1 : t2 == null ? 2 : 3;
            int r = t0.rank();
            ensure(r);
            seg[0] = t0.segment(); base[0] = t0.offset();
            seg[1] = t1 == null ? null : t1.segment(); base[1] = t1 == null ? 0 : t1.offset();
            seg[2] = t2 == null ? null : t2.segment(); base[2] = t2 == null ? 0 : t2.offset();
            int k = 0;
            for (int d = 0; d < r; d++) {
                long n = t0.dim(d);
                if (n == 1) continue;
                long s0 = t0.stride(d);
                long s1 = t1 == null ? 0 : t1.stride(d);
                long s2 = t2 == null ? 0 : t2.stride(d);
                if (k > 0 && st[0][k - 1] == s0 * n && st[1][k - 1] == s1 * n && st[2][k - 1] == s2 * n) {
                    dims[k - 1] *= n;
                    st[0][k - 1] = s0; st[1][k - 1] = s1; st[2][k - 1] = s2;
                } else {
                    dims[k] = n;
                    st[0][k] = s0; st[1][k] = s1; st[2][k] = s2;
                    k++;
                }
            }
            finish(k);
        }

        private void finish(int k) {
            if (k == 0) {
                dims[0] = 1;
                st[0][0] = st[1][0] = st[2][0] = 1;
                k = 1;
            }
            rank = k;
            inner = Math.toIntExact(dims[k - 1]);
            long rw = 1;
            for (int d = 0; d < k - 1; d++) rw *= dims[d];
            rows = rw;
        }

        /** Joint layout of x and out for reduceSum: out's strides are 0 on the dims it reduces. */
        void setReduce(Tensor x, Tensor out) {
            nops = 2;
            int r = x.rank();
            ensure(r);
            seg[0] = x.segment(); base[0] = x.offset();
            seg[1] = out.segment(); base[1] = out.offset();
            seg[2] = null; base[2] = 0;
            int k = 0;
            boolean prevKept = false;
            for (int d = 0; d < r; d++) {
                long n = x.dim(d);
                if (n == 1) continue;
                boolean keep = out.dim(d) != 1;
                long s0 = x.stride(d);
                long s1 = keep ? out.stride(d) : 0;
                if (k > 0 && prevKept == keep && st[0][k - 1] == s0 * n && st[1][k - 1] == s1 * n) {
                    dims[k - 1] *= n;
                    st[0][k - 1] = s0; st[1][k - 1] = s1;
                } else {
                    dims[k] = n;
                    st[0][k] = s0; st[1][k] = s1; st[2][k] = 0;
                    kept[k] = keep ? 1 : 0;
                    k++;
                }
                prevKept = keep;
            }
            // out.numel() > 1 here, so some dim is kept and k >= 1
            rank = k;
            inner = Math.toIntExact(dims[k - 1]);
            innerKept = kept[k - 1] == 1;
            long rw = 1;
            for (int d = 0; d < k - 1; d++) rw *= dims[d];
            rows = rw;
            // split into lists of kept and reduced dims, excluding the innermost dim
            int nk = 0, nr = 0;
            long kc = 1, rc = 1;
            // kept[] holds per-dim flags so far; compact it in place into the list of kept dims
            // (index nk never passes d) and write the reduced dims into red[].
            for (int d = 0; d < k - 1; d++) {
                if (kept[d] == 1) {
                    kept[nk++] = d;
                    kc *= dims[d];
                } else {
                    red[nr++] = d;
                    rc *= dims[d];
                }
            }
            nKept = nk;
            nRed = nr;
            keptCount = kc;
            redCount = rc;
        }

        /** Element offset of operand o at flat row r (row-major over dims 0..rank-2). */
        long rowOffset(int o, long r) {
            long off = base[o];
            long[] s = st[o];
            for (int d = rank - 2; d >= 0; d--) {
                long n = dims[d];
                off += (r % n) * s[d];
                r /= n;
            }
            return off;
        }

        /** Element offset of operand o for flat index i over the listed dims. */
        long listOffset(int o, long i, int[] list, int count) {
            long off = 0;
            long[] s = st[o];
            for (int j = count - 1; j >= 0; j--) {
                int d = list[j];
                long n = dims[d];
                off += (i % n) * s[d];
                i /= n;
            }
            return off;
        }
    }

    /** Start of worker w's share of [0, n), rounded down to a vector multiple. */
    static long split(long n, int w, int ws) {
        if (w == ws) return n;
        long s = n * w / ws;
        return s - s % L;
    }

    /**
     * Start of worker w's share of [0, n) elements in rows of {@code inner}: rounded down to a vector
     * multiple within its row, so that each row splits into vectors and a scalar tail the same way
     * whatever the thread count (their formulas differ in the last bits for tanh, sigmoid and elu).
     */
    static long rowSplit(long n, int inner, int w, int ws) {
        if (w == ws) return n;
        long s = n * w / ws, c = s % inner;
        return s - c % L;
    }

    // ---- element-wise ----------------------------------------------------------------------------

    final class ElementwiseTask implements WorkerPool.Task {
        int op;
        float p;

        @Override
        public void run(int w, int ws) {
            Layout l = lay;
            long total = l.total();
            int inner = l.inner;
            long from = rowSplit(total, inner, w, ws), to = rowSplit(total, inner, w + 1, ws);
            if (from >= to) return;
            long r = from / inner;
            int c = (int) (from % inner);
            long s0 = l.st[0][l.rank - 1], s1 = l.st[1][l.rank - 1], s2 = l.st[2][l.rank - 1];
            boolean unit = s0 == 1 && (l.nops < 2 || s1 == 1) && (l.nops < 3 || s2 == 1);
            MemorySegment g0 = l.seg[0], g1 = l.seg[1], g2 = l.seg[2];
            for (long pos = from; pos < to; r++, c = 0) {
                int len = (int) Math.min(inner - c, to - pos);
                long o0 = l.rowOffset(0, r) + c * s0;
                long o1 = l.nops < 2 ? 0 : l.rowOffset(1, r) + c * s1;
                long o2 = l.nops < 3 ? 0 : l.rowOffset(2, r) + c * s2;
                if (unit) vrow(op, g0, o0 * 4, g1, o1 * 4, g2, o2 * 4, len, p, expScratch, expSlot(w));
                else srow(op, g0, o0 * 4, s0 * 4, g1, o1 * 4, s1 * 4, g2, o2 * 4, s2 * 4, len, p);
                pos += len;
            }
        }
    }


    /**
     * Unit-stride row: out (o) = op(a, b); offsets in bytes. Each op's loop is its own small method:
     * the Vector API only avoids boxing when a loop's vector operations are all inlined into one
     * compiled method, which a single method holding every loop is too big for. tanh, sigmoid and elu
     * use CHUNK floats of exp scratch at es/eo (the caller's worker's).
     */
    static void vrow(int op, MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo, int n, float p,
                     MemorySegment es, long eo) {
        if (op == COPY) {
            MemorySegment.copy(a, ao, o, oo, 4L * n);
            return;
        }
        int i = switch (op) {
            case FILL -> vFill(o, oo, n, p);
            case SCALE -> vScale(o, oo, a, ao, n, p);
            case ADD -> vAdd(o, oo, a, ao, b, bo, n);
            case SUB -> vSub(o, oo, a, ao, b, bo, n);
            case MUL -> vMul(o, oo, a, ao, b, bo, n);
            case MSEGRAD -> vMseGrad(o, oo, a, ao, b, bo, n, p);
            case RELU -> vRelu(o, oo, a, ao, n);
            case TANH -> vTanh(o, oo, a, ao, n, es, eo);
            case SIGMOID -> vSigmoid(o, oo, a, ao, n, es, eo);
            case ELU -> vElu(o, oo, a, ao, n, es, eo);
            case G_RELU -> vReluGrad(o, oo, a, ao, b, bo, n);
            case G_TANH -> vTanhGrad(o, oo, a, ao, b, bo, n);
            case G_SIGMOID -> vSigmoidGrad(o, oo, a, ao, b, bo, n);
            case G_ELU -> vEluGrad(o, oo, a, ao, b, bo, n);
            default -> throw new IllegalStateException("op " + op);
        };
        if (i < n) srow(op, o, oo + 4L * i, 4, a, ao + 4L * i, 4, b, bo + 4L * i, 4, n - i, p);
    }

    // Each returns how many leading elements it did (a multiple of the vector length).

    static int vFill(MemorySegment o, long oo, int n, float p) {
        int up = S.loopBound(n);
        FloatVector v = FloatVector.broadcast(S, p);
        for (int i = 0; i < up; i += L) v.intoMemorySegment(o, oo + 4L * i, NO);
        return up;
    }

    static int vScale(MemorySegment o, long oo, MemorySegment a, long ao, int n, float p) {
        int up = S.loopBound(n);
        for (int i = 0; i < up; i += L) FloatVector.fromMemorySegment(S, a, ao + 4L * i, NO).mul(p).intoMemorySegment(o, oo + 4L * i, NO);
        return up;
    }

    static int vAdd(MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        int up = S.loopBound(n);
        for (int i = 0; i < up; i += L) FloatVector.fromMemorySegment(S, a, ao + 4L * i, NO).add(FloatVector.fromMemorySegment(S, b, bo + 4L * i, NO)).intoMemorySegment(o, oo + 4L * i, NO);
        return up;
    }

    static int vSub(MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        int up = S.loopBound(n);
        for (int i = 0; i < up; i += L) FloatVector.fromMemorySegment(S, a, ao + 4L * i, NO).sub(FloatVector.fromMemorySegment(S, b, bo + 4L * i, NO)).intoMemorySegment(o, oo + 4L * i, NO);
        return up;
    }

    static int vMul(MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        int up = S.loopBound(n);
        for (int i = 0; i < up; i += L) FloatVector.fromMemorySegment(S, a, ao + 4L * i, NO).mul(FloatVector.fromMemorySegment(S, b, bo + 4L * i, NO)).intoMemorySegment(o, oo + 4L * i, NO);
        return up;
    }

    static int vMseGrad(MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo, int n, float p) {
        int up = S.loopBound(n);
        for (int i = 0; i < up; i += L) FloatVector.fromMemorySegment(S, a, ao + 4L * i, NO).sub(FloatVector.fromMemorySegment(S, b, bo + 4L * i, NO)).mul(p).intoMemorySegment(o, oo + 4L * i, NO);
        return up;
    }

    static int vRelu(MemorySegment o, long oo, MemorySegment a, long ao, int n) {
        int up = S.loopBound(n);
        FloatVector zero = FloatVector.zero(S);
        for (int i = 0; i < up; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(S, a, ao + 4L * i, NO);
            zero.blend(x, x.compare(VectorOperators.GT, 0f)).intoMemorySegment(o, oo + 4L * i, NO);
        }
        return up;
    }

    // tanh, sigmoid and elu: vExpRow puts each chunk's exps in the scratch (o may be a), then a loop
    // of the function's own combines them with x. Two passes cost 20-40% against one loop calling a
    // per-vector exp helper (tanh, sigmoid, elu over 100,000 floats: 84, 67, 90 us against 70, 52,
    // 65), but that helper boxed wherever C2 did not inline it; one loop switching between the
    // functions ran elu 2x slower in JVMs whose profile had not seen elu when it compiled the loop.

    static int vTanh(MemorySegment o, long oo, MemorySegment a, long ao, int n, MemorySegment es, long eo) {
        int up = S.loopBound(n);
        for (int c = 0; c < up; c += CHUNK) {
            int len = Math.min(CHUNK, up - c);
            long xo = ao + 4L * c, yo = oo + 4L * c;
            vExpRow(es, eo, a, xo, len, 2f, 0f);
            for (int i = 0; i < len; i += L) {
                FloatVector x = FloatVector.fromMemorySegment(S, a, xo + 4L * i, NO);
                FloatVector e = FloatVector.fromMemorySegment(S, es, eo + 4L * i, NO);
                // tanh x = 1 - 2 / (exp(2x) + 1), also where exp(2x) clamps to its largest or smallest
                FloatVector big = FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(e.add(1f)));
                // |x| < 0.625: an odd polynomial, free of the cancellation in 1 - 2/(e+1)
                FloatVector z = x.mul(x);
                FloatVector poly = z.fma(-5.70498872745E-3f, 2.06390887954E-2f);
                poly = poly.fma(z, FloatVector.broadcast(S, -5.37397155531E-2f));
                poly = poly.fma(z, FloatVector.broadcast(S, 1.33314422036E-1f));
                poly = poly.fma(z, FloatVector.broadcast(S, -3.33332819422E-1f));
                FloatVector small = poly.mul(z).fma(x, x);
                big.blend(small, x.abs().compare(VectorOperators.LT, 0.625f)).intoMemorySegment(o, yo + 4L * i, NO);
            }
        }
        return up;
    }

    static int vSigmoid(MemorySegment o, long oo, MemorySegment a, long ao, int n, MemorySegment es, long eo) {
        int up = S.loopBound(n);
        for (int c = 0; c < up; c += CHUNK) {
            int len = Math.min(CHUNK, up - c);
            vExpRow(es, eo, a, ao + 4L * c, len, -1f, 0f);
            for (int i = 0; i < len; i += L) {
                FloatVector e = FloatVector.fromMemorySegment(S, es, eo + 4L * i, NO);
                FloatVector.broadcast(S, 1f).div(e.add(1f)).intoMemorySegment(o, oo + 4L * (c + i), NO);
            }
        }
        return up;
    }

    static int vElu(MemorySegment o, long oo, MemorySegment a, long ao, int n, MemorySegment es, long eo) {
        int up = S.loopBound(n);
        for (int c = 0; c < up; c += CHUNK) {
            int len = Math.min(CHUNK, up - c);
            long xo = ao + 4L * c, yo = oo + 4L * c;
            vExpRow(es, eo, a, xo, len, 1f, 0f); // used where x <= 0
            for (int i = 0; i < len; i += L) {
                FloatVector x = FloatVector.fromMemorySegment(S, a, xo + 4L * i, NO);
                FloatVector xm = x.min(0f);
                FloatVector big = FloatVector.fromMemorySegment(S, es, eo + 4L * i, NO).sub(1f);
                // expm1 near 0 by its Taylor series (degree 8), which avoids the cancellation of exp(x) - 1
                FloatVector poly = xm.fma(1f / 40320f, 1f / 5040f);
                poly = poly.fma(xm, FloatVector.broadcast(S, 1f / 720f));
                poly = poly.fma(xm, FloatVector.broadcast(S, 1f / 120f));
                poly = poly.fma(xm, FloatVector.broadcast(S, 1f / 24f));
                poly = poly.fma(xm, FloatVector.broadcast(S, 1f / 6f));
                poly = poly.fma(xm, FloatVector.broadcast(S, 0.5f));
                poly = poly.fma(xm, FloatVector.broadcast(S, 1f));
                FloatVector neg = big.blend(poly.mul(xm), xm.compare(VectorOperators.GT, -0.5f));
                neg.blend(x, x.compare(VectorOperators.GT, 0f)).intoMemorySegment(o, yo + 4L * i, NO);
            }
        }
        return up;
    }

    static int vReluGrad(MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        int up = S.loopBound(n);
        FloatVector zero = FloatVector.zero(S);
        for (int i = 0; i < up; i += L) {
            FloatVector y = FloatVector.fromMemorySegment(S, a, ao + 4L * i, NO), dy = FloatVector.fromMemorySegment(S, b, bo + 4L * i, NO);
            zero.blend(dy, y.compare(VectorOperators.GT, 0f)).intoMemorySegment(o, oo + 4L * i, NO);
        }
        return up;
    }

    static int vTanhGrad(MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        int up = S.loopBound(n);
        for (int i = 0; i < up; i += L) {
            FloatVector y = FloatVector.fromMemorySegment(S, a, ao + 4L * i, NO), dy = FloatVector.fromMemorySegment(S, b, bo + 4L * i, NO);
            // (1 - y)(1 + y) rather than 1 - y^2: no cancellation as |y| nears 1
            dy.mul(y.neg().add(1f).mul(y.add(1f))).intoMemorySegment(o, oo + 4L * i, NO);
        }
        return up;
    }

    static int vSigmoidGrad(MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        int up = S.loopBound(n);
        for (int i = 0; i < up; i += L) {
            FloatVector y = FloatVector.fromMemorySegment(S, a, ao + 4L * i, NO), dy = FloatVector.fromMemorySegment(S, b, bo + 4L * i, NO);
            dy.mul(y.mul(y.neg().add(1f))).intoMemorySegment(o, oo + 4L * i, NO);
        }
        return up;
    }

    static int vEluGrad(MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        int up = S.loopBound(n);
        for (int i = 0; i < up; i += L) {
            FloatVector y = FloatVector.fromMemorySegment(S, a, ao + 4L * i, NO), dy = FloatVector.fromMemorySegment(S, b, bo + 4L * i, NO);
            dy.mul(y.add(1f)).blend(dy, y.compare(VectorOperators.GT, 0f)).intoMemorySegment(o, oo + 4L * i, NO);
        }
        return up;
    }

    /** Strided row (any strides, 0 included); offsets and strides in bytes. */
    static void srow(int op, MemorySegment o, long oo, long os, MemorySegment a, long ao, long as,
                     MemorySegment b, long bo, long bs, int n, float p) {
        for (int i = 0; i < n; i++) {
            float x = a == null ? 0f : a.get(F, ao + i * as);
            float y = b == null ? 0f : b.get(F, bo + i * bs);
            o.set(F, oo + i * os, scalar(op, x, y, p));
        }
    }

    static float scalar(int op, float x, float y, float p) {
        return switch (op) {
            case FILL -> p;
            case COPY -> x;
            case SCALE -> x * p;
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case MSEGRAD -> (x - y) * p;
            case RELU -> x > 0 ? x : 0f;
            case TANH -> (float) Math.tanh(x);
            case SIGMOID -> (float) (1 / (1 + Math.exp(-x)));
            case ELU -> x > 0 ? x : (float) Math.expm1(x);
            case G_RELU -> x > 0 ? y : 0f;
            case G_TANH -> y * ((1 - x) * (1 + x));
            case G_SIGMOID -> y * (x * (1 - x));
            case G_ELU -> x > 0 ? y : y * (x + 1);
            default -> throw new IllegalStateException("op " + op);
        };
    }

    // ---- vectorised transcendental functions (Cephes-style, float) --------------------------------

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND_MAGIC = 12582912f; // 1.5 * 2^23
    private static final int MAGIC_BITS = 0x4B400000;

    /**
     * e[i] = exp(scale * x[i] - shift) for i < n (a multiple of L); e may be x. Returns the sum of the
     * e[i], lanes added in lane order. exp clamps its argument to [-87.3, 88.3] (results below 2^-126
     * flush to ~1e-38). The engine's only vector exp, over a whole row so that no vector crosses a
     * method boundary (see the class comment).
     */
    static float vExpRow(MemorySegment e, long eo, MemorySegment x, long xo, int n, float scale, float shift) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(S, x, xo + 4L * i, NO);
            FloatVector a = v.mul(scale).sub(shift).max(-87.3f).min(88.3f);
            FloatVector t = a.fma(LOG2E, ROUND_MAGIC);
            FloatVector k = t.sub(ROUND_MAGIC);
            FloatVector r = k.fma(FloatVector.broadcast(S, -LN2_HI), a);
            r = k.fma(FloatVector.broadcast(S, -LN2_LO), r);
            FloatVector poly = r.fma(1.9875691500E-4f, 1.3981999507E-3f);
            poly = poly.fma(r, FloatVector.broadcast(S, 8.3334519073E-3f));
            poly = poly.fma(r, FloatVector.broadcast(S, 4.1665795894E-2f));
            poly = poly.fma(r, FloatVector.broadcast(S, 1.6666665459E-1f));
            poly = poly.fma(r, FloatVector.broadcast(S, 5.0000001201E-1f));
            FloatVector y = poly.mul(r.mul(r)).add(r).add(1f);
            IntVector bits = t.reinterpretAsInts();
            FloatVector pow2 = bits.sub(MAGIC_BITS - 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector ev = y.mul(pow2);
            ev.intoMemorySegment(e, eo + 4L * i, NO);
            acc = acc.add(ev);
        }
        float sum = 0f;
        for (int j = 0; j < L; j++) sum += acc.lane(j);
        return sum;
    }

    /** exp(x) by the same float operations as one lane of {@link #vExpRow}, for tails and short rows. */
    static float sexp(float x) {
        x = Math.min(Math.max(x, -87.3f), 88.3f);
        float t = Math.fma(x, LOG2E, ROUND_MAGIC);
        float n = t - ROUND_MAGIC;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float poly = Math.fma(r, 1.9875691500E-4f, 1.3981999507E-3f);
        poly = Math.fma(poly, r, 8.3334519073E-3f);
        poly = Math.fma(poly, r, 4.1665795894E-2f);
        poly = Math.fma(poly, r, 1.6666665459E-1f);
        poly = Math.fma(poly, r, 5.0000001201E-1f);
        float y = poly * (r * r) + r + 1f;
        float scale = Float.intBitsToFloat((Float.floatToRawIntBits(t) - (MAGIC_BITS - 127)) << 23);
        return y * scale;
    }

    // ---- sums ------------------------------------------------------------------------------------

    /** Sum of n floats at byte offset off with byte stride st; float chunks, double total. */
    static double rowSum(MemorySegment s, long off, long st, int n) {
        double total = 0;
        if (st == 4) {
            int i = 0;
            while (i < n) {
                int end = Math.min(n, i + CHUNK);
                int up = i + S.loopBound(end - i);
                FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
                for (; i + L <= up - L; i += 2 * L) {
                    acc0 = acc0.add(FloatVector.fromMemorySegment(S, s, off + 4L * i, NO));
                    acc1 = acc1.add(FloatVector.fromMemorySegment(S, s, off + 4L * (i + L), NO));
                }
                for (; i < up; i += L) acc0 = acc0.add(FloatVector.fromMemorySegment(S, s, off + 4L * i, NO));
                FloatVector acc = acc0.add(acc1);
                float lanes = 0f, tail = 0f;
                for (int j = 0; j < L; j++) lanes += acc.lane(j);
                for (; i < end; i++) tail += s.get(F, off + 4L * i);
                total += lanes + tail;
            }
        } else {
            for (int i = 0; i < n; ) {
                int end = Math.min(n, i + CHUNK);
                float acc = 0f;
                for (; i < end; i++) acc += s.get(F, off + i * st);
                total += acc;
            }
        }
        return total;
    }

    /** Sum of (a - b)^2 over n elements; byte offsets and strides. */
    static double rowSqDiff(MemorySegment a, long ao, long as, MemorySegment b, long bo, long bs, int n) {
        double total = 0;
        int i = 0;
        if (as == 4 && bs == 4) {
            while (i < n) {
                int end = Math.min(n, i + CHUNK);
                int up = i + S.loopBound(end - i);
                FloatVector acc = FloatVector.zero(S);
                for (; i < up; i += L) {
                    FloatVector d = FloatVector.fromMemorySegment(S, a, ao + 4L * i, NO).sub(FloatVector.fromMemorySegment(S, b, bo + 4L * i, NO));
                    acc = d.fma(d, acc);
                }
                float lanes = 0f, tail = 0f;
                for (int j = 0; j < L; j++) lanes += acc.lane(j);
                for (; i < end; i++) {
                    float d = a.get(F, ao + 4L * i) - b.get(F, bo + 4L * i);
                    tail += d * d;
                }
                total += lanes + tail;
            }
        } else {
            while (i < n) {
                int end = Math.min(n, i + CHUNK);
                float acc = 0f;
                for (; i < end; i++) {
                    float d = a.get(F, ao + i * as) - b.get(F, bo + i * bs);
                    acc += d * d;
                }
                total += acc;
            }
        }
        return total;
    }

    /** Full sum (or sum of squared differences) over the layout; one partial per worker. */
    final class SumTask implements WorkerPool.Task {
        boolean squaredDiff;

        @Override
        public void run(int w, int ws) {
            Layout l = lay;
            long total = l.total();
            long from = split(total, w, ws), to = split(total, w + 1, ws);
            double s = 0;
            int inner = l.inner;
            long r = from / inner;
            int c = (int) (from % inner);
            long s0 = l.st[0][l.rank - 1], s1 = l.st[1][l.rank - 1];
            for (long pos = from; pos < to; r++, c = 0) {
                int len = (int) Math.min(inner - c, to - pos);
                long o0 = l.rowOffset(0, r) + c * s0;
                if (squaredDiff) {
                    long o1 = l.rowOffset(1, r) + c * s1;
                    s += rowSqDiff(l.seg[0], o0 * 4, s0 * 4, l.seg[1], o1 * 4, s1 * 4, len);
                } else {
                    s += rowSum(l.seg[0], o0 * 4, s0 * 4, len);
                }
                pos += len;
            }
            partial[w * PAD] = s;
        }
    }

    /**
     * reduceSum whose innermost (coalesced) dim is kept: work items are (output row, column block);
     * each adds every reduced row of its block, in float for FLUSH rows at a time, then in double.
     */
    final class ColumnReduceTask implements WorkerPool.Task {
        double alpha;
        int blk, blocks;

        @Override
        public void run(int w, int ws) {
            Layout l = lay;
            long items = l.keptCount * blocks;
            long from = items * w / ws, to = items * (w + 1) / ws;
            float[] fs = fscratch[w], row = rowScratch[w];
            double[] ds = dscratch[w];
            int inner = l.inner, last = l.rank - 1;
            long xs = l.st[0][last], os = l.st[1][last];
            MemorySegment xg = l.seg[0], og = l.seg[1];
            for (long it = from; it < to; it++) {
                long outRow = it / blocks;
                int c0 = (int) (it % blocks) * blk;
                int width = Math.min(blk, inner - c0);
                long xBase = l.base[0] + l.listOffset(0, outRow, l.kept, l.nKept) + c0 * xs;
                long oBase = l.base[1] + l.listOffset(1, outRow, l.kept, l.nKept) + c0 * os;
                java.util.Arrays.fill(ds, 0, width, 0d);
                java.util.Arrays.fill(fs, 0, width, 0f);
                int pending = 0;
                for (long j = 0; j < l.redCount; j++) {
                    long xo = (xBase + l.listOffset(0, j, l.red, l.nRed)) * 4;
                    if (xs == 1) {
                        addInto(fs, row, xg, xo, width);
                    } else {
                        long sb = xs * 4;
                        for (int i = 0; i < width; i++) fs[i] += xg.get(F, xo + i * sb);
                    }
                    if (++pending == FLUSH) {
                        for (int i = 0; i < width; i++) { ds[i] += fs[i]; fs[i] = 0f; }
                        pending = 0;
                    }
                }
                long ob = oBase * 4, osb = os * 4;
                for (int i = 0; i < width; i++) og.set(F, ob + i * osb, (float) (alpha * (ds[i] + fs[i])));
            }
        }
    }

    /**
     * fs[0..n) += the n floats at byte offset off, copied through row, BLK at a time (see WIDE). Plain
     * loops over arrays, which C2 auto-vectorizes: written with the Vector API, this small helper was
     * now and then compiled without its intrinsics and boxed every vector (9.5 MB per W1 step, in 1
     * JVM of 12 measured).
     */
    static void addInto(float[] fs, float[] row, MemorySegment s, long off, int n) {
        MemorySegment.copy(s, F, off, row, 0, n);
        for (int b = 0; b < n; b += BLK) {
            int e = Math.min(n, b + BLK);
            for (int i = b; i < e; i++) fs[i] += row[i];
        }
    }

    /** reduceSum whose innermost (coalesced) dim is reduced: one output element per work item. */
    final class RowReduceTask implements WorkerPool.Task {
        double alpha;

        @Override
        public void run(int w, int ws) {
            Layout l = lay;
            long items = l.keptCount;
            long from = items * w / ws, to = items * (w + 1) / ws;
            int inner = l.inner, last = l.rank - 1;
            long xsb = l.st[0][last] * 4;
            MemorySegment xg = l.seg[0], og = l.seg[1];
            for (long it = from; it < to; it++) {
                long xBase = l.base[0] + l.listOffset(0, it, l.kept, l.nKept);
                long oOff = l.base[1] + l.listOffset(1, it, l.kept, l.nKept);
                double s = 0;
                for (long j = 0; j < l.redCount; j++) {
                    s += rowSum(xg, (xBase + l.listOffset(0, j, l.red, l.nRed)) * 4, xsb, inner);
                }
                og.set(F, oOff * 4, (float) (alpha * s));
            }
        }
    }

    // ---- softmax cross-entropy -------------------------------------------------------------------

    final class SoftmaxTask implements WorkerPool.Task {
        Tensor logits, labels, dlogits;
        double g;

        @Override
        public void run(int w, int ws) {
            Tensor x = logits;
            int rows = x.dim(0), cls = x.dim(1);
            int from = WorkerPool.rangeStart(rows, w, ws), to = WorkerPool.rangeStart(rows, w + 1, ws);
            MemorySegment xg = x.segment(), lg = labels.segment();
            long xr = x.stride(0) * 4, xc = x.stride(1) * 4, xo = x.offset() * 4;
            long lo = labels.offset() * 4, ls = labels.stride(0) * 4;
            Tensor d = dlogits;
            MemorySegment dg = d == null ? null : d.segment();
            long dr = d == null ? 0 : d.stride(0) * 4, dc = d == null ? 0 : d.stride(1) * 4, dob = d == null ? 0 : d.offset() * 4;
            if (cls < L && xc == 4 && xr == 4L * cls && (d == null || (dc == 4 && dr == 4L * cls))) {
                partial[w * PAD] = adjacentShortRows(w, from, to, cls, xg, xo, lg, lo, ls, dg, dob);
                return;
            }
            float gf = (float) g;
            double lossSum = 0;
            for (int r = from; r < to; r++) {
                long ro = xo + r * xr;
                int label = lg.get(I, lo + r * ls);
                float max = rowMax(xg, ro, xc, cls);
                if (d == null) {
                    double sum = expSum(xg, ro, xc, cls, max, null, 0, 0, expScratch, expSlot(w));
                    lossSum += Math.log(sum) + max - xg.get(F, ro + label * xc);
                } else {
                    long dro = dob + r * dr;
                    double sum = expSum(xg, ro, xc, cls, max, dg, dro, dc, null, 0);
                    float f = (float) (g / sum);
                    // dg now holds exp(x - max); scale it to g * softmax
                    if (dc == 4) vrow(SCALE, dg, dro, dg, dro, null, 0, cls, f, null, 0);
                    else srow(SCALE, dg, dro, dc, dg, dro, dc, null, 0, 0, cls, f);
                    long at = dro + label * dc;
                    dg.set(F, at, dg.get(F, at) - gf);
                }
            }
            partial[w * PAD] = lossSum;
        }

        /**
         * Rows shorter than a vector and adjacent in memory (W1's 10 classes), a block at a time: each
         * row's x - max goes into d (or the exp scratch), one vExpRow takes the exps of several rows per
         * vector, then each row is summed and scaled. The same float operations as row by row (the
         * exps, then double sums in class order), so the same results, at 1 thread in about half the
         * time (per-row vectors would need a per-row exp call, see expSum).
         */
        private double adjacentShortRows(int w, int from, int to, int cls, MemorySegment xg, long xo,
                                         MemorySegment lg, long lo, long ls, MemorySegment dg, long dob) {
            float[] maxes = fscratch[w];
            int block = CHUNK / cls;
            float gf = (float) g;
            double lossSum = 0;
            MemorySegment eg = dg != null ? dg : expScratch;
            for (int r0 = from; r0 < to; r0 += block) {
                int r1 = Math.min(to, r0 + block), count = (r1 - r0) * cls;
                long eb = dg != null ? dob + 4L * r0 * cls : expSlot(w);
                for (int r = r0; r < r1; r++) {
                    long ro = xo + 4L * r * cls, eo = eb + 4L * (r - r0) * cls;
                    float max = rowMax(xg, ro, 4, cls);
                    maxes[r - r0] = max;
                    for (int j = 0; j < cls; j++) eg.set(F, eo + 4L * j, xg.get(F, ro + 4L * j) - max);
                }
                int up = S.loopBound(count);
                vExpRow(eg, eb, eg, eb, up, 1f, 0f);
                for (int k = up; k < count; k++) eg.set(F, eb + 4L * k, sexp(eg.get(F, eb + 4L * k)));
                for (int r = r0; r < r1; r++) {
                    long eo = eb + 4L * (r - r0) * cls;
                    double sum = 0;
                    for (int j = 0; j < cls; j++) sum += eg.get(F, eo + 4L * j);
                    int label = lg.get(I, lo + r * ls);
                    if (dg == null) {
                        lossSum += Math.log(sum) + maxes[r - r0] - xg.get(F, xo + 4L * ((long) r * cls + label));
                    } else {
                        float f = (float) (g / sum);
                        for (int j = 0; j < cls; j++) eg.set(F, eo + 4L * j, eg.get(F, eo + 4L * j) * f);
                        long at = eo + 4L * label;
                        eg.set(F, at, eg.get(F, at) - gf);
                    }
                }
            }
            return lossSum;
        }
    }

    static float rowMax(MemorySegment s, long off, long st, int n) {
        float max = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (st == 4 && n >= L) {
            int up = S.loopBound(n);
            FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i < up; i += L) m = m.max(FloatVector.fromMemorySegment(S, s, off + 4L * i, NO));
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) max = Math.max(max, s.get(F, off + i * st));
        return max;
    }

    /**
     * Sum of exp(x - max) over a row, each exp(x - max) stored into d, or into the exp scratch at
     * es/eo when d is null. Rows shorter than a vector are all scalar here (adjacent ones go through
     * {@link SoftmaxTask#adjacentShortRows}): one masked vector per row called an exp and a lane sum
     * taking vectors per row, which box where C2 does not inline them (98 KB per hmlp-mid step in
     * one CI run).
     */
    static double expSum(MemorySegment s, long off, long st, int n, float max, MemorySegment d, long doff, long dst,
                         MemorySegment es, long eo) {
        double total = 0;
        int i = 0;
        if (st == 4 && (d == null || dst == 4) && n >= L) {
            while (i < n) {
                int end = Math.min(n, i + CHUNK);
                int up = i + S.loopBound(end - i);
                float lanes = d != null ? vExpRow(d, doff + 4L * i, s, off + 4L * i, up - i, 1f, max)
                        : vExpRow(es, eo, s, off + 4L * i, up - i, 1f, max);
                float tail = 0f;
                for (i = up; i < end; i++) {
                    float e = sexp(s.get(F, off + 4L * i) - max);
                    if (d != null) d.set(F, doff + 4L * i, e);
                    tail += e;
                }
                total += lanes + tail;
            }
        } else {
            for (; i < n; i++) {
                float e = sexp(s.get(F, off + i * st) - max);
                if (d != null) d.set(F, doff + i * dst, e);
                total += e;
            }
        }
        return total;
    }

    // ---- rows ------------------------------------------------------------------------------------

    final class GatherTask implements WorkerPool.Task {
        Tensor table, indices, rows;

        @Override
        public void run(int w, int ws) {
            int n = rows.dim(0), e = rows.dim(1);
            int from = WorkerPool.rangeStart(n, w, ws), to = WorkerPool.rangeStart(n, w + 1, ws);
            MemorySegment tg = table.segment(), og = rows.segment(), ig = indices.segment();
            long to0 = table.offset() * 4, tr = table.stride(0) * 4, tc = table.stride(1) * 4;
            long oo = rows.offset() * 4, orow = rows.stride(0) * 4, oc = rows.stride(1) * 4;
            long io = indices.offset() * 4, is = indices.stride(0) * 4;
            for (int i = from; i < to; i++) {
                int row = ig.get(I, io + i * is);
                long src = to0 + row * tr, dst = oo + i * orow;
                if (tc == 4 && oc == 4) {
                    MemorySegment.copy(tg, src, og, dst, 4L * e);
                } else {
                    for (int c = 0; c < e; c++) og.set(F, dst + c * oc, tg.get(F, src + c * tc));
                }
            }
        }
    }

    /** Workers own column ranges, so repeated indices add up in index order without races. */
    final class ScatterTask implements WorkerPool.Task {
        Tensor table, indices, src;

        @Override
        public void run(int w, int ws) {
            int n = src.dim(0), e = src.dim(1);
            int c0 = (int) split(e, w, ws), c1 = (int) split(e, w + 1, ws);
            if (c0 >= c1) return;
            int width = c1 - c0;
            MemorySegment tg = table.segment(), sg = src.segment(), ig = indices.segment();
            long tb = table.offset() * 4, tr = table.stride(0) * 4, tc = table.stride(1) * 4;
            long sb = src.offset() * 4, sr = src.stride(0) * 4, sc = src.stride(1) * 4;
            long io = indices.offset() * 4, is = indices.stride(0) * 4;
            for (int i = 0; i < n; i++) {
                int row = ig.get(I, io + i * is);
                long t = tb + row * tr + c0 * tc, s = sb + i * sr + c0 * sc;
                if (tc == 4 && sc == 4) {
                    vrow(ADD, tg, t, sg, s, tg, t, width, 0f, null, 0);
                } else {
                    srow(ADD, tg, t, tc, sg, s, sc, tg, t, tc, width, 0f);
                }
            }
        }
    }

    // ---- optimisers ------------------------------------------------------------------------------

    final class OptimizerTask implements WorkerPool.Task {
        boolean adam;
        Tensor p, g, m, v;
        float b1, b2, ob1, ob2, stepSize, invC2, eps, lr, momentum;

        @Override
        public void run(int w, int ws) {
            long n = p.numel();
            long from = split(n, w, ws), to = split(n, w + 1, ws);
            if (from >= to) return;
            if (adam) adamRange(from, to);
            else sgdRange(from, to);
        }

        private void adamRange(long from, long to) {
            MemorySegment ps = p.segment(), gs = g.segment(), ms = m.segment(), vs = v.segment();
            long po = p.byteOffset(), go = g.byteOffset(), mo = m.byteOffset(), vo = v.byteOffset();
            long i = from, up = from + S.loopBound((int) (to - from));
            FloatVector vb1 = FloatVector.broadcast(S, b1), vb2 = FloatVector.broadcast(S, b2);
            for (; i < up; i += L) {
                long k = 4 * i;
                FloatVector gv = FloatVector.fromMemorySegment(S, gs, go + k, NO);
                FloatVector mv = FloatVector.fromMemorySegment(S, ms, mo + k, NO).fma(vb1, gv.mul(ob1));
                FloatVector vv = FloatVector.fromMemorySegment(S, vs, vo + k, NO).fma(vb2, gv.mul(gv).mul(ob2));
                mv.intoMemorySegment(ms, mo + k, NO);
                vv.intoMemorySegment(vs, vo + k, NO);
                FloatVector denom = vv.mul(invC2).lanewise(VectorOperators.SQRT).add(eps);
                FloatVector.fromMemorySegment(S, ps, po + k, NO).sub(mv.mul(stepSize).div(denom)).intoMemorySegment(ps, po + k, NO);
            }
            for (; i < to; i++) {
                long k = 4 * i;
                float gv = gs.get(F, go + k);
                float mv = Math.fma(b1, ms.get(F, mo + k), ob1 * gv);
                float vv = Math.fma(b2, vs.get(F, vo + k), (gv * gv) * ob2);
                ms.set(F, mo + k, mv);
                vs.set(F, vo + k, vv);
                float denom = (float) Math.sqrt(vv * invC2) + eps;
                ps.set(F, po + k, ps.get(F, po + k) - (mv * stepSize) / denom);
            }
        }

        private void sgdRange(long from, long to) {
            MemorySegment ps = p.segment(), gs = g.segment(), ms = m == null ? null : m.segment();
            long po = p.byteOffset(), go = g.byteOffset(), mo = m == null ? 0 : m.byteOffset();
            long i = from, up = from + S.loopBound((int) (to - from));
            if (ms != null) {
                FloatVector mom = FloatVector.broadcast(S, momentum);
                for (; i < up; i += L) {
                    long k = 4 * i;
                    FloatVector vel = FloatVector.fromMemorySegment(S, ms, mo + k, NO).fma(mom, FloatVector.fromMemorySegment(S, gs, go + k, NO));
                    vel.intoMemorySegment(ms, mo + k, NO);
                    FloatVector.fromMemorySegment(S, ps, po + k, NO).sub(vel.mul(lr)).intoMemorySegment(ps, po + k, NO);
                }
                for (; i < to; i++) {
                    long k = 4 * i;
                    float vel = Math.fma(momentum, ms.get(F, mo + k), gs.get(F, go + k));
                    ms.set(F, mo + k, vel);
                    ps.set(F, po + k, ps.get(F, po + k) - lr * vel);
                }
            } else {
                for (; i < up; i += L) {
                    long k = 4 * i;
                    FloatVector.fromMemorySegment(S, ps, po + k, NO).sub(FloatVector.fromMemorySegment(S, gs, go + k, NO).mul(lr)).intoMemorySegment(ps, po + k, NO);
                }
                for (; i < to; i++) {
                    long k = 4 * i;
                    ps.set(F, po + k, ps.get(F, po + k) - lr * gs.get(F, go + k));
                }
            }
        }
    }
}
