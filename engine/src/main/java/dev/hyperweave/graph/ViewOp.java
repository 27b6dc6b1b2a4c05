package dev.hyperweave.graph;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.tensor.Tensor;

/**
 * An op whose output is a view of its single input: the planner applies {@link #view} to the input's
 * tensor instead of running a kernel. The same function maps a gradient buffer of the input's shape to
 * the region that belongs to this view, which is how gradients of slices land in place.
 *
 * <p>A view node's tensor shares the input's memory: it is valid as long as the input's is, and a
 * caller cannot place it (see {@link CompiledGraph}). A subclass's {@link #backward} usually hands the
 * gradient on with {@link Gradients.Context#addView}, passing itself.
 */
public abstract class ViewOp extends Op {

    /** For subclasses. */
    protected ViewOp() {}

    /**
     * The view of {@code input} this op denotes. Called at compile time, possibly more than once and on
     * different tensors of the same shape; it must share {@code input}'s memory and neither copy nor
     * allocate element storage.
     *
     * @param input the input node's tensor, or a gradient buffer of the input's shape; possibly strided
     * @return a view of {@code input}'s memory, of the node's shape
     */
    public abstract Tensor view(Tensor input);

    /**
     * Whether {@link #view} can be taken of this tensor (reshape of some strided tensors cannot).
     * When false for the input's tensor, the planner gives the node a buffer of its own and binds the
     * copy kernel of {@link #bind}; when false for a gradient buffer, contributions to that gradient
     * are not written in place.
     *
     * @param input the tensor {@link #view} would be applied to
     * @return whether {@code view(input)} succeeds; true by default
     */
    public boolean canView(Tensor input) { return true; }

    @Override
    public final boolean isView() { return true; }

    /**
     * Used only when the view cannot be taken: the planner then materialises a copy. The default
     * copies the input's elements in row-major order into {@code out} viewed with the input's shape,
     * which is correct only for views that keep the row-major order and the element count (reshape).
     * A subclass whose {@link #canView} can return false for any other kind of view must override it.
     */
    @Override
    public Kernel bind(Backend backend, Tensor out, Tensor[] in) {
        Tensor src = in[0];
        Tensor dst = out.reshape(src.shape());
        return () -> backend.copy(src, dst);
    }
}
