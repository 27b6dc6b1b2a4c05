package dev.hyperweave.backend;

import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Shape;
import dev.hyperweave.tensor.ShapeException;
import dev.hyperweave.tensor.Tensor;

/**
 * Argument checks shared by all backends; each failure names the kernel and the shapes.
 * A shape or dtype that does not fit is a {@link ShapeException}; a bad value (an index, a flag) is an
 * IllegalArgumentException. Each check returns normally when the arguments fit. None checks dtypes
 * or strides unless it says so.
 */
public final class KernelChecks {
    private KernelChecks() {}

    /**
     * Checks that every tensor has the shape of the first (dims only).
     *
     * @param kernel the kernel's name, for the message
     * @param ts     the tensors; fewer than two always pass
     * @throws ShapeException naming the first pair that differs
     */
    public static void sameShape(String kernel, Tensor... ts) {
        for (int i = 1; i < ts.length; i++) {
            if (!ts[0].sameShape(ts[i])) {
                throw new ShapeException(kernel + ": shapes differ: " + Shape.str(ts[0].shape()) + " vs " + Shape.str(ts[i].shape()));
            }
        }
    }

    /**
     * Checks a tensor's rank.
     *
     * @param kernel the kernel's name, for the message
     * @param what   the argument's name, for the message
     * @param t      the tensor
     * @param rank   the rank it must have
     * @throws ShapeException if the rank differs
     */
    public static void rank(String kernel, String what, Tensor t, int rank) {
        if (t.rank() != rank) throw new ShapeException(kernel + ": " + what + " must have rank " + rank + ", got " + Shape.str(t.shape()));
    }

    /**
     * Checks a tensor's dtype.
     *
     * @param kernel the kernel's name, for the message
     * @param what   the argument's name, for the message
     * @param t      the tensor
     * @param d      the dtype it must have
     * @throws ShapeException if the dtype differs
     */
    public static void dtype(String kernel, String what, Tensor t, DType d) {
        if (t.dtype() != d) throw new ShapeException(kernel + ": " + what + " must be " + d + ", got " + t.dtype());
    }

    /**
     * Checks that a tensor has exactly one element (a loss or its gradient), whatever its rank.
     *
     * @param kernel the kernel's name, for the message
     * @param what   the argument's name, for the message
     * @param t      the tensor
     * @throws ShapeException if the tensor has no element or more than one
     */
    public static void oneElement(String kernel, String what, Tensor t) {
        if (t.numel() != 1) throw new ShapeException(kernel + ": " + what + " must have one element, got " + Shape.str(t.shape()));
    }

    /**
     * Validates matmul operands (B = c.dim(0), M = c.dim(1), N = c.dim(2), K = a.dim(2)). Allocates nothing.
     * The shape rules are {@link Backend#matmul}'s: a [B,M,K], b [B,K,N], c [B,M,N], bias null or [B,N].
     * A batch-shared operand must still have B as its first dim (with stride 0).
     *
     * @param a          [B,M,K]
     * @param b          [B,K,N]
     * @param c          [B,M,N]
     * @param bias       null or [B,N]
     * @param act        must be {@link Activation#NONE} when {@code accumulate}
     * @param accumulate whether c is accumulated into
     * @throws ShapeException if a rank or dim disagrees, naming all three shapes (or bias and c)
     * @throws IllegalArgumentException if {@code accumulate} comes with a bias or an activation
     */
    public static void matmul(Tensor a, Tensor b, Tensor c, Tensor bias, Activation act, boolean accumulate) {
        rank("matmul", "a", a, 3);
        rank("matmul", "b", b, 3);
        rank("matmul", "c", c, 3);
        int bs = c.dim(0), m = c.dim(1), n = c.dim(2), k = a.dim(2);
        if (a.dim(0) != bs || b.dim(0) != bs || a.dim(1) != m || b.dim(1) != k || b.dim(2) != n) {
            throw new ShapeException("matmul: a " + Shape.str(a.shape()) + " @ b " + Shape.str(b.shape()) + " -> c " + Shape.str(c.shape()) + " do not agree");
        }
        if (bias != null) {
            rank("matmul", "bias", bias, 2);
            if (bias.dim(0) != bs || bias.dim(1) != n) {
                throw new ShapeException("matmul: bias " + Shape.str(bias.shape()) + " does not fit c " + Shape.str(c.shape()));
            }
        }
        if (accumulate && (bias != null || act != Activation.NONE)) {
            throw new IllegalArgumentException("matmul: accumulate takes no bias and no activation");
        }
    }

    /**
     * Validates a reduceSum output shape against its input.
     *
     * @param x   the input
     * @param out the output: x's rank, each dim equal to x's or 1
     * @throws ShapeException if the ranks differ or an out dim is neither x's nor 1
     */
    public static void reduce(Tensor x, Tensor out) {
        if (x.rank() != out.rank()) throw new ShapeException("reduceSum: out " + Shape.str(out.shape()) + " must have the rank of x " + Shape.str(x.shape()));
        for (int i = 0; i < x.rank(); i++) {
            if (out.dim(i) != x.dim(i) && out.dim(i) != 1) {
                throw new ShapeException("reduceSum: out " + Shape.str(out.shape()) + " does not reduce x " + Shape.str(x.shape()));
            }
        }
    }

    /**
     * Validates the operands of a row gather or scatter: table [V,E], indices I32 [n], rows [n,E].
     * The index values are not looked at (see {@link #index}).
     *
     * @param kernel  the kernel's name, for the message
     * @param table   [V,E]
     * @param indices [n], must be I32
     * @param rows    [n,E]: the gathered rows, or the rows to scatter
     * @throws ShapeException if a rank disagrees, indices is not I32, or n or E disagree
     */
    public static void rows(String kernel, Tensor table, Tensor indices, Tensor rows) {
        rank(kernel, "table", table, 2);
        rank(kernel, "indices", indices, 1);
        rank(kernel, "rows", rows, 2);
        dtype(kernel, "indices", indices, DType.I32);
        if (rows.dim(0) != indices.dim(0) || rows.dim(1) != table.dim(1)) {
            throw new ShapeException(kernel + ": table " + Shape.str(table.shape()) + ", indices " + Shape.str(indices.shape())
                    + " and rows " + Shape.str(rows.shape()) + " do not agree");
        }
    }

    /**
     * Checks one index or label value: a bad value is an IllegalArgumentException, not a ShapeException.
     *
     * @param kernel   the kernel's name, for the message
     * @param index    the value
     * @param limit    the exclusive upper bound
     * @param position where the value sits in its tensor (the row of a label), for the message
     * @throws IllegalArgumentException if {@code index} is outside {@code [0, limit)}
     */
    public static void index(String kernel, int index, int limit, long position) {
        if (index < 0 || index >= limit) {
            throw new IllegalArgumentException(kernel + ": index " + index + " at position " + position + " is outside [0, " + limit + ")");
        }
    }

    /**
     * Validates classification-loss operands: logits [R,C], labels I32 [R]. The loss or gradient
     * tensors and the label values are not looked at (see {@link #oneElement} and {@link #index}).
     *
     * @param kernel the kernel's name, for the message
     * @param logits [R,C]
     * @param labels [R], must be I32
     * @throws ShapeException if a rank disagrees, labels is not I32, or the row counts differ
     */
    public static void loss(String kernel, Tensor logits, Tensor labels) {
        rank(kernel, "logits", logits, 2);
        rank(kernel, "labels", labels, 1);
        dtype(kernel, "labels", labels, DType.I32);
        if (labels.dim(0) != logits.dim(0)) {
            throw new ShapeException(kernel + ": logits " + Shape.str(logits.shape()) + " and labels " + Shape.str(labels.shape()) + " disagree on rows");
        }
    }

    /**
     * Validates optimizer buffers: each is rank 1 and contiguous, all of one length. Unlike the other
     * checks this allocates, even on success; a hot path tests the buffers itself and calls it only to
     * throw.
     *
     * @param kernel the kernel's name, for the message
     * @param ts     the buffers; null entries (an absent momentum buffer) are skipped
     * @throws ShapeException if a buffer is not flat and contiguous, or the lengths differ
     */
    public static void flat(String kernel, Tensor... ts) {
        for (Tensor t : ts) {
            if (t == null) continue;
            if (t.rank() != 1 || !t.isContiguous()) throw new ShapeException(kernel + ": needs flat contiguous buffers, got " + t);
        }
        Tensor first = null; // null entries (absent optional buffers) are skipped; no allocation on this hot path
        for (Tensor t : ts) {
            if (t == null) continue;
            if (first == null) first = t;
            else if (!first.sameShape(t)) sameShape(kernel, first, t);
        }
    }

    /**
     * Adam's step count: its bias corrections divide by 1 - beta^step, which is 0 at step 0.
     *
     * @param step the step about to be taken
     * @throws IllegalArgumentException if {@code step} is less than 1
     */
    public static void adamStep(long step) {
        if (step < 1) throw new IllegalArgumentException("adam: step is counted from 1, got " + step);
    }
}
