package dev.hyperweave.hyper;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.graph.Graph;
import dev.hyperweave.graph.Init;
import dev.hyperweave.graph.Node;

/** An ordinary MLP with its own parameters (the body of a hypernetwork), PyTorch's default init. */
public final class Mlp {
    private Mlp() {}

    /**
     * Linear layers {@code x.dim(-1) -> widths[0] -> ... -> widths[last]}, {@code hidden} after every
     * layer but the last. Parameters are named {@code prefix.l<i>.w} [out, in] and {@code prefix.l<i>.b}
     * [out], both initialised U(-1/sqrt(in), 1/sqrt(in)) when a session is created.
     *
     * @param g      the graph to add the parameters and ops to
     * @param prefix the parameters' name prefix; the names it yields must be new in {@code g}
     * @param x      floating input [M, in] (rank 2 only)
     * @param hidden the activation after every layer but the last, which is linear
     * @param widths output width of each layer, in order; none returns {@code x} itself
     * @return the last layer's output [M, widths[last]]
     * @throws IllegalArgumentException if a parameter name is already used in {@code g}
     * @throws dev.hyperweave.tensor.ShapeException if {@code x} is not a floating rank-2 node
     */
    public static Node build(Graph g, String prefix, Node x, Activation hidden, int... widths) {
        Node h = x;
        for (int l = 0; l < widths.length; l++) {
            int in = h.dim(-1), out = widths[l];
            Node w = g.parameter(prefix + ".l" + l + ".w", Init.fanIn(in), out, in);
            Node b = g.parameter(prefix + ".l" + l + ".b", Init.fanIn(in), out);
            h = g.linear(h, w, b, l == widths.length - 1 ? Activation.NONE : hidden);
        }
        return h;
    }
}
