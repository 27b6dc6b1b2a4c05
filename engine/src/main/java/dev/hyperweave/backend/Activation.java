package dev.hyperweave.backend;

/**
 * Point-wise activations. Every derivative is written in terms of the activation's output y, so a
 * backward pass needs only the forward output (never the pre-activation), which lets matrix products
 * fuse bias + activation into their epilogue.
 *
 * <p>{@link #apply} and {@link #derivativeFromOutput} are the double-precision definitions the
 * reference backend computes with; the other backends compute the same functions in F32.
 */
public enum Activation {
    /** The identity: y = x, dy/dx = 1. */
    NONE,
    /** y = max(x, 0); the derivative is 0 at x = 0, and a NaN input gives 0. */
    RELU,
    /** y = tanh(x), dy/dx = 1 - y<sup>2</sup>. */
    TANH,
    /** y = 1 / (1 + e<sup>-x</sup>), dy/dx = y (1 - y). */
    SIGMOID,
    /** ELU with alpha = 1: y = x for x &gt; 0, else e<sup>x</sup> - 1; dy/dx = 1 for y &gt; 0, else y + 1. */
    ELU;

    /**
     * The activation of one value.
     *
     * @param x the pre-activation
     * @return act(x)
     */
    public double apply(double x) {
        return switch (this) {
            case NONE -> x;
            case RELU -> x > 0 ? x : 0;
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case ELU -> x > 0 ? x : Math.expm1(x);
        };
    }

    /**
     * d act / dx expressed through y = act(x).
     *
     * @param y the forward output {@code apply(x)}, not x
     * @return the derivative at the x that produced {@code y}
     */
    public double derivativeFromOutput(double y) {
        return switch (this) {
            case NONE -> 1;
            case RELU -> y > 0 ? 1 : 0;
            case TANH -> 1 - y * y;
            case SIGMOID -> y * (1 - y);
            case ELU -> y > 0 ? 1 : y + 1;
        };
    }

    /**
     * The activation named by {@code s}.
     *
     * @param s a constant's name in any case, surrounding whitespace ignored ({@code "relu"}, {@code " Tanh"})
     * @return the activation
     * @throws IllegalArgumentException naming {@code s} and the accepted names, if it names none
     */
    public static Activation parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown activation '" + s + "' (expected one of none, relu, tanh, sigmoid, elu)");
        }
    }
}
