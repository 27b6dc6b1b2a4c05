package dev.hyperweave.backend.cuda;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.BinaryOp;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorMemory;

import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The cuda backend behind the host-tensor interface of the kernel test suites: for each call, every
 * host buffer an argument views is copied whole into device memory, the kernel runs on device views
 * with the same offsets and strides, and every buffer is copied back. Sentinels and NaN poison around
 * and inside the views therefore make the round trip, and the suites' checks apply unchanged.
 */
final class Mirrored implements Backend {
    private final CudaBackend cuda;
    private final Map<MemorySegment, Tensor> copies = new IdentityHashMap<>();
    private TensorMemory memory;

    Mirrored(CudaBackend cuda) {
        this.cuda = cuda;
    }

    private Tensor d(Tensor host) {
        if (host == null) return null;
        Tensor base = copies.get(host.segment());
        if (base == null) {
            MemorySegment seg = host.segment();
            base = memory.allocate(DType.I32, Math.toIntExact(Math.max(1, (seg.byteSize() + 3) / 4)));
            cuda.write(words(base, seg), seg.asSlice(0, seg.byteSize() / 4 * 4));
            copies.put(seg, base);
        }
        return Tensor.inDeviceMemory(base.segment(), host.dtype(), host.offset(), host.shape(), host.strides());
    }

    /** The whole 32-bit words of {@code seg} (a host arena pads empty tensors to one byte). */
    private static Tensor words(Tensor base, MemorySegment seg) {
        return base.slice(0, 0, Math.toIntExact(seg.byteSize() / 4));
    }

    private void call(Runnable kernel) {
        memory = cuda.newMemory();
        try {
            kernel.run();
            for (Map.Entry<MemorySegment, Tensor> e : copies.entrySet()) {
                MemorySegment seg = e.getKey();
                cuda.read(words(e.getValue(), seg), seg.asSlice(0, seg.byteSize() / 4 * 4));
            }
        } finally {
            copies.clear();
            memory.close();
        }
    }

    @Override public String name() { return cuda.name(); }
    @Override public int threads() { return cuda.threads(); }
    @Override public boolean supports(DType dtype) { return cuda.supports(dtype); }

    @Override
    public void matmul(Tensor a, Tensor b, Tensor c, Tensor bias, Activation act, boolean accumulate) {
        call(() -> cuda.matmul(d(a), d(b), d(c), d(bias), act, accumulate));
    }

    @Override public void activation(Activation act, Tensor x, Tensor y) { call(() -> cuda.activation(act, d(x), d(y))); }
    @Override public void activationGrad(Activation act, Tensor y, Tensor dy, Tensor dx) { call(() -> cuda.activationGrad(act, d(y), d(dy), d(dx))); }
    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) { call(() -> cuda.binary(op, d(a), d(b), d(out))); }
    @Override public void scale(Tensor x, double alpha, Tensor out) { call(() -> cuda.scale(d(x), alpha, d(out))); }
    @Override public void accumulate(Tensor x, Tensor out) { call(() -> cuda.accumulate(d(x), d(out))); }
    @Override public void fill(Tensor t, double v) { call(() -> cuda.fill(d(t), v)); }
    @Override public void copy(Tensor src, Tensor dst) { call(() -> cuda.copy(d(src), d(dst))); }
    @Override public void reduceSum(Tensor x, Tensor out, double alpha) { call(() -> cuda.reduceSum(d(x), d(out), alpha)); }

    @Override
    public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor loss) {
        call(() -> cuda.softmaxCrossEntropy(d(logits), d(labels), d(loss)));
    }

    @Override
    public void softmaxCrossEntropyGrad(Tensor logits, Tensor labels, Tensor dloss, Tensor dlogits) {
        call(() -> cuda.softmaxCrossEntropyGrad(d(logits), d(labels), d(dloss), d(dlogits)));
    }

    @Override public void meanSquaredError(Tensor pred, Tensor target, Tensor loss) { call(() -> cuda.meanSquaredError(d(pred), d(target), d(loss))); }

    @Override
    public void meanSquaredErrorGrad(Tensor pred, Tensor target, Tensor dloss, Tensor dpred) {
        call(() -> cuda.meanSquaredErrorGrad(d(pred), d(target), d(dloss), d(dpred)));
    }

    @Override public void gatherRows(Tensor table, Tensor indices, Tensor out) { call(() -> cuda.gatherRows(d(table), d(indices), d(out))); }
    @Override public void scatterAddRows(Tensor src, Tensor indices, Tensor table) { call(() -> cuda.scatterAddRows(d(src), d(indices), d(table))); }

    @Override
    public void adam(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2, double eps, long step) {
        call(() -> cuda.adam(d(param), d(grad), d(m), d(v), lr, beta1, beta2, eps, step));
    }

    @Override
    public void sgd(Tensor param, Tensor grad, Tensor velocity, double lr, double momentum) {
        call(() -> cuda.sgd(d(param), d(grad), d(velocity), lr, momentum));
    }

    @Override
    public void close() {
        cuda.close();
    }
}
