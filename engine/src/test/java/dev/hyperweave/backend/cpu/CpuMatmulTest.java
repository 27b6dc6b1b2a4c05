package dev.hyperweave.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.BackendMatmulTest;
import org.junit.jupiter.api.Test;

/**
 * The matmul suite on the cpu backend at 1, 2 and 3 threads, which must agree bit for bit: K is split
 * only into fixed chunks that do not depend on the thread count.
 */
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

    @Test
    void rowMajorBMatchesReference() {
        // A plain B of whole adjacent rows, N a multiple of NR and all rows in one MC block: copied
        // row-major and read with a stride of N (one and several KC passes, shared B, every C layout).
        int nr = CpuMatmul.NR;
        long seed = 400;
        int[][] shapes = {{1, nr, 1}, {31, 3 * nr, 255}, {CpuMatmul.MC, 8 * nr, 600}, {9, nr, CpuMatmul.KC + 1}};
        for (int[] s : shapes) {
            for (int layout = 0; layout < 4; layout++) {
                Activation act = layout % 2 == 0 ? Activation.RELU : Activation.SIGMOID;
                check(new Case(3, s[0], s[1], s[2], layout == 1, false, false, layout == 2, layout, layout % 3, act, false), seed++);
                check(new Case(2, s[0], s[1], s[2], false, false, false, layout == 3, layout, 0, Activation.NONE, true), seed++);
            }
        }
    }

    @Test
    void splitKMatchesReference() {
        // One batch, a small C and a long K: cut into CpuMatmul.SPLIT_K_CHUNKS fixed chunks whose
        // partial products are summed in order (1, 2 and 3 threads must still agree bit for bit).
        // K at the threshold and odd past it, C from 1 element to SPLIT_K_MAX_MN, transposed
        // operands, every activation, bias kind, C layout and accumulation.
        int k = CpuMatmul.SPLIT_K_MIN_K;
        long seed = 500;
        int[][] shapes = {{1, 1, k}, {5, 33, k + 7}, {32, 256, k + CpuMatmul.KC + 3}};
        Activation[] acts = Activation.values();
        int v = 0;
        for (int[] s : shapes) {
            for (int layout = 0; layout < 4; layout++) {
                check(new Case(1, s[0], s[1], s[2], layout % 2 == 1, layout >= 2, false, false, layout, layout % 3,
                        acts[v++ % acts.length], false), seed++);
                check(new Case(1, s[0], s[1], s[2], layout == 3, layout == 1, false, false, layout, 0, Activation.NONE, true), seed++);
            }
        }
        check(new Case(1, 64, CpuMatmul.SPLIT_K_MAX_MN / 64, k, false, false, false, false, 0, 1, Activation.RELU, false), seed);
    }

    @Test
    void swappedProductsMatchReference() {
        // Few rows and many columns, or few columns and many rows, with a transposed B: computed as
        // C^T = B^T A^T (CpuMatmul.SWAP_MAX_M). Rows 1 to 64 (full and partial tiles of the swapped
        // product's 32 columns), columns just past the threshold and odd, 1 to 16 columns over 128
        // rows and more, K below, at and over KC (a second pass that adds into C), every bias kind,
        // relu, none and tanh (the backend's element-wise pass after the product), accumulation,
        // and all four C layouts, including a transposed C, whose tiles take the scalar update.
        int n = CpuMatmul.SWAP_MIN_N;
        long seed = 300;
        int nr = CpuMatmul.NR;
        int[][] shapes = {{1, n, 17}, {9, n + 7, 256}, {32, n + 33, 300}, {33, n, 1}, {CpuMatmul.SWAP_MAX_M, 2 * n + 5, 64},
            // few columns, many rows (a 10-class layer)
            {4 * nr, 1, 33}, {4 * nr + 3, 10, 128}, {300, nr / 2, 257}};
        for (int[] s : shapes) {
            for (int layout = 0; layout < 4; layout++) {
                Activation act = layout % 2 == 0 ? Activation.RELU : Activation.NONE;
                check(new Case(2, s[0], s[1], s[2], layout == 1, true, false, layout == 2, layout, layout % 3, act, false), seed++);
                check(new Case(1, s[0], s[1], s[2], false, true, false, false, layout, 0, Activation.NONE, true), seed++);
            }
            check(new Case(1, s[0], s[1], s[2], false, true, false, false, 0, 1, Activation.TANH, false), seed++);
        }
    }
}
