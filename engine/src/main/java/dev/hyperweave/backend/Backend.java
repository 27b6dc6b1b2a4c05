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
 *
 * <p>Errors: a shape or dtype that does not fit throws {@link ShapeException} at the call, naming
 * the kernel and the shapes. An index or label out of range throws IllegalArgumentException, naming
 * its position; a device backend finds it on the device and throws at the next {@link #read},
 * {@link #readScalar} or {@link #synchronize}. A closed cpu or cuda backend throws
 * IllegalStateException, and the cuda backend throws IllegalArgumentException for a tensor that is
 * not in its memory. Shape legends below: {@code a [B,M,K]} is a rank-3 tensor of dims B, M, K.
 */
public interface Backend extends AutoCloseable {

    /**
     * "reference", "cpu", ...
     *
     * @return the name {@link Backends#create} takes for this backend
     */
    String name();

    /**
     * Worker threads the backend's kernels use (1 for the reference backend).
     *
     * @return at least 1; 1 for reference and cuda
     */
    int threads();

    /**
     * Whether this backend computes on floating tensors of this dtype.
     *
     * @param dtype the element type
     * @return true for F32 everywhere and F64 on the reference backend; false for I32, which serves only
     *         as labels and indices
     */
    boolean supports(DType dtype);

    /**
     * c = act(a @ b + bias), or c += a @ b when {@code accumulate}.
     * a [B,M,K], b [B,K,N], c [B,M,N]; a or b may have batch stride 0 (shared across the batch).
     * bias: null or [B,N] (batch stride may be 0), broadcast over M. With accumulate, bias must be null
     * and act NONE.
     *
     * @param a          [B,M,K], read; any strides (a transposed view passes a<sup>T</sup>)
     * @param b          [B,K,N], read; any strides
     * @param c          [B,M,N], written (read first when {@code accumulate}); may be a slice of a
     *                   bigger buffer
     * @param bias       null, or [B,N], read and added to every one of the M rows
     * @param act        applied after the bias; {@link Activation#NONE} with {@code accumulate}
     * @param accumulate add the product to c instead of overwriting it
     * @throws ShapeException if a rank or dim disagrees (see {@link KernelChecks#matmul}) or a dtype is
     *                        not supported
     * @throws IllegalArgumentException if {@code accumulate} comes with a bias or an activation
     */
    void matmul(Tensor a, Tensor b, Tensor c, Tensor bias, Activation act, boolean accumulate);

    /**
     * y = act(x), same shapes.
     *
     * @param act the activation
     * @param x   read
     * @param y   written; x's shape
     * @throws ShapeException if the shapes differ or a dtype is not supported
     */
    void activation(Activation act, Tensor x, Tensor y);

    /**
     * dx = dy * act'(x), with the derivative taken from the forward output y. Same shapes.
     *
     * @param act the activation of the forward pass
     * @param y   the forward output act(x), read
     * @param dy  the gradient of y, read
     * @param dx  the gradient of x, written
     * @throws ShapeException if the shapes differ or a dtype is not supported
     */
    void activationGrad(Activation act, Tensor y, Tensor dy, Tensor dx);

    /**
     * out = a op b, same shapes (inputs may carry stride-0 broadcast dims).
     * Shapes must be equal: broadcast an input by passing an {@link Tensor#expand expanded} view.
     *
     * @param op  the op
     * @param a   left operand, read; out's shape
     * @param b   right operand, read; out's shape
     * @param out written
     * @throws ShapeException if the shapes differ or a dtype is not supported
     */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /**
     * out = alpha * x, same shapes; out may be x itself.
     *
     * @param x     read
     * @param alpha the factor
     * @param out   written; x's shape
     * @throws ShapeException if the shapes differ or a dtype is not supported
     */
    void scale(Tensor x, double alpha, Tensor out);

    /**
     * out += x, same shapes (x may carry stride-0 broadcast dims).
     *
     * @param x   read; out's shape
     * @param out read and written
     * @throws ShapeException if the shapes differ or a dtype is not supported
     */
    void accumulate(Tensor x, Tensor out);

    /**
     * Every element of t set to v.
     *
     * @param t written; any strides
     * @param v the value, converted to t's dtype
     * @throws ShapeException if t's dtype is not supported
     */
    void fill(Tensor t, double v);

    /**
     * dst = src, same shapes (src may carry stride-0 broadcast dims).
     * Copies between any strides; this is how a strided view becomes contiguous.
     *
     * @param src read
     * @param dst written; src's shape and dtype
     * @throws ShapeException if the shapes differ or a dtype is not supported
     */
    void copy(Tensor src, Tensor dst);

    /**
     * out = alpha * (sum of x over every dim where out has size 1). out has x's rank; each of its dims
     * equals x's or is 1. A full sum is out of shape [1,...,1].
     *
     * @param x     read
     * @param out   written (overwritten, not accumulated into)
     * @param alpha the factor applied to each sum (1 for a plain sum, 1/n for a mean)
     * @throws ShapeException if the ranks differ or an out dim is neither x's nor 1
     */
    void reduceSum(Tensor x, Tensor out, double alpha);

    /**
     * loss (one element) = mean over rows r of -log(softmax(logits[r])[labels[r]]).
     * logits [R,C], labels I32 [R] with values in [0,C); an out-of-range label is an IllegalArgumentException.
     *
     * @param logits [R,C], read
     * @param labels I32 [R], read
     * @param loss   one element (any rank), written
     * @throws ShapeException if the shapes or dtypes do not fit
     * @throws IllegalArgumentException naming the row, if a label is outside [0,C) (on a device backend,
     *                                  at the next read or synchronize)
     */
    void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor loss);

    /**
     * dlogits[r,c] = dloss * (softmax(logits[r])[c] - (c == labels[r])) / R. dloss has one element.
     *
     * @param logits  [R,C], read
     * @param labels  I32 [R], read; values in [0,C)
     * @param dloss   one element, read: the gradient of the loss
     * @param dlogits [R,C], written
     * @throws ShapeException if the shapes or dtypes do not fit
     * @throws IllegalArgumentException naming the row, if a label is outside [0,C) (on a device backend,
     *                                  at the next read or synchronize)
     */
    void softmaxCrossEntropyGrad(Tensor logits, Tensor labels, Tensor dloss, Tensor dlogits);

    /**
     * loss (one element) = mean over all elements of (pred - target)^2.
     *
     * @param pred   read; any shape
     * @param target read; pred's shape
     * @param loss   one element, written
     * @throws ShapeException if the shapes or dtypes do not fit
     */
    void meanSquaredError(Tensor pred, Tensor target, Tensor loss);

    /**
     * dpred = dloss * 2 (pred - target) / numel.
     *
     * @param pred   read
     * @param target read; pred's shape
     * @param dloss  one element, read: the gradient of the loss
     * @param dpred  written; pred's shape
     * @throws ShapeException if the shapes or dtypes do not fit
     */
    void meanSquaredErrorGrad(Tensor pred, Tensor target, Tensor dloss, Tensor dpred);

    /**
     * out[i,:] = table[indices[i],:]. table [V,E], indices I32 [n] in [0,V), out [n,E].
     *
     * @param table   [V,E], read
     * @param indices I32 [n], read; values in [0,V), repeats allowed
     * @param out     [n,E], written
     * @throws ShapeException if the shapes or dtypes do not fit
     * @throws IllegalArgumentException naming the position, if an index is outside [0,V) (on a device
     *                                  backend, at the next read or synchronize)
     */
    void gatherRows(Tensor table, Tensor indices, Tensor out);

    /**
     * table[indices[i],:] += src[i,:] for every i (repeated indices add up).
     * The backward of {@link #gatherRows}: table is accumulated into, so zero it first for a fresh gradient.
     *
     * @param src     [n,E], read
     * @param indices I32 [n], read; values in [0,V)
     * @param table   [V,E], read and written
     * @throws ShapeException if the shapes or dtypes do not fit
     * @throws IllegalArgumentException naming the position, if an index is outside [0,V) (on a device
     *                                  backend, at the next read or synchronize)
     */
    void scatterAddRows(Tensor src, Tensor indices, Tensor table);

    /**
     * One Adam step (PyTorch's formulation, bias-corrected, step counted from 1) over flat contiguous
     * 1-D buffers of equal length: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
     * p -= lr * (m / (1-b1^step)) / (sqrt(v / (1-b2^step)) + eps).
     *
     * @param param the parameters, updated in place
     * @param grad  their gradient, read
     * @param m     the first moment, updated in place (zero before the first step)
     * @param v     the second moment, updated in place (zero before the first step)
     * @param lr    the learning rate
     * @param beta1 b1, the first moment's decay
     * @param beta2 b2, the second moment's decay
     * @param eps   added to the denominator
     * @param step  the step number, from 1: step 0 would divide by zero in the bias correction
     * @throws ShapeException if a buffer is not rank 1 and contiguous, the lengths differ, or a dtype is
     *                        not supported
     */
    void adam(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2, double eps, long step);

    /**
     * One SGD step over flat buffers: with momentum, vel = momentum*vel + g and p -= lr*vel; else p -= lr*g.
     *
     * @param param    the parameters, updated in place; rank 1, contiguous
     * @param grad     their gradient, read; param's length
     * @param velocity null for plain SGD (momentum is then ignored), or the momentum buffer of param's
     *                 length, updated in place (zero before the first step)
     * @param lr       the learning rate
     * @param momentum the velocity's decay
     * @throws ShapeException if a buffer is not rank 1 and contiguous, the lengths differ, or a dtype is
     *                        not supported
     */
    void sgd(Tensor param, Tensor grad, Tensor velocity, double lr, double momentum);

    // ---- memory and host copies ---------------------------------------------------------------------

    /**
     * Memory for this backend's tensors, zero-filled; close it to free them. Host backends: a {@link TensorArena}.
     * The caller owns it. Device memory does not outlive its backend: closing the backend frees it too.
     *
     * @return new, empty memory
     */
    default TensorMemory newMemory() {
        return new TensorArena();
    }

    /**
     * Whether this backend's tensors live in device memory (then the host cannot touch their elements).
     *
     * @return true for cuda, false for the host backends
     */
    default boolean deviceMemory() {
        return false;
    }

    /**
     * Copies {@code src} (t.numel() elements of t's dtype, row-major) into {@code t}.
     * Bytes are copied as they are, with no dtype conversion; {@code t} may have any strides. On a device
     * backend the copy is ordered after the kernels already queued.
     *
     * @param t   the destination, from this backend's memory
     * @param src host memory of exactly {@code t.numel() * t.dtype().byteSize()} bytes
     * @throws ShapeException if {@code src} has any other byte size
     */
    default void write(Tensor t, MemorySegment src) {
        t.copyFrom(src);
    }

    /**
     * Copies {@code t}'s elements, row-major, into {@code dst} (t.numel() elements of t's dtype); waits for queued work.
     * Bytes are copied as they are; a strided {@code t} comes out dense.
     *
     * @param t   the source, from this backend's memory
     * @param dst host memory of exactly {@code t.numel() * t.dtype().byteSize()} bytes
     * @throws ShapeException if {@code dst} has any other byte size
     * @throws IllegalArgumentException on a device backend, for a bad index or label met by a kernel
     *                                  queued since the last read
     */
    default void read(Tensor t, MemorySegment dst) {
        t.copyTo(dst);
    }

    /**
     * The single value of a one-element tensor (a loss); waits for queued work. Allocates nothing.
     *
     * @param t a tensor of one element, of any rank
     * @return its value, widened to double
     * @throws ShapeException if {@code t} does not have exactly one element
     * @throws IllegalArgumentException on a device backend, for a bad index or label met by a kernel
     *                                  queued since the last read
     */
    default double readScalar(Tensor t) {
        return t.item();
    }

    /**
     * Waits until every queued kernel has finished (host backends run synchronously).
     *
     * @throws IllegalArgumentException on a device backend, for a bad index or label met by a kernel
     *                                  queued since the last read
     */
    default void synchronize() {}

    /**
     * A stopwatch over this backend's work (CUDA events on a GPU backend).
     *
     * @return a new stopwatch, which the caller closes
     */
    default Stopwatch stopwatch() {
        return Stopwatch.wallClock();
    }

    /**
     * Writes floats into an F32 tensor, or widened into an F64 one.
     *
     * @param t      the destination, F32 or F64, any strides
     * @param values {@code t.numel()} values, row-major
     * @throws ShapeException if {@code t} is I32 or the length is not {@code t.numel()}
     */
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

    /**
     * Writes ints into an I32 tensor (labels, indices).
     *
     * @param t      the destination, I32, any strides
     * @param values {@code t.numel()} values, row-major
     * @throws ShapeException if {@code t} is not I32 or the length is not {@code t.numel()}
     */
    default void write(Tensor t, int[] values) {
        checkHost(t, DType.I32, values.length);
        write(t, MemorySegment.ofArray(values));
    }

    /**
     * Writes doubles into an F64 tensor, or rounded into an F32 one.
     *
     * @param t      the destination, F32 or F64, any strides
     * @param values {@code t.numel()} values, row-major
     * @throws ShapeException if {@code t} is I32 or the length is not {@code t.numel()}
     */
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

    /**
     * Reads an F32 tensor's elements, row-major; waits for queued work. Unlike
     * {@link #write(Tensor, float[])}, this does not convert from F64.
     *
     * @param t the source, F32, any strides
     * @return a new array of {@code t.numel()} values
     * @throws ShapeException if {@code t} is not F32
     */
    default float[] readFloats(Tensor t) {
        float[] out = new float[Math.toIntExact(t.numel())];
        checkHost(t, DType.F32, out.length);
        read(t, MemorySegment.ofArray(out));
        return out;
    }

    /**
     * Reads an I32 tensor's elements, row-major; waits for queued work.
     *
     * @param t the source, I32, any strides
     * @return a new array of {@code t.numel()} values
     * @throws ShapeException if {@code t} is not I32
     */
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

    /**
     * Stops worker threads. Idempotent.
     * A device backend also frees its device state, device memory still open included. Do not use the
     * backend afterwards: the cpu and cuda backends throw IllegalStateException.
     */
    @Override
    void close();
}
