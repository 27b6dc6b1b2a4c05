package dev.hyperweave.cuda;

/** The device ran out of memory (CUDA_ERROR_OUT_OF_MEMORY): callers may free memory and retry. */
public class CudaOutOfMemoryException extends CudaException {
    private static final long serialVersionUID = 1L;

    /**
     * An out-of-memory failure of a driver call, with no JIT log.
     *
     * @param call      the driver function that failed, with any detail (e.g. the size asked for)
     * @param result    the CUresult code, {@code CUDA_ERROR_OUT_OF_MEMORY} (2)
     * @param errorName the CUresult's name, as cuGetErrorName gives it
     * @param errorText the driver's description, as cuGetErrorString gives it
     */
    public CudaOutOfMemoryException(String call, int result, String errorName, String errorText) {
        super(call, result, errorName, errorText, null);
    }
}
