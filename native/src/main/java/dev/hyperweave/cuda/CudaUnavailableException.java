package dev.hyperweave.cuda;

/** The CUDA driver cannot be used on this machine; the message says why (see {@link DriverProbe}). */
public class CudaUnavailableException extends RuntimeException {
    private final DriverProbe probe;

    public CudaUnavailableException(DriverProbe probe) {
        super(probe.problem());
        this.probe = probe;
    }

    public DriverProbe probe() {
        return probe;
    }
}
