package dev.hyperweave.backend;

import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Shape;
import dev.hyperweave.tensor.ShapeException;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorArena;
import dev.hyperweave.tensor.TensorMemory;

import java.lang.foreign.MemorySegment;

/**
 * The primitive kernels every backend implements. A compiled graph calls them with tensors bound
 * once at compile time, so a call must not allocate. All tensors are strided views: a transposed
 * operand is a view with swapped strides (that is how transpose flags reach a kernel), a broadcast
 * operand has stride 0, and an output may be a strided slice of a bigger buffer (the weight
 * gradients of a hypernetwork land in slices of dL/d[T,P] this way). Outputs never overlap inputs
 * unless a method says so. Floating tensors are F32 on every backend; the reference backend also
 * takes F64 (used by the double-precision gradient checks). Integer tensors (labels, indices) are I32.
 *
 * <p>Results are deterministic: the same inputs and thread count give bit-identical outputs.
 * A backend instance is driven by one thread at a time.
 *
 * <p>Tensors come from the backend's own {@link #newMemory() memory}: host memory for cpu and
 * reference, device memory for cuda. The host reaches them only through {@link #write} and
 * {@link #read} (and the conveniences built on them), which work the same on every backend. A device
 * backend may queue kernels and return before they finish; a read waits for them.
 */
public interface Backend extends AutoCloseable {

    /** "reference", "cpu", ... */
    String name();

    /** Worker threads the backend's kernels use (1 for the reference backend). */
    int threads();

    /** Whether this backend computes on floating tensors of this dtype. */
    boolean supports(DType dtype);

    /**
     * c = act(a @ b + bias), or c += a @ b when {@code accumulate}.
     * a [B,M,K], b [B,K,N], c [B,M,N]; a or b may have batch stride 0 (shared across the batch).
     * bias: null or [B,N] (batch stride may be 0), broadcast over M. With accumulate, bias must be null
     * and act NONE.
     */
    void matmul(Tensor a, Tensor b, Tensor c, Tensor bias, Activation act, boolean accumulate);

    /** y = act(x), same shapes. */
    void activation(Activation act, Tensor x, Tensor y);

    /** dx = dy * act'(x), with the derivative taken from the forward output y. Same shapes. */
    void activationGrad(Activation act, Tensor y, Tensor dy, Tensor dx);

    /** out = a op b, same shapes (inputs may carry stride-0 broadcast dims). */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** out = alpha * x, same shapes; out may be x itself. */
    void scale(Tensor x, double alpha, Tensor out);

    /** out += x, same shapes (x may carry stride-0 broadcast dims). */
    void accumulate(Tensor x, Tensor out);

    /** Every element of t set to v. */
    void fill(Tensor t, double v);

    /** dst = src, same shapes (src may carry stride-0 broadcast dims). */
    void copy(Tensor src, Tensor dst);

    /**
     * out = alpha * (sum of x over every dim where out has size 1). out has x's rank; each of its dims
     * equals x's or is 1. A full sum is out of shape [1,...,1].
     */
    void reduceSum(Tensor x, Tensor out, double alpha);

    /**
     * loss (one element) = mean over rows r of -log(softmax(logits[r])[labels[r]]).
     * logits [R,C], labels I32 [R] with values in [0,C); an out-of-range label is an IllegalArgumentException.
     */
    void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor loss);

    /** dlogits[r,c] = dloss * (softmax(logits[r])[c] - (c == labels[r])) / R. dloss has one element. */
    void softmaxCrossEntropyGrad(Tensor logits, Tensor labels, Tensor dloss, Tensor dlogits);

    /** loss (one element) = mean over all elements of (pred - target)^2. */
    void meanSquaredError(Tensor pred, Tensor target, Tensor loss);

    /** dpred = dloss * 2 (pred - target) / numel. */
    void meanSquaredErrorGrad(Tensor pred, Tensor target, Tensor dloss, Tensor dpred);

    /** out[i,:] = table[indices[i],:]. table [V,E], indices I32 [n] in [0,V), out [n,E]. */
    void gatherRows(Tensor table, Tensor indices, Tensor out);

    /** table[indices[i],:] += src[i,:] for every i (repeated indices add up). */
    void scatterAddRows(Tensor src, Tensor indices, Tensor table);

    /**
     * One Adam step (PyTorch's formulation, bias-corrected, step counted from 1) over flat contiguous
     * 1-D buffers of equal length: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
     * p -= lr * (m / (1-b1^step)) / (sqrt(v / (1-b2^step)) + eps).
     */
    void adam(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2, double eps, long step);

    /** One SGD step over flat buffers: with momentum, vel = momentum*vel + g and p -= lr*vel; else p -= lr*g. */
    void sgd(Tensor param, Tensor grad, Tensor velocity, double lr, double momentum);

    // ---- memory and host copies ---------------------------------------------------------------------

    /** Memory for this backend's tensors, zero-filled; close it to free them. Host backends: a {@link TensorArena}. */
    default TensorMemory newMemory() {
        return new TensorArena();
    }

    /** Whether this backend's tensors live in device memory (then the host cannot touch their elements). */
    default boolean deviceMemory() {
        return false;
    }

    /** Copies {@code src} (t.numel() elements of t's dtype, row-major) into {@code t}. */
    default void write(Tensor t, MemorySegment src) {
        t.copyFrom(src);
    }

    /** Copies {@code t}'s elements, row-major, into {@code dst} (t.numel() elements of t's dtype); waits for queued work. */
    default void read(Tensor t, MemorySegment dst) {
        t.copyTo(dst);
    }

    /** The single value of a one-element tensor (a loss); waits for queued work. Allocates nothing. */
    default double readScalar(Tensor t) {
        return t.item();
    }

    /** Waits until every queued kernel has finished (host backends run synchronously). */
    default void synchronize() {}

    /** A stopwatch over this backend's work (CUDA events on a GPU backend). */
    default Stopwatch stopwatch() {
        return Stopwatch.wallClock();
    }

    /** Writes floats into an F32 tensor, or widened into an F64 one. */
    default void write(Tensor t, float[] values) {
        if (t.dtype() == DType.F64) {
            double[] d = new double[values.length];
            for (int i = 0; i < d.length; i++) d[i] = values[i];
            write(t, d);
            return;
        }
        checkHost(t, DType.F32, values.length);
        write(t, MemorySegment.ofArray(values));
    }

    default void write(Tensor t, int[] values) {
        checkHost(t, DType.I32, values.length);
        write(t, MemorySegment.ofArray(values));
    }

    /** Writes doubles into an F64 tensor, or rounded into an F32 one. */
    default void write(Tensor t, double[] values) {
        if (t.dtype() == DType.F64) {
            checkHost(t, DType.F64, values.length);
            write(t, MemorySegment.ofArray(values));
            return;
        }
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
        write(t, f);
    }

    default float[] readFloats(Tensor t) {
        float[] out = new float[Math.toIntExact(t.numel())];
        checkHost(t, DType.F32, out.length);
        read(t, MemorySegment.ofArray(out));
        return out;
    }

    default int[] readInts(Tensor t) {
        int[] out = new int[Math.toIntExact(t.numel())];
        checkHost(t, DType.I32, out.length);
        read(t, MemorySegment.ofArray(out));
        return out;
    }

    private static void checkHost(Tensor t, DType dtype, int length) {
        if (t.dtype() != dtype) throw new ShapeException("tensor " + t + " holds " + t.dtype() + ", not " + dtype);
        if (length != t.numel()) throw new ShapeException(length + " values do not fit tensor " + Shape.str(t.shape()));
    }

    /** Stops worker threads. Idempotent. */
    @Override
    void close();
}
