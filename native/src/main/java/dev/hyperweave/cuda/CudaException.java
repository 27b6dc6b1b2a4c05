package dev.hyperweave.cuda;

import dev.hyperweave.HyperweaveException;

/**
 * A CUDA driver call returned something other than CUDA_SUCCESS. The message names the call, the
 * error's name and the driver's text for it (and, for module loads, the JIT compiler's log).
 */
public class CudaException extends HyperweaveException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int result;
    private final String errorName;

    public CudaException(String call, int result, String errorName, String errorText, String log) {
        super(call + " failed: " + errorName + " (" + result + "): " + errorText
                + (log == null || log.isBlank() ? "" : "\n" + log.strip()));
        this.call = call;
        this.result = result;
        this.errorName = errorName;
    }

    /** The driver function that failed, e.g. "cuMemAlloc_v2". */
    public String call() {
        return call;
    }

    /** The CUresult code. */
    public int result() {
        return result;
    }

    /** The CUresult's name, e.g. "CUDA_ERROR_OUT_OF_MEMORY". */
    public String errorName() {
        return errorName;
    }
}
