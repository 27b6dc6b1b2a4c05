package dev.hyperweave.cuda;

import dev.hyperweave.cuda.bindings.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** One CUDA device: its properties, and its primary context. */
public final class CudaDevice {
    private final int ordinal;
    private final int handle; // CUdevice

    CudaDevice(int ordinal, int handle) {
        this.ordinal = ordinal;
        this.handle = handle;
    }

    public int ordinal() {
        return ordinal;
    }

    int handle() {
        return handle;
    }

    public String name() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            Cuda.check(cuda_h.cuDeviceGetName(buf, 256, handle), "cuDeviceGetName");
            return buf.getString(0);
        }
    }

    /** A CUdevice_attribute, e.g. {@code cuda_h.CU_DEVICE_ATTRIBUTE_WARP_SIZE()}. */
    public int attribute(int attribute) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
            Cuda.check(cuda_h.cuDeviceGetAttribute(v, attribute, handle), "cuDeviceGetAttribute");
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** Compute capability as major * 10 + minor: 80 for sm_80, 90 for sm_90. */
    public int computeCapability() {
        return attribute(cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR()) * 10
                + attribute(cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR());
    }

    public int multiprocessors() {
        return attribute(cuda_h.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT());
    }

    public long totalMemory() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_LONG);
            Cuda.check(cuda_h.cuDeviceTotalMem_v2(v, handle), "cuDeviceTotalMem_v2");
            return v.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /**
     * Retains the device's primary context. The returned object owns what is created through it and
     * releases all of it, then its hold on the context, when closed.
     */
    public CudaContext primaryContext() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctx = arena.allocate(ValueLayout.ADDRESS);
            Cuda.check(cuda_h.cuDevicePrimaryCtxRetain(ctx, handle), "cuDevicePrimaryCtxRetain");
            return new CudaContext(this, ctx.get(ValueLayout.ADDRESS, 0));
        }
    }

    /** "cuda:0 NAME, compute 8.0, 108 multiprocessors, 40.0 GiB". */
    public String describe() {
        int cc = computeCapability();
        return String.format("cuda:%d %s, compute %d.%d, %d multiprocessors, %.1f GiB", ordinal, name(), cc / 10, cc % 10,
                multiprocessors(), totalMemory() / (double) (1L << 30));
    }

    @Override
    public String toString() {
        return "cuda:" + ordinal;
    }
}
