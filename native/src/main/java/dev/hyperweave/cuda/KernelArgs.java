package dev.hyperweave.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A kernel's argument list, marshalled the way cuLaunchKernel wants it: an array of pointers, one per
 * parameter, each to that parameter's value. Values live in 8-byte slots of native memory owned by
 * this object, so an instance can be cleared and refilled for every launch without allocating.
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

    public KernelArgs() {
        for (int i = 0; i < MAX_ARGS; i++) pointers.setAtIndex(ValueLayout.ADDRESS, i, values.asSlice(8L * i));
    }

    public KernelArgs clear() {
        count = 0;
        return this;
    }

    public int count() {
        return count;
    }

    private long slot() {
        if (count == MAX_ARGS) throw new IllegalStateException("more than " + MAX_ARGS + " kernel arguments");
        return 8L * count++;
    }

    /** A device pointer parameter (.u64 / T*). */
    public KernelArgs pointer(DeviceBuffer buffer) {
        return i64(buffer.address());
    }

    /** A device pointer {@code byteOffset} bytes into {@code buffer}. */
    public KernelArgs pointer(DeviceBuffer buffer, long byteOffset) {
        if (byteOffset < 0 || byteOffset > buffer.byteSize()) {
            throw new IndexOutOfBoundsException("pointer offset " + byteOffset + " is outside the " + buffer.what());
        }
        return i64(buffer.address() + byteOffset);
    }

    public KernelArgs i32(int v) {
        values.set(ValueLayout.JAVA_INT, slot(), v);
        return this;
    }

    public KernelArgs i64(long v) {
        values.set(ValueLayout.JAVA_LONG, slot(), v);
        return this;
    }

    public KernelArgs f32(float v) {
        values.set(ValueLayout.JAVA_FLOAT, slot(), v);
        return this;
    }

    public KernelArgs f64(double v) {
        values.set(ValueLayout.JAVA_DOUBLE, slot(), v);
        return this;
    }

    /** The void** array to pass as kernelParams. */
    MemorySegment pointers() {
        return pointers;
    }

    @Override
    public void close() {
        arena.close();
    }
}
