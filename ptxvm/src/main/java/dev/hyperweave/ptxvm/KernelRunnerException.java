package dev.hyperweave.ptxvm;

/** A {@link KernelRunner} failure: the CUresult the driver call returns, and what went wrong. */
public class KernelRunnerException extends RuntimeException {
    public static final int CUDA_ERROR_INVALID_VALUE = 1;
    public static final int CUDA_ERROR_INVALID_PTX = 218;
    public static final int CUDA_ERROR_NOT_FOUND = 500;
    public static final int CUDA_ERROR_ILLEGAL_ADDRESS = 700;
    public static final int CUDA_ERROR_MISALIGNED_ADDRESS = 716;
    public static final int CUDA_ERROR_LAUNCH_FAILED = 719;
    public static final int CUDA_ERROR_NOT_SUPPORTED = 801;
    public static final int CUDA_ERROR_UNKNOWN = 999;

    private final int cuResult;

    public KernelRunnerException(int cuResult, String message) {
        super(message);
        if (cuResult == 0) throw new IllegalArgumentException("a failure needs a CUresult other than CUDA_SUCCESS");
        this.cuResult = cuResult;
    }

    public int cuResult() {
        return cuResult;
    }
}
