package dev.hyperweave.tensor;

/** A shape or dtype that does not fit an op; the message names the op and the shapes. */
public class ShapeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ShapeException(String message) { super(message); }
}
