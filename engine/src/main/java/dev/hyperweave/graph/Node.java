package dev.hyperweave.graph;

import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Shape;

import java.util.List;

/**
 * A value in a {@link Graph}: an input, a parameter, a constant or the output of an op. Nodes are
 * immutable handles; the shape is static. Floating nodes are declared F32 and computed in the
 * precision chosen at compile time.
 *
 * <p>Nodes are made only by their graph's builder methods. Equality is identity. A node holds no
 * data: its values live in the tensor a {@link CompiledGraph} plans for it ({@link CompiledGraph#tensor}).
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

    /**
     * The graph that made this node.
     *
     * @return the graph this node belongs to
     */
    public Graph graph() { return graph; }

    /**
     * The node's index in {@link Graph#nodes()}: unique within its graph, and increasing in creation
     * order, so an input's id is always below its consumer's.
     *
     * @return the index, from 0
     */
    public int id() { return id; }

    /**
     * The op that computes this node; leaves (inputs, parameters, constants) have ops that run no kernel.
     *
     * @return the op
     */
    public Op op() { return op; }

    /**
     * The op's operands, in the order {@link Op#bind} and {@link Op#backward} see them.
     *
     * @return an immutable list, empty for a leaf
     */
    public List<Node> inputs() { return inputs; }

    /**
     * One of the op's operands.
     *
     * @param i the operand's position, from 0
     * @return operand {@code i}
     * @throws IndexOutOfBoundsException if {@code i} is not a position in {@link #inputs()}
     */
    public Node input(int i) { return inputs.get(i); }

    /**
     * The static shape.
     *
     * @return a fresh copy of the dims; changing it does not change the node
     */
    public int[] shape() { return shape.clone(); }

    /**
     * One dim of the shape. Unlike the builder methods of {@link Graph}, this checks no range: an
     * {@code i} outside {@code [-rank, rank)} fails with {@link ArrayIndexOutOfBoundsException}, not a
     * {@link dev.hyperweave.tensor.ShapeException}.
     *
     * @param i the dim; negative counts from the end ({@code -1} is the last)
     * @return the size of dim {@code i}
     */
    public int dim(int i) { return shape[i < 0 ? shape.length + i : i]; }

    /**
     * The number of dims.
     *
     * @return the rank; 0 for a scalar
     */
    public int rank() { return shape.length; }

    /**
     * The number of elements: the product of the dims.
     *
     * @return the element count; 1 for a scalar, 0 when a dim is 0
     */
    public long numel() { return Shape.numel(shape); }

    /**
     * The declared dtype: I32 for integers, else floating (F32 for every node but an input declared
     * otherwise). A floating node is computed in the compiled graph's float type, whatever it declares.
     *
     * @return the declared dtype
     */
    public DType dtype() { return dtype; }

    /**
     * The user's name for inputs and parameters, else the op name.
     *
     * @return the name; not unique for op nodes
     */
    public String name() { return name; }

    /**
     * Whether this node is an input, a parameter or a constant: no kernel computes it and gradients
     * stop at it.
     *
     * @return true for a leaf
     */
    public boolean isLeaf() { return op instanceof LeafOps.Leaf; }

    /**
     * A label for messages: name, id and shape, as in {@code linear#7[32, 10]}.
     *
     * @return {@code name#id[dims]}
     */
    @Override
    public String toString() {
        return name + "#" + id + Shape.str(shape);
    }
}
