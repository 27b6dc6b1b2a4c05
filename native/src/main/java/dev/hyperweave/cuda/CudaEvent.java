package dev.hyperweave.cuda;

import dev.hyperweave.cuda.bindings.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A timing event: record on a stream, then read the time elapsed since another event. Created by
 * {@link CudaContext#createEvent()}; destroyed by {@link #close()} or with its context.
 */
public final class CudaEvent extends DeviceResource {
    private final MemorySegment handle; // CUevent

    CudaEvent(CudaContext context, MemorySegment handle) {
        super(context);
        this.handle = handle;
    }

    /**
     * Records the event on {@code stream} (null: the default stream): it completes when the work
     * queued there before it has finished. Recording again replaces the earlier record.
     *
     * @param stream the stream to record on, or null for the default stream
     * @throws IllegalStateException if this event or {@code stream} was released
     * @throws CudaException naming cuEventRecord if the driver fails
     */
    public void record(CudaStream stream) {
        use();
        Cuda.check(cuda_h.cuEventRecord(handle, stream == null ? MemorySegment.NULL : stream.handle()), "cuEventRecord");
    }

    /**
     * Waits until the event completes (cuEventSynchronize); returns at once if it was never recorded.
     *
     * @throws IllegalStateException if this event was released
     * @throws CudaException naming cuEventSynchronize if the wait fails, or the work before the event
     *         failed
     */
    public void synchronize() {
        use();
        Cuda.check(cuda_h.cuEventSynchronize(handle), "cuEventSynchronize");
    }

    /**
     * Milliseconds from {@code start} to this event; both must have been recorded and completed.
     * Does not wait: call {@link #synchronize()} first. The driver's resolution is about half a
     * microsecond.
     *
     * @param start the earlier event, of the same context
     * @return the elapsed time in milliseconds (cuEventElapsedTime_v2)
     * @throws IllegalStateException if either event was released
     * @throws CudaException naming cuEventElapsedTime_v2 if either event was not recorded
     *         (CUDA_ERROR_INVALID_HANDLE) or has not completed (CUDA_ERROR_NOT_READY)
     */
    public float millisSince(CudaEvent start) {
        start.use();
        use();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ms = arena.allocate(ValueLayout.JAVA_FLOAT);
            Cuda.check(cuda_h.cuEventElapsedTime_v2(ms, start.handle, handle), "cuEventElapsedTime_v2");
            return ms.get(ValueLayout.JAVA_FLOAT, 0);
        }
    }

    @Override
    String what() {
        return "CUDA event";
    }

    @Override
    void release() {
        Cuda.check(cuda_h.cuEventDestroy_v2(handle), "cuEventDestroy_v2");
    }
}
