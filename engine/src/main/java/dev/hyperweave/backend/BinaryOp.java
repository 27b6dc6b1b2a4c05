package dev.hyperweave.backend;

/** Element-wise binary ops, for {@link Backend#binary}. */
public enum BinaryOp {
    /** a + b. */
    ADD,
    /** a - b. */
    SUB,
    /** a * b (element-wise, not a matrix product). */
    MUL;

    /**
     * The op on one pair of values, in double precision (the reference backend's definition).
     *
     * @param a the left operand
     * @param b the right operand
     * @return {@code a op b}
     */
    public double apply(double a, double b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
        };
    }
}
