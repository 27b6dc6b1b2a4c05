package example.embedding;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.graph.Gradients;
import dev.hyperweave.graph.Graph;
import dev.hyperweave.graph.Init;
import dev.hyperweave.graph.Kernel;
import dev.hyperweave.graph.Node;
import dev.hyperweave.graph.Op;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.train.GradCheck;

/**
 * A user-defined op, softsign(x) = x / (1 + |x|), added through the public API: its forward kernel
 * beside its backward rule, which builds the gradient from the graph's own ops. The engine's
 * finite-difference checker then verifies the gradient in double precision, with the op inside a
 * small network; and a deliberately wrong backward is caught. Exits 1 if a check fails.
 */
public final class CustomOp {

    /** y = x / (1 + |x|), element-wise. */
    static final class Softsign extends Op {
        private final boolean wrongBackward;

        Softsign(boolean wrongBackward) {
            this.wrongBackward = wrongBackward;
        }

        @Override
        public String name() {
            return "softsign";
        }

        /** Forward on host tensors of any dtype and strides (so it runs on the cpu and reference backends). */
        @Override
        public Kernel bind(Backend backend, Tensor out, Tensor[] in) {
            Tensor x = in[0];
            long n = x.numel();
            return () -> {
                for (long i = 0; i < n; i++) {
                    double v = x.getLinear(i);
                    out.setLinear(i, v / (1 + Math.abs(v)));
                }
            };
        }

        /** dy/dx = 1 / (1 + |x|)^2 = (1 - |y|)^2, built from graph ops on the output y. */
        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            if (!ctx.needs(0)) return;
            Graph g = node.graph();
            Node absY = g.add(new Abs(), node.shape(), node.dtype(), node);
            Node oneMinus = g.sub(g.constant(1, node.shape()), absY);
            Node local = wrongBackward ? oneMinus : g.mul(oneMinus, oneMinus);
            ctx.add(0, g.mul(grad, local));
        }
    }

    /** |x|, needed only inside Softsign's backward (so it has no backward of its own). */
    static final class Abs extends Op {
        @Override
        public String name() {
            return "abs";
        }

        @Override
        public Kernel bind(Backend backend, Tensor out, Tensor[] in) {
            Tensor x = in[0];
            long n = x.numel();
            return () -> {
                for (long i = 0; i < n; i++) out.setLinear(i, Math.abs(x.getLinear(i)));
            };
        }
    }

    /** loss = mean(softsign(x @ w + b)^2 - target)^2 over a batch, with the op between two products. */
    static GradCheck.Result check(boolean wrongBackward) {
        Graph g = new Graph();
        Node x = g.input("x", DType.F32, 1, 5, 4);
        Node target = g.input("target", DType.F32, 1, 5, 3);
        Node w = g.parameter("w", Init.normal(1), 1, 4, 3);
        Node h = g.matmul(x, w);
        Node y = g.add(new Softsign(wrongBackward), h.shape(), h.dtype(), h);
        Node loss = g.meanSquaredError(g.mul(y, y), target);
        return GradCheck.check(g, loss, s -> {
            java.util.Random r = new java.util.Random(3);
            float[] xs = new float[20], ts = new float[15];
            for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextGaussian();
            for (int i = 0; i < ts.length; i++) ts[i] = (float) r.nextGaussian();
            s.setInput("x", xs);
            s.setInput("target", ts);
        }, 11, 100);
    }

    public static void main(String[] args) {
        GradCheck.Result right = check(false);
        System.out.println("softsign gradient: " + right.checked() + " elements, worst " + right.worst() + " (ratio " + right.worstRatio() + ")");
        if (!right.passed()) fail("the softsign gradient disagrees with finite differences: " + right.worst());
        GradCheck.Result wrong = check(true);
        System.out.println("a wrong softsign backward: worst ratio " + wrong.worstRatio());
        if (wrong.passed()) fail("the gradient checker did not catch a wrong backward");
        System.out.println("CustomOp: ok");
    }

    static void fail(String what) {
        System.err.println("CustomOp: FAILED: " + what);
        System.exit(1);
    }
}
