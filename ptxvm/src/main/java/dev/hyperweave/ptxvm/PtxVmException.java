package dev.hyperweave.ptxvm;

/**
 * A PTX the VM refuses (at load time: the line and the instruction's text) or a kernel that failed
 * while running (the kernel, the PTX line, the thread and block ids and, for memory faults, the
 * address). It carries the CUresult the stand-in driver returns for it.
 */
public class PtxVmException extends KernelRunnerException {
    public PtxVmException(int cuResult, String message) {
        super(cuResult, message);
    }
}
