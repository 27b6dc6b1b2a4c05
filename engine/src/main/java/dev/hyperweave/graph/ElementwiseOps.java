package dev.hyperweave.graph;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.BinaryOp;
import dev.hyperweave.tensor.Tensor;

/** Element-wise ops: add, sub, mul, scale, bias add, activations, copy. */
final class ElementwiseOps {
    private ElementwiseOps() {}

    static final class Binary extends Op {
        final BinaryOp op;
        Binary(BinaryOp op) { this.op = op; }
        @Override public String name() { return op.name().toLowerCase(java.util.Locale.ROOT); }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor a = in[0], b = in[1];
            return () -> be.binary(op, a, b, out);
        }

        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            Graph g = node.graph();
            Node a = node.input(0), b = node.input(1);
            switch (op) {
                case ADD -> {
                    if (ctx.needs(0)) ctx.add(0, grad);
                    if (ctx.needs(1)) ctx.add(1, grad);
                }
                case SUB -> {
                    if (ctx.needs(0)) ctx.add(0, grad);
                    if (ctx.needs(1)) ctx.add(1, g.scale(grad, -1));
                }
                case MUL -> {
                    if (ctx.needs(0)) ctx.add(0, g.mul(grad, b));
                    if (ctx.needs(1)) ctx.add(1, g.mul(grad, a));
                }
            }
        }
    }

    /** y = x + b with b [N] broadcast over the rows of x [..,N], or b [B,N] over x [B,M,N]. */
    static final class BiasAdd extends Op {
        @Override public String name() { return "biasAdd"; }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor x = in[0], b = broadcastBias(in[1], x.shape());
            return () -> be.binary(BinaryOp.ADD, x, b, out);
        }

        static Tensor broadcastBias(Tensor b, int[] shape) {
            Tensor v = b;
            if (b.rank() == 2) v = v.unsqueeze(1);
            while (v.rank() < shape.length) v = v.unsqueeze(0);
            return v.expand(shape);
        }

        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            if (ctx.needs(0)) ctx.add(0, grad);
            if (ctx.needs(1)) {
                Node b = node.input(1);
                int reduceDim = b.rank() == 2 ? 1 : -1;
                ctx.add(1, reduceDim == 1 ? node.graph().sumOver(grad, 1, b.shape()) : node.graph().sumToShape(grad, b.shape()));
            }
        }
    }

    static final class Scale extends Op {
        final double alpha;
        Scale(double alpha) { this.alpha = alpha; }
        @Override public String name() { return "scale"; }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor x = in[0];
            return () -> be.scale(x, alpha, out);
        }

        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            if (ctx.needs(0)) ctx.add(0, node.graph().scale(grad, alpha));
        }
    }

    static final class Act extends Op {
        final Activation act;
        Act(Activation act) { this.act = act; }
        @Override public String name() { return act.name().toLowerCase(java.util.Locale.ROOT); }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor x = in[0];
            return () -> be.activation(act, x, out);
        }

        /** The derivative comes from the output y, so the backward reads this node, not its input. */
        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            if (ctx.needs(0)) ctx.add(0, node.graph().activationGrad(act, node, grad));
        }
    }

    /** dx = dy * act'(y): inputs (y, dy). */
    static final class ActGrad extends Op {
        final Activation act;
        ActGrad(Activation act) { this.act = act; }
        @Override public String name() { return act.name().toLowerCase(java.util.Locale.ROOT) + "Grad"; }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor y = in[0], dy = in[1];
            return () -> be.activationGrad(act, y, dy, out);
        }
    }

    /** A materialised copy (contiguous output) of any view. */
    static final class Copy extends Op {
        @Override public String name() { return "copy"; }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor x = in[0];
            return () -> be.copy(x, out);
        }

        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            if (ctx.needs(0)) ctx.add(0, grad);
        }
    }
}
