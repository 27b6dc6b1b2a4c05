package dev.hyperweave.graph;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.tensor.Tensor;

/** Losses, each a scalar mean: softmax cross-entropy with int labels, and mean squared error. */
final class LossOps {
    private LossOps() {}

    /** Inputs (logits [R,C], labels I32 [R]); output a scalar. */
    static final class SoftmaxCrossEntropy extends Op {
        @Override public String name() { return "softmaxCrossEntropy"; }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor logits = in[0], labels = in[1];
            return () -> be.softmaxCrossEntropy(logits, labels, out);
        }

        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            if (ctx.needs(0)) ctx.add(0, node.graph().add(new SoftmaxCrossEntropyGrad(), node.input(0).shape(), node.input(0).dtype(),
                    node.input(0), node.input(1), grad));
        }
    }

    /** Inputs (logits, labels, dloss). */
    static final class SoftmaxCrossEntropyGrad extends Op {
        @Override public String name() { return "softmaxCrossEntropyGrad"; }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor logits = in[0], labels = in[1], dloss = in[2];
            return () -> be.softmaxCrossEntropyGrad(logits, labels, dloss, out);
        }
    }

    /** Inputs (pred, target) of equal shapes; output a scalar. */
    static final class MeanSquaredError extends Op {
        @Override public String name() { return "meanSquaredError"; }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor p = in[0], t = in[1];
            return () -> be.meanSquaredError(p, t, out);
        }

        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            Graph g = node.graph();
            Node p = node.input(0), t = node.input(1);
            if (ctx.needs(0)) ctx.add(0, g.add(new MeanSquaredErrorGrad(), p.shape(), p.dtype(), p, t, grad));
            if (ctx.needs(1)) ctx.add(1, g.scale(g.add(new MeanSquaredErrorGrad(), p.shape(), p.dtype(), p, t, grad), -1));
        }
    }

    /** Inputs (pred, target, dloss). */
    static final class MeanSquaredErrorGrad extends Op {
        @Override public String name() { return "meanSquaredErrorGrad"; }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor p = in[0], t = in[1], dloss = in[2];
            return () -> be.meanSquaredErrorGrad(p, t, dloss, out);
        }
    }
}
