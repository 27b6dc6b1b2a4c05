package dev.hyperweave.ptxvm.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.ptxvm.LaunchStats;
import dev.hyperweave.ptxvm.PtxVm;
import dev.hyperweave.ptxvm.PtxVmException;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Shared helpers for the PTX VM tests: a PtxVm per test, hand-written kernels checked by ptxas, poisoned
 * output buffers and readers for what a kernel stored. Expected values in the tests are worked out from
 * the PTX ISA, never taken from the VM.
 */
final class Vm implements AutoCloseable {
    static final Path PTXAS = Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"), "bin", "ptxas");
    static final byte POISON = (byte) 0xAB;
    static final int[] ONE = {1, 1, 1};
    private static boolean warned;

    final PtxVm vm = new PtxVm();

    @Override
    public void close() {
        vm.close();
    }

    /**
     * A kernel {@code k(.param .u64 out)} with a generous register file; the output's global address is in
     * %rd2 (after {@code ld.param.u64 %rd1, [out]; cvta.to.global.u64 %rd2, %rd1;}).
     */
    static String kernel(String body) {
        return kernel("", "", body);
    }

    /** As {@link #kernel(String)} with extra module-scope declarations and extra .param declarations. */
    static String kernel(String moduleDecls, String extraParams, String body) {
        return """
                .version 9.0
                .target sm_80
                .address_size 64

                """ + moduleDecls + """

                .visible .entry k(.param .u64 out""" + extraParams + """
                )
                {
                    .reg .pred %p<16>;
                    .reg .b16 %h<16>;
                    .reg .b32 %r<100>;
                    .reg .b64 %rd<64>;
                    .reg .f32 %f<64>;
                    .reg .f64 %fd<32>;
                    ld.param.u64 %rd1, [out];
                    cvta.to.global.u64 %rd2, %rd1;
                """ + body + """
                    ret;
                }
                """;
    }

    /** "st.global.b32 [%rd2+4*i], reg_i;" for each register. */
    static String store32(String... regs) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < regs.length; i++) b.append("    st.global.b32 [%rd2+").append(4 * i).append("], ").append(regs[i]).append(";\n");
        return b.toString();
    }

    /** "st.global.b64 [%rd2+8*i], reg_i;" for each register. */
    static String store64(String... regs) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < regs.length; i++) b.append("    st.global.b64 [%rd2+").append(8 * i).append("], ").append(regs[i]).append(";\n");
        return b.toString();
    }

    /** Poisoned output buffer of {@code bytes} bytes (0xAB everywhere: an element the kernel does not write fails). */
    PtxVm.Buffer out(long bytes) {
        PtxVm.Buffer b = vm.allocate(bytes);
        b.segment().fill(POISON);
        return b;
    }

    PtxVm.Buffer ints(int... values) {
        PtxVm.Buffer b = vm.allocate(4L * Math.max(1, values.length));
        for (int i = 0; i < values.length; i++) b.segment().setAtIndex(ValueLayout.JAVA_INT, i, values[i]);
        return b;
    }

    PtxVm.Buffer longs(long... values) {
        PtxVm.Buffer b = vm.allocate(8L * Math.max(1, values.length));
        for (int i = 0; i < values.length; i++) b.segment().setAtIndex(ValueLayout.JAVA_LONG, i, values[i]);
        return b;
    }

    PtxVm.Buffer floats(float... values) {
        PtxVm.Buffer b = vm.allocate(4L * Math.max(1, values.length));
        for (int i = 0; i < values.length; i++) b.segment().setAtIndex(ValueLayout.JAVA_FLOAT, i, values[i]);
        return b;
    }

    PtxVm.Buffer doubles(double... values) {
        PtxVm.Buffer b = vm.allocate(8L * Math.max(1, values.length));
        for (int i = 0; i < values.length; i++) b.segment().setAtIndex(ValueLayout.JAVA_DOUBLE, i, values[i]);
        return b;
    }

    /** ptxas-checks {@code ptx} and runs kernel "k" over the grid. */
    LaunchStats run(String ptx, int[] grid, int[] block, Object... args) {
        assertPtxasAccepts(ptx);
        return vm.run(ptx, "k", grid, block, args);
    }

    /** Runs a one-thread kernel k(out) and returns out[0..words) as 32-bit words. */
    int[] run1(String ptx, int words) {
        PtxVm.Buffer o = out(4L * words);
        run(ptx, ONE, ONE, o);
        return ints(o, words);
    }

    /** Runs a one-thread kernel k(out) and returns out[0..n) as 64-bit words. */
    long[] run1Long(String ptx, int n) {
        PtxVm.Buffer o = out(8L * n);
        run(ptx, ONE, ONE, o);
        return longs(o, n);
    }

    static int[] ints(PtxVm.Buffer b, int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) r[i] = b.segment().getAtIndex(ValueLayout.JAVA_INT, i);
        return r;
    }

    static long[] longs(PtxVm.Buffer b, int n) {
        long[] r = new long[n];
        for (int i = 0; i < n; i++) r[i] = b.segment().getAtIndex(ValueLayout.JAVA_LONG, i);
        return r;
    }

    static float[] floats(PtxVm.Buffer b, int n) {
        float[] r = new float[n];
        for (int i = 0; i < n; i++) r[i] = b.segment().getAtIndex(ValueLayout.JAVA_FLOAT, i);
        return r;
    }

    static double[] doubles(PtxVm.Buffer b, int n) {
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = b.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, i);
        return r;
    }

    /** Asserts the launch fails with a PtxVmException whose message contains every fragment (case-insensitive). */
    PtxVmException assertFails(String ptx, int[] grid, int[] block, Object[] args, String... fragments) {
        PtxVmException e = assertThrows(PtxVmException.class, () -> vm.run(ptx, "k", grid, block, args));
        String msg = String.valueOf(e.getMessage());
        for (String f : fragments) {
            assertTrue(msg.toLowerCase(Locale.ROOT).contains(f.toLowerCase(Locale.ROOT)),
                    "message should contain \"" + f + "\": " + msg);
        }
        return e;
    }

    /** Asserts {@code message} names {@code address} in hex as 0x..., any case, leading zeros allowed. */
    static void assertNamesAddress(String message, long address) {
        Pattern p = Pattern.compile("0x0*" + Long.toHexString(address) + "(?![0-9a-f])", Pattern.CASE_INSENSITIVE);
        assertTrue(p.matcher(message).find(), "message should name address 0x" + Long.toHexString(address) + ": " + message);
    }

    /** The 1-based line of the first line of {@code ptx} containing {@code text}. */
    static int lineOf(String ptx, String text) {
        String[] lines = ptx.split("\n", -1);
        for (int i = 0; i < lines.length; i++) if (lines[i].contains(text)) return i + 1;
        throw new IllegalArgumentException("no line contains " + text);
    }

    /** Asserts ptxas accepts {@code ptx} for sm_80 and sm_90; where ptxas is absent, says so once and checks nothing. */
    static void assertPtxasAccepts(String ptx) {
        if (!Files.isExecutable(PTXAS)) {
            if (!warned) System.out.println("[ptxas absent at " + PTXAS + ": hand-written PTX not validated]");
            warned = true;
            return;
        }
        try {
            Path file = Files.createTempFile("ptxvm-vm-test", ".ptx");
            try {
                Files.writeString(file, ptx);
                for (String arch : new String[] {"sm_80", "sm_90"}) {
                    assertEquals("OK", ptxas(arch, file), "ptxas -arch=" + arch + " rejects the test's PTX:\n" + ptx);
                }
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs ptxas on a file; returns "OK" or its exit status and output. */
    static String ptxas(String arch, Path file) throws IOException {
        Process p = new ProcessBuilder(PTXAS.toString(), "-arch=" + arch, file.toString(), "-o", "/dev/null")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            int rc = p.waitFor();
            return rc == 0 ? "OK" : "exit " + rc + ": " + out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String hex(int v) {
        return String.format("0x%08x", v);
    }

    static String hex(long v) {
        return String.format("0x%016x", v);
    }
}
