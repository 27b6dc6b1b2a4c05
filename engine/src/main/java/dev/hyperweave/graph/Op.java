package dev.hyperweave.graph;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.tensor.Tensor;

/**
 * An operation of the graph: its forward kernel binding and, next to it, its backward rule, which
 * adds gradient nodes to the graph (symbolic reverse mode). Shapes are inferred and checked by the
 * {@link Graph} builder method that creates the node.
 */
public abstract class Op {

    /** Short name used in error messages and profiles. */
    public abstract String name();

    /** Binds the forward kernel that writes {@code out} from {@code in}. */
    public abstract Kernel bind(Backend backend, Tensor out, Tensor[] in);

    /**
     * Adds the gradient of this node's inputs to the graph, given {@code grad}, the gradient of the
     * loss with respect to {@code node}'s output.
     */
    public void backward(Gradients.Context ctx, Node node, Node grad) {
        throw new UnsupportedOperationException("op '" + name() + "' has no gradient (second derivatives are not supported)");
    }

    /**
     * Whether the kernel can write its result into {@code out} when the planner wants to place the
     * output inside another buffer (a strided region of a gradient, say). Kernels take any strides.
     */
    public boolean acceptsOutput(Tensor out) { return true; }

    /** Whether the output is a view of input 0 (no kernel; see {@link ViewOp}). */
    public boolean isView() { return false; }
}
