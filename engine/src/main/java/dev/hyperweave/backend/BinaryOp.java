package dev.hyperweave.backend;

/** Element-wise binary ops. */
public enum BinaryOp {
    ADD, SUB, MUL;

    public double apply(double a, double b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
        };
    }
}
