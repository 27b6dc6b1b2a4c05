package dev.hyperweave.graph;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.tensor.Tensor;

/** Nodes without a kernel: inputs fed by the caller, trainable parameters and constants. */
final class LeafOps {
    private LeafOps() {}

    abstract static class Leaf extends Op {
        @Override
        public Kernel bind(Backend backend, Tensor out, Tensor[] in) {
            throw new IllegalStateException(name() + " nodes have no kernel");
        }

        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {}
    }

    static final class Input extends Leaf {
        @Override public String name() { return "input"; }
    }

    static final class Parameter extends Leaf {
        final Init init;
        Parameter(Init init) { this.init = init; }
        @Override public String name() { return "parameter"; }
    }

    /** A constant filled once at compile time. */
    static final class Constant extends Leaf {
        final double value;
        Constant(double value) { this.value = value; }
        @Override public String name() { return "constant"; }
    }
}
