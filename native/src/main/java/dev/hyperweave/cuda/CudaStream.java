package dev.hyperweave.cuda;

import dev.hyperweave.cuda.bindings.cuda_h;
import java.lang.foreign.MemorySegment;

/**
 * A non-blocking stream: work on it runs in order, concurrently with other streams. Created with
 * {@code CU_STREAM_NON_BLOCKING}, so it is not ordered with the default (NULL) stream either, which
 * {@link DeviceBuffer}'s copies and fills use. Created by {@link CudaContext#createStream()};
 * destroyed by {@link #close()} or with its context.
 */
public final class CudaStream extends DeviceResource {
    private final MemorySegment handle; // CUstream

    CudaStream(CudaContext context, MemorySegment handle) {
        super(context);
        this.handle = handle;
    }

    MemorySegment handle() {
        use();
        return handle;
    }

    /**
     * Waits until all work queued on this stream has finished (cuStreamSynchronize).
     *
     * @throws IllegalStateException if this stream was released
     * @throws CudaException naming cuStreamSynchronize if the wait fails, or work on the stream failed
     */
    public void synchronize() {
        use();
        Cuda.check(cuda_h.cuStreamSynchronize(handle), "cuStreamSynchronize");
    }

    @Override
    String what() {
        return "CUDA stream";
    }

    @Override
    void release() {
        Cuda.check(cuda_h.cuStreamDestroy_v2(handle), "cuStreamDestroy_v2");
    }
}
