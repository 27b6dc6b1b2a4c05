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
     * layer but the last. Parameters are named {@code prefix.l<i>.w} [out, in] and {@code prefix.l<i>.b}.
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
