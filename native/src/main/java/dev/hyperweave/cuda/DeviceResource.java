package dev.hyperweave.cuda;

/**
 * Something a {@link CudaContext} owns on the device (memory, module, stream, event): released
 * exactly once, by {@link #close()} or with its context, after which every use is an
 * IllegalStateException rather than a call into the driver with a dead handle.
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

    public final synchronized boolean isReleased() {
        return released;
    }

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
