package dev.hyperweave.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The register transposes of panel packing against the plain index formula, including tails of p. */
class PanelTransposeTest {
    private static final int[] DEPTHS = {1, 15, 16, 17, 37, 64, 255, 256};

    @Test
    void rows8MatchesTheAPanelLayout() {
        assumeTrue(PanelTranspose.AVAILABLE, "no AVX-512: the packers use their scalar loops");
        Random rnd = new Random(3);
        int stride = 256;
        float[] src = new float[8 * stride];
        for (int i = 0; i < src.length; i++) src[i] = (float) rnd.nextGaussian();
        for (int kc : DEPTHS) {
            float[] got = new float[8 * kc + 11], want = new float[8 * kc + 11];
            Arrays.fill(got, Float.NaN);
            Arrays.fill(want, Float.NaN);
            for (int p = 0; p < kc; p++) for (int r = 0; r < 8; r++) want[5 + p * 8 + r] = src[r * stride + p];
            PanelTranspose.rows8(src, stride, got, 5, kc);
            assertArrayEquals(want, got, "kc = " + kc);
        }
    }

    @Test
    void rows16MatchesTheBPanelLayout() {
        assumeTrue(PanelTranspose.AVAILABLE, "no AVX-512: the packers use their scalar loops");
        Random rnd = new Random(4);
        int stride = 256, dstStride = 32;
        float[] src = new float[16 * stride];
        for (int i = 0; i < src.length; i++) src[i] = (float) rnd.nextGaussian();
        for (int kc : DEPTHS) {
            for (int off : new int[] {0, 16}) {
                float[] got = new float[dstStride * kc], want = new float[dstStride * kc];
                Arrays.fill(got, Float.NaN);
                Arrays.fill(want, Float.NaN);
                for (int p = 0; p < kc; p++) for (int c = 0; c < 16; c++) want[off + p * dstStride + c] = src[c * stride + p];
                PanelTranspose.rows16(src, stride, got, off, dstStride, kc);
                assertArrayEquals(want, got, "kc = " + kc + ", offset " + off);
            }
        }
    }
}
