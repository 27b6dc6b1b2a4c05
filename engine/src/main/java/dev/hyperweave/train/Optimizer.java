package dev.hyperweave.train;

/** An update rule applied by one fused kernel over the flat buffer of all parameters. */
public sealed interface Optimizer permits Optimizer.Adam, Optimizer.Sgd {

    /** Adam as in PyTorch (bias-corrected). */
    record Adam(double lr, double beta1, double beta2, double eps) implements Optimizer {
        public Adam {
            if (!(lr > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
                throw new IllegalArgumentException("adam: need lr > 0, 0 <= betas < 1, eps > 0; got lr=" + lr + " betas=" + beta1 + "/" + beta2 + " eps=" + eps);
            }
        }
    }

    /** Plain SGD, or with momentum (PyTorch's formulation: v = m v + g; p -= lr v). */
    record Sgd(double lr, double momentum) implements Optimizer {
        public Sgd {
            if (!(lr > 0) || !(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("sgd: need lr > 0 and 0 <= momentum < 1; got lr=" + lr + " momentum=" + momentum);
            }
        }
    }

    static Adam adam(double lr) { return new Adam(lr, 0.9, 0.999, 1e-8); }

    static Sgd sgd(double lr) { return new Sgd(lr, 0); }

    static Sgd sgd(double lr, double momentum) { return new Sgd(lr, momentum); }
}
