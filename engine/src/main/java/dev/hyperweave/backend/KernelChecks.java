package dev.hyperweave.backend;

import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Shape;
import dev.hyperweave.tensor.ShapeException;
import dev.hyperweave.tensor.Tensor;

/** Argument checks shared by all backends; each failure names the kernel and the shapes. */
public final class KernelChecks {
    private KernelChecks() {}

    public static void sameShape(String kernel, Tensor... ts) {
        for (int i = 1; i < ts.length; i++) {
            if (!ts[0].sameShape(ts[i])) {
                throw new ShapeException(kernel + ": shapes differ: " + Shape.str(ts[0].shape()) + " vs " + Shape.str(ts[i].shape()));
            }
        }
    }

    public static void rank(String kernel, String what, Tensor t, int rank) {
        if (t.rank() != rank) throw new ShapeException(kernel + ": " + what + " must have rank " + rank + ", got " + Shape.str(t.shape()));
    }

    public static void dtype(String kernel, String what, Tensor t, DType d) {
        if (t.dtype() != d) throw new ShapeException(kernel + ": " + what + " must be " + d + ", got " + t.dtype());
    }

    public static void oneElement(String kernel, String what, Tensor t) {
        if (t.numel() != 1) throw new ShapeException(kernel + ": " + what + " must have one element, got " + Shape.str(t.shape()));
    }

    /** Validates matmul operands (B = c.dim(0), M = c.dim(1), N = c.dim(2), K = a.dim(2)). Allocates nothing. */
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

    /** Validates a reduceSum output shape against its input. */
    public static void reduce(Tensor x, Tensor out) {
        if (x.rank() != out.rank()) throw new ShapeException("reduceSum: out " + Shape.str(out.shape()) + " must have the rank of x " + Shape.str(x.shape()));
        for (int i = 0; i < x.rank(); i++) {
            if (out.dim(i) != x.dim(i) && out.dim(i) != 1) {
                throw new ShapeException("reduceSum: out " + Shape.str(out.shape()) + " does not reduce x " + Shape.str(x.shape()));
            }
        }
    }

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

    public static void index(String kernel, int index, int limit, long position) {
        if (index < 0 || index >= limit) {
            throw new IllegalArgumentException(kernel + ": index " + index + " at position " + position + " is outside [0, " + limit + ")");
        }
    }

    public static void loss(String kernel, Tensor logits, Tensor labels) {
        rank(kernel, "logits", logits, 2);
        rank(kernel, "labels", labels, 1);
        dtype(kernel, "labels", labels, DType.I32);
        if (labels.dim(0) != logits.dim(0)) {
            throw new ShapeException(kernel + ": logits " + Shape.str(logits.shape()) + " and labels " + Shape.str(labels.shape()) + " disagree on rows");
        }
    }

    public static void flat(String kernel, Tensor... ts) {
        for (Tensor t : ts) {
            if (t == null) continue;
            if (t.rank() != 1 || !t.isContiguous()) throw new ShapeException(kernel + ": needs flat contiguous buffers, got " + t);
        }
        sameShape(kernel, java.util.Arrays.stream(ts).filter(java.util.Objects::nonNull).toArray(Tensor[]::new));
    }
}
