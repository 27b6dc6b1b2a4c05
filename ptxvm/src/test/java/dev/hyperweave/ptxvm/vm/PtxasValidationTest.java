package dev.hyperweave.ptxvm.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every PTX file committed under resources/ptx is real PTX: NVIDIA's ptxas accepts it for sm_80 and sm_90
 * (skipped, with a message, where ptxas is not installed); and vm_kernels.ptx is what nvcc makes of
 * vm_kernels.cu. (The PTX the other tests write inline is checked by ptxas before each run, see Vm.)
 */
class PtxasValidationTest {
    static final Path DIR = Path.of("src/test/resources/ptx");
    static final Path CUDA_BIN = Vm.PTXAS.getParent();

    static List<Path> committedPtx() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".ptx")).sorted().toList();
        }
    }

    @Test
    void everyCommittedPtxFilePassesPtxasForSm80AndSm90() throws IOException {
        List<Path> files = committedPtx();
        assertFalse(files.isEmpty(), "no .ptx files under " + DIR.toAbsolutePath());
        assumeTrue(Files.isExecutable(Vm.PTXAS), "ptxas not found at " + Vm.PTXAS + ": committed PTX not validated");
        for (Path f : files) {
            for (String arch : new String[] {"sm_80", "sm_90"}) {
                assertEquals("OK", Vm.ptxas(arch, f), "ptxas -arch=" + arch + " " + f);
            }
        }
    }

    @Test
    void vmKernelsPtxIsUpToDateWithItsCudaSource() throws Exception {
        Path nvcc = CUDA_BIN.resolve("nvcc");
        assumeTrue(Files.isExecutable(nvcc), "nvcc not found at " + nvcc + ": vm_kernels.ptx not regenerated");
        Path fresh = Files.createTempFile("vm_kernels", ".ptx");
        try {
            Process p = new ProcessBuilder(nvcc.toString(), "-arch=compute_80", "-ptx", "-o", fresh.toString(),
                    DIR.resolve("vm_kernels.cu").toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), "nvcc: " + out);
            assertEquals(withoutComments(Files.readString(fresh)), withoutComments(Files.readString(DIR.resolve("vm_kernels.ptx"))),
                    "vm_kernels.ptx is stale: regenerate it with the nvcc command in vm_kernels.cu");
        } finally {
            Files.deleteIfExists(fresh);
        }
    }

    /** The PTX without // comment lines (nvcc's header names its build). */
    static String withoutComments(String ptx) {
        return ptx.lines().filter(l -> !l.strip().startsWith("//")).reduce("", (a, b) -> a + b + "\n");
    }
}
