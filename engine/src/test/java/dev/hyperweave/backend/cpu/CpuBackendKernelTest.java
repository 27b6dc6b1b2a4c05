package dev.hyperweave.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.BackendKernelTest;
import dev.hyperweave.tensor.DType;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The kernel suite on the cpu backend with one worker and with three (ranges split over workers). */
class CpuBackendKernelTest {

    @Test
    void identityAndClose() {
        CpuBackend b = new CpuBackend(3);
        assertEquals("cpu", b.name());
        assertEquals(3, b.threads());
        assertFalse(b.supports(DType.F64));
        assertFalse(b.supports(DType.I32));
        b.close();
        b.close(); // idempotent
    }

    @Nested
    class OneThread extends BackendKernelTest {
        @Override
        protected Backend createBackend() {
            return new CpuBackend(1);
        }
    }

    @Nested
    class ThreeThreads extends BackendKernelTest {
        @Override
        protected Backend createBackend() {
            return new CpuBackend(3);
        }
    }
}
