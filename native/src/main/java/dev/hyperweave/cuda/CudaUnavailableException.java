package dev.hyperweave.cuda;

import dev.hyperweave.HyperweaveException;

/** The CUDA driver cannot be used on this machine; the message says why (see {@link DriverProbe}). */
public class CudaUnavailableException extends HyperweaveException {
    private static final long serialVersionUID = 1L;

    private final transient DriverProbe probe;

    public CudaUnavailableException(DriverProbe probe) {
        super(probe.problem());
        this.probe = probe;
    }

    public DriverProbe probe() {
        return probe;
    }
}
