package dev.hyperweave.cuda;

import dev.hyperweave.cuda.bindings.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Device memory. Offsets and lengths are in bytes and are checked here, before the driver sees them;
 * host memory may be any segment (heap segments go through a native staging copy, since the driver
 * cannot read the Java heap).
 *
 * <p>Copies and fills go to the default (NULL) stream. They run in order with kernels launched with a
 * null stream, but not with those on a {@link CudaStream}, which is non-blocking: synchronize such a
 * stream before copying what its kernels wrote. Copies to and from the host return once the host
 * memory is done with; device-to-device copies and fills only queue the work.
 *
 * <p>Created by {@link CudaContext#allocate(long)}; freed by {@link #close()} or with its context.
 */
public final class DeviceBuffer extends DeviceResource {
    private final long address;
    private final long byteSize;

    DeviceBuffer(CudaContext context, long address, long byteSize) {
        super(context);
        this.address = address;
        this.byteSize = byteSize;
    }

    /**
     * The device address (a CUdeviceptr), for kernel arguments.
     *
     * @return the address of the buffer's first byte
     * @throws IllegalStateException if this buffer was released
     */
    public long address() {
        use();
        return address;
    }

    /**
     * The size, as allocated. Available after release.
     *
     * @return the size in bytes
     */
    public long byteSize() {
        return byteSize;
    }

    @Override
    String what() {
        return "device buffer of " + byteSize + " bytes";
    }

    @Override
    void release() {
        Cuda.check(cuda_h.cuMemFree_v2(address), "cuMemFree_v2");
    }

    private void checkRange(String op, long offset, long bytes) {
        if (offset < 0 || bytes < 0 || offset > byteSize - bytes) {
            throw new IndexOutOfBoundsException(op + ": bytes [" + offset + ", " + (offset + bytes) + ") are outside the "
                    + what());
        }
    }

    /**
     * Copies all of {@code src} into this buffer at {@code offset} (cuMemcpyHtoD_v2). {@code src} may be
     * reused once this returns.
     *
     * @param src    host memory, native or heap; all its bytes are copied
     * @param offset where in this buffer to start, in bytes
     * @throws IndexOutOfBoundsException if {@code src.byteSize()} bytes from {@code offset} do not fit in
     *         this buffer
     * @throws IllegalStateException if this buffer was released
     * @throws CudaException naming cuMemcpyHtoD_v2 if the driver fails
     */
    public void copyFromHost(MemorySegment src, long offset) {
        checkRange("copyFromHost", offset, src.byteSize());
        use();
        if (src.byteSize() == 0) return;
        if (src.isNative()) {
            Cuda.check(cuda_h.cuMemcpyHtoD_v2(address + offset, src, src.byteSize()), "cuMemcpyHtoD_v2");
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(src.byteSize(), 64).copyFrom(src);
            Cuda.check(cuda_h.cuMemcpyHtoD_v2(address + offset, staging, staging.byteSize()), "cuMemcpyHtoD_v2");
        }
    }

    /**
     * Copies all of {@code src} to the start of this buffer, as {@link #copyFromHost(MemorySegment, long)}
     * does.
     *
     * @param src host memory, native or heap; all its bytes are copied
     * @throws IndexOutOfBoundsException if {@code src} is larger than this buffer
     * @throws IllegalStateException if this buffer was released
     * @throws CudaException naming cuMemcpyHtoD_v2 if the driver fails
     */
    public void copyFromHost(MemorySegment src) {
        copyFromHost(src, 0);
    }

    /**
     * Fills all of {@code dst} from this buffer starting at {@code offset} (cuMemcpyDtoH_v2). Returns
     * once the bytes are in {@code dst}.
     *
     * @param offset where in this buffer to start, in bytes
     * @param dst    host memory, native or heap; all its bytes are written
     * @throws IndexOutOfBoundsException if {@code dst.byteSize()} bytes from {@code offset} are not all
     *         in this buffer
     * @throws IllegalStateException if this buffer was released
     * @throws CudaException naming cuMemcpyDtoH_v2 if the driver fails, or a kernel queued before it
     *         failed
     */
    public void copyToHost(long offset, MemorySegment dst) {
        checkRange("copyToHost", offset, dst.byteSize());
        use();
        if (dst.byteSize() == 0) return;
        if (dst.isNative()) {
            Cuda.check(cuda_h.cuMemcpyDtoH_v2(dst, address + offset, dst.byteSize()), "cuMemcpyDtoH_v2");
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(dst.byteSize(), 64);
            Cuda.check(cuda_h.cuMemcpyDtoH_v2(staging, address + offset, staging.byteSize()), "cuMemcpyDtoH_v2");
            dst.copyFrom(staging);
        }
    }

    /**
     * Fills all of {@code dst} from the start of this buffer, as
     * {@link #copyToHost(long, MemorySegment)} does.
     *
     * @param dst host memory, native or heap; all its bytes are written
     * @throws IndexOutOfBoundsException if {@code dst} is larger than this buffer
     * @throws IllegalStateException if this buffer was released
     * @throws CudaException naming cuMemcpyDtoH_v2 if the driver fails, or a kernel queued before it
     *         failed
     */
    public void copyToHost(MemorySegment dst) {
        copyToHost(0, dst);
    }

    /**
     * Copies {@code src} to the start of this buffer, 4 bytes per element in native byte order; the
     * bytes past {@code 4 * src.length} keep their contents.
     *
     * @param src the floats to copy
     * @throws IndexOutOfBoundsException if {@code 4 * src.length} bytes do not fit in this buffer
     * @throws IllegalStateException if this buffer was released
     * @throws CudaException naming cuMemcpyHtoD_v2 if the driver fails
     */
    public void copyFrom(float[] src) {
        copyFromHost(MemorySegment.ofArray(src), 0);
    }

    /**
     * Copies the whole buffer to the host as floats, in native byte order.
     *
     * @return a new array of {@code byteSize() / 4} elements
     * @throws IllegalStateException if the size is not a multiple of 4 bytes, or this buffer was
     *         released
     * @throws ArithmeticException if the buffer holds more floats than an array can
     * @throws CudaException naming cuMemcpyDtoH_v2 if the driver fails, or a kernel queued before it
     *         failed
     */
    public float[] toFloatArray() {
        if (byteSize % 4 != 0) throw new IllegalStateException(what() + " is not a whole number of floats");
        float[] out = new float[Math.toIntExact(byteSize / 4)];
        copyToHost(0, MemorySegment.ofArray(out));
        return out;
    }

    /**
     * Device-to-device copy of {@code bytes} bytes from {@code src} at srcOffset to this at dstOffset
     * (cuMemcpyDtoD_v2). Queued on the default stream; returns without waiting for the copy.
     * {@code src} may be this buffer, but overlapping ranges give an undefined result.
     *
     * @param src       the buffer to copy from
     * @param srcOffset where in {@code src} to start, in bytes
     * @param dstOffset where in this buffer to start, in bytes
     * @param bytes     the number of bytes to copy
     * @throws IndexOutOfBoundsException if either range is not all inside its buffer
     * @throws IllegalStateException if either buffer was released
     * @throws CudaException naming cuMemcpyDtoD_v2 if the driver fails
     */
    public void copyFrom(DeviceBuffer src, long srcOffset, long dstOffset, long bytes) {
        src.checkRange("copyFrom (source)", srcOffset, bytes);
        checkRange("copyFrom (destination)", dstOffset, bytes);
        src.use();
        use();
        if (bytes == 0) return;
        Cuda.check(cuda_h.cuMemcpyDtoD_v2(address + dstOffset, src.address + srcOffset, bytes), "cuMemcpyDtoD_v2");
    }

    /**
     * Sets {@code bytes} bytes from {@code offset} to {@code value} (cuMemsetD8_v2). Queued on the
     * default stream; returns without waiting for it.
     *
     * @param offset where in this buffer to start, in bytes
     * @param bytes  the number of bytes to set
     * @param value  the byte to store
     * @throws IndexOutOfBoundsException if the range is not all inside this buffer
     * @throws IllegalStateException if this buffer was released
     * @throws CudaException naming cuMemsetD8_v2 if the driver fails
     */
    public void fillBytes(long offset, long bytes, byte value) {
        checkRange("fillBytes", offset, bytes);
        use();
        if (bytes == 0) return;
        Cuda.check(cuda_h.cuMemsetD8_v2(address + offset, value, bytes), "cuMemsetD8_v2");
    }

    /**
     * Sets {@code count} 32-bit words from byte {@code offset} (a multiple of 4) to {@code bits}
     * (cuMemsetD32_v2). Queued on the default stream; returns without waiting for it.
     *
     * @param offset where in this buffer to start, in bytes; a multiple of 4
     * @param count  the number of 32-bit words to set (not bytes)
     * @param bits   the word to store, e.g. {@code Float.floatToRawIntBits(x)} for a float
     * @throws IllegalArgumentException if {@code offset} is not a multiple of 4
     * @throws IndexOutOfBoundsException if the {@code 4 * count} bytes are not all inside this buffer
     * @throws IllegalStateException if this buffer was released
     * @throws CudaException naming cuMemsetD32_v2 if the driver fails
     */
    public void fillInts(long offset, long count, int bits) {
        if (offset % 4 != 0) throw new IllegalArgumentException("fillInts: offset " + offset + " is not a multiple of 4");
        if (count < 0 || count > byteSize / 4) throw new IndexOutOfBoundsException("fillInts: " + count + " words do not fit the " + what());
        checkRange("fillInts", offset, count * 4);
        use();
        if (count == 0) return;
        Cuda.check(cuda_h.cuMemsetD32_v2(address + offset, bits, count), "cuMemsetD32_v2");
    }

    /**
     * Every float of the buffer set to {@code value}, as {@link #fillInts(long, long, int)} does. When
     * the size is not a multiple of 4 bytes, the last 1 to 3 bytes keep their contents.
     *
     * @param value the float to store
     * @throws IllegalStateException if this buffer was released
     * @throws CudaException naming cuMemsetD32_v2 if the driver fails
     */
    public void fill(float value) {
        fillInts(0, byteSize / 4, Float.floatToRawIntBits(value));
    }

    /**
     * Describes the buffer for messages, without a driver call.
     *
     * @return the size, and the device address or that the buffer was released
     */
    @Override
    public String toString() {
        return what() + (isReleased() ? " (released)" : " at 0x" + Long.toHexString(address));
    }
}
