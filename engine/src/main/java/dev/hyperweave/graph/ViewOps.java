package dev.hyperweave.graph;

import dev.hyperweave.tensor.Tensor;

/** Views: slice, reshape, transpose, expand. None copies; each backward maps the gradient back in place. */
final class ViewOps {
    private ViewOps() {}

    static final class Slice extends ViewOp {
        final int dim, start, length;
        Slice(int dim, int start, int length) { this.dim = dim; this.start = start; this.length = length; }
        @Override public String name() { return "slice"; }
        @Override public Tensor view(Tensor in) { return in.slice(dim, start, length); }

        /** The slice of dL/dx is dL/d(slice): the rest of dL/dx stays zero. */
        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) { ctx.addView(0, this, grad); }
    }

    static final class Reshape extends ViewOp {
        final int[] shape;
        Reshape(int[] shape) { this.shape = shape.clone(); }
        @Override public String name() { return "reshape"; }
        @Override public Tensor view(Tensor in) { return in.reshape(shape); }
        @Override public boolean canView(Tensor in) { return in.canReshape(shape); }

        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) { ctx.addView(0, this, grad); }
    }

    static final class Transpose extends ViewOp {
        final int d0, d1;
        Transpose(int d0, int d1) { this.d0 = d0; this.d1 = d1; }
        @Override public String name() { return "transpose"; }
        @Override public Tensor view(Tensor in) { return in.transpose(d0, d1); }

        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) { ctx.addView(0, this, grad); }
    }

    /** Broadcast of size-1 dims (stride 0). Many outputs read one input element, so its gradient is a sum. */
    static final class Expand extends ViewOp {
        final int[] shape;
        Expand(int[] shape) { this.shape = shape.clone(); }
        @Override public String name() { return "expand"; }
        @Override public Tensor view(Tensor in) { return in.expand(shape); }

        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            Node in = node.input(0);
            if (!ctx.needs(0)) return;
            ctx.add(0, node.graph().sumToShape(grad, in.shape()));
        }
    }
}
