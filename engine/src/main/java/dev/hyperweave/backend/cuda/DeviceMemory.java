package dev.hyperweave.backend.cuda;

import dev.hyperweave.cuda.DeviceBuffer;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Shape;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorMemory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Device memory for the cuda backend's tensors: one driver allocation per tensor, zero-filled (as host
 * memory is), all freed by {@link #close()}. The tensors' segments carry device addresses; the backend
 * maps each back to its buffer for host copies.
 */
final class DeviceMemory implements TensorMemory {
    private final CudaBackend backend;
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private long bytes;
    private boolean closed;

    DeviceMemory(CudaBackend backend) {
        this.backend = backend;
    }

    @Override
    public synchronized Tensor allocate(DType dtype, int... shape) {
        if (closed) throw new IllegalStateException("device memory is closed");
        Shape.checkValid(shape);
        long size = Math.max(Shape.numel(shape) * dtype.byteSize(), 4);
        DeviceBuffer buffer = backend.context().allocate(size);
        buffer.fillBytes(0, size, (byte) 0);
        buffers.add(buffer);
        bytes += size;
        MemorySegment segment = CudaBackend.segmentOf(buffer);
        backend.register(segment, buffer);
        return Tensor.inDeviceMemory(segment, dtype, 0, shape, Shape.contiguousStrides(shape));
    }

    @Override
    public synchronized long bytesAllocated() {
        return bytes;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        // No queued kernel may still use them; a closed context has released them all already.
        if (!buffers.isEmpty() && !backend.context().isClosed()) backend.context().synchronize();
        for (int i = buffers.size() - 1; i >= 0; i--) {
            backend.unregister(buffers.get(i));
            buffers.get(i).close();
        }
        buffers.clear();
    }
}
