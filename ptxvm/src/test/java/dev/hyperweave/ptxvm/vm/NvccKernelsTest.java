package dev.hyperweave.ptxvm.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.ptxvm.LaunchStats;
import dev.hyperweave.ptxvm.PtxVm;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Kernels nvcc compiled from CUDA C (resources/ptx/vm_kernels.cu -> vm_kernels.ptx), run on the VM and
 * checked against plain Java, with plausibility checks on what LaunchStats reports.
 */
class NvccKernelsTest {
    static final Path DIR = Path.of("src/test/resources/ptx");
    static final String PTX = read(DIR.resolve("vm_kernels.ptx"));

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private final Vm t = new Vm();
    private final Random rnd = new Random(7);

    @AfterEach
    void close() {
        t.close();
    }

    float[] gaussian(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    LaunchStats run(String kernel, int[] grid, int[] block, Object... args) {
        return t.vm.run(PTX, kernel, grid, block, args);
    }

    @Test
    void tiledMatmulWithSharedMemoryAndBarriers() {
        for (int[] s : new int[][] {{37, 29, 45}, {16, 16, 16}, {1, 33, 17}, {50, 7, 3}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = gaussian(m * k), b = gaussian(k * n);
            PtxVm.Buffer c = t.out(4L * m * n);
            int[] grid = {(n + 15) / 16, (m + 15) / 16, 1};
            LaunchStats st = run("vm_matmul_tiled", grid, new int[] {16, 16, 1}, t.floats(a), t.floats(b), c, m, n, k);
            float[] got = Vm.floats(c, m * n);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double ref = 0, mag = 0;
                    for (int p = 0; p < k; p++) {
                        ref += (double) a[i * k + p] * b[p * n + j];
                        mag += Math.abs((double) a[i * k + p] * b[p * n + j]);
                    }
                    // k fused multiply-adds in f32: error bounded by about k * 2^-24 * sum |a*b|
                    assertEquals(ref, got[i * n + j], 1e-6 + (k + 1) * 0x1p-23 * mag, m + "x" + n + "x" + k + " C(" + i + "," + j + ")");
                }
            }
            int tiles = (k + 15) / 16, blocks = grid[0] * grid[1];
            long threads = 256L * blocks;
            assertTrue(st.syncInsns() > 0, "__syncthreads executes bar.sync: " + st);
            assertTrue(st.syncInsns() >= 2L * tiles * blocks, "two barriers per tile, per block at least: " + st);
            assertTrue(st.globalBytes() >= 4L * (m * k + k * n + m * n), "reads A and B, writes C: " + st);
            assertTrue(st.globalBytes() <= 4L * threads * (2L * tiles + 1), "at most two loads per tile and one store per thread: " + st);
            assertTrue(st.sharedBytes() >= 4L * threads * tiles * (2 + 2 * 16), "tile stores and the inner products' loads: " + st);
            assertTrue(st.paramBytes() > 0 && st.arithmeticInsns() > threads * tiles * 16, st.toString());
            assertEquals(st.memoryInsns() + st.arithmeticInsns() + st.specialInsns() + st.controlInsns() + st.syncInsns(), st.total());
        }
    }

    @Test
    void warpShuffleReductionWithAtomicAdd() {
        int n = 5000, blocks = 3, threads = 128;
        float[] x = gaussian(n);
        int warps = blocks * threads / 32;
        PtxVm.Buffer total = t.floats(0f);
        PtxVm.Buffer warpSums = t.out(4L * warps);
        LaunchStats st = run("vm_warp_reduce", new int[] {blocks, 1, 1}, new int[] {threads, 1, 1}, t.floats(x), total, warpSums, n);
        int stride = blocks * threads;
        double all = 0;
        float[] ws = Vm.floats(warpSums, warps);
        for (int w = 0; w < warps; w++) {
            double want = 0;
            for (int g = 32 * w; g < 32 * w + 32; g++) for (int i = g; i < n; i += stride) want += x[i];
            assertEquals(want, ws[w], 1e-4 * (1 + Math.abs(want)), "warp " + w + "'s shuffle-tree sum");
            all += want;
        }
        assertEquals(all, Vm.floats(total, 1)[0], 1e-3 * (1 + Math.abs(all)), "sum of all per-warp atomicAdds");
        assertTrue(st.syncInsns() >= 5L * warps, "five shfl.sync per warp at least: " + st);
        assertTrue(st.globalBytes() >= 4L * n + 4L * warps, "reads x, writes the warp sums: " + st);
    }

    @Test
    void atomicHistogramIsExact() {
        int n = 10007, nbins = 37;
        int[] values = new int[n];
        int[] want = new int[nbins];
        for (int i = 0; i < n; i++) {
            values[i] = rnd.nextInt(20001) - 10000;
            want[Math.floorMod(values[i], nbins)]++;
        }
        PtxVm.Buffer bins = t.ints(new int[nbins]);
        LaunchStats st = run("vm_histogram", new int[] {(n + 255) / 256, 1, 1}, new int[] {256, 1, 1}, t.ints(values), bins, n, nbins);
        int[] got = Vm.ints(bins, nbins);
        for (int b = 0; b < nbins; b++) assertEquals(want[b], got[b], "bin " + b);
        assertTrue(st.globalBytes() >= 4L * n + 4L * n, "reads every value and updates a bin per value: " + st);
        assertTrue(st.memoryInsns() >= 2L * n, st.toString());
    }

    @Test
    void sharedMemoryPrivatisedHistogramIsExact() {
        int n = 20000, nbins = 50;
        int[] values = new int[n];
        int[] want = new int[nbins];
        for (int i = 0; i < n; i++) {
            values[i] = (int) (rnd.nextGaussian() * 40);            // skewed: a few bins are hit hard
            want[Math.floorMod(values[i], nbins)]++;
        }
        PtxVm.Buffer bins = t.ints(new int[nbins]);
        LaunchStats st = run("vm_histogram_shared", new int[] {5, 1, 1}, new int[] {128, 1, 1}, t.ints(values), bins, n, nbins);
        int[] got = Vm.ints(bins, nbins);
        for (int b = 0; b < nbins; b++) assertEquals(want[b], got[b], "bin " + b);
        assertTrue(st.syncInsns() > 0 && st.sharedBytes() >= 4L * n, "shared atomics and barriers: " + st);
    }
}
