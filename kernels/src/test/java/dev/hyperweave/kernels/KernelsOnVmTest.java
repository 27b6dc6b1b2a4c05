package dev.hyperweave.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.cuda.DeviceBuffer;
import dev.hyperweave.cuda.Dim3;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every kernel, launched through the device layer on the stand-in driver and run by the PTX VM,
 * against a plain double-precision computation here: random inputs, odd sizes, strided and
 * broadcast operands, outputs poisoned with NaN and padding that must stay untouched.
 */
class KernelsOnVmTest {
    private final Gpu gpu = new Gpu();
    private final Random rnd = new Random(17);

    @AfterEach
    void close() {
        gpu.close();
    }

    private float[] gaussian(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    static double act(int act, double x) {
        return switch (act) {
            case 1 -> x > 0 ? x : 0;
            case 2 -> Math.tanh(x);
            case 3 -> 1 / (1 + Math.exp(-x));
            case 4 -> x > 0 ? x : Math.expm1(x);
            default -> x;
        };
    }

    static double actGrad(int act, double y) {
        return switch (act) {
            case 1 -> y > 0 ? 1 : 0;
            case 2 -> 1 - y * y;
            case 3 -> y * (1 - y);
            case 4 -> y > 0 ? 1 : y + 1;
            default -> 1;
        };
    }

    private static void close(double want, float got, double tol, String what) {
        assertEquals(want, got, tol * Math.max(1, Math.abs(want)), what);
    }

    @Test
    void matmulWithTransposesSharedOperandsBiasActivationsAndAccumulate() {
        int batch = 3, m = 37, n = 29, k = 45, ldc = n + 3;
        for (int variant = 0; variant < 6; variant++) {
            boolean transA = variant % 2 == 1, sharedB = variant >= 2, accumulate = variant == 5;
            int act = accumulate ? 0 : variant % 5;
            float[] a = gaussian(batch * m * k), b = gaussian((sharedB ? 1 : batch) * k * n), bias = gaussian(n);
            float[] c0 = gaussian(batch * m * ldc);
            // A stored [B,M,K] or, transposed, [B,K,M]; B [K,N] shared or [B,K,N]; C rows ldc apart (3 pad columns).
            long sam = transA ? 1 : k, sak = transA ? m : 1, sab = (long) m * k, sbb = sharedB ? 0 : (long) k * n;
            DeviceBuffer da = gpu.upload(a), db = gpu.upload(b), dbias = gpu.upload(bias);
            DeviceBuffer dc = accumulate ? gpu.upload(c0) : gpu.poisoned(batch * m * ldc);
            gpu.launch("matmul", "matmul_f32", new Dim3((n + 63) / 64, (m + 63) / 64, batch), new Dim3(16, 16, 1),
                    da, sab, sam, sak, db, sbb, (long) n, 1L, dc, (long) m * ldc, (long) ldc, 1L,
                    accumulate ? null : dbias, 0L, 1L, m, n, k, act, accumulate ? 1 : 0);
            float[] c = dc.toFloatArray();
            for (int t = 0; t < batch; t++) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < ldc; j++) {
                        float got = c[(t * m + i) * ldc + j];
                        if (j >= n) {
                            if (accumulate) assertEquals(c0[(t * m + i) * ldc + j], got, "padding kept");
                            else assertTrue(Float.isNaN(got), "padding column " + j + " must stay unwritten");
                            continue;
                        }
                        double s = 0;
                        for (int p = 0; p < k; p++) {
                            s += (double) a[(int) (t * sab + i * sam + p * sak)] * b[(int) (t * sbb + (long) p * n + j)];
                        }
                        double want = accumulate ? c0[(t * m + i) * ldc + j] + s : act(act, s + bias[j]);
                        close(want, got, 1e-5 * Math.sqrt(k), "variant " + variant + " (" + t + "," + i + "," + j + ")");
                    }
                }
            }
        }
    }

    /** A 4-D iteration space (2,3,5,7) with x stored permuted and y broadcast along dims 1 and 3. */
    @Test
    void elementwiseKernelsOnPermutedAndBroadcastViews() {
        int n0 = 2, n1 = 3, n2 = 5, n3 = 7, n = n0 * n1 * n2 * n3;
        float[] x = gaussian(n), y = gaussian(n0 * n2);
        // x stored as [n3][n2][n1][n0]: strides of (i0,i1,i2,i3) are (1, n0, n0*n1, n0*n1*n2)
        long[] xs = {1, n0, n0 * n1, (long) n0 * n1 * n2};
        long[] ys = {n2, 0, 1, 0};
        long[] os = {(long) n1 * n2 * n3, (long) n2 * n3, n3, 1};
        DeviceBuffer dx = gpu.upload(x), dy = gpu.upload(y);
        for (int op = 0; op < 3; op++) {
            DeviceBuffer out = gpu.poisoned(n);
            gpu.launch("elementwise", "binary_f32", Gpu.cover(n), Dim3.of(256), op, dx, xs[0], xs[1], xs[2], xs[3], dy, ys[0], ys[1],
                    ys[2], ys[3], out, os[0], os[1], os[2], os[3], (long) n, n1, n2, n3);
            float[] got = out.toFloatArray();
            for (int i = 0; i < n; i++) {
                int i3 = i % n3, i2 = i / n3 % n2, i1 = i / (n3 * n2) % n1, i0 = i / (n3 * n2 * n1);
                double a = x[(int) (i0 * xs[0] + i1 * xs[1] + i2 * xs[2] + i3 * xs[3])], b = y[i0 * n2 + i2];
                double want = op == 0 ? a + b : op == 1 ? a - b : a * b;
                close(want, got[i], 1e-6, "binary op " + op + " element " + i);
            }
        }
        for (int act = 0; act < 5; act++) {
            DeviceBuffer yOut = gpu.poisoned(n), dOut = gpu.poisoned(n), g = gpu.upload(gaussian(n));
            gpu.launch("elementwise", "activation_f32", Gpu.cover(n), Dim3.of(256), act, dx, xs[0], xs[1], xs[2], xs[3], yOut, os[0],
                    os[1], os[2], os[3], (long) n, n1, n2, n3);
            gpu.launch("elementwise", "activation_grad_f32", Gpu.cover(n), Dim3.of(256), act, yOut, os[0], os[1], os[2], os[3], g,
                    os[0], os[1], os[2], os[3], dOut, os[0], os[1], os[2], os[3], (long) n, n1, n2, n3);
            float[] yv = yOut.toFloatArray(), dv = dOut.toFloatArray(), gv = g.toFloatArray();
            for (int i = 0; i < n; i++) {
                int i3 = i % n3, i2 = i / n3 % n2, i1 = i / (n3 * n2) % n1, i0 = i / (n3 * n2 * n1);
                double want = act(act, x[(int) (i0 * xs[0] + i1 * xs[1] + i2 * xs[2] + i3 * xs[3])]);
                close(want, yv[i], 1e-6, "activation " + act + " element " + i);
                close(gv[i] * actGrad(act, yv[i]), dv[i], 1e-6, "activation grad " + act + " element " + i);
            }
        }
        DeviceBuffer t = gpu.poisoned(n);
        gpu.launch("elementwise", "fill_f32", Gpu.cover(n), Dim3.of(256), t, os[0], os[1], os[2], os[3], 0.375f, (long) n, n1, n2, n3);
        gpu.launch("elementwise", "accumulate_f32", Gpu.cover(n), Dim3.of(256), dx, xs[0], xs[1], xs[2], xs[3], t, os[0], os[1], os[2],
                os[3], (long) n, n1, n2, n3);
        gpu.launch("elementwise", "scale_f32", Gpu.cover(n), Dim3.of(256), t, os[0], os[1], os[2], os[3], t, os[0], os[1], os[2], os[3],
                -2f, (long) n, n1, n2, n3);
        DeviceBuffer copy = gpu.poisoned(n);
        gpu.launch("elementwise", "copy_f32", Gpu.cover(n), Dim3.of(256), t, os[0], os[1], os[2], os[3], copy, os[0], os[1], os[2], os[3],
                (long) n, n1, n2, n3);
        float[] got = copy.toFloatArray();
        for (int i = 0; i < n; i++) {
            int i3 = i % n3, i2 = i / n3 % n2, i1 = i / (n3 * n2) % n1, i0 = i / (n3 * n2 * n1);
            close(-2 * (0.375 + x[(int) (i0 * xs[0] + i1 * xs[1] + i2 * xs[2] + i3 * xs[3])]), got[i], 1e-6, "fill+accumulate+scale+copy " + i);
        }
    }

    @Test
    void reductionsOverChosenDims() {
        int n0 = 3, n1 = 4, n2 = 5, n3 = 6, n = n0 * n1 * n2 * n3;
        float[] x = gaussian(n);
        DeviceBuffer dx = gpu.upload(x);
        // out dims (3, 1, 1, 6): sum over dims 1 and 2, scaled by 0.5
        DeviceBuffer out = gpu.poisoned(n0 * n3);
        gpu.launch("reduce", "reduce_sum_f32", Gpu.cover(n0 * n3), Dim3.of(256), dx, (long) n1 * n2 * n3, (long) n2 * n3, (long) n3, 1L,
                n0, n1, n2, n3, out, (long) n3, 0L, 0L, 1L, n0, 1, 1, n3, 0.5f);
        float[] got = out.toFloatArray();
        for (int a = 0; a < n0; a++) {
            for (int d = 0; d < n3; d++) {
                double s = 0;
                for (int b = 0; b < n1; b++) for (int c = 0; c < n2; c++) s += x[((a * n1 + b) * n2 + c) * n3 + d];
                close(0.5 * s, got[a * n3 + d], 1e-6, "reduce (" + a + "," + d + ")");
            }
        }
        DeviceBuffer total = gpu.poisoned(1);
        gpu.launch("reduce", "sum_scaled_f32", Dim3.of(1), Dim3.of(256), dx, (long) n, 1f / n, total);
        double mean = 0;
        for (float v : x) mean += v;
        close(mean / n, total.toFloatArray()[0], 1e-6, "mean");
    }

    @Test
    void softmaxCrossEntropyAndItsGradient() {
        int rows = 77, classes = 10, ld = classes + 2;
        float[] logits = gaussian(rows * ld);
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) labels[r] = rnd.nextInt(classes);
        DeviceBuffer dl = gpu.upload(logits), dlab = gpu.upload(labels), rowloss = gpu.poisoned(rows), loss = gpu.poisoned(1);
        DeviceBuffer bad = gpu.upload(new int[] {0});
        gpu.launch("loss", "softmax_xent_rows_f32", Gpu.cover(rows), Dim3.of(256), dl, (long) ld, 1L, dlab, rows, classes, rowloss, bad);
        gpu.launch("reduce", "sum_scaled_f32", Dim3.of(1), Dim3.of(256), rowloss, (long) rows, 1f / rows, loss);
        DeviceBuffer dloss = gpu.upload(new float[] {1.5f}), grad = gpu.poisoned(rows * classes);
        gpu.launch("loss", "softmax_xent_grad_f32", Gpu.cover(rows), Dim3.of(256), dl, (long) ld, 1L, dlab, dloss, grad, (long) classes,
                1L, rows, classes);
        double want = 0;
        float[] g = grad.toFloatArray();
        for (int r = 0; r < rows; r++) {
            double mx = Double.NEGATIVE_INFINITY, s = 0;
            for (int c = 0; c < classes; c++) mx = Math.max(mx, logits[r * ld + c]);
            for (int c = 0; c < classes; c++) s += Math.exp(logits[r * ld + c] - mx);
            want += Math.log(s) + mx - logits[r * ld + labels[r]];
            for (int c = 0; c < classes; c++) {
                double p = Math.exp(logits[r * ld + c] - mx) / s;
                close(1.5 * (p - (c == labels[r] ? 1 : 0)) / rows, g[r * classes + c], 1e-5, "dlogits (" + r + "," + c + ")");
            }
        }
        close(want / rows, loss.toFloatArray()[0], 1e-5, "loss");
        assertEquals(0, gpu.ints(bad)[0], "no bad label");
        labels[5] = classes; // out of range
        DeviceBuffer badLabels = gpu.upload(labels);
        gpu.launch("loss", "softmax_xent_rows_f32", Gpu.cover(rows), Dim3.of(256), dl, (long) ld, 1L, badLabels, rows, classes, rowloss, bad);
        assertEquals(6, gpu.ints(bad)[0], "the flag names row 5 (+1)");
    }

    @Test
    void meanSquaredErrorAndItsGradient() {
        int n = 333;
        float[] p = gaussian(n), t = gaussian(n);
        DeviceBuffer dp = gpu.upload(p), dt = gpu.upload(t), sq = gpu.poisoned(n), loss = gpu.poisoned(1), grad = gpu.poisoned(n);
        gpu.launch("loss", "squared_error_f32", Gpu.cover(n), Dim3.of(256), dp, 0L, 0L, 0L, 1L, dt, 0L, 0L, 0L, 1L, sq, (long) n, 1, 1, n);
        gpu.launch("reduce", "sum_scaled_f32", Dim3.of(1), Dim3.of(256), sq, (long) n, 1f / n, loss);
        gpu.launch("loss", "squared_error_grad_f32", Gpu.cover(n), Dim3.of(256), dp, 0L, 0L, 0L, 1L, dt, 0L, 0L, 0L, 1L,
                gpu.upload(new float[] {0.5f}), grad, 0L, 0L, 0L, 1L, (long) n, 1, 1, n);
        double want = 0;
        float[] g = grad.toFloatArray();
        for (int i = 0; i < n; i++) {
            want += (p[i] - (double) t[i]) * (p[i] - (double) t[i]);
            close(0.5 * 2 * (p[i] - (double) t[i]) / n, g[i], 1e-6, "dpred " + i);
        }
        close(want / n, loss.toFloatArray()[0], 1e-6, "mse");
    }

    @Test
    void gatherAndDeterministicScatterAddWithRepeatedIndices() {
        int vocab = 7, e = 13, n = 20;
        float[] table = gaussian(vocab * e), src = gaussian(n * e);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = rnd.nextInt(vocab);
        idx[3] = idx[4] = idx[5] = 2; // repeats add up
        DeviceBuffer dt = gpu.upload(table), di = gpu.upload(idx), out = gpu.poisoned(n * e), bad = gpu.upload(new int[] {0});
        gpu.launch("gather", "gather_rows_f32", Gpu.cover(n * e), Dim3.of(256), dt, (long) e, 1L, di, vocab, out, (long) e, 1L, n, e, bad);
        float[] got = out.toFloatArray();
        for (int i = 0; i < n; i++) for (int j = 0; j < e; j++) assertEquals(table[idx[i] * e + j], got[i * e + j], "gather");
        assertEquals(0, gpu.ints(bad)[0]);
        gpu.launch("gather", "scatter_add_rows_f32", Gpu.cover(vocab * e), Dim3.of(256), gpu.upload(src), (long) e, 1L, di, n, dt, (long) e,
                1L, vocab, e);
        float[] t2 = dt.toFloatArray();
        for (int v = 0; v < vocab; v++) {
            for (int j = 0; j < e; j++) {
                float want = table[v * e + j];
                for (int i = 0; i < n; i++) if (idx[i] == v) want += src[i * e + j]; // the kernel's order: index order, in float
                assertEquals(want, t2[v * e + j], "scatter-add (" + v + "," + j + ")");
            }
        }
        idx[7] = -1;
        gpu.launch("gather", "gather_rows_f32", Gpu.cover(n * e), Dim3.of(256), dt, (long) e, 1L, gpu.upload(idx), vocab, out, (long) e, 1L,
                n, e, bad);
        assertEquals(8, gpu.ints(bad)[0], "the flag names index position 7 (+1)");
    }

    @Test
    void adamAndSgdSteps() {
        int n = 1001;
        float[] p = gaussian(n), g = gaussian(n), m = gaussian(n), v = new float[n], vel = gaussian(n);
        for (int i = 0; i < n; i++) v[i] = (float) Math.abs(rnd.nextGaussian());
        DeviceBuffer dp = gpu.upload(p), dg = gpu.upload(g), dm = gpu.upload(m), dv = gpu.upload(v);
        float lr = 1e-3f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
        long step = 3;
        float bc1 = (float) (1 - Math.pow(b1, step)), bc2 = (float) (1 - Math.pow(b2, step));
        gpu.launch("optim", "adam_f32", Gpu.cover(n), Dim3.of(256), dp, dg, dm, dv, (long) n, lr, b1, b2, eps, bc1, bc2);
        float[] pp = dp.toFloatArray(), mm = dm.toFloatArray(), vv = dv.toFloatArray();
        for (int i = 0; i < n; i++) {
            double mi = b1 * (double) m[i] + (1 - b1) * (double) g[i], vi = b2 * (double) v[i] + (1 - b2) * (double) g[i] * g[i];
            close(mi, mm[i], 1e-6, "m " + i);
            close(vi, vv[i], 1e-6, "v " + i);
            close(p[i] - lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps), pp[i], 1e-6, "p " + i);
        }
        DeviceBuffer sp = gpu.upload(p), svel = gpu.upload(vel);
        gpu.launch("optim", "sgd_f32", Gpu.cover(n), Dim3.of(256), sp, dg, svel, (long) n, 0.1f, 0.9f);
        float[] sv = sp.toFloatArray(), vv2 = svel.toFloatArray();
        for (int i = 0; i < n; i++) {
            double step2 = 0.9 * vel[i] + g[i];
            close(step2, vv2[i], 1e-6, "velocity " + i);
            close(p[i] - 0.1 * step2, sv[i], 1e-6, "sgd p " + i);
        }
    }
}
