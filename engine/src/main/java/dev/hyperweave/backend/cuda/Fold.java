package dev.hyperweave.backend.cuda;

import dev.hyperweave.tensor.Shape;
import dev.hyperweave.tensor.ShapeException;
import dev.hyperweave.tensor.Tensor;

import java.util.Arrays;

/**
 * Folds same-shaped strided operands into the four dims n0..n3 the element-wise kernels take
 * (kernels/common.cuh): size-1 dims are dropped, adjacent dims that are contiguous in every operand
 * are merged, and the rest is right-aligned behind leading 1s. Reused across calls, so a launch
 * allocates nothing; one instance per backend, which is driven by one thread.
 */
final class Fold {
    static final int DIMS = 4;
    private static final int MAX_OPERANDS = 3;
    private static final int MAX_RANK = 16;

    /** n0..n3 after folding. */
    final int[] n = new int[DIMS];
    /** strides[operand][0..3], in elements. */
    final long[][] strides = new long[MAX_OPERANDS][DIMS];
    long numel;

    private final Tensor[] ops = new Tensor[MAX_OPERANDS];
    private final int[] sizes = new int[MAX_RANK];
    private final long[][] merged = new long[MAX_OPERANDS][MAX_RANK];

    void fold(String kernel, Tensor a) { fold(kernel, a, null, null); }

    void fold(String kernel, Tensor a, Tensor b) { fold(kernel, a, b, null); }

    void fold(String kernel, Tensor a, Tensor b, Tensor c) {
        ops[0] = a; ops[1] = b; ops[2] = c;
        int count = b == null ? 1 : c == null ? 2 : 3;
        int rank = a.rank();
        if (rank > sizes.length) throw tooMany(kernel, a);
        numel = a.numel();
        int k = 0; // merged dims so far, innermost first
        for (int d = rank - 1; d >= 0; d--) {
            int size = a.dim(d);
            if (size == 1) continue;
            boolean merge = k > 0;
            for (int o = 0; o < count && merge; o++) merge = ops[o].stride(d) == merged[o][k - 1] * sizes[k - 1];
            if (merge) {
                sizes[k - 1] *= size;
            } else {
                sizes[k] = size;
                for (int o = 0; o < count; o++) merged[o][k] = ops[o].stride(d);
                k++;
            }
        }
        if (k > DIMS) throw tooMany(kernel, a);
        for (int i = 0; i < DIMS; i++) {
            int src = DIMS - 1 - i; // slot i (outermost first) takes merged dim src, innermost first
            boolean real = src < k;
            n[i] = real ? sizes[src] : 1;
            for (int o = 0; o < count; o++) strides[o][i] = real ? merged[o][src] : 0;
        }
        ops[0] = ops[1] = ops[2] = null;
    }

    /** The output's dims for {@link #foldReduce}: each n[i] where kept, 1 where summed over. */
    final int[] o = new int[DIMS];
    private final boolean[] kept = new boolean[MAX_RANK];

    /** Folds x (strides[0]) and out (strides[1]) of a reduction; only dims alike in being summed merge. */
    void foldReduce(Tensor x, Tensor out) {
        int rank = x.rank();
        if (rank > sizes.length) throw tooMany("reduceSum", x);
        numel = x.numel();
        int k = 0;
        for (int d = rank - 1; d >= 0; d--) {
            int size = x.dim(d);
            if (size == 1) continue;
            boolean keep = out.dim(d) != 1;
            boolean merge = k > 0 && kept[k - 1] == keep && x.stride(d) == merged[0][k - 1] * sizes[k - 1]
                    && (!keep || out.stride(d) == merged[1][k - 1] * sizes[k - 1]);
            if (merge) {
                sizes[k - 1] *= size;
            } else {
                sizes[k] = size;
                kept[k] = keep;
                merged[0][k] = x.stride(d);
                merged[1][k] = keep ? out.stride(d) : 0;
                k++;
            }
        }
        if (k > DIMS) throw tooMany("reduceSum", x);
        for (int i = 0; i < DIMS; i++) {
            int src = DIMS - 1 - i;
            boolean real = src < k;
            n[i] = real ? sizes[src] : 1;
            o[i] = real && kept[src] ? sizes[src] : 1;
            strides[0][i] = real ? merged[0][src] : 0;
            strides[1][i] = real ? merged[1][src] : 0;
        }
    }

    private static ShapeException tooMany(String kernel, Tensor t) {
        return new ShapeException(kernel + " on cuda: the view " + Shape.str(t.shape()) + " with strides " + Arrays.toString(t.strides())
                + " does not fold to " + DIMS + " dims; make it contiguous first");
    }
}
