package dev.hyperweave.graph;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.tensor.Tensor;

/** Row gather (embedding lookup) with its scatter-add backward, and concatenation. */
final class IndexOps {
    private IndexOps() {}

    /** out [n,E] = table [V,E] rows at indices [n]. */
    static final class Gather extends Op {
        @Override public String name() { return "gather"; }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor table = in[0], idx = in[1];
            return () -> be.gatherRows(table, idx, out);
        }

        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            if (ctx.needs(0)) ctx.add(0, node.graph().scatterAddRows(grad, node.input(1), node.input(0).dim(0)));
        }
    }

    /** out [V,E] = zeros, then out[indices[i]] += src[i] for every row i. Inputs (src, indices). */
    static final class ScatterAdd extends Op {
        @Override public String name() { return "scatterAdd"; }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor src = in[0], idx = in[1];
            return () -> {
                be.fill(out, 0);
                be.scatterAddRows(src, idx, out);
            };
        }
    }

    /** Concatenation along {@code dim}: each input copied into its slice of the output. */
    static final class Concat extends Op {
        final int dim;
        Concat(int dim) { this.dim = dim; }
        @Override public String name() { return "concat"; }

        @Override
        public Kernel bind(Backend be, Tensor out, Tensor[] in) {
            Tensor[] src = in.clone();
            Tensor[] dst = new Tensor[in.length];
            for (int i = 0, off = 0; i < in.length; off += in[i].dim(dim), i++) dst[i] = out.slice(dim, off, in[i].dim(dim));
            return () -> {
                for (int i = 0; i < src.length; i++) be.copy(src[i], dst[i]);
            };
        }

        /** Each input's gradient is its slice of the output's gradient: views, no copies. */
        @Override
        public void backward(Gradients.Context ctx, Node node, Node grad) {
            Graph g = node.graph();
            for (int i = 0, off = 0; i < node.inputs().size(); i++) {
                int len = node.input(i).dim(dim);
                if (ctx.needs(i)) ctx.add(i, g.slice(grad, dim, off, len));
                off += len;
            }
        }
    }
}
