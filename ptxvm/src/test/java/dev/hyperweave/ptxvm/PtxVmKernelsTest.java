package dev.hyperweave.ptxvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Kernels nvcc compiled from CUDA C (resources/kernels/test_kernels.cu), run on the VM, checked against plain Java. */
class PtxVmKernelsTest {
    static final Path DIR = Path.of("src/test/resources/kernels");
    static final String PTX = read("test_kernels.ptx");

    static String read(String name) {
        try {
            return Files.readString(DIR.resolve(name));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private final PtxVm vm = new PtxVm();
    private final Random rnd = new Random(11);

    @AfterEach
    void close() {
        vm.close();
    }

    private PtxVm.Buffer floats(float[] values) {
        PtxVm.Buffer b = vm.allocate(4L * values.length);
        for (int i = 0; i < values.length; i++) b.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, values[i]);
        return b;
    }

    private PtxVm.Buffer poisoned(long bytes) {
        PtxVm.Buffer b = vm.allocate(bytes);
        b.segment().fill((byte) 0xff); // NaN as floats: an unwritten element fails
        return b;
    }

    private float[] gaussian(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    @Test
    void tiledMatmulWithSharedMemoryAndBarriers() {
        for (int[] s : new int[][] {{37, 29, 45}, {1, 1, 1}, {16, 17, 33}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = gaussian(m * k), b = gaussian(k * n);
            PtxVm.Buffer c = poisoned(4L * m * n);
            LaunchStats st = vm.run(PTX, "matmul_tiled", new int[] {(n + 15) / 16, (m + 15) / 16, 1}, new int[] {16, 16, 1},
                    floats(a), floats(b), c, m, n, k);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double ref = 0;
                    for (int p = 0; p < k; p++) ref += (double) a[i * k + p] * b[p * n + j];
                    float got = c.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i * n + j);
                    assertEquals(ref, got, 1e-5 * (k + 1), m + "x" + n + "x" + k + " element (" + i + "," + j + ")");
                }
            }
            assertTrue(st.syncInsns() > 0, "barriers are counted");
            assertTrue(st.globalBytes() >= 4L * (m * k + k * n + m * n), st.toString());
            assertTrue(st.sharedBytes() > 0 && st.paramBytes() > 0, st.toString());
        }
    }

    @Test
    void warpShuffleReduction() {
        int n = 1000;
        float[] x = gaussian(n);
        double want = 0;
        for (float v : x) want += v;
        PtxVm.Buffer out = vm.allocate(4);
        out.segment().set(ValueLayout.JAVA_FLOAT, 0, 0f);
        LaunchStats st = vm.run(PTX, "warp_sum", new int[] {4, 1, 1}, new int[] {256, 1, 1}, floats(x), out, n);
        assertEquals(want, out.segment().get(ValueLayout.JAVA_FLOAT, 0), 1e-3);
        assertEquals(4 * 256 * 5, st.syncInsns(), "five shfl per thread");
    }

    @Test
    void atomicHistogram() {
        int n = 3001, nb = 7;
        PtxVm.Buffer x = vm.allocate(4L * n), bins = vm.allocate(4L * nb);
        int[] want = new int[nb];
        for (int i = 0; i < n; i++) {
            int v = rnd.nextInt(2000) - 1000;
            x.segment().setAtIndex(ValueLayout.JAVA_INT, i, v);
            want[Math.floorMod(v, nb)]++;
        }
        bins.segment().fill((byte) 0);
        vm.run(PTX, "histogram", new int[] {(n + 127) / 128, 1, 1}, new int[] {128, 1, 1}, x, bins, n, nb);
        for (int i = 0; i < nb; i++) assertEquals(want[i], bins.segment().getAtIndex(ValueLayout.JAVA_INT, i), "bin " + i);
    }

    @Test
    void specialFunctionsAsNvccExpandsThem() {
        int n = 517;
        float[] x = gaussian(n);
        x[0] = 0f;
        x[1] = -30f;
        x[2] = 20f;
        PtxVm.Buffer y = poisoned(4L * n);
        LaunchStats st = vm.run(PTX, "activations", new int[] {3, 1, 1}, new int[] {192, 1, 1}, y, floats(x), n);
        for (int i = 0; i < n; i++) {
            double ref = Math.tanh(x[i]) + Math.exp(x[i]) + 1 / Math.sqrt(Math.abs(x[i]) + 1e-3);
            assertEquals(ref, y.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i), 1e-6 * Math.max(1, Math.abs(ref)), "x = " + x[i]);
        }
        assertTrue(st.specialInsns() > 0, st.toString());
    }

    @Test
    void dynamicSharedMemoryBlockSum() {
        int n = 1000, threads = 256, blocks = (n + threads - 1) / threads;
        float[] x = gaussian(n);
        PtxVm.Buffer out = poisoned(8L * blocks);
        vm.runWithDynamicShared(PTX, "block_sum", new int[] {blocks, 1, 1}, new int[] {threads, 1, 1}, 8 * threads, floats(x), out, n);
        for (int b = 0; b < blocks; b++) {
            double want = 0;
            for (int i = b * threads; i < Math.min(n, (b + 1) * threads); i++) want += x[i];
            assertEquals(want, out.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, b), 1e-9, "block " + b);
        }
        // Without the dynamic shared memory the kernel's accesses fall outside the CTA's shared memory.
        PtxVmException e = assertThrows(PtxVmException.class,
                () -> vm.run(PTX, "block_sum", new int[] {1, 1, 1}, new int[] {threads, 1, 1}, floats(x), out, n));
        assertTrue(e.getMessage().contains("out of bounds") && e.getMessage().contains("shared memory"), e.getMessage());
    }

    @Test
    void anOutOfBoundsLoadNamesKernelLineThreadBlockAndAddress() {
        int m = 5, n = 5, k = 5;
        PtxVm.Buffer a = floats(gaussian(m * k)), b = floats(gaussian(k * n)), c = poisoned(4L * m * n);
        PtxVmException e = assertThrows(PtxVmException.class, () -> vm.run(PTX, "matmul_tiled", new int[] {1, 1, 1},
                new int[] {16, 16, 1}, a, b, c, m + 1, n, k)); // one row more than A holds
        String msg = e.getMessage();
        assertEquals(KernelRunnerException.CUDA_ERROR_ILLEGAL_ADDRESS, e.cuResult());
        assertTrue(msg.startsWith("kernel matmul_tiled, line ") && msg.contains("ld.global.f32") && msg.contains("out of bounds")
                && msg.contains("at 0x" + Long.toHexString(a.address() + 4L * m * k)) && msg.contains("thread tid (0,5,0)")
                && msg.contains("block ctaid (0,0,0)"), msg);
    }

    @Test
    void committedPtxPassesPtxasAndMatchesItsSource() throws Exception {
        Path cuda = Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"), "bin");
        assumeTrue(Files.isExecutable(cuda.resolve("ptxas")), "no ptxas under " + cuda + ": skipped");
        for (String arch : new String[] {"sm_80", "sm_90"}) {
            Process p = new ProcessBuilder(cuda.resolve("ptxas").toString(), "-arch=" + arch, DIR.resolve("test_kernels.ptx").toString(),
                    "-o", "/dev/null").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), "ptxas " + arch + ": " + out);
        }
        assumeTrue(Files.isExecutable(cuda.resolve("nvcc")), "no nvcc: the .ptx is not recompiled");
        Path fresh = Files.createTempFile("test_kernels", ".ptx");
        try {
            Process p = new ProcessBuilder(cuda.resolve("nvcc").toString(), "-arch=compute_80", "-ptx",
                    DIR.resolve("test_kernels.cu").toString(), "-o", fresh.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), "nvcc: " + out);
            assertEquals(Files.readString(fresh), PTX, "test_kernels.ptx is stale: regenerate it with nvcc (see test_kernels.cu)");
        } finally {
            Files.deleteIfExists(fresh);
        }
    }
}
