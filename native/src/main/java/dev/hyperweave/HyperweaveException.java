package dev.hyperweave;

/**
 * The root of the errors Hyperweave throws on purpose, all unchecked:
 * <ul>
 *   <li>{@code dev.hyperweave.tensor.ShapeException}: shapes or dtypes that do not fit an op; the
 *       message names the op and the shapes;
 *   <li>{@code dev.hyperweave.cuda.CudaException} (and {@code CudaOutOfMemoryException}): a CUDA
 *       driver call failed; the message names the call and the driver's error;
 *   <li>{@code dev.hyperweave.cuda.CudaUnavailableException}: no usable CUDA driver or device, and why;
 *   <li>{@code dev.hyperweave.train.InputException}: a file the engine reads (a checkpoint) is not
 *       what it should be; the message names the file and the byte offset.
 * </ul>
 * Misuse of the Java API itself gets the standard exceptions: {@link IllegalArgumentException} for a
 * bad argument value, {@link IllegalStateException} for a closed resource or a thread contract broken.
 */
public class HyperweaveException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * An error with a message and no cause.
     *
     * @param message what went wrong, naming the op, call or file
     */
    public HyperweaveException(String message) {
        super(message);
    }

    /**
     * An error that wraps the failure it came from.
     *
     * @param message what went wrong
     * @param cause   the underlying failure
     */
    public HyperweaveException(String message, Throwable cause) {
        super(message, cause);
    }
}
