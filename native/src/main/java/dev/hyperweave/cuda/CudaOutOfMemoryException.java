package dev.hyperweave.cuda;

/** The device ran out of memory (CUDA_ERROR_OUT_OF_MEMORY): callers may free memory and retry. */
public class CudaOutOfMemoryException extends CudaException {
    public CudaOutOfMemoryException(String call, int result, String errorName, String errorText) {
        super(call, result, errorName, errorText, null);
    }
}
