package dev.hyperweave.tensor;

import dev.hyperweave.HyperweaveException;

/** A shape or dtype that does not fit an op or a view; the message names the op and the shapes. */
public class ShapeException extends HyperweaveException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the op and the shapes that do not fit
     */
    public ShapeException(String message) {
        super(message);
    }
}
