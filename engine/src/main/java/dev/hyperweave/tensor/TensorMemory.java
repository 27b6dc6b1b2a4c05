package dev.hyperweave.tensor;

/**
 * Where a backend's tensors live: host memory ({@link TensorArena}) or a device's memory. Closing it
 * frees every tensor it allocated, at once; closing twice is harmless.
 */
public interface TensorMemory extends AutoCloseable {

    /** A contiguous tensor, zero-filled. */
    Tensor allocate(DType dtype, int... shape);

    /** Bytes handed out so far. */
    long bytesAllocated();

    @Override
    void close();
}
