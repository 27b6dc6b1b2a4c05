package dev.hyperweave.cuda;

import dev.hyperweave.cuda.bindings.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Device memory. Offsets and lengths are in bytes and are checked here, before the driver sees them;
 * host memory may be any segment (heap segments go through a native staging copy, since the driver
 * cannot read the Java heap).
 */
public final class DeviceBuffer extends DeviceResource {
    private final long address;
    private final long byteSize;

    DeviceBuffer(CudaContext context, long address, long byteSize) {
        super(context);
        this.address = address;
        this.byteSize = byteSize;
    }

    /** The device address (a CUdeviceptr), for kernel arguments. */
    public long address() {
        use();
        return address;
    }

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

    /** Copies all of {@code src} into this buffer at {@code offset}. */
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

    public void copyFromHost(MemorySegment src) {
        copyFromHost(src, 0);
    }

    /** Fills all of {@code dst} from this buffer starting at {@code offset}. */
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

    public void copyToHost(MemorySegment dst) {
        copyToHost(0, dst);
    }

    public void copyFrom(float[] src) {
        copyFromHost(MemorySegment.ofArray(src), 0);
    }

    public float[] toFloatArray() {
        if (byteSize % 4 != 0) throw new IllegalStateException(what() + " is not a whole number of floats");
        float[] out = new float[Math.toIntExact(byteSize / 4)];
        copyToHost(0, MemorySegment.ofArray(out));
        return out;
    }

    /** Device-to-device copy of {@code bytes} bytes from {@code src} at srcOffset to this at dstOffset. */
    public void copyFrom(DeviceBuffer src, long srcOffset, long dstOffset, long bytes) {
        src.checkRange("copyFrom (source)", srcOffset, bytes);
        checkRange("copyFrom (destination)", dstOffset, bytes);
        src.use();
        use();
        if (bytes == 0) return;
        Cuda.check(cuda_h.cuMemcpyDtoD_v2(address + dstOffset, src.address + srcOffset, bytes), "cuMemcpyDtoD_v2");
    }

    /** Sets {@code bytes} bytes from {@code offset} to {@code value}. */
    public void fillBytes(long offset, long bytes, byte value) {
        checkRange("fillBytes", offset, bytes);
        use();
        if (bytes == 0) return;
        Cuda.check(cuda_h.cuMemsetD8_v2(address + offset, value, bytes), "cuMemsetD8_v2");
    }

    /** Sets {@code count} 32-bit words from byte {@code offset} (a multiple of 4) to {@code bits}. */
    public void fillInts(long offset, long count, int bits) {
        if (offset % 4 != 0) throw new IllegalArgumentException("fillInts: offset " + offset + " is not a multiple of 4");
        checkRange("fillInts", offset, count * 4);
        use();
        if (count == 0) return;
        Cuda.check(cuda_h.cuMemsetD32_v2(address + offset, bits, count), "cuMemsetD32_v2");
    }

    /** Every float of the buffer set to {@code value}. */
    public void fill(float value) {
        fillInts(0, byteSize / 4, Float.floatToRawIntBits(value));
    }

    @Override
    public String toString() {
        return what() + (isReleased() ? " (released)" : " at 0x" + Long.toHexString(address));
    }
}
