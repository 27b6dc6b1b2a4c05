package dev.hyperweave.backend;

/**
 * Point-wise activations. Every derivative is written in terms of the activation's output y, so a
 * backward pass needs only the forward output (never the pre-activation), which lets matrix products
 * fuse bias + activation into their epilogue.
 */
public enum Activation {
    NONE, RELU, TANH, SIGMOID, /** ELU with alpha = 1. */ ELU;

    public double apply(double x) {
        return switch (this) {
            case NONE -> x;
            case RELU -> x > 0 ? x : 0;
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case ELU -> x > 0 ? x : Math.expm1(x);
        };
    }

    /** d act / dx expressed through y = act(x). */
    public double derivativeFromOutput(double y) {
        return switch (this) {
            case NONE -> 1;
            case RELU -> y > 0 ? 1 : 0;
            case TANH -> 1 - y * y;
            case SIGMOID -> y * (1 - y);
            case ELU -> y > 0 ? 1 : y + 1;
        };
    }

    public static Activation parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown activation '" + s + "' (expected one of none, relu, tanh, sigmoid, elu)");
        }
    }
}
