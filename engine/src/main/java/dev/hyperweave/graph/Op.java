package dev.hyperweave.graph;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.tensor.Tensor;

/**
 * An operation of the graph: its forward kernel binding and, next to it, its backward rule, which
 * adds gradient nodes to the graph (symbolic reverse mode). Shapes are inferred and checked by the
 * {@link Graph} builder method that creates the node.
 *
 * <p>A user-defined op implements {@link #name} and {@link #bind}, overrides {@link #backward} if a
 * gradient must flow through it, and is added with
 * {@link Graph#add(Op, int[], dev.hyperweave.tensor.DType, Node...)}. An op holds only static
 * attributes (flags, dims): the tensors and the node come as arguments, so an op should be immutable.
 */
public abstract class Op {

    /** For subclasses. */
    protected Op() {}

    /**
     * Short name used in error messages and profiles.
     *
     * @return the name, also given to nodes added with {@link Graph#add(Op, int[], dev.hyperweave.tensor.DType, Node...)}
     */
    public abstract String name();

    /**
     * Binds the forward kernel that writes {@code out} from {@code in}. Called once per node when a
     * {@link CompiledGraph} is built; the returned kernel then runs on every run with these same
     * tensors and must not allocate. All tensors are strided views: an input may be transposed or
     * broadcast (stride 0), and {@code out} may be a strided region of a larger buffer (see
     * {@link #acceptsOutput}). Floating tensors are in the compiled graph's float type.
     *
     * @param backend the backend whose kernels to call; device tensors are out of the host's reach
     * @param out     the node's tensor, of the node's shape
     * @param in      the inputs' tensors, in the order of {@link Node#inputs()}
     * @return the bound kernel
     */
    public abstract Kernel bind(Backend backend, Tensor out, Tensor[] in);

    /**
     * Adds the gradient of this node's inputs to the graph, given {@code grad}, the gradient of the
     * loss with respect to {@code node}'s output. {@link Gradients#of} calls it once for each node on a
     * path from a requested node to the loss. A rule builds its nodes with
     * {@code node.graph()}'s builder methods, skips inputs for which {@link Gradients.Context#needs}
     * is false, and hands each gradient on with {@link Gradients.Context#add} or
     * {@link Gradients.Context#addView}.
     *
     * <p>The default throws, and the gradient ops the built-in rules add keep it: a gradient cannot
     * flow through an op without a rule of its own, and second derivatives are not supported.
     *
     * @param ctx  where the inputs' gradients go
     * @param node the node being differentiated; its inputs and its output may feed the gradient nodes
     * @param grad dL/d{@code node}, of {@code node}'s shape
     * @throws UnsupportedOperationException by default, naming the op
     */
    public void backward(Gradients.Context ctx, Node node, Node grad) {
        throw new UnsupportedOperationException("op '" + name() + "' has no backward rule, so no gradient can flow through it"
                + " (the engine's own gradient ops have none either: second derivatives are not supported)");
    }

    /**
     * Whether the kernel can write its result into {@code out} when the planner wants to place the
     * output inside another buffer (a strided region of a gradient, say). Kernels take any strides.
     * Override to refuse layouts the kernel cannot use; the planner then gives the node a buffer of
     * its own. Not consulted for tensors the caller places (see {@link CompiledGraph}).
     *
     * @param out the proposed output tensor, of the node's shape
     * @return whether {@link #bind} may be given {@code out}; true by default
     */
    public boolean acceptsOutput(Tensor out) { return true; }

    /**
     * Whether the output is a view of input 0 (no kernel; see {@link ViewOp}). {@link ViewOp} returns
     * true and makes this final; any other op must return false, since the planner resolves only
     * {@code ViewOp}s to views.
     *
     * @return false by default
     */
    public boolean isView() { return false; }

    /**
     * Floating-point operations of {@code node}'s kernel, for profiles ({@link CompiledGraph#kernelFlops}):
     * 2 per multiply-add for matrix products, as shared/WORKLOADS.md counts them. Override in an op whose
     * rate a profile should show.
     *
     * @param node a node of this op
     * @return the FLOP count, or 0 (the default) where none is counted
     */
    public long flops(Node node) { return 0; }
}
