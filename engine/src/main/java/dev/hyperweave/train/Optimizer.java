package dev.hyperweave.train;

/**
 * An update rule applied by one fused kernel over the flat buffer of all parameters. The values are
 * validated on construction; a {@link Session} holds the rule's state (Adam's moments, SGD's velocity)
 * in flat buffers laid out as its parameters.
 */
public sealed interface Optimizer permits Optimizer.Adam, Optimizer.Sgd {

    /**
     * Adam as in PyTorch (bias-corrected): m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
     * p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), with t counted from 1. Keeps two state
     * buffers (m and v), each the size of the flat parameter buffer.
     *
     * @param lr    learning rate, positive
     * @param beta1 decay of the first moment, in [0, 1)
     * @param beta2 decay of the second moment, in [0, 1)
     * @param eps   added to the denominator, positive
     */
    record Adam(double lr, double beta1, double beta2, double eps) implements Optimizer {
        /**
         * Validates the hyperparameters.
         *
         * @throws IllegalArgumentException if a value is out of range or NaN; the message gives all four
         */
        public Adam {
            if (!(lr > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
                throw new IllegalArgumentException("adam: need lr > 0, 0 <= betas < 1, eps > 0; got lr=" + lr + " betas=" + beta1 + "/" + beta2 + " eps=" + eps);
            }
        }
    }

    /**
     * Plain SGD, or with momentum (PyTorch's formulation: v = m v + g; p -= lr v). Without momentum
     * it keeps no state buffer; with momentum, one (the velocity).
     *
     * @param lr       learning rate, positive
     * @param momentum in [0, 1); 0 is plain SGD
     */
    record Sgd(double lr, double momentum) implements Optimizer {
        /**
         * Validates the hyperparameters.
         *
         * @throws IllegalArgumentException if a value is out of range or NaN
         */
        public Sgd {
            if (!(lr > 0) || !(momentum >= 0 && momentum < 1)) {
                throw new IllegalArgumentException("sgd: need lr > 0 and 0 <= momentum < 1; got lr=" + lr + " momentum=" + momentum);
            }
        }
    }

    /**
     * Adam with PyTorch's defaults: betas 0.9 and 0.999, eps 1e-8.
     *
     * @param lr learning rate, positive
     * @return the rule
     * @throws IllegalArgumentException if {@code lr} is not positive
     */
    static Adam adam(double lr) { return new Adam(lr, 0.9, 0.999, 1e-8); }

    /**
     * Plain SGD, without momentum.
     *
     * @param lr learning rate, positive
     * @return the rule
     * @throws IllegalArgumentException if {@code lr} is not positive
     */
    static Sgd sgd(double lr) { return new Sgd(lr, 0); }

    /**
     * SGD with momentum.
     *
     * @param lr       learning rate, positive
     * @param momentum in [0, 1); 0 is plain SGD
     * @return the rule
     * @throws IllegalArgumentException if a value is out of range
     */
    static Sgd sgd(double lr, double momentum) { return new Sgd(lr, momentum); }
}
