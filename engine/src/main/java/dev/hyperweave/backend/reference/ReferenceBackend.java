package dev.hyperweave.backend.reference;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.BinaryOp;
import dev.hyperweave.backend.KernelChecks;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;

/**
 * The oracle: plain loops in double precision over any strides, written to be obviously right.
 * Every other backend is tested against it. Slow by design.
 */
public final class ReferenceBackend implements Backend {

    @Override public String name() { return "reference"; }
    @Override public int threads() { return 1; }
    @Override public boolean supports(DType dtype) { return dtype == DType.F32 || dtype == DType.F64; }

    @Override
    public void matmul(Tensor a, Tensor b, Tensor c, Tensor bias, Activation act, boolean accumulate) {
        KernelChecks.matmul(a, b, c, bias, act, accumulate);
        int bs = c.dim(0), m = c.dim(1), n = c.dim(2), k = a.dim(2);
        for (int t = 0; t < bs; t++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += a.get(t, i, p) * b.get(t, p, j);
                    if (accumulate) {
                        c.set(c.get(t, i, j) + s, t, i, j);
                    } else {
                        if (bias != null) s += bias.get(t, j);
                        c.set(act.apply(s), t, i, j);
                    }
                }
            }
        }
    }

    @Override
    public void activation(Activation act, Tensor x, Tensor y) {
        KernelChecks.sameShape("activation", x, y);
        for (long i = 0, n = x.numel(); i < n; i++) y.setLinear(i, act.apply(x.getLinear(i)));
    }

    @Override
    public void activationGrad(Activation act, Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.sameShape("activationGrad", y, dy, dx);
        for (long i = 0, n = y.numel(); i < n; i++) dx.setLinear(i, dy.getLinear(i) * act.derivativeFromOutput(y.getLinear(i)));
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        KernelChecks.sameShape(op.name().toLowerCase(java.util.Locale.ROOT), a, b, out);
        for (long i = 0, n = out.numel(); i < n; i++) out.setLinear(i, op.apply(a.getLinear(i), b.getLinear(i)));
    }

    @Override
    public void scale(Tensor x, double alpha, Tensor out) {
        KernelChecks.sameShape("scale", x, out);
        for (long i = 0, n = x.numel(); i < n; i++) out.setLinear(i, alpha * x.getLinear(i));
    }

    @Override
    public void accumulate(Tensor x, Tensor out) {
        KernelChecks.sameShape("accumulate", x, out);
        for (long i = 0, n = x.numel(); i < n; i++) out.setLinear(i, out.getLinear(i) + x.getLinear(i));
    }

    @Override
    public void fill(Tensor t, double v) {
        t.fill(v);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        KernelChecks.sameShape("copy", src, dst);
        for (long i = 0, n = src.numel(); i < n; i++) dst.setLinear(i, src.getLinear(i));
    }

    @Override
    public void reduceSum(Tensor x, Tensor out, double alpha) {
        KernelChecks.reduce(x, out);
        // Sum into a double accumulator per output element, then write once.
        double[] acc = new double[Math.toIntExact(out.numel())];
        int[] shape = x.shape();
        int[] oshape = out.shape();
        int[] idx = new int[shape.length];
        for (long i = 0, n = x.numel(); i < n; i++) {
            long rem = i;
            for (int dd = shape.length - 1; dd >= 0; dd--) { idx[dd] = (int) (rem % shape[dd]); rem /= shape[dd]; }
            long o = 0;
            for (int dd = 0; dd < shape.length; dd++) o = o * oshape[dd] + (oshape[dd] == 1 ? 0 : idx[dd]);
            acc[(int) o] += x.getLinear(i);
        }
        for (int i = 0; i < acc.length; i++) out.setLinear(i, alpha * acc[i]);
    }

    @Override
    public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor loss) {
        KernelChecks.loss("softmaxCrossEntropy", logits, labels);
        KernelChecks.oneElement("softmaxCrossEntropy", "loss", loss);
        int rows = logits.dim(0), cls = logits.dim(1);
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int label = (int) labels.get(r);
            KernelChecks.index("softmaxCrossEntropy label", label, cls, r);
            total += logSumExp(logits, r) - logits.get(r, label);
        }
        loss.setLinear(0, total / rows);
    }

    @Override
    public void softmaxCrossEntropyGrad(Tensor logits, Tensor labels, Tensor dloss, Tensor dlogits) {
        KernelChecks.loss("softmaxCrossEntropyGrad", logits, labels);
        KernelChecks.sameShape("softmaxCrossEntropyGrad", logits, dlogits);
        int rows = logits.dim(0), cls = logits.dim(1);
        double g = dloss.getLinear(0) / rows;
        for (int r = 0; r < rows; r++) {
            int label = (int) labels.get(r);
            KernelChecks.index("softmaxCrossEntropyGrad label", label, cls, r);
            double lse = logSumExp(logits, r);
            for (int c = 0; c < cls; c++) {
                double p = Math.exp(logits.get(r, c) - lse);
                dlogits.set(g * (p - (c == label ? 1 : 0)), r, c);
            }
        }
    }

    /** log(sum_c exp(logits[r,c])), max-shifted. */
    private static double logSumExp(Tensor logits, int r) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < logits.dim(1); c++) max = Math.max(max, logits.get(r, c));
        double sum = 0;
        for (int c = 0; c < logits.dim(1); c++) sum += Math.exp(logits.get(r, c) - max);
        return max + Math.log(sum);
    }

    @Override
    public void meanSquaredError(Tensor pred, Tensor target, Tensor loss) {
        KernelChecks.sameShape("meanSquaredError", pred, target);
        KernelChecks.oneElement("meanSquaredError", "loss", loss);
        double s = 0;
        long n = pred.numel();
        for (long i = 0; i < n; i++) {
            double d = pred.getLinear(i) - target.getLinear(i);
            s += d * d;
        }
        loss.setLinear(0, s / n);
    }

    @Override
    public void meanSquaredErrorGrad(Tensor pred, Tensor target, Tensor dloss, Tensor dpred) {
        KernelChecks.sameShape("meanSquaredErrorGrad", pred, target, dpred);
        long n = pred.numel();
        double g = 2 * dloss.getLinear(0) / n;
        for (long i = 0; i < n; i++) dpred.setLinear(i, g * (pred.getLinear(i) - target.getLinear(i)));
    }

    @Override
    public void gatherRows(Tensor table, Tensor indices, Tensor out) {
        KernelChecks.rows("gatherRows", table, indices, out);
        for (int i = 0; i < out.dim(0); i++) {
            int row = (int) indices.get(i);
            KernelChecks.index("gatherRows", row, table.dim(0), i);
            for (int e = 0; e < out.dim(1); e++) out.set(table.get(row, e), i, e);
        }
    }

    @Override
    public void scatterAddRows(Tensor src, Tensor indices, Tensor table) {
        KernelChecks.rows("scatterAddRows", table, indices, src);
        for (int i = 0; i < src.dim(0); i++) {
            int row = (int) indices.get(i);
            KernelChecks.index("scatterAddRows", row, table.dim(0), i);
            for (int e = 0; e < src.dim(1); e++) table.set(table.get(row, e) + src.get(i, e), row, e);
        }
    }

    @Override
    public void adam(Tensor param, Tensor grad, Tensor m, Tensor v, double lr, double beta1, double beta2, double eps, long step) {
        KernelChecks.flat("adam", param, grad, m, v);
        KernelChecks.adamStep(step);
        double c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
        for (long i = 0, n = param.numel(); i < n; i++) {
            double g = grad.getLinear(i);
            double mi = beta1 * m.getLinear(i) + (1 - beta1) * g;
            double vi = beta2 * v.getLinear(i) + (1 - beta2) * g * g;
            m.setLinear(i, mi);
            v.setLinear(i, vi);
            param.setLinear(i, param.getLinear(i) - lr * (mi / c1) / (Math.sqrt(vi / c2) + eps));
        }
    }

    @Override
    public void sgd(Tensor param, Tensor grad, Tensor velocity, double lr, double momentum) {
        KernelChecks.flat("sgd", param, grad, velocity);
        for (long i = 0, n = param.numel(); i < n; i++) {
            double g = grad.getLinear(i);
            if (velocity != null) {
                g = momentum * velocity.getLinear(i) + g;
                velocity.setLinear(i, g);
            }
            param.setLinear(i, param.getLinear(i) - lr * g);
        }
    }

    @Override
    public void close() {}
}
