package dev.hyperweave.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A kernel's argument list, marshalled the way cuLaunchKernel wants it: an array of pointers, one per
 * parameter, each to that parameter's value. Values live in 8-byte slots of native memory owned by
 * this object, so an instance can be cleared and refilled for every launch without allocating.
 * Parameters are appended in the kernel's order; each setter returns this object for chaining.
 *
 * <p>Not thread-safe: fill and launch from one thread at a time. {@link #close()} frees the native
 * memory; appending to or launching with a closed list throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (KernelArgs args = new KernelArgs()) {
 *     args.pointer(x).pointer(y).i32(n).f32(alpha);
 *     kernel.launch(Dim3.of(blocks), Dim3.of(256), 0, stream, args);
 * }
 * }</pre>
 */
public final class KernelArgs implements AutoCloseable {
    /** More parameters than any of our kernels takes; the driver's own limit is far higher. */
    public static final int MAX_ARGS = 64;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment values = arena.allocate(8L * MAX_ARGS, 8);
    private final MemorySegment pointers = arena.allocate(ValueLayout.ADDRESS, MAX_ARGS);
    private int count;

    /** An empty argument list, with native memory for {@link #MAX_ARGS} parameters (1 KiB). */
    public KernelArgs() {
        for (int i = 0; i < MAX_ARGS; i++) pointers.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice(8L * i));
    }

    /**
     * Empties the list for the next launch, keeping its memory.
     *
     * @return this
     */
    public KernelArgs clear() {
        count = 0;
        return this;
    }

    /**
     * The number of parameters appended since creation or the last {@link #clear()}.
     *
     * @return the parameter count
     */
    public int count() {
        return count;
    }

    private long slot() {
        if (count == MAX_ARGS) throw new IllegalStateException("more than " + MAX_ARGS + " kernel arguments");
        return 8L * count++;
    }

    /**
     * Appends a device pointer parameter (.u64 / T*): the buffer's address.
     *
     * @param buffer the buffer to point at
     * @return this
     * @throws IllegalStateException if {@code buffer} was released, or the list already holds
     *         {@link #MAX_ARGS} parameters
     */
    public KernelArgs pointer(DeviceBuffer buffer) {
        return i64(buffer.address());
    }

    /**
     * Appends a device pointer {@code byteOffset} bytes into {@code buffer}. The offset may equal the
     * buffer's size (one past the end), as for an empty range.
     *
     * @param buffer     the buffer to point into
     * @param byteOffset the offset from the buffer's start, in bytes
     * @return this
     * @throws IndexOutOfBoundsException if {@code byteOffset} is negative or past the buffer's end
     * @throws IllegalStateException if {@code buffer} was released, or the list already holds
     *         {@link #MAX_ARGS} parameters
     */
    public KernelArgs pointer(DeviceBuffer buffer, long byteOffset) {
        if (byteOffset < 0 || byteOffset > buffer.byteSize()) {
            throw new IndexOutOfBoundsException("pointer offset " + byteOffset + " is outside the " + buffer.what());
        }
        return i64(buffer.address() + byteOffset);
    }

    /**
     * Appends a 32-bit integer parameter (.s32 / .u32: int, unsigned).
     *
     * @param v the value
     * @return this
     * @throws IllegalStateException if the list already holds {@link #MAX_ARGS} parameters
     */
    public KernelArgs i32(int v) {
        values.set(ValueLayout.JAVA_INT, slot(), v);
        return this;
    }

    /**
     * Appends a 64-bit integer parameter (.s64 / .u64: long long, size_t).
     *
     * @param v the value
     * @return this
     * @throws IllegalStateException if the list already holds {@link #MAX_ARGS} parameters
     */
    public KernelArgs i64(long v) {
        values.set(ValueLayout.JAVA_LONG, slot(), v);
        return this;
    }

    /**
     * Appends a single-precision parameter (.f32: float).
     *
     * @param v the value
     * @return this
     * @throws IllegalStateException if the list already holds {@link #MAX_ARGS} parameters
     */
    public KernelArgs f32(float v) {
        values.set(ValueLayout.JAVA_FLOAT, slot(), v);
        return this;
    }

    /**
     * Appends a double-precision parameter (.f64: double).
     *
     * @param v the value
     * @return this
     * @throws IllegalStateException if the list already holds {@link #MAX_ARGS} parameters
     */
    public KernelArgs f64(double v) {
        values.set(ValueLayout.JAVA_DOUBLE, slot(), v);
        return this;
    }

    /** The void** array to pass as kernelParams. */
    MemorySegment pointers() {
        return pointers;
    }

    /**
     * Frees the native memory. Closing twice is harmless.
     */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
