package dev.hyperweave.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The transposes of panel packing, in 512-bit registers: rows of a row-major A block into the
 * micro-kernel's 8-row interleaved panels, and columns of a transposed B into 16-wide panel rows.
 * Each is a network of two-source shuffles (vpermt2ps) that interleaves 32-, 64-, 128- and 256-bit
 * groups; against one scalar store per element it packs 3 to 4 times faster (8 x 256 floats: 121 ns
 * against 428 ns here). Only for AVX-512 ({@link #AVAILABLE}); elsewhere the packers stay scalar.
 */
final class PanelTranspose {
    private PanelTranspose() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    static final boolean AVAILABLE = CpuMatmul.SPECIES.length() == 16 && CpuMatmul.MR == 8;
    /**
     * Operands smaller than this (elements per call) keep the scalar packers: until C2 has compiled
     * the transposes, each call runs them as slow Java fallbacks, which cost a short run (the demo)
     * more than they save.
     */
    static final long MIN_ELEMENTS = 256 * 1024;

    /**
     * x.rearrange(shuffle, y) that alternates groups of {@code g} lanes from x and y, taking the low
     * (half 0) or the high (half 1) 8 lanes of each.
     */
    private static VectorShuffle<Float> interleave(int g, int half) {
        int[] ix = new int[16];
        for (int i = 0; i < 16; i++) {
            int group = i / (2 * g), fromY = (i / g) % 2, lane = i % g;
            int src = half * 8 + group * g + lane;
            ix[i] = fromY == 0 ? src : src - 16; // an exceptional (negative) index selects from the second vector
        }
        return VectorShuffle.fromArray(S, ix, 0);
    }

    private static final VectorShuffle<Float> LO1 = interleave(1, 0), HI1 = interleave(1, 1), LO2 = interleave(2, 0),
            HI2 = interleave(2, 1), LO4 = interleave(4, 0), HI4 = interleave(4, 1), LO8 = interleave(8, 0), HI8 = interleave(8, 1);

    /**
     * dst[off + p*8 + r] = src[r*stride + p] for 8 rows r and p < kc: the A panel layout.
     */
    static void rows8(float[] src, int stride, float[] dst, int off, int kc) {
        int p = 0;
        for (; p + 16 <= kc; p += 16) {
            FloatVector r0 = FloatVector.fromArray(S, src, p), r1 = FloatVector.fromArray(S, src, stride + p);
            FloatVector r2 = FloatVector.fromArray(S, src, 2 * stride + p), r3 = FloatVector.fromArray(S, src, 3 * stride + p);
            FloatVector r4 = FloatVector.fromArray(S, src, 4 * stride + p), r5 = FloatVector.fromArray(S, src, 5 * stride + p);
            FloatVector r6 = FloatVector.fromArray(S, src, 6 * stride + p), r7 = FloatVector.fromArray(S, src, 7 * stride + p);
            FloatVector a01 = r0.rearrange(LO1, r1), b01 = r0.rearrange(HI1, r1);
            FloatVector a23 = r2.rearrange(LO1, r3), b23 = r2.rearrange(HI1, r3);
            FloatVector a45 = r4.rearrange(LO1, r5), b45 = r4.rearrange(HI1, r5);
            FloatVector a67 = r6.rearrange(LO1, r7), b67 = r6.rearrange(HI1, r7);
            FloatVector u0 = a01.rearrange(LO2, a23), u1 = a01.rearrange(HI2, a23);
            FloatVector u2 = b01.rearrange(LO2, b23), u3 = b01.rearrange(HI2, b23);
            FloatVector v0 = a45.rearrange(LO2, a67), v1 = a45.rearrange(HI2, a67);
            FloatVector v2 = b45.rearrange(LO2, b67), v3 = b45.rearrange(HI2, b67);
            int d = off + p * 8;
            u0.rearrange(LO4, v0).intoArray(dst, d);
            u0.rearrange(HI4, v0).intoArray(dst, d + 16);
            u1.rearrange(LO4, v1).intoArray(dst, d + 32);
            u1.rearrange(HI4, v1).intoArray(dst, d + 48);
            u2.rearrange(LO4, v2).intoArray(dst, d + 64);
            u2.rearrange(HI4, v2).intoArray(dst, d + 80);
            u3.rearrange(LO4, v3).intoArray(dst, d + 96);
            u3.rearrange(HI4, v3).intoArray(dst, d + 112);
        }
        for (int d = off + p * 8; p < kc; p++, d += 8) {
            for (int r = 0; r < 8; r++) dst[d + r] = src[r * stride + p];
        }
    }

    /**
     * dst[off + p*dstStride + c] = src[c*stride + p] for 16 rows c and p < kc: 16 columns of a
     * transposed B into rows of a B panel.
     */
    static void rows16(float[] src, int stride, float[] dst, int off, int dstStride, int kc) {
        int p = 0;
        for (; p + 16 <= kc; p += 16) transpose16(src, stride, p, dst, off + p * dstStride, dstStride);
        for (; p < kc; p++) {
            for (int c = 0; c < 16; c++) dst[off + p * dstStride + c] = src[c * stride + p];
        }
    }

    private static void transpose16(float[] src, int stride, int p, float[] dst, int d, int dstStride) {
        FloatVector c0 = FloatVector.fromArray(S, src, p), c1 = FloatVector.fromArray(S, src, stride + p);
        FloatVector c2 = FloatVector.fromArray(S, src, 2 * stride + p), c3 = FloatVector.fromArray(S, src, 3 * stride + p);
        FloatVector c4 = FloatVector.fromArray(S, src, 4 * stride + p), c5 = FloatVector.fromArray(S, src, 5 * stride + p);
        FloatVector c6 = FloatVector.fromArray(S, src, 6 * stride + p), c7 = FloatVector.fromArray(S, src, 7 * stride + p);
        FloatVector c8 = FloatVector.fromArray(S, src, 8 * stride + p), c9 = FloatVector.fromArray(S, src, 9 * stride + p);
        FloatVector c10 = FloatVector.fromArray(S, src, 10 * stride + p), c11 = FloatVector.fromArray(S, src, 11 * stride + p);
        FloatVector c12 = FloatVector.fromArray(S, src, 12 * stride + p), c13 = FloatVector.fromArray(S, src, 13 * stride + p);
        FloatVector c14 = FloatVector.fromArray(S, src, 14 * stride + p), c15 = FloatVector.fromArray(S, src, 15 * stride + p);
        // 32-bit pairs
        FloatVector a0 = c0.rearrange(LO1, c1), b0 = c0.rearrange(HI1, c1);
        FloatVector a1 = c2.rearrange(LO1, c3), b1 = c2.rearrange(HI1, c3);
        FloatVector a2 = c4.rearrange(LO1, c5), b2 = c4.rearrange(HI1, c5);
        FloatVector a3 = c6.rearrange(LO1, c7), b3 = c6.rearrange(HI1, c7);
        FloatVector a4 = c8.rearrange(LO1, c9), b4 = c8.rearrange(HI1, c9);
        FloatVector a5 = c10.rearrange(LO1, c11), b5 = c10.rearrange(HI1, c11);
        FloatVector a6 = c12.rearrange(LO1, c13), b6 = c12.rearrange(HI1, c13);
        FloatVector a7 = c14.rearrange(LO1, c15), b7 = c14.rearrange(HI1, c15);
        // 64-bit: columns 0-3, 4-7, 8-11, 12-15 for p = 0-3, 4-7 (from a) and 8-11, 12-15 (from b)
        FloatVector e0 = a0.rearrange(LO2, a1), e1 = a0.rearrange(HI2, a1), e2 = b0.rearrange(LO2, b1), e3 = b0.rearrange(HI2, b1);
        FloatVector f0 = a2.rearrange(LO2, a3), f1 = a2.rearrange(HI2, a3), f2 = b2.rearrange(LO2, b3), f3 = b2.rearrange(HI2, b3);
        FloatVector g0 = a4.rearrange(LO2, a5), g1 = a4.rearrange(HI2, a5), g2 = b4.rearrange(LO2, b5), g3 = b4.rearrange(HI2, b5);
        FloatVector h0 = a6.rearrange(LO2, a7), h1 = a6.rearrange(HI2, a7), h2 = b6.rearrange(LO2, b7), h3 = b6.rearrange(HI2, b7);
        // 128-bit: columns 0-7 and 8-15, two p each
        FloatVector i0 = e0.rearrange(LO4, f0), i1 = e0.rearrange(HI4, f0), i2 = e1.rearrange(LO4, f1), i3 = e1.rearrange(HI4, f1);
        FloatVector i4 = e2.rearrange(LO4, f2), i5 = e2.rearrange(HI4, f2), i6 = e3.rearrange(LO4, f3), i7 = e3.rearrange(HI4, f3);
        FloatVector j0 = g0.rearrange(LO4, h0), j1 = g0.rearrange(HI4, h0), j2 = g1.rearrange(LO4, h1), j3 = g1.rearrange(HI4, h1);
        FloatVector j4 = g2.rearrange(LO4, h2), j5 = g2.rearrange(HI4, h2), j6 = g3.rearrange(LO4, h3), j7 = g3.rearrange(HI4, h3);
        // 256-bit: all 16 columns for one p
        i0.rearrange(LO8, j0).intoArray(dst, d);
        i0.rearrange(HI8, j0).intoArray(dst, d + dstStride);
        i1.rearrange(LO8, j1).intoArray(dst, d + 2 * dstStride);
        i1.rearrange(HI8, j1).intoArray(dst, d + 3 * dstStride);
        i2.rearrange(LO8, j2).intoArray(dst, d + 4 * dstStride);
        i2.rearrange(HI8, j2).intoArray(dst, d + 5 * dstStride);
        i3.rearrange(LO8, j3).intoArray(dst, d + 6 * dstStride);
        i3.rearrange(HI8, j3).intoArray(dst, d + 7 * dstStride);
        i4.rearrange(LO8, j4).intoArray(dst, d + 8 * dstStride);
        i4.rearrange(HI8, j4).intoArray(dst, d + 9 * dstStride);
        i5.rearrange(LO8, j5).intoArray(dst, d + 10 * dstStride);
        i5.rearrange(HI8, j5).intoArray(dst, d + 11 * dstStride);
        i6.rearrange(LO8, j6).intoArray(dst, d + 12 * dstStride);
        i6.rearrange(HI8, j6).intoArray(dst, d + 13 * dstStride);
        i7.rearrange(LO8, j7).intoArray(dst, d + 14 * dstStride);
        i7.rearrange(HI8, j7).intoArray(dst, d + 15 * dstStride);
    }
}
