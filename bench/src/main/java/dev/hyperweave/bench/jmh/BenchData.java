package dev.hyperweave.bench.jmh;

import dev.hyperweave.tensor.Tensor;
import java.util.Random;

/** Fills benchmark tensors with reproducible data. */
final class BenchData {
    private BenchData() {}

    /** Standard normal entries, seeded; works on any contiguous F32 tensor. */
    static Tensor gaussian(Tensor t, long seed) {
        Random r = new Random(seed);
        float[] v = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return t.copyFrom(v);
    }
}
