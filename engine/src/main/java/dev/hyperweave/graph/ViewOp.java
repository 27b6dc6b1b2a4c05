package dev.hyperweave.graph;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.tensor.Tensor;

/**
 * An op whose output is a view of its single input: the planner applies {@link #view} to the input's
 * tensor instead of running a kernel. The same function maps a gradient buffer of the input's shape to
 * the region that belongs to this view, which is how gradients of slices land in place.
 */
public abstract class ViewOp extends Op {

    /** The view of {@code input} this op denotes. */
    public abstract Tensor view(Tensor input);

    /** Whether {@link #view} can be taken of this tensor (reshape of some strided tensors cannot). */
    public boolean canView(Tensor input) { return true; }

    @Override
    public final boolean isView() { return true; }

    /** Used only when the view cannot be taken: the planner then materialises a copy. */
    @Override
    public Kernel bind(Backend backend, Tensor out, Tensor[] in) {
        Tensor src = in[0];
        Tensor dst = out.reshape(src.shape());
        return () -> backend.copy(src, dst);
    }
}
