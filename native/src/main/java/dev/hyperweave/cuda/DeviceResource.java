package dev.hyperweave.cuda;

/**
 * Something a {@link CudaContext} owns on the device (memory, module, stream, event): released
 * exactly once, by {@link #close()} or with its context, after which every use is an
 * IllegalStateException rather than a call into the driver with a dead handle. Like its context, it
 * may be used from any thread: each call makes the context current first.
 */
public abstract sealed class DeviceResource implements AutoCloseable
        permits DeviceBuffer, CudaModule, CudaStream, CudaEvent {
    final CudaContext context;
    private boolean released;

    DeviceResource(CudaContext context) {
        this.context = context;
    }

    /** What this is, for messages: "device buffer of 4096 bytes". */
    abstract String what();

    /** Frees the driver object; the context is current when this runs. */
    abstract void release();

    /** Checks the resource (and its context) are live and makes the context current on this thread. */
    final void use() {
        synchronized (this) {
            if (released) throw new IllegalStateException(what() + " was already released");
        }
        context.use();
    }

    /**
     * Whether this was released, by {@link #close()} or by closing its context.
     *
     * @return true once released
     */
    public final synchronized boolean isReleased() {
        return released;
    }

    /**
     * Frees the driver object (cuMemFree_v2, cuModuleUnload, cuStreamDestroy_v2 or cuEventDestroy_v2)
     * and drops it from its context. Closing twice, or after the context was closed, is harmless. The
     * resource counts as released even if the driver call fails.
     *
     * @throws CudaException naming the driver call if it fails
     */
    @Override
    public final void close() {
        synchronized (this) {
            if (released) return;
            released = true;
        }
        context.release(this);
    }

    /** Called by the context with itself current; marks released and frees. */
    final void releaseFromContext() {
        synchronized (this) {
            released = true;
        }
        release();
    }
}
