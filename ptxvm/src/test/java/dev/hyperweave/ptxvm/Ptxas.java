package dev.hyperweave.ptxvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks that the PTX the tests hand-write is real PTX: NVIDIA's ptxas accepts it for sm_80 and sm_90. */
final class Ptxas {
    private Ptxas() {}

    static final Path PTXAS = Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"), "bin", "ptxas");
    private static boolean warned;

    /** Asserts ptxas accepts {@code ptx}; where there is no ptxas, says so once and checks nothing. */
    static void assertValid(String ptx) {
        if (!Files.isExecutable(PTXAS)) {
            if (!warned) System.out.println("[ptxas absent at " + PTXAS + ": hand-written PTX not validated]");
            warned = true;
            return;
        }
        try {
            Path file = Files.createTempFile("hyperweave-test", ".ptx");
            try {
                Files.writeString(file, ptx);
                for (String arch : new String[] {"sm_80", "sm_90"}) {
                    Process p = new ProcessBuilder(PTXAS.toString(), "-arch=" + arch, file.toString(), "-o", "/dev/null")
                            .redirectErrorStream(true).start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertEquals(0, p.waitFor(), "ptxas -arch=" + arch + " rejects the test's PTX: " + out + "\n" + ptx);
                }
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
