package dev.hyperweave.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A strided view of native memory: segment + element offset + shape + element strides.
 * Views (slice, select, transpose, reshape, expand) share the segment and never copy.
 * Lifetime belongs to the {@link TensorMemory} that allocated the segment.
 *
 * <p>A tensor in device memory (see {@link #onDevice()}) has a segment whose address is a device
 * address: it can be viewed and handed to its backend's kernels, but the element accessors here
 * refuse it (they would read GPU addresses on the host); copy it with {@code Backend.read}/{@code write}.
 */
public final class Tensor {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;

    private final MemorySegment segment;
    private final DType dtype;
    private final long offset;
    private final int[] shape;
    private final long[] strides;
    private final boolean device;

    /** A view of host memory. */
    public Tensor(MemorySegment segment, DType dtype, long offset, int[] shape, long[] strides) {
        this(segment, dtype, offset, shape, strides, false);
    }

    /**
     * A view of device memory: {@code segment} spans the device allocation (its address is the device
     * address); the host never dereferences it.
     */
    public static Tensor inDeviceMemory(MemorySegment segment, DType dtype, long offset, int[] shape, long[] strides) {
        return new Tensor(segment, dtype, offset, shape.clone(), strides.clone(), true);
    }

    private Tensor(MemorySegment segment, DType dtype, long offset, int[] shape, long[] strides, boolean device) {
        this.device = device;
        if (shape.length != strides.length) {
            throw new ShapeException("shape " + Shape.str(shape) + " and strides " + Arrays.toString(strides) + " differ in rank");
        }
        this.segment = segment;
        this.dtype = dtype;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
        long numel = Shape.numel(shape);
        if (numel > 0) {
            long lo = offset, hi = offset;
            for (int i = 0; i < shape.length; i++) {
                long span = (long) (shape[i] - 1) * strides[i];
                if (span < 0) lo += span; else hi += span;
            }
            if (lo < 0 || (hi + 1) * dtype.byteSize() > segment.byteSize()) {
                throw new ShapeException("view " + Shape.str(shape) + " strides " + Arrays.toString(strides)
                        + " offset " + offset + " falls outside its storage of " + segment.byteSize() / dtype.byteSize() + " elements");
            }
        }
    }

    /** Wraps a whole segment as a contiguous tensor. */
    public static Tensor of(MemorySegment segment, DType dtype, int... shape) {
        return new Tensor(segment, dtype, 0, shape.clone(), Shape.contiguousStrides(shape));
    }

    private Tensor view(long offset, int[] shape, long[] strides) {
        return new Tensor(segment, dtype, offset, shape, strides, device);
    }

    public MemorySegment segment() { return segment; }
    /** Whether the elements live in device (GPU) memory, out of the host's reach. */
    public boolean onDevice() { return device; }
    public DType dtype() { return dtype; }
    /** Offset of element [0,...,0] in elements from the segment start. */
    public long offset() { return offset; }
    public int rank() { return shape.length; }
    public int[] shape() { return shape.clone(); }
    public int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }
    public long stride(int i) { return strides[i < 0 ? strides.length + i : i]; }
    public long[] strides() { return strides.clone(); }
    public long numel() { return Shape.numel(shape); }
    public long byteOffset() { return offset * dtype.byteSize(); }

    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    public boolean sameShape(Tensor o) { return Arrays.equals(shape, o.shape); }

    // ---- views -------------------------------------------------------------------------------

    public Tensor slice(int dim, int start, int length) {
        dim = axis(dim);
        if (start < 0 || length < 0 || start + length > shape[dim]) {
            throw new ShapeException("slice [" + start + ", " + (start + length) + ") out of range for dim " + dim + " of " + Shape.str(shape));
        }
        int[] s = shape.clone();
        s[dim] = length;
        return view(offset + start * strides[dim], s, strides.clone());
    }

    /** Removes dimension {@code dim} by fixing its index. */
    public Tensor select(int dim, int index) {
        dim = axis(dim);
        if (index < 0 || index >= shape[dim]) {
            throw new ShapeException("index " + index + " out of range for dim " + dim + " of " + Shape.str(shape));
        }
        return view(offset + index * strides[dim], Shape.remove(shape, dim), Shape.remove(strides, dim));
    }

    public Tensor transpose(int d0, int d1) {
        d0 = axis(d0);
        d1 = axis(d1);
        int[] s = shape.clone();
        long[] st = strides.clone();
        s[d0] = shape[d1]; s[d1] = shape[d0];
        st[d0] = strides[d1]; st[d1] = strides[d0];
        return view(offset, s, st);
    }

    public Tensor unsqueeze(int dim) {
        if (dim < 0) dim += shape.length + 1;
        int[] s = new int[shape.length + 1];
        long[] st = new long[shape.length + 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i == dim) { s[i] = 1; st[i] = 0; } else { s[i] = shape[j]; st[i] = strides[j]; j++; }
        }
        return view(offset, s, st);
    }

    /** Broadcasts size-1 dimensions to {@code newShape} with stride 0 (same rank). */
    public Tensor expand(int... newShape) {
        if (newShape.length != shape.length) {
            throw new ShapeException("expand " + Shape.str(shape) + " to " + Shape.str(newShape) + ": ranks differ");
        }
        long[] st = strides.clone();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == newShape[i]) continue;
            if (shape[i] != 1) throw new ShapeException("expand " + Shape.str(shape) + " to " + Shape.str(newShape) + ": dim " + i + " is not 1");
            st[i] = 0;
        }
        return view(offset, newShape.clone(), st);
    }

    /** True if {@link #reshape} can express {@code newShape} as a view of this tensor. */
    public boolean canReshape(int... newShape) { return reshapeStrides(newShape) != null; }

    /** A view with a new shape of equal size; throws if the strides make a view impossible. */
    public Tensor reshape(int... newShape) {
        Shape.checkValid(newShape);
        if (Shape.numel(newShape) != numel()) {
            throw new ShapeException("reshape " + Shape.str(shape) + " to " + Shape.str(newShape) + ": sizes differ");
        }
        long[] st = reshapeStrides(newShape);
        if (st == null) {
            throw new ShapeException("reshape " + Shape.str(shape) + " (strides " + Arrays.toString(strides) + ") to "
                    + Shape.str(newShape) + " is not expressible as a view; copy it first");
        }
        return view(offset, newShape.clone(), st);
    }

    private long[] reshapeStrides(int[] newShape) {
        if (Shape.numel(newShape) != numel()) return null;
        if (numel() == 0 || isContiguous()) return Shape.contiguousStrides(newShape);
        // Drop size-1 dims, then match groups of old and new dims with equal products; each old group
        // must be internally contiguous (stride[i] == stride[i+1] * shape[i+1]).
        int[] os = Arrays.stream(shape).filter(d -> d != 1).toArray();
        long[] ost = new long[os.length];
        for (int i = 0, j = 0; i < shape.length; i++) if (shape[i] != 1) ost[j++] = strides[i];
        long[] ns = new long[newShape.length];
        int oi = 0, ni = 0;
        while (ni < newShape.length) {
            if (newShape[ni] == 1) { ns[ni] = 1; ni++; continue; }
            int oStart = oi, nStart = ni;
            long op = os[oi++], np = newShape[ni++];
            while (op != np) {
                if (op < np) op *= os[oi++]; else np *= newShape[ni++];
            }
            for (int k = oStart; k < oi - 1; k++) if (ost[k] != ost[k + 1] * os[k + 1]) return null;
            long acc = ost[oi - 1];
            for (int k = ni - 1; k >= nStart; k--) {
                ns[k] = acc;
                acc *= newShape[k];
            }
        }
        return ns;
    }

    private int axis(int dim) {
        int d = dim < 0 ? shape.length + dim : dim;
        if (d < 0 || d >= shape.length) throw new ShapeException("dim " + dim + " out of range for " + Shape.str(shape));
        return d;
    }

    // ---- element access (slow paths for tests, the reference backend and I/O) ----------------

    /** Element offset (in elements, from the segment start) of the row-major linear index. */
    public long offsetOf(long linear) {
        long off = offset;
        for (int i = shape.length - 1; i >= 0; i--) {
            int n = shape[i];
            off += (linear % n) * strides[i];
            linear /= n;
        }
        return off;
    }

    public long offsetOf(int... idx) {
        if (idx.length != shape.length) throw new ShapeException("index rank " + idx.length + " for " + Shape.str(shape));
        long off = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) throw new ShapeException("index " + Arrays.toString(idx) + " out of range for " + Shape.str(shape));
            off += idx[i] * strides[i];
        }
        return off;
    }

    /** Reads the element at an element offset (see {@link #offsetOf}) as a double, whatever the dtype. */
    public double getRaw(long elementOffset) {
        if (device) throw hostAccess();
        return switch (dtype) {
            case F32 -> segment.get(F, elementOffset * 4);
            case F64 -> segment.get(D, elementOffset * 8);
            case I32 -> segment.get(I, elementOffset * 4);
        };
    }

    public void setRaw(long elementOffset, double v) {
        if (device) throw hostAccess();
        switch (dtype) {
            case F32 -> segment.set(F, elementOffset * 4, (float) v);
            case F64 -> segment.set(D, elementOffset * 8, v);
            case I32 -> segment.set(I, elementOffset * 4, (int) v);
        }
    }

    public double get(int... idx) { return getRaw(offsetOf(idx)); }
    public void set(double v, int... idx) { setRaw(offsetOf(idx), v); }
    public double getLinear(long i) { return getRaw(offsetOf(i)); }
    public void setLinear(long i, double v) { setRaw(offsetOf(i), v); }
    public int getInt(long linear) {
        if (device) throw hostAccess();
        return segment.get(I, offsetOf(linear) * 4);
    }

    private IllegalStateException hostAccess() {
        return new IllegalStateException(this + " lives in device memory: the host cannot read or write its elements; "
                + "copy it with Backend.read / Backend.write (Session.read for a session's tensors)");
    }

    public void fill(double v) {
        long n = numel();
        for (long i = 0; i < n; i++) setRaw(offsetOf(i), v);
    }

    public Tensor copyFrom(float[] src) {
        checkLength(src.length);
        if (device) throw hostAccess();
        if (dtype == DType.F32 && isContiguous()) {
            MemorySegment.copy(src, 0, segment, F, byteOffset(), src.length);
            return this;
        }
        for (int i = 0; i < src.length; i++) setRaw(offsetOf(i), src[i]);
        return this;
    }

    public Tensor copyFrom(double[] src) {
        checkLength(src.length);
        for (int i = 0; i < src.length; i++) setRaw(offsetOf(i), src[i]);
        return this;
    }

    public Tensor copyFrom(int[] src) {
        checkLength(src.length);
        if (device) throw hostAccess();
        if (dtype == DType.I32 && isContiguous()) {
            MemorySegment.copy(src, 0, segment, I, byteOffset(), src.length);
            return this;
        }
        for (int i = 0; i < src.length; i++) setRaw(offsetOf(i), src[i]);
        return this;
    }

    /** Element-wise copy between any two tensors of the same shape (dtypes may differ). */
    public Tensor copyFrom(Tensor src) {
        if (!sameShape(src)) throw new ShapeException("copy " + Shape.str(src.shape) + " into " + Shape.str(shape));
        long n = numel();
        for (long i = 0; i < n; i++) setRaw(offsetOf(i), src.getRaw(src.offsetOf(i)));
        return this;
    }

    /** Copies {@code src}, which holds this tensor's elements in row-major order and its dtype, into it. */
    public Tensor copyFrom(MemorySegment src) {
        long es = dtype.byteSize();
        checkBytes(src.byteSize());
        if (device) throw hostAccess();
        if (isContiguous()) {
            MemorySegment.copy(src, 0, segment, byteOffset(), numel() * es);
        } else {
            for (long i = 0, n = numel(); i < n; i++) MemorySegment.copy(src, i * es, segment, offsetOf(i) * es, es);
        }
        return this;
    }

    /** Copies the elements in row-major order into {@code dst} (raw bytes of this dtype). */
    public void copyTo(MemorySegment dst) {
        long es = dtype.byteSize();
        checkBytes(dst.byteSize());
        if (device) throw hostAccess();
        if (isContiguous()) {
            MemorySegment.copy(segment, byteOffset(), dst, 0, numel() * es);
        } else {
            for (long i = 0, n = numel(); i < n; i++) MemorySegment.copy(segment, offsetOf(i) * es, dst, i * es, es);
        }
    }

    private void checkBytes(long bytes) {
        if (bytes != numel() * dtype.byteSize()) {
            throw new ShapeException(bytes + " bytes do not hold tensor " + Shape.str(shape) + " of " + dtype + " (" + numel() * dtype.byteSize() + " bytes)");
        }
    }

    public float[] toFloatArray() {
        float[] r = new float[Math.toIntExact(numel())];
        for (int i = 0; i < r.length; i++) r[i] = (float) getRaw(offsetOf(i));
        return r;
    }

    public double[] toDoubleArray() {
        double[] r = new double[Math.toIntExact(numel())];
        for (int i = 0; i < r.length; i++) r[i] = getRaw(offsetOf(i));
        return r;
    }

    /** The single value of a tensor with one element (a scalar loss, say). */
    public double item() {
        if (numel() != 1) throw new ShapeException("item() on a tensor of shape " + Shape.str(shape));
        return getRaw(offset);
    }

    private void checkLength(int n) {
        if (n != numel()) throw new ShapeException("array of " + n + " elements does not fit tensor " + Shape.str(shape));
    }

    @Override
    public String toString() {
        return "Tensor(" + (device ? "device " : "") + dtype + " " + Shape.str(shape) + " strides " + Arrays.toString(strides) + " offset " + offset + ")";
    }
}
