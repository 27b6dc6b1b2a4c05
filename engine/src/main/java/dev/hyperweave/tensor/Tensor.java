package dev.hyperweave.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * A strided view of native memory: segment + element offset + shape + element strides.
 * Views (slice, select, transpose, reshape, expand) share the segment and never copy.
 * Lifetime belongs to the {@link TensorMemory} that allocated the segment.
 *
 * <p>Element {@code [i0,...,in]} lies at element offset {@code offset + i0*stride(0) + ... + in*stride(n)}
 * from the segment start. Strides are in elements; a stride of 0 broadcasts a dim (see
 * {@link #expand}). Every view is checked to lie inside its segment when it is made. A tensor is
 * immutable; its elements are not, and nothing here synchronizes writes to them.
 *
 * <p>A tensor in device memory (see {@link #onDevice()}) has a segment whose address is a device
 * address: it can be viewed and handed to its backend's kernels, but the element accessors here
 * refuse it (they would read GPU addresses on the host); copy it with {@code Backend.read}/{@code write}.
 * The element accessors are slow per-element paths, meant for tests, the reference backend and I/O.
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

    /**
     * A view of host memory. The arrays are kept, not copied: do not change them afterwards.
     *
     * @param segment the storage (a {@link TensorArena} slab, say); its owner's close frees it under
     *                this view
     * @param dtype   the element type
     * @param offset  element offset of element {@code [0,...,0]} from the segment start
     * @param shape   the dims
     * @param strides element strides, one per dim; 0 broadcasts, negative strides are allowed
     * @throws ShapeException if {@code shape} and {@code strides} differ in length, or if the view has
     *                        elements and some of them fall outside {@code segment}
     */
    public Tensor(MemorySegment segment, DType dtype, long offset, int[] shape, long[] strides) {
        this(segment, dtype, offset, shape.clone(), strides.clone(), false);
    }

    /**
     * A view of device memory: {@code segment} spans the device allocation (its address is the device
     * address); the host never dereferences it. Device memory hands these out; only its backend's
     * kernels and {@code read}/{@code write} can use them.
     *
     * @param segment the device allocation: its address and byte size, never read on the host
     * @param dtype   the element type
     * @param offset  element offset of element {@code [0,...,0]} from the allocation start
     * @param shape   the dims (copied)
     * @param strides element strides, one per dim (copied)
     * @return a tensor for which {@link #onDevice()} is true
     * @throws ShapeException if {@code shape} and {@code strides} differ in length, or if the view has
     *                        elements and some of them fall outside {@code segment}
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

    /**
     * Wraps a whole segment as a contiguous tensor: offset 0, row-major strides. The segment may be
     * larger than the tensor needs.
     *
     * @param segment the host storage
     * @param dtype   the element type
     * @param shape   the dims (copied)
     * @return a contiguous host tensor starting at the segment's first byte
     * @throws ShapeException if the segment is too small for the shape
     */
    public static Tensor of(MemorySegment segment, DType dtype, int... shape) {
        return new Tensor(segment, dtype, 0, shape.clone(), Shape.contiguousStrides(shape));
    }

    private Tensor view(long offset, int[] shape, long[] strides) {
        return new Tensor(segment, dtype, offset, shape, strides, device);
    }

    /**
     * The whole storage, shared with every view of it, not just this view's elements.
     *
     * @return the segment; for a device tensor it carries the device address and must not be read
     */
    public MemorySegment segment() { return segment; }

    /**
     * Whether the elements live in device (GPU) memory, out of the host's reach.
     *
     * @return true for device tensors, whose element accessors throw IllegalStateException
     */
    public boolean onDevice() { return device; }

    /**
     * The element type.
     *
     * @return the dtype
     */
    public DType dtype() { return dtype; }

    /**
     * Offset of element [0,...,0] in elements from the segment start.
     *
     * @return the offset, in elements
     */
    public long offset() { return offset; }

    /**
     * The number of dims.
     *
     * @return the rank; 0 for a scalar
     */
    public int rank() { return shape.length; }

    /**
     * The dims.
     *
     * @return a copy of the dims
     */
    public int[] shape() { return shape.clone(); }

    /**
     * One dim's size.
     *
     * @param i the dim; negative counts from the end ({@code -1} is the last)
     * @return the size of dim {@code i}
     * @throws ShapeException if there is no dim {@code i}
     */
    public int dim(int i) { return shape[axis(i)]; }

    /**
     * One dim's stride.
     *
     * @param i the dim; negative counts from the end
     * @return the stride of dim {@code i}, in elements; 0 for a broadcast dim
     * @throws ShapeException if there is no dim {@code i}
     */
    public long stride(int i) { return strides[axis(i)]; }

    /**
     * The strides.
     *
     * @return a copy of the element strides
     */
    public long[] strides() { return strides.clone(); }

    /**
     * The element count: a broadcast dim counts at its full size, though its elements share storage.
     *
     * @return the product of the dims
     */
    public long numel() { return Shape.numel(shape); }

    /**
     * {@link #offset()} in bytes.
     *
     * @return the byte offset of element {@code [0,...,0]} from the segment start
     */
    public long byteOffset() { return offset * dtype.byteSize(); }

    /**
     * Whether the elements are dense and row-major from {@link #offset()}, so the view is one run of
     * {@code numel() * dtype().byteSize()} bytes. The strides of size-1 dims are ignored; a broadcast
     * dim of size above 1 makes a tensor non-contiguous. The offset need not be 0.
     *
     * @return true if the view is one dense row-major run
     */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /**
     * Whether the dims are equal; dtype, strides and memory are not compared.
     *
     * @param o the other tensor
     * @return true if both have the same dims
     */
    public boolean sameShape(Tensor o) { return Arrays.equals(shape, o.shape); }

    // ---- views -------------------------------------------------------------------------------

    /**
     * A view of {@code length} consecutive indices of one dim, starting at {@code start}; the rank and
     * strides are unchanged.
     *
     * @param dim    the dim; negative counts from the end
     * @param start  the first index kept
     * @param length the number of indices kept (0 is allowed)
     * @return the view, sharing this tensor's memory
     * @throws ShapeException if {@code dim} is out of range or {@code [start, start + length)} is not
     *                        inside the dim
     */
    public Tensor slice(int dim, int start, int length) {
        dim = axis(dim);
        if (start < 0 || length < 0 || start + length > shape[dim]) {
            throw new ShapeException("slice [" + start + ", " + (start + length) + ") out of range for dim " + dim + " of " + Shape.str(shape));
        }
        int[] s = shape.clone();
        s[dim] = length;
        return view(offset + start * strides[dim], s, strides.clone());
    }

    /**
     * Removes dimension {@code dim} by fixing its index.
     *
     * @param dim   the dim to remove; negative counts from the end
     * @param index the index it is fixed at
     * @return a view of rank {@code rank() - 1}, sharing this tensor's memory
     * @throws ShapeException if {@code dim} or {@code index} is out of range
     */
    public Tensor select(int dim, int index) {
        dim = axis(dim);
        if (index < 0 || index >= shape[dim]) {
            throw new ShapeException("index " + index + " out of range for dim " + dim + " of " + Shape.str(shape));
        }
        return view(offset + index * strides[dim], Shape.remove(shape, dim), Shape.remove(strides, dim));
    }

    /**
     * Swaps two dims and their strides. No data moves, and the result is usually not contiguous: this is
     * how a transposed operand reaches {@code Backend.matmul}.
     *
     * @param d0 one dim; negative counts from the end
     * @param d1 the other dim (may equal {@code d0})
     * @return the view, sharing this tensor's memory
     * @throws ShapeException if a dim is out of range
     */
    public Tensor transpose(int d0, int d1) {
        d0 = axis(d0);
        d1 = axis(d1);
        int[] s = shape.clone();
        long[] st = strides.clone();
        s[d0] = shape[d1]; s[d1] = shape[d0];
        st[d0] = strides[d1]; st[d1] = strides[d0];
        return view(offset, s, st);
    }

    /**
     * Inserts a dim of size 1 (stride 0).
     *
     * @param dim where the new dim goes in the result, in {@code [-(rank()+1), rank()]}; negative counts
     *            from the end of the result ({@code -1} appends). Not checked: out of range fails with
     *            ArrayIndexOutOfBoundsException, not ShapeException
     * @return a view of rank {@code rank() + 1}, sharing this tensor's memory
     */
    public Tensor unsqueeze(int dim) {
        if (dim < 0) dim += shape.length + 1;
        int[] s = new int[shape.length + 1];
        long[] st = new long[shape.length + 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i == dim) { s[i] = 1; st[i] = 0; } else { s[i] = shape[j]; st[i] = strides[j]; j++; }
        }
        return view(offset, s, st);
    }

    /**
     * Broadcasts size-1 dimensions to {@code newShape} with stride 0 (same rank). Every index of an
     * expanded dim reads the same element, so the result is an input for kernels that take stride-0
     * operands, never an output.
     *
     * @param newShape the target dims: each equals this tensor's dim, or this tensor's dim is 1 (to
     *                 add leading dims, {@link #unsqueeze} first)
     * @return the broadcast view, sharing this tensor's memory
     * @throws ShapeException if the ranks differ or a dim that is not 1 would change
     */
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

    /**
     * True if {@link #reshape} can express {@code newShape} as a view of this tensor.
     *
     * @param newShape the target dims (not validated: pass non-negative dims)
     * @return false if the sizes differ or the strides rule a view out
     */
    public boolean canReshape(int... newShape) { return reshapeStrides(newShape) != null; }

    /**
     * A view with a new shape of equal size; throws if the strides make a view impossible. Any
     * contiguous tensor reshapes. A strided one reshapes when every run of old dims that gets merged is
     * contiguous within itself: splitting a dim always works, flattening a transposed matrix does not
     * (copy it first). Never copies.
     *
     * @param newShape the target dims, of the same element count
     * @return the view, sharing this tensor's memory
     * @throws ShapeException if a dim is negative, the element counts differ, or no view has that shape
     */
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

    /**
     * Element offset (in elements, from the segment start) of the row-major linear index.
     *
     * @param linear the row-major index, in {@code [0, numel())}. Not checked: a larger index wraps
     *               around the outermost dim, and a tensor with a zero dim divides by zero
     * @return the element offset, for {@link #getRaw} and {@link #setRaw}
     */
    public long offsetOf(long linear) {
        long off = offset;
        for (int i = shape.length - 1; i >= 0; i--) {
            int n = shape[i];
            off += (linear % n) * strides[i];
            linear /= n;
        }
        return off;
    }

    /**
     * Element offset (in elements, from the segment start) of a multi-dimensional index.
     *
     * @param idx one index per dim
     * @return the element offset, for {@link #getRaw} and {@link #setRaw}
     * @throws ShapeException if the index count is not {@link #rank()} or an index is out of range
     */
    public long offsetOf(int... idx) {
        if (idx.length != shape.length) throw new ShapeException("index rank " + idx.length + " for " + Shape.str(shape));
        long off = offset;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) throw new ShapeException("index " + Arrays.toString(idx) + " out of range for " + Shape.str(shape));
            off += idx[i] * strides[i];
        }
        return off;
    }

    /**
     * Reads the element at an element offset (see {@link #offsetOf}) as a double, whatever the dtype.
     *
     * @param elementOffset offset in elements from the segment start (not from {@link #offset()});
     *                      checked against the segment only, not against this view
     * @return the element, widened to double
     * @throws IllegalStateException if the tensor is {@linkplain #onDevice() on the device} or its
     *                               memory is closed
     */
    public double getRaw(long elementOffset) {
        if (device) throw hostAccess();
        return switch (dtype) {
            case F32 -> segment.get(F, elementOffset * 4);
            case F64 -> segment.get(D, elementOffset * 8);
            case I32 -> segment.get(I, elementOffset * 4);
        };
    }

    /**
     * Writes the element at an element offset (see {@link #offsetOf}), converted to the dtype: rounded
     * to float for F32, truncated toward zero with a Java {@code (int)} cast for I32 (NaN becomes 0,
     * out-of-range values saturate).
     *
     * @param elementOffset offset in elements from the segment start; checked against the segment only
     * @param v             the value
     * @throws IllegalStateException if the tensor is on the device or its memory is closed
     */
    public void setRaw(long elementOffset, double v) {
        if (device) throw hostAccess();
        switch (dtype) {
            case F32 -> segment.set(F, elementOffset * 4, (float) v);
            case F64 -> segment.set(D, elementOffset * 8, v);
            case I32 -> segment.set(I, elementOffset * 4, (int) v);
        }
    }

    /**
     * Reads one element.
     *
     * @param idx one index per dim
     * @return the element, widened to double
     * @throws ShapeException if the index count is wrong or an index is out of range
     * @throws IllegalStateException if the tensor is on the device or its memory is closed
     */
    public double get(int... idx) { return getRaw(offsetOf(idx)); }

    /**
     * Writes one element, converted as {@link #setRaw} does. The value comes first, then the index.
     *
     * @param v   the value
     * @param idx one index per dim
     * @throws ShapeException if the index count is wrong or an index is out of range
     * @throws IllegalStateException if the tensor is on the device or its memory is closed
     */
    public void set(double v, int... idx) { setRaw(offsetOf(idx), v); }

    /**
     * Reads the element at a row-major linear index.
     *
     * @param i the linear index, in {@code [0, numel())}; not checked (see {@link #offsetOf(long)})
     * @return the element, widened to double
     * @throws IllegalStateException if the tensor is on the device or its memory is closed
     */
    public double getLinear(long i) { return getRaw(offsetOf(i)); }

    /**
     * Writes the element at a row-major linear index, converted as {@link #setRaw} does.
     *
     * @param i the linear index, in {@code [0, numel())}; not checked (see {@link #offsetOf(long)})
     * @param v the value
     * @throws IllegalStateException if the tensor is on the device or its memory is closed
     */
    public void setLinear(long i, double v) { setRaw(offsetOf(i), v); }

    /**
     * Reads the element of an I32 tensor at a row-major linear index, exactly.
     *
     * @param linear the linear index, in {@code [0, numel())}; not checked (see {@link #offsetOf(long)})
     * @return the element
     * @throws ShapeException        if the tensor is not I32 (read other dtypes with {@link #getLinear})
     * @throws IllegalStateException if the tensor is on the device or its memory is closed
     */
    public int getInt(long linear) {
        if (device) throw hostAccess();
        if (dtype != DType.I32) throw new ShapeException("getInt on a " + dtype + " tensor " + Shape.str(shape) + ": use getLinear");
        return segment.get(I, offsetOf(linear) * 4);
    }

    private IllegalStateException hostAccess() {
        return new IllegalStateException(this + " lives in device memory: the host cannot read or write its elements; "
                + "copy it with Backend.read / Backend.write (Session.read for a session's tensors)");
    }

    /**
     * Sets every element to {@code v}, converted as {@link #setRaw} does, one element at a time.
     *
     * @param v the value
     * @throws IllegalStateException if the tensor has elements and is on the device, or its memory is closed
     */
    public void fill(double v) {
        long n = numel();
        for (long i = 0; i < n; i++) setRaw(offsetOf(i), v);
    }

    /**
     * Copies {@code src} into this tensor in row-major order, converted to the dtype as {@link #setRaw}
     * does (a bulk copy when the tensor is contiguous F32).
     *
     * @param src {@link #numel()} values
     * @return this tensor
     * @throws ShapeException if {@code src.length} is not {@link #numel()} (checked first)
     * @throws IllegalStateException if the tensor is on the device or its memory is closed
     */
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

    /**
     * Copies {@code src} into this tensor in row-major order, converted to the dtype as {@link #setRaw}
     * does, one element at a time.
     *
     * @param src {@link #numel()} values
     * @return this tensor
     * @throws ShapeException if {@code src.length} is not {@link #numel()}
     * @throws IllegalStateException if the tensor has elements and is on the device, or its memory is closed
     */
    public Tensor copyFrom(double[] src) {
        checkLength(src.length);
        for (int i = 0; i < src.length; i++) setRaw(offsetOf(i), src[i]);
        return this;
    }

    /**
     * Copies {@code src} into this tensor in row-major order, converted to the dtype (a bulk copy when
     * the tensor is contiguous I32).
     *
     * @param src {@link #numel()} values
     * @return this tensor
     * @throws ShapeException if {@code src.length} is not {@link #numel()} (checked first)
     * @throws IllegalStateException if the tensor is on the device or its memory is closed
     */
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

    /**
     * Element-wise copy between any two tensors of the same shape (dtypes may differ). Values pass
     * through double and are converted as {@link #setRaw} does. Elements are copied one at a time in
     * row-major order, so overlapping views of one storage give order-dependent results.
     *
     * @param src the host tensor to read
     * @return this tensor
     * @throws ShapeException if the shapes differ
     * @throws IllegalStateException if either tensor has elements and is on the device, or its memory is closed
     */
    public Tensor copyFrom(Tensor src) {
        if (!sameShape(src)) throw new ShapeException("copy " + Shape.str(src.shape) + " into " + Shape.str(shape));
        long n = numel();
        for (long i = 0; i < n; i++) setRaw(offsetOf(i), src.getRaw(src.offsetOf(i)));
        return this;
    }

    /**
     * Copies {@code src}, which holds this tensor's elements in row-major order and its dtype, into it.
     * Bytes are copied as they are, with no conversion.
     *
     * @param src exactly {@code numel() * dtype().byteSize()} bytes
     * @return this tensor
     * @throws ShapeException if {@code src} has any other byte size (checked first)
     * @throws IllegalStateException if the tensor is on the device or its memory is closed
     */
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

    /**
     * Copies the elements in row-major order into {@code dst} (raw bytes of this dtype), with no
     * conversion; a strided view comes out dense.
     *
     * @param dst exactly {@code numel() * dtype().byteSize()} bytes
     * @throws ShapeException if {@code dst} has any other byte size (checked first)
     * @throws IllegalStateException if the tensor is on the device or its memory is closed
     */
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

    /**
     * The elements in row-major order, converted to float (F64 rounded), one element at a time.
     *
     * @return a new array of {@link #numel()} values
     * @throws ArithmeticException if {@link #numel()} exceeds {@link Integer#MAX_VALUE}
     * @throws IllegalStateException if the tensor has elements and is on the device, or its memory is closed
     */
    public float[] toFloatArray() {
        float[] r = new float[Math.toIntExact(numel())];
        for (int i = 0; i < r.length; i++) r[i] = (float) getRaw(offsetOf(i));
        return r;
    }

    /**
     * The elements in row-major order, widened to double, one element at a time.
     *
     * @return a new array of {@link #numel()} values
     * @throws ArithmeticException if {@link #numel()} exceeds {@link Integer#MAX_VALUE}
     * @throws IllegalStateException if the tensor has elements and is on the device, or its memory is closed
     */
    public double[] toDoubleArray() {
        double[] r = new double[Math.toIntExact(numel())];
        for (int i = 0; i < r.length; i++) r[i] = getRaw(offsetOf(i));
        return r;
    }

    /**
     * The single value of a tensor with one element (a scalar loss, say), of any rank.
     *
     * @return the element, widened to double
     * @throws ShapeException if the tensor does not have exactly one element
     * @throws IllegalStateException if the tensor is on the device (use {@code Backend.readScalar}) or
     *                               its memory is closed
     */
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
