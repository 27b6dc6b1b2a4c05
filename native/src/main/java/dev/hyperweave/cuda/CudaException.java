package dev.hyperweave.cuda;

import dev.hyperweave.HyperweaveException;

/**
 * A CUDA driver call returned something other than CUDA_SUCCESS. The message names the call, the
 * error's name and the driver's text for it (and, for module loads, the JIT compiler's log).
 */
public class CudaException extends HyperweaveException {
    private static final long serialVersionUID = 1L;

    /** The driver function that failed, with any detail the device layer added. */
    private final String call;
    /** The CUresult code the call returned. */
    private final int result;
    /** The CUresult's name, or {@code "CUresult N"} where the driver has none for it. */
    private final String errorName;

    /**
     * A failed driver call. The message is {@code "CALL failed: NAME (RESULT): TEXT"}, followed on a new
     * line by {@code log} when there is one.
     *
     * @param call      the driver function that failed, with any detail worth reporting (sizes, kernel name)
     * @param result    the CUresult code
     * @param errorName the CUresult's name, as cuGetErrorName gives it
     * @param errorText the driver's description, as cuGetErrorString gives it
     * @param log       further output of the driver, such as the JIT error log; null or blank for none
     */
    public CudaException(String call, int result, String errorName, String errorText, String log) {
        super(call + " failed: " + errorName + " (" + result + "): " + errorText
                + (log == null || log.isBlank() ? "" : "\n" + log.strip()));
        this.call = call;
        this.result = result;
        this.errorName = errorName;
    }

    /**
     * The driver function that failed, e.g. "cuMemAlloc_v2". The device layer appends what helps
     * diagnose the call, so this is not always a bare function name: {@code cuMemAlloc_v2 (4096 bytes)},
     * {@code cuModuleGetFunction("axpy")}.
     *
     * @return the function's name, possibly followed by details
     */
    public String call() {
        return call;
    }

    /**
     * The CUresult code.
     *
     * @return the code the call returned
     */
    public int result() {
        return result;
    }

    /**
     * The CUresult's name, e.g. "CUDA_ERROR_OUT_OF_MEMORY".
     *
     * @return the name, or {@code "CUresult N"} for a code the driver cannot name
     */
    public String errorName() {
        return errorName;
    }
}
