package dev.hyperweave.cuda;

import dev.hyperweave.cuda.bindings.cuda_h;
import java.lang.foreign.MemorySegment;

/** A non-blocking stream: work on it runs in order, concurrently with other streams. */
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

    /** Waits until all work queued on this stream has finished. */
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
