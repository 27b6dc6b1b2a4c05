package dev.hyperweave.cuda;

import dev.hyperweave.HyperweaveException;

/** The CUDA driver cannot be used on this machine; the message says why (see {@link DriverProbe}). */
public class CudaUnavailableException extends HyperweaveException {
    private static final long serialVersionUID = 1L;

    private final transient DriverProbe probe;

    /**
     * An exception whose message is the probe's {@link DriverProbe#problem() problem}.
     *
     * @param probe a probe that found the driver unusable
     */
    public CudaUnavailableException(DriverProbe probe) {
        super(probe.problem());
        this.probe = probe;
    }

    /**
     * The probe that found the driver unusable: the library tried and, where the driver answered, its
     * version. Not serialized.
     *
     * @return the probe, or null in a deserialized copy of this exception
     */
    public DriverProbe probe() {
        return probe;
    }
}
