package dev.hyperweave.cuda;

import dev.hyperweave.cuda.bindings.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A hold on a device's primary context, and the owner of everything allocated through it. The driver
 * keeps a current context per thread: every operation here, or on what it owns, first makes this
 * context current on the calling thread, so any thread may use it. {@link #close()} releases every
 * live buffer, module, stream and event (newest first), then the hold on the primary context.
 *
 * <p>Obtained from {@link CudaDevice#primaryContext()}. Once closed, every method but
 * {@link #device()}, {@link #liveResources()} and {@code close()} throws {@link IllegalStateException},
 * as does every use of what it owned. The context this layer last made current is remembered per
 * thread, and cuCtxSetCurrent runs only when it differs: code that changes the current context through
 * the driver directly must restore it before using this layer again on that thread.
 */
public final class CudaContext implements AutoCloseable {
    /** The context this layer last made current on each thread (saves a cuCtxSetCurrent per call). */
    private static final ThreadLocal<MemorySegment> CURRENT = new ThreadLocal<>();

    private final CudaDevice device;
    private final MemorySegment handle; // CUcontext
    private final Set<DeviceResource> live = new LinkedHashSet<>();
    private boolean closed;

    CudaContext(CudaDevice device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    /**
     * The device whose primary context this holds. Available after {@link #close()}.
     *
     * @return the device
     */
    public CudaDevice device() {
        return device;
    }

    /** Makes this context current on the calling thread if this layer has not already done so. */
    void use() {
        synchronized (this) {
            if (closed) throw new IllegalStateException("the CUDA context of " + device + " was already closed");
        }
        makeCurrent();
    }

    private void makeCurrent() {
        if (!handle.equals(CURRENT.get())) {
            Cuda.check(cuda_h.cuCtxSetCurrent(handle), "cuCtxSetCurrent");
            CURRENT.set(handle);
        }
    }

    private <R extends DeviceResource> R own(R r) {
        synchronized (this) {
            live.add(r);
        }
        return r;
    }

    /**
     * Device memory of {@code bytes} bytes (contents undefined), owned by this context until the
     * buffer or the context is closed.
     *
     * @param bytes the size in bytes, at least 1
     * @return the buffer (cuMemAlloc_v2)
     * @throws IllegalArgumentException if {@code bytes} is not positive
     * @throws IllegalStateException if this context was closed
     * @throws CudaOutOfMemoryException if the device cannot hold the allocation; the message names
     *         cuMemAlloc_v2 and the size
     * @throws CudaException naming cuMemAlloc_v2 and the size if the driver fails otherwise
     */
    public DeviceBuffer allocate(long bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("device allocation of " + bytes + " bytes: the size must be positive");
        use();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(ValueLayout.JAVA_LONG);
            int r = cuda_h.cuMemAlloc_v2(p, bytes);
            if (r != 0) throw Cuda.error(r, "cuMemAlloc_v2 (" + bytes + " bytes)", null);
            return own(new DeviceBuffer(this, p.get(ValueLayout.JAVA_LONG, 0), bytes));
        }
    }

    /**
     * Loads a module from PTX text; a JIT failure throws with the compiler's log in the message. The
     * driver compiles the PTX for this device at the call. The module is owned by this context until
     * it or the context is closed.
     *
     * @param ptx the module's PTX source
     * @return the loaded module (cuModuleLoadDataEx)
     * @throws IllegalStateException if this context was closed
     * @throws CudaException naming cuModuleLoadDataEx, with the JIT error log (up to 16 KiB) when the
     *         compiler wrote one, if the PTX does not load
     */
    public CudaModule loadModule(String ptx) {
        use();
        return own(CudaModule.load(this, ptx));
    }

    /**
     * A new non-blocking stream (cuStreamCreate with {@code CU_STREAM_NON_BLOCKING}), owned by this
     * context until it or the context is closed.
     *
     * @return the stream
     * @throws IllegalStateException if this context was closed
     * @throws CudaException naming cuStreamCreate if the driver fails
     */
    public CudaStream createStream() {
        use();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(ValueLayout.ADDRESS);
            Cuda.check(cuda_h.cuStreamCreate(s, cuda_h.CU_STREAM_NON_BLOCKING()), "cuStreamCreate");
            return own(new CudaStream(this, s.get(ValueLayout.ADDRESS, 0)));
        }
    }

    /**
     * A new timing event (cuEventCreate with {@code CU_EVENT_DEFAULT}), owned by this context until it
     * or the context is closed.
     *
     * @return the event, not yet recorded
     * @throws IllegalStateException if this context was closed
     * @throws CudaException naming cuEventCreate if the driver fails
     */
    public CudaEvent createEvent() {
        use();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment e = arena.allocate(ValueLayout.ADDRESS);
            Cuda.check(cuda_h.cuEventCreate(e, cuda_h.CU_EVENT_DEFAULT()), "cuEventCreate");
            return own(new CudaEvent(this, e.get(ValueLayout.ADDRESS, 0)));
        }
    }

    /**
     * Waits for all work in this context, on every stream (cuCtxSynchronize). A kernel's failure at run
     * time (an illegal address, say) is reported here, or by the next call that synchronizes.
     *
     * @throws IllegalStateException if this context was closed
     * @throws CudaException naming cuCtxSynchronize if the work, or the wait, failed
     */
    public void synchronize() {
        use();
        Cuda.check(cuda_h.cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /**
     * {free, total} device memory in bytes, device-wide: other contexts and processes count too.
     *
     * @return a new two-element array: free bytes, then total bytes (cuMemGetInfo_v2)
     * @throws IllegalStateException if this context was closed
     * @throws CudaException naming cuMemGetInfo_v2 if the driver fails
     */
    public long[] memoryInfo() {
        use();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(ValueLayout.JAVA_LONG), total = arena.allocate(ValueLayout.JAVA_LONG);
            Cuda.check(cuda_h.cuMemGetInfo_v2(free, total), "cuMemGetInfo_v2");
            return new long[] {free.get(ValueLayout.JAVA_LONG, 0), total.get(ValueLayout.JAVA_LONG, 0)};
        }
    }

    /**
     * Whether {@link #close()} has run (then the context's resources are released).
     *
     * @return true once closed
     */
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Resources created through this context and not yet released: a leak check.
     *
     * @return the number of live buffers, modules, streams and events; 0 once closed
     */
    public synchronized int liveResources() {
        return live.size();
    }

    /** Frees one resource (called by its close()). */
    void release(DeviceResource r) {
        synchronized (this) {
            if (!live.remove(r)) return; // already released by close()
        }
        makeCurrent();
        r.release();
    }

    /**
     * Releases every live buffer, module, stream and event, newest first, then this hold on the
     * primary context (cuDevicePrimaryCtxRelease_v2); the driver destroys the context when its last
     * hold goes. Closing twice is harmless. A failed release does not stop the others: the first
     * failure is thrown once all were tried, with later ones suppressed, and the context counts as
     * closed regardless.
     *
     * @throws CudaException naming the driver call of the first release that failed, or naming
     *         cuCtxSetCurrent if the context could not be made current (then no resource was freed)
     */
    @Override
    public void close() {
        List<DeviceResource> toRelease;
        synchronized (this) {
            if (closed) return;
            closed = true;
            toRelease = new ArrayList<>(live);
            live.clear();
        }
        RuntimeException first = null;
        try {
            makeCurrent();
            for (int i = toRelease.size() - 1; i >= 0; i--) {
                try {
                    toRelease.get(i).releaseFromContext();
                } catch (RuntimeException e) {
                    if (first == null) first = e; else first.addSuppressed(e);
                }
            }
        } finally {
            if (handle.equals(CURRENT.get())) CURRENT.remove();
            int r = cuda_h.cuDevicePrimaryCtxRelease_v2(device.handle());
            if (r != 0 && first == null) first = Cuda.error(r, "cuDevicePrimaryCtxRelease_v2", null);
        }
        if (first != null) throw first;
    }
}
