package dev.hyperweave.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Host memory: owns the native memory of the tensors it allocates; closing it frees all of them at once.
 * Memory is 64-byte aligned and zeroed. The arena is shared, so kernels may touch its tensors
 * from worker threads; closing it while a kernel runs is the caller's bug (access then fails with
 * IllegalStateException rather than crashing).
 */
public final class TensorArena implements TensorMemory {
    public static final long ALIGNMENT = 64;

    /** Process-wide count of native allocations made through any arena, for no-allocation tests. */
    private static final AtomicLong ALLOCATIONS = new AtomicLong();

    private final Arena arena = Arena.ofShared();
    private long bytesAllocated;
    private boolean closed;

    @Override
    public Tensor allocate(DType dtype, int... shape) {
        Shape.checkValid(shape);
        long bytes = Shape.numel(shape) * dtype.byteSize();
        return new Tensor(allocateBytes(bytes), dtype, 0, shape.clone(), Shape.contiguousStrides(shape));
    }

    /** Raw 64-byte aligned zeroed bytes, for planners that carve many tensors out of one slab. */
    public synchronized MemorySegment allocateBytes(long bytes) {
        if (closed) throw new IllegalStateException("TensorArena is closed");
        ALLOCATIONS.incrementAndGet();
        bytesAllocated += bytes;
        return arena.allocate(Math.max(bytes, 1), ALIGNMENT);
    }

    @Override
    public synchronized long bytesAllocated() { return bytesAllocated; }

    public static long allocationCount() { return ALLOCATIONS.get(); }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        arena.close();
    }
}
