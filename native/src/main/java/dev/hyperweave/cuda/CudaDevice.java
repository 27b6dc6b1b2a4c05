package dev.hyperweave.cuda;

import dev.hyperweave.cuda.bindings.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One CUDA device: its properties, and its primary context. Obtained from {@link Cuda#device(int)} or
 * {@link Cuda#devices()}. Property queries need no context, may be made from any thread and are not
 * cached: each is a driver call.
 */
public final class CudaDevice {
    private final int ordinal;
    private final int handle; // CUdevice

    CudaDevice(int ordinal, int handle) {
        this.ordinal = ordinal;
        this.handle = handle;
    }

    /**
     * The driver's index of this device.
     *
     * @return the ordinal, as passed to {@link Cuda#device(int)}
     */
    public int ordinal() {
        return ordinal;
    }

    int handle() {
        return handle;
    }

    /**
     * The product name, e.g. "NVIDIA H100 80GB HBM3".
     *
     * @return the name the driver reports (cuDeviceGetName)
     * @throws CudaException naming cuDeviceGetName if the driver fails
     */
    public String name() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            Cuda.check(cuda_h.cuDeviceGetName(buf, 256, handle), "cuDeviceGetName");
            return buf.getString(0);
        }
    }

    /**
     * A CUdevice_attribute, e.g. {@code cuda_h.CU_DEVICE_ATTRIBUTE_WARP_SIZE()}. The bindings are
     * exported to this module only, so modular callers pass the value from cuda.h (10 for
     * {@code CU_DEVICE_ATTRIBUTE_WARP_SIZE}).
     *
     * @param attribute a {@code CUdevice_attribute} value
     * @return the attribute's value for this device (cuDeviceGetAttribute)
     * @throws CudaException naming cuDeviceGetAttribute if the driver refuses the attribute
     */
    public int attribute(int attribute) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
            Cuda.check(cuda_h.cuDeviceGetAttribute(v, attribute, handle), "cuDeviceGetAttribute");
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /**
     * Compute capability as major * 10 + minor: 80 for sm_80, 90 for sm_90.
     *
     * @return the compute capability, as one number
     * @throws CudaException naming cuDeviceGetAttribute if the driver fails
     */
    public int computeCapability() {
        return attribute(cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR()) * 10
                + attribute(cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR());
    }

    /**
     * The number of streaming multiprocessors.
     *
     * @return {@code CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT}
     * @throws CudaException naming cuDeviceGetAttribute if the driver fails
     */
    public int multiprocessors() {
        return attribute(cuda_h.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT());
    }

    /**
     * The device's global memory, in bytes; for what is free now, see {@link CudaContext#memoryInfo()}.
     *
     * @return the total global memory in bytes (cuDeviceTotalMem_v2)
     * @throws CudaException naming cuDeviceTotalMem_v2 if the driver fails
     */
    public long totalMemory() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(ValueLayout.JAVA_LONG);
            Cuda.check(cuda_h.cuDeviceTotalMem_v2(v, handle), "cuDeviceTotalMem_v2");
            return v.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /**
     * Retains the device's primary context. The returned object owns what is created through it and
     * releases all of it, then its hold on the context, when closed. Every call retains once more and
     * returns a new owner: the driver context is shared, but each owner must be closed.
     *
     * @return a new hold on the primary context (cuDevicePrimaryCtxRetain)
     * @throws CudaException naming cuDevicePrimaryCtxRetain if the driver fails
     */
    public CudaContext primaryContext() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctx = arena.allocate(ValueLayout.ADDRESS);
            Cuda.check(cuda_h.cuDevicePrimaryCtxRetain(ctx, handle), "cuDevicePrimaryCtxRetain");
            return new CudaContext(this, ctx.get(ValueLayout.ADDRESS, 0));
        }
    }

    /**
     * A line for logs and diagnostics, e.g. "cuda:0 NAME, compute 8.0, 108 multiprocessors, 40.0 GiB".
     * Numbers are formatted in the default locale.
     *
     * @return the ordinal, name, compute capability, multiprocessor count and total memory in GiB
     * @throws CudaException naming the driver call if a query fails
     */
    public String describe() {
        int cc = computeCapability();
        return String.format("cuda:%d %s, compute %d.%d, %d multiprocessors, %.1f GiB", ordinal, name(), cc / 10, cc % 10,
                multiprocessors(), totalMemory() / (double) (1L << 30));
    }

    /**
     * The name this layer uses for the device in messages.
     *
     * @return {@code "cuda:"} followed by the ordinal
     */
    @Override
    public String toString() {
        return "cuda:" + ordinal;
    }
}
