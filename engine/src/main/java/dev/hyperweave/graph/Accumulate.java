package dev.hyperweave.graph;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.tensor.Tensor;

/**
 * The gradient of a node used in several places: the sum of its contributions, each one either the
 * whole gradient or the region of it selected by a view (the gradient of a slice, say). When the
 * planner proves the contributions are disjoint views, it makes each contributing kernel write
 * straight into its region and this op runs nothing; otherwise it zeroes and adds.
 */
final class Accumulate extends Op {
    /** Per input: the view of this node's buffer it adds into, or null for the whole buffer. */
    final ViewOp[] views;

    Accumulate(ViewOp[] views) { this.views = views.clone(); }

    @Override public String name() { return "accumulate"; }

    /** The region of {@code out} that input {@code i} adds into. */
    Tensor region(Tensor out, int i) {
        return views[i] == null ? out : views[i].view(out);
    }

    /** Every view must be expressible on the buffer this gradient is given. */
    @Override
    public boolean acceptsOutput(Tensor out) {
        for (ViewOp v : views) if (v != null && !v.canView(out)) return false;
        return true;
    }

    @Override
    public Kernel bind(Backend be, Tensor out, Tensor[] in) {
        Tensor[] src = in.clone();
        Tensor[] dst = new Tensor[in.length];
        for (int i = 0; i < in.length; i++) dst[i] = region(out, i);
        return () -> {
            be.fill(out, 0);
            for (int i = 0; i < src.length; i++) be.accumulate(src[i], dst[i]);
        };
    }
}
