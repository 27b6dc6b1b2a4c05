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

    /** What an op's backward rule sees: which inputs need a gradient, and where to send them. */
    public interface Context {
        /** Whether input {@code i} lies on a path to a requested node (skip building its gradient if not). */
        boolean needs(int i);

        /** Adds {@code grad} (input i's shape) to the gradient of input {@code i}. */
        void add(int i, Node grad);

        /** Adds {@code grad} into the region {@code view} selects of input i's gradient. */
        void addView(int i, ViewOp view, Node grad);
    }

    private record Contribution(ViewOp view, Node grad) {}

    private Gradients() {}

    /**
     * Adds d loss / d node for each of {@code wrt} to the graph and returns them in order. A node the
     * loss does not depend on gets a zero constant.
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
                                + " for input " + k + " of shape " + Shape.str(in.shape()));
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
