package dev.hyperweave.graph;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.tensor.Tensor;

/** Sums: over chosen dims (bias gradients, broadcast backward), and sum / mean of everything. */
final class ReduceOps {
    private ReduceOps() {}

    /**
     * out = alpha * sum of x over the dims where {@code keepShape} (x's rank) has 1. The node's own
     * shape is {@code keepShape} with any size-1 dims dropped or kept, as the builder chose.
     */
    static final class ReduceSum extends Op {
        final int[] keepShape;
        final double alpha;
        ReduceSum(int[] keepShape, double alpha) { this.keepShape = keepShape.clone(); this.alpha = alpha; }
        @Override public String name() { return alpha == 1 ? "sum" : "mean"; }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor x = in[0], o = out.reshape(keepShape);
            return () -> be.reduceSum(x, o, alpha);
        }

        @Override
        public boolean acceptsOutput(Tensor out) { return out.canReshape(keepShape); }

        /** Every summed element receives alpha * dL/dout: a broadcast view, no kernel. */
        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            if (!ctx.needs(0)) return;
            Graph g = node.graph();
            Node x = node.input(0);
            Node b = g.expand(g.reshape(grad, keepShape), x.shape());
            ctx.add(0, alpha == 1 ? b : g.scale(b, alpha));
        }
    }
}
