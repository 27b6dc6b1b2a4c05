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
 */
public final class TargetMlp {
    private final int[] widths;
    private final Activation[] activations;
    private final int[] offsets;
    private final int paramCount;

    /**
     * @param widths      layer widths, input first: {64, 128, 128, 10} is 64 -> 128 -> 128 -> 10
     * @param activations one per layer (widths.length - 1); the last is usually NONE (logits)
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

    /** Hidden layers with {@code hidden}, the output layer linear. */
    public static TargetMlp of(Activation hidden, int... widths) {
        Activation[] acts = new Activation[widths.length - 1];
        Arrays.fill(acts, hidden);
        acts[acts.length - 1] = Activation.NONE;
        return new TargetMlp(widths, acts);
    }

    /** P: parameters of one target network. */
    public int paramCount() { return paramCount; }
    public int layers() { return offsets.length; }
    public int inputWidth() { return widths[0]; }
    public int outputWidth() { return widths[widths.length - 1]; }
    public int[] widths() { return widths.clone(); }

    /** Offset of layer l's W inside a row of [T, P]; its b follows at offset + out*in. */
    public int weightOffset(int layer) { return offsets[layer]; }

    /** Layer l's weights of all T networks: a [T, out, in] view of {@code weights} [T, P]. */
    public Node weight(Graph g, Node weights, int layer) {
        int in = widths[layer], out = widths[layer + 1];
        return g.reshape(g.slice(weights, 1, offsets[layer], out * in), weights.dim(0), out, in);
    }

    /** Layer l's biases of all T networks: a [T, out] view of {@code weights} [T, P]. */
    public Node bias(Graph g, Node weights, int layer) {
        int in = widths[layer], out = widths[layer + 1];
        return g.slice(weights, 1, offsets[layer] + out * in, out);
    }

    /** Runs the T networks: x [T, N, in] with weights [T, P] gives [T, N, out]. */
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
