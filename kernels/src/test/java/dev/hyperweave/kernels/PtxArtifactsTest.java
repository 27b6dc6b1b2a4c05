package dev.hyperweave.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The committed PTX: one file per .cu, assembled by ptxas for sm_80 and sm_90 without spills, and in step with its source. */
class PtxArtifactsTest {
    static final Path CUDA_HOME = Path.of(System.getenv().getOrDefault("CUDA_HOME", "/usr/local/cuda"));
    static final Path SOURCES = Path.of("src/main/cuda"), PTX = Path.of("src/main/resources/dev/hyperweave/kernels");

    static List<String> families() throws IOException {
        try (Stream<Path> s = Files.list(SOURCES)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).map(n -> n.substring(0, n.length() - 3))
                    .sorted().toList();
        }
    }

    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    @Test
    void everySourceHasItsPtx() throws IOException {
        List<String> f = families();
        assertTrue(f.containsAll(List.of("elementwise", "gather", "loss", "matmul", "optim", "reduce")), f.toString());
        for (String family : f) assertTrue(Files.isRegularFile(PTX.resolve(family + ".ptx")), family + ".ptx is missing: run kernels/build.sh");
    }

    @Test
    void ptxasAssemblesEveryKernelWithoutSpills() throws Exception {
        Path ptxas = CUDA_HOME.resolve("bin/ptxas");
        assumeTrue(Files.isExecutable(ptxas), "no ptxas at " + ptxas + ": skipped");
        Pattern spill = Pattern.compile("(\\d+) bytes spill stores, (\\d+) bytes spill loads");
        for (String family : families()) {
            for (String arch : new String[] {"sm_80", "sm_90"}) {
                String out = run(List.of(ptxas.toString(), "-arch=" + arch, "-v", PTX.resolve(family + ".ptx").toString(), "-o", "/dev/null"));
                Matcher m = spill.matcher(out);
                int kernels = 0;
                while (m.find()) {
                    kernels++;
                    assertEquals("0 0", m.group(1) + " " + m.group(2), family + " spills registers on " + arch + ":\n" + out);
                }
                assertTrue(kernels > 0, "ptxas reported no kernels for " + family);
            }
        }
    }

    @Test
    void committedPtxIsWhatNvccMakesOfTheSources() throws Exception {
        Path nvcc = CUDA_HOME.resolve("bin/nvcc");
        assumeTrue(Files.isExecutable(nvcc), "no nvcc at " + nvcc + ": the committed PTX is not re-created");
        Path dir = Files.createTempDirectory("hyperweave-kernels");
        try {
            List<String> stale = new ArrayList<>();
            for (String family : families()) {
                Path fresh = dir.resolve(family + ".ptx");
                run(List.of(nvcc.toString(), "-arch=compute_80", "-ptx", "-I", SOURCES.toString(), SOURCES.resolve(family + ".cu").toString(),
                        "-o", fresh.toString()));
                if (!Files.readString(fresh).equals(Files.readString(PTX.resolve(family + ".ptx")))) stale.add(family);
            }
            assertEquals(List.of(), stale, "stale PTX: run kernels/build.sh");
        } finally {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.toList()) Files.delete(p);
            }
            Files.delete(dir);
        }
    }
}
