package dev.hyperweave.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.BackendMatmulTest;
import org.junit.jupiter.api.Test;

/** The matmul suite on the cpu backend at 1, 2 and 3 threads (which must agree bit for bit: K is never split). */
class CpuMatmulTest extends BackendMatmulTest {

    @Override
    protected Backend[] createBackends() {
        return new Backend[] {new CpuBackend(1), new CpuBackend(2), new CpuBackend(3)};
    }

    @Test
    void operandsBigEnoughForTheRegisterTransposesMatchReference() {
        // Row-major A and transposed B over PanelTranspose.MIN_ELEMENTS take the vector packers.
        assertTrue(300L * 900 >= PanelTranspose.MIN_ELEMENTS);
        check(new Case(1, 300, 40, 900, false, false, false, false, 0, 1, Activation.RELU, false), 201);
        check(new Case(1, 33, 300, 900, false, true, false, false, 1, 2, Activation.NONE, false), 202);
        check(new Case(2, 37, 301, 450, true, true, false, true, 2, 0, Activation.TANH, false), 203);
    }
}
