package dev.hyperweave.backend.cuda;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.BinaryOp;
import dev.hyperweave.backend.KernelChecks;
import dev.hyperweave.backend.Stopwatch;
import dev.hyperweave.cuda.Cuda;
import dev.hyperweave.cuda.CudaContext;
import dev.hyperweave.cuda.CudaEvent;
import dev.hyperweave.cuda.CudaFunction;
import dev.hyperweave.cuda.DeviceBuffer;
import dev.hyperweave.cuda.Dim3;
import dev.hyperweave.cuda.KernelArgs;
import dev.hyperweave.kernels.KernelLibrary;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Shape;
import dev.hyperweave.tensor.ShapeException;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The backend on an NVIDIA GPU: every kernel is one of ours from the {@code kernels} module (or a
 * user's replacement), launched on the default stream of the device's primary context, so launches
 * queue and run in order and the host waits only when it reads. Tensors live in device memory
 * ({@link #newMemory()}); their views reach the element-wise kernels folded to four dims.
 *
 * <p>Bad indices and labels are found on the device without waiting for it: a check kernel records
 * the first one, and the next read (of a loss, say) throws the same IllegalArgumentException the host
 * backends throw at the call. F32 only (I32 for indices and labels).
 */
public final class CudaBackend implements Backend {
    private static final int BLOCK = 256;
    private static final int MAX_BLOCKS = 4096;
    private static final int MAX_GRID_Z = 65535;
    private static final int TILE = 64; // matmul_f32's tile of C
    private static final String[] INDEX_OPS = {"gatherRows", "scatterAddRows", "softmaxCrossEntropy", "softmaxCrossEntropyGrad"};
    private static final int GATHER = 0, SCATTER = 1, XENT = 2, XENT_GRAD = 3;
    private static final String[] BINARY_NAMES = java.util.Arrays.stream(BinaryOp.values())
            .map(o -> o.name().toLowerCase(java.util.Locale.ROOT)).toArray(String[]::new);

    private final CudaContext context;
    private final boolean ownsContext;
    private final KernelLibrary kernels;
    private final KernelArgs args = new KernelArgs();
    private final Fold fold = new Fold();
    private final Map<MemorySegment, DeviceBuffer> buffers = new IdentityHashMap<>();
    private final Dim3 block = Dim3.of(BLOCK);
    private final Dim3 matmulBlock = Dim3.of(16, 16);
    private final Dim3[] grids = new Dim3[MAX_BLOCKS + 1];
    private final long[] matmulGridKeys = new long[256];
    private final Dim3[] matmulGrids = new Dim3[256];
    private final Arena hostArena = Arena.ofShared();
    private final MemorySegment hostScalar = hostArena.allocate(4, 64);
    private final MemorySegment hostRecord = hostArena.allocate(16, 64);
    /** record[0..3] of check_indices_i32, then one int the gather/loss kernels' own flag writes go to. */
    private final DeviceBuffer record;
    private DeviceBuffer scratch;     // grow-only temporaries: row losses, squared errors, packed indices, staging
    private boolean indexChecked;     // a check ran since the record was last read
    private final CudaFunction fill, copy, scale, accumulate, binary, activation, activationGrad, matmul, reduceSum, sumScaled,
            xentRows, xentGrad, squaredError, squaredErrorGrad, gather, scatterAdd, checkIndices, adam, sgd;
    private boolean closed;

    /** A backend on {@code context} with {@code kernels} loaded in it; closing the backend leaves the context open. */
    public CudaBackend(CudaContext context, KernelLibrary kernels) {
        this(context, kernels, false);
    }

    private CudaBackend(CudaContext context, KernelLibrary kernels, boolean ownsContext) {
        this.context = context;
        this.kernels = kernels;
        this.ownsContext = ownsContext;
        fill = kernels.function("fill_f32");
        copy = kernels.function("copy_f32");
        scale = kernels.function("scale_f32");
        accumulate = kernels.function("accumulate_f32");
        binary = kernels.function("binary_f32");
        activation = kernels.function("activation_f32");
        activationGrad = kernels.function("activation_grad_f32");
        matmul = kernels.function("matmul_f32");
        reduceSum = kernels.function("reduce_sum_f32");
        sumScaled = kernels.function("sum_scaled_f32");
        xentRows = kernels.function("softmax_xent_rows_f32");
        xentGrad = kernels.function("softmax_xent_grad_f32");
        squaredError = kernels.function("squared_error_f32");
        squaredErrorGrad = kernels.function("squared_error_grad_f32");
        gather = kernels.function("gather_rows_f32");
        scatterAdd = kernels.function("scatter_add_rows_f32");
        checkIndices = kernels.function("check_indices_i32");
        adam = kernels.function("adam_f32");
        sgd = kernels.function("sgd_f32");
        record = context.allocate(32);
        record.fillBytes(0, 32, (byte) 0);
        scratch = context.allocate(4096);
    }

    /**
     * The backend on CUDA device {@code ordinal}, with our kernels replaced by those in {@code kernelDir}
     * (null: the folder named by {@value KernelLibrary#OVERRIDE_PROPERTY}, if set). Throws
     * CudaUnavailableException, saying why, where there is no usable driver or device.
     */
    public static CudaBackend open(int ordinal, Path kernelDir) {
        Cuda.require();
        CudaContext ctx = Cuda.device(ordinal).primaryContext();
        try {
            KernelLibrary lib = kernelDir != null ? new KernelLibrary(ctx, kernelDir) : KernelLibrary.open(ctx);
            return new CudaBackend(ctx, lib, true);
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
    }

    CudaContext context() { return context; }

    /** The kernels this backend launches (ours, or the user's replacements). */
    public KernelLibrary kernels() { return kernels; }

    @Override public String name() { return "cuda"; }
    @Override public int threads() { return 1; }
    @Override public boolean supports(DType dtype) { return dtype == DType.F32; }

    // ---- memory and host copies ---------------------------------------------------------------------

    @Override
    public TensorMemory newMemory() {
        checkOpen();
        return new DeviceMemory(this);
    }

    @Override
    public boolean deviceMemory() { return true; }

    synchronized void register(MemorySegment segment, DeviceBuffer buffer) { buffers.put(segment, buffer); }

    synchronized void unregister(DeviceBuffer buffer) { buffers.values().remove(buffer); }

    private synchronized DeviceBuffer bufferOf(Tensor t) {
        DeviceBuffer b = t.onDevice() ? buffers.get(t.segment()) : null;
        if (b == null) throw new IllegalArgumentException(t + " is not in this cuda backend's memory (allocate it with newMemory())");
        return b;
    }

    @Override
    public void write(Tensor t, MemorySegment src) {
        checkOpen();
        DeviceBuffer b = bufferOf(t);
        long bytes = t.numel() * t.dtype().byteSize();
        if (src.byteSize() != bytes) throw new ShapeException(src.byteSize() + " bytes do not hold tensor " + Shape.str(t.shape()) + " of " + t.dtype());
        if (bytes == 0) return;
        if (t.isContiguous()) {
            b.copyFromHost(src, t.byteOffset());
            return;
        }
        checkWord("write", t);
        DeviceBuffer staging = scratch(bytes);
        staging.copyFromHost(src, 0);
        launchCopy(Tensor.inDeviceMemory(segmentOf(staging), t.dtype(), 0, t.shape(), Shape.contiguousStrides(t.shape())), t);
    }

    @Override
    public void read(Tensor t, MemorySegment dst) {
        checkOpen();
        DeviceBuffer b = bufferOf(t);
        long bytes = t.numel() * t.dtype().byteSize();
        if (dst.byteSize() != bytes) throw new ShapeException(dst.byteSize() + " bytes do not hold tensor " + Shape.str(t.shape()) + " of " + t.dtype());
        reportBadIndices();
        if (bytes == 0) return;
        if (t.isContiguous()) {
            b.copyToHost(t.byteOffset(), dst);
            return;
        }
        checkWord("read", t);
        DeviceBuffer staging = scratch(bytes);
        launchCopy(t, Tensor.inDeviceMemory(segmentOf(staging), t.dtype(), 0, t.shape(), Shape.contiguousStrides(t.shape())));
        staging.copyToHost(0, dst);
    }

    @Override
    public double readScalar(Tensor t) {
        KernelChecks.oneElement("readScalar", "tensor", t);
        KernelChecks.dtype("readScalar", "tensor", t, DType.F32);
        checkOpen();
        DeviceBuffer b = bufferOf(t);
        reportBadIndices();
        b.copyToHost(t.byteOffset(), hostScalar);
        return hostScalar.get(ValueLayout.JAVA_FLOAT, 0);
    }

    @Override
    public void synchronize() {
        checkOpen();
        context.synchronize();
        reportBadIndices();
    }

    /** Throws for the first bad index a check kernel recorded since the last read, then clears the record. */
    private void reportBadIndices() {
        if (!indexChecked) return;
        indexChecked = false;
        record.copyToHost(0, hostRecord);
        int position = hostRecord.get(ValueLayout.JAVA_INT, 0);
        if (position == 0) return;
        record.fillBytes(0, 16, (byte) 0);
        int index = hostRecord.get(ValueLayout.JAVA_INT, 4), limit = hostRecord.get(ValueLayout.JAVA_INT, 8);
        int op = hostRecord.get(ValueLayout.JAVA_INT, 12);
        KernelChecks.index(op >= 0 && op < INDEX_OPS.length ? INDEX_OPS[op] : "kernel " + op, index, limit, position - 1);
        throw new IllegalStateException("check_indices_i32 recorded index " + index + " inside [0, " + limit + ")");
    }

    /** A stopwatch of two CUDA events on the default stream: stopMillis() waits for the work queued since start(). */
    @Override
    public Stopwatch stopwatch() {
        checkOpen();
        CudaEvent start = context.createEvent(), stop = context.createEvent();
        return new Stopwatch() {
            @Override public void start() { start.record(null); }

            @Override
            public double stopMillis() {
                stop.record(null);
                stop.synchronize();
                return stop.millisSince(start);
            }

            @Override
            public void close() {
                start.close();
                stop.close();
            }
        };
    }

    // ---- kernels ---------------------------------------------------------------------------------

    @Override
    public void matmul(Tensor a, Tensor b, Tensor c, Tensor bias, Activation act, boolean accumulate) {
        KernelChecks.matmul(a, b, c, bias, act, accumulate);
        floats("matmul", a, b, c);
        if (bias != null) floats("matmul", bias);
        checkOpen();
        int bs = c.dim(0), m = c.dim(1), n = c.dim(2), k = a.dim(2);
        if (c.numel() == 0) return;
        if (k == 0) { // an empty sum: C = act(bias) or C unchanged
            if (!accumulate) matmulOfNothing(c, bias, act);
            return;
        }
        for (int z0 = 0; z0 < bs; z0 += MAX_GRID_Z) {
            int nz = Math.min(MAX_GRID_Z, bs - z0);
            args.clear()
                    .i64(address(a) + 4L * z0 * a.stride(0)).i64(a.stride(0)).i64(a.stride(1)).i64(a.stride(2))
                    .i64(address(b) + 4L * z0 * b.stride(0)).i64(b.stride(0)).i64(b.stride(1)).i64(b.stride(2))
                    .i64(address(c) + 4L * z0 * c.stride(0)).i64(c.stride(0)).i64(c.stride(1)).i64(c.stride(2));
            if (bias == null) args.i64(0).i64(0).i64(0);
            else args.i64(address(bias) + 4L * z0 * bias.stride(0)).i64(bias.stride(0)).i64(bias.stride(1));
            args.i32(m).i32(n).i32(k).i32(act.ordinal()).i32(accumulate ? 1 : 0);
            matmul.launch(matmulGrid((n + TILE - 1) / TILE, (m + TILE - 1) / TILE, nz), matmulBlock, 0, null, args);
        }
    }

    /** c = act(bias broadcast over rows), or act(0) without bias: a product with K = 0. */
    private void matmulOfNothing(Tensor c, Tensor bias, Activation act) {
        if (bias == null) {
            fill(c, act.apply(0));
            return;
        }
        Tensor rows = bias.unsqueeze(1).expand(c.shape());
        activation(act, rows, c);
    }

    @Override
    public void activation(Activation act, Tensor x, Tensor y) {
        KernelChecks.sameShape("activation", x, y);
        floats("activation", x, y);
        if (!begin(y)) return;
        fold.fold("activation", x, y);
        args.clear().i32(act.ordinal());
        operand(x, 0).operand(y, 1);
        launchElementwise(activation);
    }

    @Override
    public void activationGrad(Activation act, Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.sameShape("activationGrad", y, dy, dx);
        floats("activationGrad", y, dy, dx);
        if (!begin(dx)) return;
        fold.fold("activationGrad", y, dy, dx);
        args.clear().i32(act.ordinal());
        operand(y, 0).operand(dy, 1).operand(dx, 2);
        launchElementwise(activationGrad);
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        String name = BINARY_NAMES[op.ordinal()];
        KernelChecks.sameShape(name, a, b, out);
        floats(name, a, b, out);
        if (!begin(out)) return;
        fold.fold(name, a, b, out);
        args.clear().i32(op.ordinal());
        operand(a, 0).operand(b, 1).operand(out, 2);
        launchElementwise(binary);
    }

    @Override
    public void scale(Tensor x, double alpha, Tensor out) {
        KernelChecks.sameShape("scale", x, out);
        floats("scale", x, out);
        if (!begin(out)) return;
        fold.fold("scale", x, out);
        args.clear();
        operand(x, 0).operand(out, 1);
        args.f32((float) alpha);
        launchElementwise(scale);
    }

    @Override
    public void accumulate(Tensor x, Tensor out) {
        KernelChecks.sameShape("accumulate", x, out);
        floats("accumulate", x, out);
        if (!begin(out)) return;
        fold.fold("accumulate", x, out);
        args.clear();
        operand(x, 0).operand(out, 1);
        launchElementwise(accumulate);
    }

    @Override
    public void fill(Tensor t, double v) {
        floats("fill", t);
        if (!begin(t)) return;
        fold.fold("fill", t);
        args.clear();
        operand(t, 0);
        args.f32((float) v);
        launchElementwise(fill);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        KernelChecks.sameShape("copy", src, dst);
        if (src.dtype() != dst.dtype()) throw new ShapeException("copy: " + src.dtype() + " into " + dst.dtype());
        checkWord("copy", dst);
        if (!begin(dst)) return;
        launchCopy(src, dst);
    }

    /** copy_f32 moves 32-bit words, so it copies I32 tensors as well. */
    private void launchCopy(Tensor src, Tensor dst) {
        fold.fold("copy", src, dst);
        args.clear();
        operand(src, 0).operand(dst, 1);
        launchElementwise(copy);
    }

    @Override
    public void reduceSum(Tensor x, Tensor out, double alpha) {
        KernelChecks.reduce(x, out);
        floats("reduceSum", x, out);
        if (!begin(out)) return;
        if (x.numel() == 0) {
            fill(out, 0);
            return;
        }
        fold.foldReduce(x, out);
        long outputs = (long) fold.o[0] * fold.o[1] * fold.o[2] * fold.o[3];
        args.clear().i64(address(x));
        for (int i = 0; i < Fold.DIMS; i++) args.i64(fold.strides[0][i]);
        for (int i = 0; i < Fold.DIMS; i++) args.i32(fold.n[i]);
        args.i64(address(out));
        for (int i = 0; i < Fold.DIMS; i++) args.i64(fold.strides[1][i]);
        for (int i = 0; i < Fold.DIMS; i++) args.i32(fold.o[i]);
        args.f32((float) alpha);
        reduceSum.launch(grid(outputs), block, 0, null, args);
    }

    @Override
    public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor loss) {
        KernelChecks.loss("softmaxCrossEntropy", logits, labels);
        KernelChecks.oneElement("softmaxCrossEntropy", "loss", loss);
        floats("softmaxCrossEntropy", logits, loss);
        checkOpen();
        int rows = logits.dim(0), cls = logits.dim(1);
        if (rows == 0) throw new ShapeException("softmaxCrossEntropy: no rows in logits " + Shape.str(logits.shape()));
        // scratch: row losses [rows], then the packed labels [rows]
        DeviceBuffer s = scratch(8L * rows);
        long labelsAt = checkedIndices(labels, cls, XENT, s, 4L * rows);
        args.clear().i64(address(logits)).i64(logits.stride(0)).i64(logits.stride(1)).i64(labelsAt).i32(rows).i32(cls)
                .i64(s.address()).i64(flagSlot());
        xentRows.launch(grid(rows), block, 0, null, args);
        args.clear().i64(s.address()).i64(rows).f32(1f / rows).i64(address(loss));
        sumScaled.launch(Dim3.of(1), block, 0, null, args);
    }

    @Override
    public void softmaxCrossEntropyGrad(Tensor logits, Tensor labels, Tensor dloss, Tensor dlogits) {
        KernelChecks.loss("softmaxCrossEntropyGrad", logits, labels);
        KernelChecks.sameShape("softmaxCrossEntropyGrad", logits, dlogits);
        KernelChecks.oneElement("softmaxCrossEntropyGrad", "dloss", dloss);
        floats("softmaxCrossEntropyGrad", logits, dloss, dlogits);
        checkOpen();
        int rows = logits.dim(0), cls = logits.dim(1);
        if (rows == 0) return;
        DeviceBuffer s = scratch(4L * rows);
        long labelsAt = checkedIndices(labels, cls, XENT_GRAD, s, 0);
        args.clear().i64(address(logits)).i64(logits.stride(0)).i64(logits.stride(1)).i64(labelsAt).i64(address(dloss))
                .i64(address(dlogits)).i64(dlogits.stride(0)).i64(dlogits.stride(1)).i32(rows).i32(cls);
        xentGrad.launch(grid(rows), block, 0, null, args);
    }

    @Override
    public void meanSquaredError(Tensor pred, Tensor target, Tensor loss) {
        KernelChecks.sameShape("meanSquaredError", pred, target);
        KernelChecks.oneElement("meanSquaredError", "loss", loss);
        floats("meanSquaredError", pred, target, loss);
        checkOpen();
        long n = pred.numel();
        if (n == 0) throw new ShapeException("meanSquaredError: no elements in " + Shape.str(pred.shape()));
        DeviceBuffer s = scratch(4L * n);
        fold.fold("meanSquaredError", pred, target);
        args.clear();
        operand(pred, 0).operand(target, 1);
        args.i64(s.address()).i64(n).i32(fold.n[1]).i32(fold.n[2]).i32(fold.n[3]);
        squaredError.launch(grid(n), block, 0, null, args);
        args.clear().i64(s.address()).i64(n).f32((float) (1.0 / n)).i64(address(loss));
        sumScaled.launch(Dim3.of(1), block, 0, null, args);
    }

    @Override
    public void meanSquaredErrorGrad(Tensor pred, Tensor target, Tensor dloss, Tensor dpred) {
        KernelChecks.sameShape("meanSquaredErrorGrad", pred, target, dpred);
        KernelChecks.oneElement("meanSquaredErrorGrad", "dloss", dloss);
        floats("meanSquaredErrorGrad", pred, target, dloss, dpred);
        if (!begin(dpred)) return;
        fold.fold("meanSquaredErrorGrad", pred, target, dpred);
        args.clear();
        operand(pred, 0).operand(target, 1);
        args.i64(address(dloss));
        operand(dpred, 2);
        launchElementwise(squaredErrorGrad);
    }

    @Override
    public void gatherRows(Tensor table, Tensor indices, Tensor out) {
        KernelChecks.rows("gatherRows", table, indices, out);
        floats("gatherRows", table, out);
        checkOpen();
        int n = out.dim(0), e = out.dim(1), v = table.dim(0);
        if (n == 0) return;
        DeviceBuffer s = scratch(4L * n);
        long idx = checkedIndices(indices, v, GATHER, s, 0);
        if (e == 0) return;
        args.clear().i64(address(table)).i64(table.stride(0)).i64(table.stride(1)).i64(idx).i32(v)
                .i64(address(out)).i64(out.stride(0)).i64(out.stride(1)).i32(n).i32(e).i64(flagSlot());
        gather.launch(grid((long) n * e), block, 0, null, args);
    }

    @Override
    public void scatterAddRows(Tensor src, Tensor indices, Tensor table) {
        KernelChecks.rows("scatterAddRows", table, indices, src);
        floats("scatterAddRows", src, table);
        checkOpen();
        int n = src.dim(0), e = src.dim(1), v = table.dim(0);
        if (n == 0) return;
        DeviceBuffer s = scratch(4L * n);
        long idx = checkedIndices(indices, v, SCATTER, s, 0);
        if (e == 0 || v == 0) return;
        args.clear().i64(address(src)).i64(src.stride(0)).i64(src.stride(1)).i64(idx).i32(n)
                .i64(address(table)).i64(table.stride(0)).i64(table.stride(1)).i32(v).i32(e);
        scatterAdd.launch(grid((long) v * e), block, 0, null, args);
    }

    /**
     * Launches the index check for {@code indices} (values in [0, limit)); returns the device address
     * of the indices contiguous: their own, or a packed copy at {@code packAt} in {@code s}.
     */
    private long checkedIndices(Tensor indices, int limit, int op, DeviceBuffer s, long packAt) {
        int n = indices.dim(0);
        boolean pack = indices.stride(0) != 1 && n > 1;
        long packed = s.address() + packAt;
        args.clear().i64(address(indices)).i64(indices.stride(0)).i32(n).i32(limit).i32(op).i64(record.address())
                .i64(pack ? packed : 0);
        checkIndices.launch(grid(n), block, 0, null, args);
        indexChecked = true;
        return pack ? packed : address(indices);
    }

    /** Where the gather and loss kernels' own bad-index flag goes (the check kernel reports instead). */
    private long flagSlot() {
        return record.address() + 16;
    }

    @Override
    public void adam(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2, double eps, long step) {
        KernelChecks.flat("adam", param, grad, m, v);
        KernelChecks.adamStep(step);
        floats("adam", param, grad, m, v);
        checkOpen();
        long n = param.numel();
        if (n == 0) return;
        double c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
        args.clear().i64(address(param)).i64(address(grad)).i64(address(m)).i64(address(v)).i64(n)
                .f32((float) lr).f32((float) beta1).f32((float) beta2).f32((float) eps).f32((float) c1).f32((float) c2);
        adam.launch(grid(n), block, 0, null, args);
    }

    @Override
    public void sgd(Tensor param, Tensor grad, Tensor velocity, double lr, double momentum) {
        KernelChecks.flat("sgd", param, grad, velocity);
        floats("sgd", param, grad);
        if (velocity != null) floats("sgd", velocity);
        checkOpen();
        long n = param.numel();
        if (n == 0) return;
        args.clear().i64(address(param)).i64(address(grad)).i64(velocity == null ? 0 : address(velocity)).i64(n)
                .f32((float) lr).f32(velocity == null ? 0f : (float) momentum);
        sgd.launch(grid(n), block, 0, null, args);
    }

    // ---- launching ----------------------------------------------------------------------------------

    /** Pushes operand {@code o}'s address and folded strides. */
    private CudaBackend operand(Tensor t, int o) {
        args.i64(address(t));
        for (int i = 0; i < Fold.DIMS; i++) args.i64(fold.strides[o][i]);
        return this;
    }

    /** Ends an element-wise kernel's arguments with (n, n1, n2, n3) and launches it over n elements. */
    private void launchElementwise(CudaFunction f) {
        args.i64(fold.numel).i32(fold.n[1]).i32(fold.n[2]).i32(fold.n[3]);
        f.launch(grid(fold.numel), block, 0, null, args);
    }

    /** Checks the backend is open; false when {@code out} is empty (nothing to launch). */
    private boolean begin(Tensor out) {
        checkOpen();
        return out.numel() > 0;
    }

    /** The matmul grids a compiled graph launches, made once each (a step allocates no Dim3). */
    private Dim3 matmulGrid(int x, int y, int z) {
        long key = ((long) x << 42) ^ ((long) y << 21) ^ z;
        int slot = (int) (key ^ key >>> 29) & (matmulGridKeys.length - 1);
        for (int probe = 0; probe < matmulGridKeys.length; probe++, slot = (slot + 1) & (matmulGridKeys.length - 1)) {
            Dim3 g = matmulGrids[slot];
            if (g == null) {
                matmulGridKeys[slot] = key;
                return matmulGrids[slot] = new Dim3(x, y, z);
            }
            if (matmulGridKeys[slot] == key) return g;
        }
        return new Dim3(x, y, z); // more distinct shapes than slots: correct, only not cached
    }

    private Dim3 grid(long n) {
        int blocks = (int) Math.max(1, Math.min(MAX_BLOCKS, (n + BLOCK - 1) / BLOCK));
        Dim3 g = grids[blocks];
        if (g == null) grids[blocks] = g = Dim3.of(blocks);
        return g;
    }

    private long address(Tensor t) {
        if (!t.onDevice()) throw new IllegalArgumentException("the cuda backend computes on device tensors; " + t + " is in host memory");
        return t.segment().address() + t.byteOffset();
    }

    /** A device temporary of at least {@code bytes}, grown (never shrunk) as calls need. */
    private DeviceBuffer scratch(long bytes) {
        if (scratch.byteSize() < bytes) {
            context.synchronize(); // queued kernels may still use the old one
            scratch.close();
            scratch = context.allocate(Math.max(bytes, 2 * scratch.byteSize()));
        }
        return scratch;
    }

    /** A segment spanning {@code b} at its device address (never dereferenced on the host). */
    static MemorySegment segmentOf(DeviceBuffer b) {
        return MemorySegment.ofAddress(b.address()).reinterpret(b.byteSize());
    }

    // Fixed arities: a varargs array per kernel call would allocate on every step.
    private static void floats(String kernel, Tensor a) {
        if (a.dtype() != DType.F32) throw new ShapeException(kernel + ": the cuda backend computes in F32, got " + a);
    }

    private static void floats(String kernel, Tensor a, Tensor b) {
        floats(kernel, a);
        floats(kernel, b);
    }

    private static void floats(String kernel, Tensor a, Tensor b, Tensor c) {
        floats(kernel, a, b);
        floats(kernel, c);
    }

    private static void floats(String kernel, Tensor a, Tensor b, Tensor c, Tensor d) {
        floats(kernel, a, b);
        floats(kernel, c, d);
    }

    private static void checkWord(String kernel, Tensor t) {
        if (t.dtype().byteSize() != 4) throw new ShapeException(kernel + ": the cuda backend moves 32-bit elements, got " + t);
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the cuda backend is closed");
    }

    /** Frees the backend's temporaries and kernels (and the context, if {@link #open} made it). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        args.close();
        hostArena.close();
        if (ownsContext) {
            context.close();
        } else {
            scratch.close();
            record.close();
        }
    }
}
