package dev.hyperweave.cuda;

import dev.hyperweave.cuda.bindings.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A timing event: record on a stream, then read the time elapsed since another event. */
public final class CudaEvent extends DeviceResource {
    private final MemorySegment handle; // CUevent

    CudaEvent(CudaContext context, MemorySegment handle) {
        super(context);
        this.handle = handle;
    }

    /** Records the event on {@code stream} (null: the default stream). */
    public void record(CudaStream stream) {
        use();
        Cuda.check(cuda_h.cuEventRecord(handle, stream == null ? MemorySegment.NULL : stream.handle()), "cuEventRecord");
    }

    public void synchronize() {
        use();
        Cuda.check(cuda_h.cuEventSynchronize(handle), "cuEventSynchronize");
    }

    /** Milliseconds from {@code start} to this event; both must have been recorded and completed. */
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
