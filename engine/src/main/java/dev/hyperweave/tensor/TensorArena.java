package dev.hyperweave.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Host memory: owns the native memory of the tensors it allocates; closing it frees all of them at once.
 * Memory is 64-byte aligned and zeroed. The arena is shared, so kernels may touch its tensors
 * from worker threads; closing it while a kernel runs is the caller's bug (access then fails with
 * IllegalStateException rather than crashing). Allocation and {@link #close()} are thread-safe.
 */
public final class TensorArena implements TensorMemory {
    /** Alignment, in bytes, of every allocation's start. */
    public static final long ALIGNMENT = 64;

    /** Process-wide count of native allocations made through any arena, for no-allocation tests. */
    private static final AtomicLong ALLOCATIONS = new AtomicLong();

    private final Arena arena = Arena.ofShared();
    private long bytesAllocated;
    private boolean closed;

    /** An open arena with nothing allocated. */
    public TensorArena() {}

    @Override
    public Tensor allocate(DType dtype, int... shape) {
        Shape.checkValid(shape);
        long bytes = Shape.numel(shape) * dtype.byteSize();
        return new Tensor(allocateBytes(bytes), dtype, 0, shape.clone(), Shape.contiguousStrides(shape));
    }

    /**
     * Raw 64-byte aligned zeroed bytes, for planners that carve many tensors out of one slab (wrap
     * slices of it with {@link Tensor#of} or the {@link Tensor} constructor). The segment lives until
     * this arena closes.
     *
     * @param bytes the size; a request for 0 bytes still returns a 1-byte segment (counted as 0 in
     *              {@link #bytesAllocated()})
     * @return a new zeroed segment owned by this arena
     * @throws IllegalStateException if this arena is closed
     */
    public synchronized MemorySegment allocateBytes(long bytes) {
        if (closed) throw new IllegalStateException("TensorArena is closed");
        ALLOCATIONS.incrementAndGet();
        bytesAllocated += bytes;
        return arena.allocate(Math.max(bytes, 1), ALIGNMENT);
    }

    @Override
    public synchronized long bytesAllocated() { return bytesAllocated; }

    /**
     * Native allocations made so far by every {@code TensorArena} in the process (each
     * {@link #allocate} or {@link #allocateBytes} counts one; device memory is not counted). Tests
     * compare it before and after a step to prove the step allocates nothing.
     *
     * @return the process-wide count
     */
    public static long allocationCount() { return ALLOCATIONS.get(); }

    /**
     * Frees every segment and tensor of this arena; later element access to them throws
     * IllegalStateException, and so does a later allocation. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        arena.close();
    }
}
