package dev.hyperweave.graph;

import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.ShapeException;
import dev.hyperweave.tensor.Shape;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Symbolic reverse mode: walks the graph from a scalar loss back to the requested nodes and adds the
 * gradient ops to the same graph, so one planner schedules and allocates forward and backward together.
 */
public final class Gradients {

    /**
     * What an op's backward rule sees: which inputs need a gradient, and where to send them. Valid only
     * during the {@link Op#backward} call it is passed to. Several contributions to one input's gradient
     * are summed, by an accumulate node or, where they fill disjoint regions, by writing each in place
     * (see {@link CompiledGraph}).
     */
    public interface Context {
        /**
         * Whether input {@code i} lies on a path to a requested node (skip building its gradient if not).
         * Always false for an I32 input.
         *
         * @param i the input's position in {@link Node#inputs()}
         * @return whether a gradient for input {@code i} is used
         */
        boolean needs(int i);

        /**
         * Adds {@code grad} (input i's shape) to the gradient of input {@code i}. Ignored when
         * {@link #needs needs(i)} is false, so testing first only saves building the gradient's nodes.
         *
         * @param i    the input's position in {@link Node#inputs()}
         * @param grad a floating node of input {@code i}'s shape
         * @throws IllegalStateException if {@code grad}'s shape is not input {@code i}'s, naming the op
         */
        void add(int i, Node grad);

        /**
         * Adds {@code grad} into the region {@code view} selects of input i's gradient; the rest of that
         * gradient is untouched. This is how a view op passes its gradient on without a kernel:
         * {@code view} is the op itself, applied to a buffer of the input's shape. Ignored when
         * {@link #needs needs(i)} is false.
         *
         * @param i    the input's position in {@link Node#inputs()}
         * @param view selects the region; its {@link ViewOp#view} must map a tensor of input {@code i}'s
         *             shape to one of the current node's shape
         * @param grad a floating node of the current node's shape (the shape checked, whatever {@code view})
         * @throws IllegalStateException if {@code grad}'s shape is not the current node's, naming the op
         */
        void addView(int i, ViewOp view, Node grad);
    }

    private record Contribution(ViewOp view, Node grad) {}

    private Gradients() {}

    /**
     * Adds d loss / d node for each of {@code wrt} to the graph and returns them in order. A node the
     * loss does not depend on gets a zero constant.
     *
     * <p>The graph grows: each call adds a fresh set of gradient nodes (F32, computed in the compiled
     * graph's float type), including a constant 1 that seeds the loss's gradient. A returned node is
     * not always a new op node of its own: it may be a constant (the seed, or a zero), a view, or the
     * same node for two entries (both operands of an {@code add}, say). Before placing one in a buffer
     * of your own (see {@link CompiledGraph}), copy it with {@link Graph#copy}, as
     * {@link dev.hyperweave.train.Session} does.
     *
     * @param loss a floating node with one element (any rank)
     * @param wrt  nodes of the loss's graph, leaves or not; an I32 node gets a zero gradient
     * @return one gradient per entry of {@code wrt}, in order, each of that node's shape
     * @throws ShapeException if {@code loss} is not floating or has other than one element
     * @throws IllegalArgumentException if a node of {@code wrt} belongs to another graph
     * @throws UnsupportedOperationException if the gradient must flow through an op without a backward rule
     * @throws IllegalStateException if a backward rule hands on a gradient of the wrong shape
     */
    public static List<Node> of(Node loss, List<Node> wrt) {
        Graph g = loss.graph();
        if (loss.numel() != 1 || !loss.dtype().isFloating()) {
            throw new ShapeException("gradients: the loss must be a floating scalar, got " + loss.dtype() + " " + Shape.str(loss.shape()));
        }
        List<Node> order = g.ancestors(List.of(loss));
        Map<Node, Boolean> relevant = new IdentityHashMap<>();
        for (Node w : wrt) {
            if (w.graph() != g) throw new IllegalArgumentException("gradients: " + w + " belongs to another graph");
            relevant.put(w, true);
        }
        for (Node n : order) {
            if (relevant.containsKey(n)) continue;
            for (Node in : n.inputs()) {
                if (relevant.containsKey(in) && in.dtype().isFloating()) { relevant.put(n, true); break; }
            }
        }
        Map<Node, List<Contribution>> pending = new HashMap<>();
        Map<Node, Node> grads = new LinkedHashMap<>();
        pending.computeIfAbsent(loss, k -> new ArrayList<>()).add(new Contribution(null, g.constant(1.0, loss.shape())));
        for (int i = order.size() - 1; i >= 0; i--) {
            Node n = order.get(i);
            List<Contribution> parts = pending.remove(n);
            if (parts == null || !relevant.containsKey(n)) continue;
            Node grad = combine(g, n, parts);
            grads.put(n, grad);
            if (n.isLeaf()) continue;
            n.op().backward(new Context() {
                @Override public boolean needs(int k) {
                    Node in = n.input(k);
                    return relevant.containsKey(in) && in.dtype().isFloating();
                }
                @Override public void add(int k, Node gr) { addView(k, null, gr); }
                @Override public void addView(int k, ViewOp view, Node gr) {
                    if (!needs(k)) return;
                    Node in = n.input(k);
                    int[] expect = view == null ? in.shape() : n.shape();
                    if (!java.util.Arrays.equals(gr.shape(), expect)) {
                        throw new IllegalStateException("backward of " + n.op().name() + " gave a gradient of shape " + Shape.str(gr.shape())
                                + " for input " + k + " of shape " + Shape.str(in.shape()) + ", where " + Shape.str(expect) + " was expected"
                                + (view == null ? "" : " (the shape of the region the view selects)"));
                    }
                    pending.computeIfAbsent(in, key -> new ArrayList<>()).add(new Contribution(view, gr));
                }
            }, n, grad);
        }
        List<Node> result = new ArrayList<>();
        for (Node w : wrt) {
            Node gr = grads.get(w);
            result.add(gr != null ? gr : g.constant(0.0, w.shape()));
        }
        return result;
    }

    private static Node combine(Graph g, Node n, List<Contribution> parts) {
        if (parts.size() == 1 && parts.get(0).view() == null) return parts.get(0).grad();
        ViewOp[] views = new ViewOp[parts.size()];
        Node[] inputs = new Node[parts.size()];
        for (int i = 0; i < views.length; i++) {
            views[i] = parts.get(i).view();
            inputs[i] = parts.get(i).grad();
        }
        return g.add(new Accumulate(views), n.shape(), DType.F32, inputs);
    }
}
