package dev.hyperweave.graph;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.Backend;
import dev.hyperweave.tensor.Tensor;

/** Matrix products: plain (with transpose flags) and the fused linear layer act(x @ w^T + b). */
final class MatMulOps {
    private MatMulOps() {}

    /** Rank-2 operands become a batch of one; a transpose flag swaps the last two strides. */
    static Tensor operand(Tensor t, boolean transposed) {
        Tensor t3 = t.rank() == 2 ? t.unsqueeze(0) : t;
        return transposed ? t3.transpose(1, 2) : t3;
    }

    /** c = op(a) @ op(b); rank 2, or rank 3 with equal batch. */
    static final class MatMul extends Op {
        final boolean transA, transB;
        MatMul(boolean transA, boolean transB) { this.transA = transA; this.transB = transB; }
        @Override public String name() { return "matmul"; }

        @Override
        public long flops(Node node) {
            int[] a = node.input(0).shape();
            return 2 * node.numel() * a[transA ? a.length - 2 : a.length - 1];
        }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor a = operand(in[0], transA), b = operand(in[1], transB), c = operand(out, false);
            return () -> be.matmul(a, b, c, null, Activation.NONE, false);
        }

        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            Graph g = node.graph();
            Node a = node.input(0), b = node.input(1);
            // C = op(A) op(B): dA = dC op(B)^T (or its transpose when A is transposed), likewise dB.
            if (ctx.needs(0)) ctx.add(0, transA ? g.matmul(b, grad, transB, true) : g.matmul(grad, b, false, !transB));
            if (ctx.needs(1)) ctx.add(1, transB ? g.matmul(grad, a, true, transA) : g.matmul(a, grad, !transA, false));
        }
    }

    /**
     * y = act(x @ w^T + b) in one kernel (bias and activation in the product's epilogue).
     * x [M,K] w [N,K] b [N], or batched x [B,M,K] w [B,N,K] b [B,N]: one linear layer per batch entry,
     * which is how T target networks run at once on weights generated for them.
     */
    static final class Linear extends Op {
        final Activation act;
        final boolean hasBias;
        Linear(Activation act, boolean hasBias) { this.act = act; this.hasBias = hasBias; }
        @Override public String name() { return "linear"; }

        @Override
        public long flops(Node node) {
            int[] x = node.input(0).shape();
            return 2 * node.numel() * x[x.length - 1];
        }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor x = operand(in[0], false), w = operand(in[1], true), y = operand(out, false);
            Tensor bias = hasBias ? (in[2].rank() == 1 ? in[2].unsqueeze(0) : in[2]) : null;
            return () -> be.matmul(x, w, y, bias, act, false);
        }

        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            Graph g = node.graph();
            Node x = node.input(0), w = node.input(1);
            Node dz = act == Activation.NONE ? grad : g.activationGrad(act, node, grad);
            if (ctx.needs(0)) ctx.add(0, g.matmul(dz, w, false, false));
            if (ctx.needs(1)) ctx.add(1, g.matmul(dz, x, true, false));
            if (hasBias && ctx.needs(2)) ctx.add(2, g.sumOver(dz, dz.rank() - 2, node.input(2).shape()));
        }
    }
}
