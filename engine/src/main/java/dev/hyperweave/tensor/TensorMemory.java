package dev.hyperweave.tensor;

/**
 * Where a backend's tensors live: host memory ({@link TensorArena}) or a device's memory. Closing it
 * frees every tensor it allocated, at once; closing twice is harmless. Get one from
 * {@code Backend.newMemory()}: only that backend's kernels and host copies can use its tensors.
 * The tensors and views it hands out must not be used after it is closed.
 */
public interface TensorMemory extends AutoCloseable {

    /**
     * A contiguous tensor, zero-filled.
     *
     * @param dtype the element type
     * @param shape the dims, row-major; the array is copied. An empty shape is a scalar of one element;
     *              a zero dim gives a tensor of no elements
     * @return a new tensor owned by this memory, with contiguous strides and offset 0
     * @throws ShapeException if a dim is negative
     * @throws IllegalStateException if this memory is closed
     */
    Tensor allocate(DType dtype, int... shape);

    /**
     * Bytes allocated so far, summed over every allocation; the count never decreases, not even on close.
     *
     * @return the byte count
     */
    long bytesAllocated();

    /** Frees every tensor allocated here. Idempotent. */
    @Override
    void close();
}
