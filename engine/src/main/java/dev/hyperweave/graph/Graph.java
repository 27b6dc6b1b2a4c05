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
 */
public final class Graph {
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Node> inputs = new LinkedHashMap<>();
    private final Map<String, Node> parameters = new LinkedHashMap<>();

    // ---- leaves ------------------------------------------------------------------------------

    /** A value the caller writes before each run (data, labels, task ids). */
    public Node input(String name, DType dtype, int... shape) {
        unique(name);
        Node n = add(new LeafOps.Input(), shape, dtype, name);
        inputs.put(name, n);
        return n;
    }

    /** A trainable F32 parameter, initialised by {@code init} when a session is created. */
    public Node parameter(String name, Init init, int... shape) {
        unique(name);
        Node n = add(new LeafOps.Parameter(init), shape, DType.F32, name);
        parameters.put(name, n);
        return n;
    }

    /** A tensor with every element {@code value}. */
    public Node constant(double value, int... shape) {
        return add(new LeafOps.Constant(value), shape, DType.F32, "constant");
    }

    public List<Node> parameters() { return List.copyOf(parameters.values()); }
    public Map<String, Node> inputs() { return Collections.unmodifiableMap(inputs); }
    public List<Node> nodes() { return Collections.unmodifiableList(nodes); }

    /** Initialiser of a parameter node. */
    public static Init initOf(Node parameter) {
        if (!(parameter.op() instanceof LeafOps.Parameter p)) throw new IllegalArgumentException(parameter + " is not a parameter");
        return p.init;
    }

    /** The fill value of a constant node, or NaN when it is not a constant. */
    public static double constantValue(Node n) {
        return n.op() instanceof LeafOps.Constant c ? c.value : Double.NaN;
    }

    public static boolean isInput(Node n) { return n.op() instanceof LeafOps.Input; }
    public static boolean isParameter(Node n) { return n.op() instanceof LeafOps.Parameter; }
    public static boolean isConstant(Node n) { return n.op() instanceof LeafOps.Constant; }

    // ---- products ----------------------------------------------------------------------------

    /** op(a) @ op(b), where op transposes the last two dims when its flag is set. Rank 2, or rank 3 with equal batch. */
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

    public Node matmul(Node a, Node b) { return matmul(a, b, false, false); }

    /**
     * act(x @ w^T + b), fused. x [M,K], w [N,K], b [N] (or null); or batched x [B,M,K], w [B,N,K], b [B,N].
     */
    public Node linear(Node x, Node w, Node b, Activation act) {
        floating("linear", x, w);
        boolean ok = x.rank() == w.rank() && (x.rank() == 2 || x.rank() == 3) && x.dim(-1) == w.dim(-1)
                && (x.rank() == 2 || x.dim(0) == w.dim(0));
        int n = w.dim(-2);
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

    public Node add(Node a, Node b) { return binary(BinaryOp.ADD, a, b); }
    public Node sub(Node a, Node b) { return binary(BinaryOp.SUB, a, b); }
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

    /** x + b, with b [N] broadcast over x [..,N], or b [B,N] over x [B,M,N]. */
    public Node biasAdd(Node x, Node b) {
        floating("biasAdd", x, b);
        boolean ok = (b.rank() == 1 && x.rank() >= 1 && b.dim(0) == x.dim(-1))
                || (b.rank() == 2 && x.rank() == 3 && b.dim(0) == x.dim(0) && b.dim(1) == x.dim(2));
        if (!ok) throw new ShapeException("biasAdd: bias " + Shape.str(b.shape()) + " does not fit x " + Shape.str(x.shape()));
        return add(new ElementwiseOps.BiasAdd(), x.shape(), DType.F32, x, b);
    }

    public Node scale(Node x, double alpha) {
        floating("scale", x);
        return add(new ElementwiseOps.Scale(alpha), x.shape(), DType.F32, x);
    }

    public Node activation(Activation act, Node x) {
        floating(act.name().toLowerCase(java.util.Locale.ROOT), x);
        if (act == Activation.NONE) return x;
        return add(new ElementwiseOps.Act(act), x.shape(), DType.F32, x);
    }

    public Node relu(Node x) { return activation(Activation.RELU, x); }
    public Node tanh(Node x) { return activation(Activation.TANH, x); }
    public Node sigmoid(Node x) { return activation(Activation.SIGMOID, x); }
    public Node elu(Node x) { return activation(Activation.ELU, x); }

    Node activationGrad(Activation act, Node y, Node dy) {
        return add(new ElementwiseOps.ActGrad(act), y.shape(), DType.F32, y, dy);
    }

    /** A contiguous copy of x. */
    public Node copy(Node x) {
        return add(new ElementwiseOps.Copy(), x.shape(), x.dtype(), x);
    }

    // ---- reductions --------------------------------------------------------------------------

    /** Sum of all elements, a scalar. */
    public Node sum(Node x) { return reduceAll(x, 1); }

    /** Mean of all elements, a scalar. */
    public Node mean(Node x) { return reduceAll(x, 1.0 / Math.max(1, x.numel())); }

    private Node reduceAll(Node x, double alpha) {
        floating(alpha == 1 ? "sum" : "mean", x);
        int[] keep = new int[x.rank()];
        Arrays.fill(keep, 1);
        return add(new ReduceOps.ReduceSum(keep, alpha), new int[0], DType.F32, x);
    }

    /** Sum over dim {@code dim}, removing it (keepDim false) or keeping it as size 1. */
    public Node sum(Node x, int dim, boolean keepDim) {
        floating("sum", x);
        int d = axis("sum", x, dim);
        int[] keep = x.shape();
        keep[d] = 1;
        int[] out = keepDim ? keep : Shape.remove(x.shape(), d);
        return add(new ReduceOps.ReduceSum(keep, 1), out, DType.F32, x);
    }

    /** Sums x over dims so that it has {@code shape}, aligned from the right (the inverse of a broadcast). */
    public Node sumToShape(Node x, int[] shape) {
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

    public Node slice(Node x, int dim, int start, int length) {
        int d = axis("slice", x, dim);
        if (start < 0 || length < 0 || start + length > x.dim(d)) {
            throw new ShapeException("slice: [" + start + ", " + (start + length) + ") out of range for dim " + d + " of " + Shape.str(x.shape()));
        }
        int[] out = x.shape();
        out[d] = length;
        return add(new ViewOps.Slice(d, start, length), out, x.dtype(), x);
    }

    /** A view with a new shape (a copy is made at compile time only if the strides forbid a view). */
    public Node reshape(Node x, int... shape) {
        Shape.checkValid(shape);
        if (Shape.numel(shape) != x.numel()) {
            throw new ShapeException("reshape: " + Shape.str(x.shape()) + " to " + Shape.str(shape) + ": sizes differ");
        }
        if (Arrays.equals(shape, x.shape())) return x;
        return add(new ViewOps.Reshape(shape), shape, x.dtype(), x);
    }

    public Node transpose(Node x, int d0, int d1) {
        int a = axis("transpose", x, d0), b = axis("transpose", x, d1);
        int[] out = x.shape();
        out[a] = x.dim(b);
        out[b] = x.dim(a);
        return add(new ViewOps.Transpose(a, b), out, x.dtype(), x);
    }

    /** Broadcasts size-1 dims of x to {@code shape} (same rank) without copying. */
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

    /** Rows of table [V,E] at indices I32 [n]: [n,E] (embedding lookup). */
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

    /** Concatenation along {@code dim}; all other dims must agree. */
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

    /** Mean softmax cross-entropy: logits [R,C], labels I32 [R]; a scalar. */
    public Node softmaxCrossEntropy(Node logits, Node labels) {
        floating("softmaxCrossEntropy", logits);
        if (logits.rank() != 2 || labels.rank() != 1 || labels.dtype() != DType.I32 || labels.dim(0) != logits.dim(0)) {
            throw new ShapeException("softmaxCrossEntropy: logits " + Shape.str(logits.shape()) + " must be [R,C] and labels "
                    + labels.dtype() + " " + Shape.str(labels.shape()) + " I32 [R]");
        }
        return add(new LossOps.SoftmaxCrossEntropy(), new int[0], DType.F32, logits, labels);
    }

    /** Mean squared error over all elements; a scalar. */
    public Node meanSquaredError(Node pred, Node target) {
        floating("meanSquaredError", pred, target);
        if (!Arrays.equals(pred.shape(), target.shape())) {
            throw new ShapeException("meanSquaredError: pred " + Shape.str(pred.shape()) + " and target " + Shape.str(target.shape()) + " differ");
        }
        return add(new LossOps.MeanSquaredError(), new int[0], DType.F32, pred, target);
    }

    // ---- plumbing ----------------------------------------------------------------------------

    /** Adds a node for a user-defined op; shapes are the caller's responsibility. */
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

    /** All nodes the given ones depend on (themselves included), in creation order, which is topological. */
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
