package dev.hyperweave.graph;

import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Shape;

import java.util.List;

/**
 * A value in a {@link Graph}: an input, a parameter, a constant or the output of an op. Nodes are
 * immutable handles; the shape is static. Floating nodes are declared F32 and computed in the
 * precision chosen at compile time.
 */
public final class Node {
    private final Graph graph;
    private final int id;
    private final Op op;
    private final List<Node> inputs;
    private final int[] shape;
    private final DType dtype;
    private final String name;

    Node(Graph graph, int id, Op op, List<Node> inputs, int[] shape, DType dtype, String name) {
        this.graph = graph;
        this.id = id;
        this.op = op;
        this.inputs = List.copyOf(inputs);
        this.shape = shape.clone();
        this.dtype = dtype;
        this.name = name;
    }

    public Graph graph() { return graph; }
    public int id() { return id; }
    public Op op() { return op; }
    public List<Node> inputs() { return inputs; }
    public Node input(int i) { return inputs.get(i); }
    public int[] shape() { return shape.clone(); }
    public int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }
    public int rank() { return shape.length; }
    public long numel() { return Shape.numel(shape); }
    public DType dtype() { return dtype; }
    /** The user's name for inputs and parameters, else the op name. */
    public String name() { return name; }

    public boolean isLeaf() { return op instanceof LeafOps.Leaf; }

    @Override
    public String toString() {
        return name + "#" + id + Shape.str(shape);
    }
}
