package dev.hyperweave.graph;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.BinaryOp;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Shape;
import dev.hyperweave.tensor.ShapeException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph of ops under construction. Builder methods check shapes at once and name the op and the
 * shapes when they do not fit. Floating values are declared F32; a compiled graph may compute them
 * in F64 on the reference backend. Not thread-safe.
 *
 * <p>Nodes are only ever appended: {@link Gradients#of} adds the backward pass to the same graph, and
 * {@link CompiledGraph} (or {@link dev.hyperweave.train.Session}) plans the nodes its outputs need.
 * Conventions of the builder methods:
 * <ul>
 *   <li>A {@code dim} argument may be negative and then counts from the end ({@code -1} is the last dim).</li>
 *   <li>Nothing broadcasts implicitly: element-wise ops need equal shapes. Broadcast with
 *       {@link #expand}, or add a bias with {@link #biasAdd}.</li>
 *   <li>Views ({@link #slice}, {@link #reshape}, {@link #transpose}, {@link #expand}) share their
 *       input's memory and run no kernel. They and {@link #copy} take any dtype and keep it; the other
 *       builders need floating inputs (I32 only where a parameter says so) and give F32 nodes.</li>
 *   <li>A shape or a dtype that does not fit is a {@link ShapeException} naming the op and the shapes;
 *       an input node of another graph is an {@link IllegalArgumentException}.</li>
 * </ul>
 */
public final class Graph {
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Node> inputs = new LinkedHashMap<>();
    private final Map<String, Node> parameters = new LinkedHashMap<>();

    /** Creates an empty graph. */
    public Graph() {}

    // ---- leaves ------------------------------------------------------------------------------

    /**
     * A value the caller writes before each run (data, labels, task ids).
     *
     * @param name  unique among this graph's inputs and parameters; the node's name and its key in
     *              {@link #inputs()}
     * @param dtype {@link DType#I32} for labels and indices, else a floating type; any floating type
     *              is computed in the compiled graph's float type
     * @param shape the static shape; empty for a scalar
     * @return the new input node
     * @throws IllegalArgumentException if {@code name} is null, blank or already used by an input or a parameter
     * @throws ShapeException if a dim is negative
     */
    public Node input(String name, DType dtype, int... shape) {
        unique(name);
        Node n = add(new LeafOps.Input(), shape, dtype, name);
        inputs.put(name, n);
        return n;
    }

    /**
     * A trainable F32 parameter, initialised by {@code init} when a {@link dev.hyperweave.train.Session}
     * is created. A plain {@link CompiledGraph} does not run {@code init}: a parameter it allocates
     * itself starts at zero.
     *
     * @param name  unique among this graph's inputs and parameters; the node's name
     * @param init  draws the initial values; kept, not called here (see {@link #initOf})
     * @param shape the static shape; empty for a scalar
     * @return the new parameter node
     * @throws IllegalArgumentException if {@code name} is null, blank or already used by an input or a parameter
     * @throws ShapeException if a dim is negative
     */
    public Node parameter(String name, Init init, int... shape) {
        unique(name);
        Node n = add(new LeafOps.Parameter(init), shape, DType.F32, name);
        parameters.put(name, n);
        return n;
    }

    /**
     * A tensor with every element {@code value}, filled once at compile time. Each call makes a new
     * node; equal constants are not shared.
     *
     * @param value the fill value
     * @param shape the shape; empty for a scalar
     * @return the new F32 constant node, named {@code "constant"}
     * @throws ShapeException if a dim is negative
     */
    public Node constant(double value, int... shape) {
        return add(new LeafOps.Constant(value), shape, DType.F32, "constant");
    }

    /**
     * The parameters declared so far, in declaration order, whether or not any loss depends on them.
     *
     * @return an immutable snapshot
     */
    public List<Node> parameters() { return List.copyOf(parameters.values()); }

    /**
     * The inputs by name, in declaration order.
     *
     * @return an unmodifiable live view: inputs declared later appear in it
     */
    public Map<String, Node> inputs() { return Collections.unmodifiableMap(inputs); }

    /**
     * Every node, in creation order, which is topological; a node's index is its {@link Node#id()}.
     *
     * @return an unmodifiable live view: nodes added later (gradients included) appear in it
     */
    public List<Node> nodes() { return Collections.unmodifiableList(nodes); }

    /**
     * Initialiser of a parameter node.
     *
     * @param parameter a node made by {@link #parameter}
     * @return the {@link Init} it was declared with
     * @throws IllegalArgumentException if the node is not a parameter
     */
    public static Init initOf(Node parameter) {
        if (!(parameter.op() instanceof LeafOps.Parameter p)) throw new IllegalArgumentException(parameter + " is not a parameter");
        return p.init;
    }

    /**
     * The fill value of a constant node, or NaN when it is not a constant. A constant of NaN gives the
     * same answer: test with {@link #isConstant} where that matters.
     *
     * @param n any node
     * @return the value {@code n} was made with by {@link #constant}, or {@link Double#NaN}
     */
    public static double constantValue(Node n) {
        return n.op() instanceof LeafOps.Constant c ? c.value : Double.NaN;
    }

    /**
     * Whether a node was made by {@link #input}.
     *
     * @param n any node
     * @return true for an input node
     */
    public static boolean isInput(Node n) { return n.op() instanceof LeafOps.Input; }

    /**
     * Whether a node was made by {@link #parameter}.
     *
     * @param n any node
     * @return true for a parameter node
     */
    public static boolean isParameter(Node n) { return n.op() instanceof LeafOps.Parameter; }

    /**
     * Whether a node was made by {@link #constant} (gradient seeds and zero gradients included).
     *
     * @param n any node
     * @return true for a constant node
     */
    public static boolean isConstant(Node n) { return n.op() instanceof LeafOps.Constant; }

    // ---- products ----------------------------------------------------------------------------

    /**
     * {@code op(a) @ op(b)}, where op transposes the last two dims when its flag is set. Rank 2, or rank 3
     * with equal batch: op(a) [M,K] and op(b) [K,N] give [M,N]; op(a) [B,M,K] and op(b) [B,K,N] give
     * [B,M,N]. The batch does not broadcast. A transpose costs nothing: the kernel reads the operand
     * with its last two strides swapped.
     *
     * @param a      the left operand, floating
     * @param b      the right operand, floating, of {@code a}'s rank
     * @param transA whether op(a) swaps the last two dims of {@code a}
     * @param transB whether op(b) swaps the last two dims of {@code b}
     * @return the F32 product, [M,N] or [B,M,N]
     * @throws ShapeException if an operand is not floating, the ranks differ or are not 2 or 3, the
     *                        batches differ, or the inner dims differ
     */
    public Node matmul(Node a, Node b, boolean transA, boolean transB) {
        floating("matmul", a, b);
        if (a.rank() != b.rank() || a.rank() < 2 || a.rank() > 3 || (a.rank() == 3 && a.dim(0) != b.dim(0))) {
            throw new ShapeException("matmul: a " + Shape.str(a.shape()) + " and b " + Shape.str(b.shape())
                    + " must both be rank 2, or rank 3 with the same batch");
        }
        int m = transA ? a.dim(-1) : a.dim(-2), ka = transA ? a.dim(-2) : a.dim(-1);
        int kb = transB ? b.dim(-1) : b.dim(-2), n = transB ? b.dim(-2) : b.dim(-1);
        if (ka != kb) {
            throw new ShapeException("matmul: inner dims differ: a " + Shape.str(a.shape()) + (transA ? "^T" : "")
                    + " @ b " + Shape.str(b.shape()) + (transB ? "^T" : ""));
        }
        int[] out = a.rank() == 2 ? new int[] {m, n} : new int[] {a.dim(0), m, n};
        return add(new MatMulOps.MatMul(transA, transB), out, DType.F32, a, b);
    }

    /**
     * {@code a @ b}: a [M,K] and b [K,N] give [M,N]; a [B,M,K] and b [B,K,N] give [B,M,N].
     * As {@link #matmul(Node, Node, boolean, boolean)} without transposes.
     *
     * @param a the left operand, floating
     * @param b the right operand, floating, of {@code a}'s rank
     * @return the F32 product, [M,N] or [B,M,N]
     * @throws ShapeException if an operand is not floating, the ranks differ or are not 2 or 3, the
     *                        batches differ, or the inner dims differ
     */
    public Node matmul(Node a, Node b) { return matmul(a, b, false, false); }

    /**
     * act(x @ w^T + b), fused. x [M,K], w [N,K], b [N] (or null); or batched x [B,M,K], w [B,N,K], b [B,N].
     * One kernel: bias and activation run in the product's epilogue. {@code w} has the [out,in] layout
     * (PyTorch's); the batched form is B independent layers, one per batch entry (how a
     * hypernetwork's target networks run at once on the weights generated for them). The backward
     * pass takes the activation's derivative from this node's output.
     *
     * @param x   the input, [M,K] or [B,M,K], floating
     * @param w   the weights, [N,K] or [B,N,K], floating
     * @param b   the bias, [N] or [B,N], floating; null for none
     * @param act applied last; {@link Activation#NONE} for none
     * @return the F32 output, [M,N] or [B,M,N]
     * @throws ShapeException if an operand is not floating or the shapes do not fit
     */
    public Node linear(Node x, Node w, Node b, Activation act) {
        floating("linear", x, w);
        boolean ok = x.rank() == w.rank() && (x.rank() == 2 || x.rank() == 3) && x.dim(-1) == w.dim(-1)
                && (x.rank() == 2 || x.dim(0) == w.dim(0));
        int n = ok ? w.dim(-2) : 0;
        if (ok && b != null) {
            floating("linear", b);
            ok = x.rank() == 2 ? Arrays.equals(b.shape(), new int[] {n}) : Arrays.equals(b.shape(), new int[] {x.dim(0), n});
        }
        if (!ok) {
            throw new ShapeException("linear: x " + Shape.str(x.shape()) + ", w " + Shape.str(w.shape())
                    + (b == null ? "" : ", b " + Shape.str(b.shape())) + " do not fit (x [M,K] w [N,K] b [N], or x [B,M,K] w [B,N,K] b [B,N])");
        }
        int[] out = x.shape();
        out[out.length - 1] = n;
        Node[] in = b == null ? new Node[] {x, w} : new Node[] {x, w, b};
        return add(new MatMulOps.Linear(act, b != null), out, DType.F32, in);
    }

    // ---- element-wise ------------------------------------------------------------------------

    /**
     * {@code a + b}, element-wise.
     *
     * @param a a floating node
     * @param b a floating node of {@code a}'s shape
     * @return the F32 sum, of {@code a}'s shape
     * @throws ShapeException if an operand is not floating or the shapes differ (nothing broadcasts
     *                        implicitly; use {@link #expand})
     */
    public Node add(Node a, Node b) { return binary(BinaryOp.ADD, a, b); }

    /**
     * {@code a - b}, element-wise.
     *
     * @param a a floating node
     * @param b a floating node of {@code a}'s shape
     * @return the F32 difference, of {@code a}'s shape
     * @throws ShapeException if an operand is not floating or the shapes differ (nothing broadcasts
     *                        implicitly; use {@link #expand})
     */
    public Node sub(Node a, Node b) { return binary(BinaryOp.SUB, a, b); }

    /**
     * {@code a * b}, element-wise (Hadamard product).
     *
     * @param a a floating node
     * @param b a floating node of {@code a}'s shape
     * @return the F32 product, of {@code a}'s shape
     * @throws ShapeException if an operand is not floating or the shapes differ (nothing broadcasts
     *                        implicitly; use {@link #expand})
     */
    public Node mul(Node a, Node b) { return binary(BinaryOp.MUL, a, b); }

    private Node binary(BinaryOp op, Node a, Node b) {
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        floating(name, a, b);
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new ShapeException(name + ": shapes differ: " + Shape.str(a.shape()) + " vs " + Shape.str(b.shape())
                    + " (broadcast explicitly with expand)");
        }
        return add(new ElementwiseOps.Binary(op), a.shape(), DType.F32, a, b);
    }

    /**
     * x + b, with b [N] broadcast over x [..,N], or b [B,N] over x [B,M,N]. The bias is read with
     * stride 0 in the broadcast dims, not copied; its gradient sums dL/dy over them.
     *
     * @param x a floating node of rank 1 or more
     * @param b the bias, floating: [N] with N the last dim of {@code x}, or [B,N] for a rank-3 {@code x}
     * @return the F32 sum, of {@code x}'s shape
     * @throws ShapeException if an operand is not floating or {@code b} does not fit {@code x}
     */
    public Node biasAdd(Node x, Node b) {
        floating("biasAdd", x, b);
        boolean ok = (b.rank() == 1 && x.rank() >= 1 && b.dim(0) == x.dim(-1))
                || (b.rank() == 2 && x.rank() == 3 && b.dim(0) == x.dim(0) && b.dim(1) == x.dim(2));
        if (!ok) throw new ShapeException("biasAdd: bias " + Shape.str(b.shape()) + " does not fit x " + Shape.str(x.shape()));
        return add(new ElementwiseOps.BiasAdd(), x.shape(), DType.F32, x, b);
    }

    /**
     * {@code alpha * x}, element-wise.
     *
     * @param x     a floating node
     * @param alpha the factor
     * @return the F32 product, of {@code x}'s shape
     * @throws ShapeException if {@code x} is not floating
     */
    public Node scale(Node x, double alpha) {
        floating("scale", x);
        return add(new ElementwiseOps.Scale(alpha), x.shape(), DType.F32, x);
    }

    /**
     * {@code act(x)}, element-wise. The backward pass takes the derivative from this node's output
     * (see {@link Activation}).
     *
     * @param act the activation
     * @param x   a floating node
     * @return a new F32 node of {@code x}'s shape, or {@code x} itself when {@code act} is
     *         {@link Activation#NONE}
     * @throws ShapeException if {@code x} is not floating
     */
    public Node activation(Activation act, Node x) {
        floating(act.name().toLowerCase(java.util.Locale.ROOT), x);
        if (act == Activation.NONE) return x;
        return add(new ElementwiseOps.Act(act), x.shape(), DType.F32, x);
    }

    /**
     * {@code max(x, 0)}, element-wise.
     *
     * @param x a floating node
     * @return the F32 result, of {@code x}'s shape
     * @throws ShapeException if {@code x} is not floating
     */
    public Node relu(Node x) { return activation(Activation.RELU, x); }

    /**
     * {@code tanh(x)}, element-wise.
     *
     * @param x a floating node
     * @return the F32 result, of {@code x}'s shape
     * @throws ShapeException if {@code x} is not floating
     */
    public Node tanh(Node x) { return activation(Activation.TANH, x); }

    /**
     * {@code 1 / (1 + exp(-x))}, element-wise.
     *
     * @param x a floating node
     * @return the F32 result, of {@code x}'s shape
     * @throws ShapeException if {@code x} is not floating
     */
    public Node sigmoid(Node x) { return activation(Activation.SIGMOID, x); }

    /**
     * ELU with alpha 1, element-wise: {@code x} where {@code x > 0}, else {@code exp(x) - 1}.
     *
     * @param x a floating node
     * @return the F32 result, of {@code x}'s shape
     * @throws ShapeException if {@code x} is not floating
     */
    public Node elu(Node x) { return activation(Activation.ELU, x); }

    Node activationGrad(Activation act, Node y, Node dy) {
        return add(new ElementwiseOps.ActGrad(act), y.shape(), DType.F32, y, dy);
    }

    /**
     * A contiguous copy of x: a buffer of its own, never a view of {@code x}, and a kernel that fills
     * it on every run. Use it to make a strided view contiguous, or to give a value a node that can be
     * placed in a caller's buffer (see {@link CompiledGraph}). Any dtype; the gradient passes through.
     *
     * @param x the node to copy
     * @return a new node of {@code x}'s shape and dtype
     */
    public Node copy(Node x) {
        return add(new ElementwiseOps.Copy(), x.shape(), x.dtype(), x);
    }

    // ---- reductions --------------------------------------------------------------------------

    /**
     * Sum of all elements, a scalar.
     *
     * @param x a floating node
     * @return an F32 node of shape [] (rank 0)
     * @throws ShapeException if {@code x} is not floating
     */
    public Node sum(Node x) { return reduceAll(x, 1); }

    /**
     * Mean of all elements, a scalar; 0 for an empty {@code x}.
     *
     * @param x a floating node
     * @return an F32 node of shape [] (rank 0)
     * @throws ShapeException if {@code x} is not floating
     */
    public Node mean(Node x) { return reduceAll(x, 1.0 / Math.max(1, x.numel())); }

    private Node reduceAll(Node x, double alpha) {
        floating(alpha == 1 ? "sum" : "mean", x);
        int[] keep = new int[x.rank()];
        Arrays.fill(keep, 1);
        return add(new ReduceOps.ReduceSum(keep, alpha), new int[0], DType.F32, x);
    }

    /**
     * Sum over dim {@code dim}, removing it (keepDim false) or keeping it as size 1.
     *
     * @param x       a floating node of rank 1 or more
     * @param dim     the dim to sum over; negative counts from the end
     * @param keepDim whether the result keeps {@code dim} with size 1
     * @return an F32 node: {@code x}'s shape without {@code dim}, or with it set to 1
     * @throws ShapeException if {@code x} is not floating or {@code dim} is out of range
     */
    public Node sum(Node x, int dim, boolean keepDim) {
        floating("sum", x);
        int d = axis("sum", x, dim);
        int[] keep = x.shape();
        keep[d] = 1;
        int[] out = keepDim ? keep : Shape.remove(x.shape(), d);
        return add(new ReduceOps.ReduceSum(keep, 1), out, DType.F32, x);
    }

    /**
     * Sums x over dims so that it has {@code shape}, aligned from the right (the inverse of a broadcast).
     * Leading dims of {@code x} beyond the rank of {@code shape} are summed away; every other dim of
     * {@code shape} must be 1 (summed) or equal to {@code x}'s. For x [B,M,N]: [N] sums B and M,
     * [M,1] sums B and N. This is the gradient of {@link #expand}.
     *
     * @param x     the node to reduce
     * @param shape the target shape, of rank at most {@code x}'s
     * @return {@code x} itself when {@code shape} equals its shape, else a new F32 node of {@code shape}
     * @throws ShapeException if {@code shape} has a higher rank than {@code x} or a dim that is neither 1
     *                        nor {@code x}'s
     */
    public Node sumToShape(Node x, int[] shape) {
        floating("sumToShape", x);
        if (shape.length > x.rank()) throw new ShapeException("sumToShape: " + Shape.str(x.shape()) + " cannot sum to " + Shape.str(shape));
        int[] keep = new int[x.rank()];
        int lead = x.rank() - shape.length;
        for (int i = 0; i < x.rank(); i++) {
            int t = i < lead ? 1 : shape[i - lead];
            if (t != 1 && t != x.dim(i)) throw new ShapeException("sumToShape: " + Shape.str(x.shape()) + " cannot sum to " + Shape.str(shape));
            keep[i] = t;
        }
        if (Arrays.equals(keep, x.shape()) && lead == 0) return x;
        return add(new ReduceOps.ReduceSum(keep, 1), shape, DType.F32, x);
    }

    /** Sums x over {@code dim}, giving a node of shape {@code outShape} (same size as x without dim). */
    Node sumOver(Node x, int dim, int[] outShape) {
        int[] keep = x.shape();
        keep[dim] = 1;
        if (Shape.numel(keep) != Shape.numel(outShape)) throw new ShapeException("sum: cannot reduce " + Shape.str(x.shape()) + " to " + Shape.str(outShape));
        return add(new ReduceOps.ReduceSum(keep, 1), outShape, DType.F32, x);
    }

    // ---- views -------------------------------------------------------------------------------

    /**
     * The entries {@code [start, start + length)} of dim {@code dim}: a view of {@code x}'s memory, no
     * kernel. Its gradient is written straight into its region of {@code x}'s gradient. Any dtype.
     *
     * @param x      the node to slice
     * @param dim    the dim to cut; negative counts from the end
     * @param start  the first index kept
     * @param length how many indices to keep; may be 0
     * @return a view node of {@code x}'s shape with {@code dim} set to {@code length}, and {@code x}'s dtype
     * @throws ShapeException if {@code dim} is out of range or the range does not lie within it
     */
    public Node slice(Node x, int dim, int start, int length) {
        int d = axis("slice", x, dim);
        if (start < 0 || length < 0 || start + length > x.dim(d)) {
            throw new ShapeException("slice: [" + start + ", " + (start + length) + ") out of range for dim " + d + " of " + Shape.str(x.shape()));
        }
        int[] out = x.shape();
        out[d] = length;
        return add(new ViewOps.Slice(d, start, length), out, x.dtype(), x);
    }

    /**
     * A view with a new shape (a copy is made at compile time only if the strides forbid a view).
     * Elements keep their row-major order. There is no {@code -1} wildcard: give every dim. Any dtype.
     *
     * @param x     the node to reshape
     * @param shape the new shape, with as many elements as {@code x}
     * @return {@code x} itself when the shape is unchanged, else a view node of {@code shape}
     * @throws ShapeException if a dim is negative or the element counts differ
     */
    public Node reshape(Node x, int... shape) {
        Shape.checkValid(shape);
        if (Shape.numel(shape) != x.numel()) {
            throw new ShapeException("reshape: " + Shape.str(x.shape()) + " to " + Shape.str(shape) + ": sizes differ");
        }
        if (Arrays.equals(shape, x.shape())) return x;
        return add(new ViewOps.Reshape(shape), shape, x.dtype(), x);
    }

    /**
     * {@code x} with dims {@code d0} and {@code d1} swapped: a view whose strides swap, nothing is
     * copied. Any dtype.
     *
     * @param x  the node to transpose
     * @param d0 a dim; negative counts from the end
     * @param d1 the other dim; negative counts from the end
     * @return a new view node with the two dims exchanged, even when {@code d0} and {@code d1} are the same
     * @throws ShapeException if a dim is out of range
     */
    public Node transpose(Node x, int d0, int d1) {
        int a = axis("transpose", x, d0), b = axis("transpose", x, d1);
        int[] out = x.shape();
        out[a] = x.dim(b);
        out[b] = x.dim(a);
        return add(new ViewOps.Transpose(a, b), out, x.dtype(), x);
    }

    /**
     * Broadcasts size-1 dims of x to {@code shape} (same rank) without copying: the view has stride 0
     * in the broadcast dims, so every entry along them reads the same element. The gradient sums over
     * them ({@link #sumToShape}). Any dtype.
     *
     * @param x     the node to broadcast
     * @param shape the target shape, of {@code x}'s rank; each dim equal to {@code x}'s, or any size where
     *              {@code x}'s is 1
     * @return {@code x} itself when {@code shape} equals its shape, else a view node of {@code shape}
     * @throws ShapeException if the ranks differ or a dim of {@code x} is neither 1 nor the target
     */
    public Node expand(Node x, int... shape) {
        if (shape.length != x.rank()) throw new ShapeException("expand: " + Shape.str(x.shape()) + " to " + Shape.str(shape) + ": ranks differ");
        for (int i = 0; i < shape.length; i++) {
            if (x.dim(i) != shape[i] && x.dim(i) != 1) {
                throw new ShapeException("expand: " + Shape.str(x.shape()) + " to " + Shape.str(shape) + ": dim " + i + " is neither 1 nor " + shape[i]);
            }
        }
        if (Arrays.equals(shape, x.shape())) return x;
        return add(new ViewOps.Expand(shape), shape, x.dtype(), x);
    }

    // ---- indexing and joining ----------------------------------------------------------------

    /**
     * Rows of table [V,E] at indices I32 [n]: [n,E] (embedding lookup). An index outside [0,V) is an
     * {@link IllegalArgumentException} from the kernel: at the run on host backends, at the next read
     * on the cuda backend. The table's gradient scatter-adds the output's gradient rows (repeated
     * indices add up); the indices get none.
     *
     * @param table   the rows, floating [V,E]
     * @param indices the row numbers, I32 [n]
     * @return the F32 node [n,E]
     * @throws ShapeException if {@code table} is not floating [V,E] or {@code indices} is not I32 [n]
     */
    public Node gather(Node table, Node indices) {
        floating("gather", table);
        if (table.rank() != 2 || indices.rank() != 1 || indices.dtype() != DType.I32) {
            throw new ShapeException("gather: table " + Shape.str(table.shape()) + " must be [V,E] and indices "
                    + indices.dtype() + " " + Shape.str(indices.shape()) + " I32 [n]");
        }
        return add(new IndexOps.Gather(), new int[] {indices.dim(0), table.dim(1)}, DType.F32, table, indices);
    }

    Node scatterAddRows(Node src, Node indices, int rows) {
        return add(new IndexOps.ScatterAdd(), new int[] {rows, src.dim(1)}, DType.F32, src, indices);
    }

    /**
     * Concatenation along {@code dim}; all other dims must agree. The parts are copied into their
     * slices of a new buffer (not a view); each part's gradient is a view of the output's gradient.
     *
     * @param dim   the dim to join along; negative counts from the end of {@code parts[0]}'s rank
     * @param parts floating nodes of one rank, in order
     * @return the F32 node whose {@code dim} is the sum of the parts'
     * @throws ShapeException if there are no parts, a part is not floating, {@code dim} is out of range,
     *                        or the ranks or other dims differ
     */
    public Node concat(int dim, Node... parts) {
        if (parts.length == 0) throw new ShapeException("concat: no inputs");
        floating("concat", parts);
        int d = axis("concat", parts[0], dim);
        int[] out = parts[0].shape();
        out[d] = 0;
        for (Node p : parts) {
            boolean ok = p.rank() == out.length;
            for (int i = 0; ok && i < out.length; i++) ok = i == d || p.dim(i) == out[i];
            if (!ok) throw new ShapeException("concat along dim " + d + ": " + Shape.str(parts[0].shape()) + " and " + Shape.str(p.shape()) + " do not fit");
            out[d] += p.dim(d);
        }
        return add(new IndexOps.Concat(d), out, DType.F32, parts);
    }

    // ---- losses ------------------------------------------------------------------------------

    /**
     * Mean softmax cross-entropy: logits [R,C], labels I32 [R]; a scalar. The mean over rows r of
     * {@code -log(softmax(logits[r])[labels[r]])}. A label outside [0,C) is an
     * {@link IllegalArgumentException} from the kernel: at the run on host backends, at the next read
     * on the cuda backend. Only {@code logits} gets a gradient.
     *
     * @param logits floating [R,C]
     * @param labels the class of each row, I32 [R]
     * @return an F32 node of shape [] (rank 0)
     * @throws ShapeException if {@code logits} is not floating [R,C] or {@code labels} is not I32 [R]
     */
    public Node softmaxCrossEntropy(Node logits, Node labels) {
        floating("softmaxCrossEntropy", logits);
        if (logits.rank() != 2 || labels.rank() != 1 || labels.dtype() != DType.I32 || labels.dim(0) != logits.dim(0)) {
            throw new ShapeException("softmaxCrossEntropy: logits " + Shape.str(logits.shape()) + " must be [R,C] and labels "
                    + labels.dtype() + " " + Shape.str(labels.shape()) + " I32 [R]");
        }
        return add(new LossOps.SoftmaxCrossEntropy(), new int[0], DType.F32, logits, labels);
    }

    /**
     * Mean squared error over all elements; a scalar: the mean of {@code (pred - target)^2}. Both
     * operands get a gradient.
     *
     * @param pred   a floating node
     * @param target a floating node of {@code pred}'s shape
     * @return an F32 node of shape [] (rank 0)
     * @throws ShapeException if an operand is not floating or the shapes differ
     */
    public Node meanSquaredError(Node pred, Node target) {
        floating("meanSquaredError", pred, target);
        if (!Arrays.equals(pred.shape(), target.shape())) {
            throw new ShapeException("meanSquaredError: pred " + Shape.str(pred.shape()) + " and target " + Shape.str(target.shape()) + " differ");
        }
        return add(new LossOps.MeanSquaredError(), new int[0], DType.F32, pred, target);
    }

    // ---- plumbing ----------------------------------------------------------------------------

    /**
     * Adds a node for a user-defined op; shapes are the caller's responsibility. Only the dims' signs
     * and the inputs' graph are checked: {@code shape} and {@code dtype} become the node's as given, and
     * {@link Op#bind} later receives tensors of them. The node is named {@link Op#name()}.
     *
     * @param op    the op, whose {@link Op#backward} supplies the gradient
     * @param shape the output's shape
     * @param dtype F32 for a floating output, I32 for an integer one (which gets no gradient)
     * @param in    the op's inputs, in the order {@code bind} and {@code backward} see them
     * @return the new node
     * @throws ShapeException if a dim is negative
     * @throws IllegalArgumentException if an input belongs to another graph
     */
    public Node add(Op op, int[] shape, DType dtype, Node... in) {
        return add(op, shape, dtype, op.name(), in);
    }

    private Node add(Op op, int[] shape, DType dtype, String name, Node... in) {
        Shape.checkValid(shape);
        for (Node i : in) {
            if (i.graph() != this) throw new IllegalArgumentException(op.name() + ": input " + i + " belongs to another graph");
        }
        Node n = new Node(this, nodes.size(), op, Arrays.asList(in), shape, dtype, name);
        nodes.add(n);
        return n;
    }

    /**
     * All nodes the given ones depend on (themselves included), in creation order, which is topological.
     *
     * @param roots nodes of this graph; duplicates are allowed
     * @return a new list holding each node once
     * @throws IllegalArgumentException if a node belongs to another graph
     */
    public List<Node> ancestors(List<Node> roots) {
        BitSet seen = new BitSet();
        ArrayList<Node> stack = new ArrayList<>(roots);
        while (!stack.isEmpty()) {
            Node n = stack.removeLast();
            if (n.graph() != this) throw new IllegalArgumentException(n + " belongs to another graph");
            if (seen.get(n.id())) continue;
            seen.set(n.id());
            stack.addAll(n.inputs());
        }
        List<Node> out = new ArrayList<>();
        for (int i = seen.nextSetBit(0); i >= 0; i = seen.nextSetBit(i + 1)) out.add(nodes.get(i));
        return out;
    }

    private void unique(String name) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("inputs and parameters need a name");
        if (inputs.containsKey(name) || parameters.containsKey(name)) throw new IllegalArgumentException("name '" + name + "' is already used in this graph");
    }

    private static void floating(String op, Node... ns) {
        for (Node n : ns) {
            if (!n.dtype().isFloating()) throw new ShapeException(op + ": " + n + " is " + n.dtype() + ", expected a floating tensor");
        }
    }

    private static int axis(String op, Node x, int dim) {
        int d = dim < 0 ? x.rank() + dim : dim;
        if (d < 0 || d >= x.rank()) throw new ShapeException(op + ": dim " + dim + " out of range for " + Shape.str(x.shape()));
        return d;
    }
}
