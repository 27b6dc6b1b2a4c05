package dev.hyperweave.hyper;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.graph.Graph;
import dev.hyperweave.graph.Node;
import dev.hyperweave.tensor.Shape;
import dev.hyperweave.tensor.ShapeException;

import java.util.Arrays;

/**
 * A target MLP whose weights are not parameters but views into generated weights [T, P], one row
 * per target network. Row layout: for each layer, W as [out, in] row-major, then b [out]. The T
 * networks run as batched products on views with batch stride P, so nothing is copied and the
 * weight gradients land straight in the slices of dL/d[T, P].
 *
 * <p>Immutable: it describes the layout and adds nodes to the graph it is given; it owns no
 * parameters, so one instance may build any number of graphs.
 */
public final class TargetMlp {
    private final int[] widths;
    private final Activation[] activations;
    private final int[] offsets;
    private final int paramCount;

    /**
     * A target MLP with one activation per layer. Both arrays are copied.
     *
     * @param widths      layer widths, input first: {64, 128, 128, 10} is 64 -> 128 -> 128 -> 10
     * @param activations one per layer (widths.length - 1); the last is usually NONE (logits)
     * @throws IllegalArgumentException if there are fewer than two widths, a width is not positive, or
     *                                  the activations do not match the layers in number
     * @throws ArithmeticException      if P does not fit an int
     */
    public TargetMlp(int[] widths, Activation... activations) {
        if (widths.length < 2) throw new IllegalArgumentException("a target MLP needs at least an input and an output width, got " + Arrays.toString(widths));
        if (activations.length != widths.length - 1) {
            throw new IllegalArgumentException("target MLP " + Arrays.toString(widths) + " has " + (widths.length - 1)
                    + " layers but " + activations.length + " activations were given");
        }
        for (int w : widths) if (w < 1) throw new IllegalArgumentException("target MLP widths must be positive: " + Arrays.toString(widths));
        this.widths = widths.clone();
        this.activations = activations.clone();
        this.offsets = new int[widths.length - 1];
        long p = 0;
        for (int l = 0; l < offsets.length; l++) {
            offsets[l] = Math.toIntExact(p);
            p += (long) widths[l + 1] * widths[l] + widths[l + 1];
        }
        this.paramCount = Math.toIntExact(p);
    }

    /**
     * Hidden layers with {@code hidden}, the output layer linear.
     *
     * @param hidden the activation of every layer but the last
     * @param widths layer widths, input first; at least two
     * @return the target MLP
     * @throws IllegalArgumentException if there are fewer than two widths or a width is not positive
     */
    public static TargetMlp of(Activation hidden, int... widths) {
        if (widths.length < 2) throw new IllegalArgumentException("a target MLP needs at least two widths (input and output), got " + widths.length);
        Activation[] acts = new Activation[widths.length - 1];
        Arrays.fill(acts, hidden);
        acts[acts.length - 1] = Activation.NONE;
        return new TargetMlp(widths, acts);
    }

    /**
     * P: parameters of one target network, the width a hypernetwork must generate.
     *
     * @return the sum over layers of {@code out * in + out}
     */
    public int paramCount() { return paramCount; }

    /**
     * The number of linear layers.
     *
     * @return {@code widths().length - 1}
     */
    public int layers() { return offsets.length; }

    /**
     * The width of the networks' input.
     *
     * @return the first width
     */
    public int inputWidth() { return widths[0]; }

    /**
     * The width of the networks' output (the number of logits, for a classifier).
     *
     * @return the last width
     */
    public int outputWidth() { return widths[widths.length - 1]; }

    /**
     * The layer widths, input first.
     *
     * @return a copy
     */
    public int[] widths() { return widths.clone(); }

    /**
     * Offset of layer l's W inside a row of [T, P]; its b follows at offset + out*in.
     *
     * @param layer the layer, in [0, {@link #layers()})
     * @return the column where the layer's [out, in] weight matrix starts
     */
    public int weightOffset(int layer) { return offsets[layer]; }

    /**
     * Layer l's weights of all T networks: a [T, out, in] view of {@code weights} [T, P].
     *
     * @param g       the graph {@code weights} belongs to
     * @param weights generated weights [T, P]; not checked here ({@link #forward} checks them)
     * @param layer   the layer, in [0, {@link #layers()})
     * @return a view node; backward adds its gradient into the same region of dL/d{@code weights}
     * @throws ShapeException if {@code weights} is too narrow for the layer
     */
    public Node weight(Graph g, Node weights, int layer) {
        int in = widths[layer], out = widths[layer + 1];
        return g.reshape(g.slice(weights, 1, offsets[layer], out * in), weights.dim(0), out, in);
    }

    /**
     * Layer l's biases of all T networks: a [T, out] view of {@code weights} [T, P].
     *
     * @param g       the graph {@code weights} belongs to
     * @param weights generated weights [T, P]; not checked here ({@link #forward} checks them)
     * @param layer   the layer, in [0, {@link #layers()})
     * @return a view node; backward adds its gradient into the same region of dL/d{@code weights}
     * @throws ShapeException if {@code weights} is too narrow for the layer
     */
    public Node bias(Graph g, Node weights, int layer) {
        int in = widths[layer], out = widths[layer + 1];
        return g.slice(weights, 1, offsets[layer] + out * in, out);
    }

    /**
     * Runs the T networks: x [T, N, in] with weights [T, P] gives [T, N, out]. Network t applies
     * row t of {@code weights} to {@code x[t]}; each layer is one batched linear op with its
     * activation fused.
     *
     * @param g       the graph to add the nodes to
     * @param weights generated weights [T, P], as from a hypernetwork's {@code generate}
     * @param x       floating inputs [T, N, in]: N samples per network
     * @return the outputs [T, N, out] (logits when the last activation is NONE)
     * @throws ShapeException if {@code weights} is not [T, P] or {@code x} not [T, N, in], or either is not floating
     */
    public Node forward(Graph g, Node weights, Node x) {
        if (weights.rank() != 2 || weights.dim(1) != paramCount) {
            throw new ShapeException("target MLP: generated weights " + Shape.str(weights.shape()) + " must be [T, " + paramCount + "]");
        }
        if (x.rank() != 3 || x.dim(0) != weights.dim(0) || x.dim(2) != widths[0]) {
            throw new ShapeException("target MLP: input " + Shape.str(x.shape()) + " must be [T=" + weights.dim(0) + ", N, " + widths[0] + "]");
        }
        Node h = x;
        for (int l = 0; l < layers(); l++) h = g.linear(h, weight(g, weights, l), bias(g, weights, l), activations[l]);
        return h;
    }
}
