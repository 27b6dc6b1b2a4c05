package dev.hyperweave.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

class CliTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void unknownOptionPrintsUsageAndExits2() {
        Run r = run("demo", "--no-such-option");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--no-such-option"), r.err());
        assertTrue(r.err().contains("Usage: hyperweave demo"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void badValuesAreNamedWithoutStackTrace() {
        for (String[] args : new String[][] {
                {"demo", "--threads", "0"}, {"demo", "--steps", "-3"}, {"demo", "--steps", "many"},
                {"demo", "--backend", "gpu"}, {"bench", "nosuch"}, {"bench", "hmlp", "--steps", "0"}, {"demo", "--lr", "0"}}) {
            Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().contains("Usage:"), String.join(" ", args) + ": " + r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
        assertTrue(run("demo", "--backend", "gpu").err().contains("unknown --backend 'gpu'"));
    }

    @Test
    void missingCommandAndHelp() {
        assertEquals(2, run().code());
        for (String cmd : new String[] {"demo", "bench"}) {
            Run r = run(cmd, "--help");
            assertEquals(0, r.code());
            assertTrue(r.out().contains("Usage: hyperweave " + cmd), r.out());
        }
        assertEquals(0, run("--help").code());
    }

    @Test
    void demoRunsAndReportsPerTaskMetrics() {
        Run r = run("demo", "--steps", "20", "--tasks", "3", "--threads", "1", "--seed", "5");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("step    20/20"), r.out());
        assertTrue(r.out().contains("task  train acc  test acc"), r.out());
        assertTrue(r.out().contains("total time"), r.out());
    }

    @Test
    void benchJsonHasTheDocumentedFields() {
        // A chunked run at full W2 size is a few seconds: two timed steps suffice to check the format.
        Run r = run("bench", "chunked", "--steps", "2", "--warmup", "0", "--threads", "2", "--json");
        assertEquals(0, r.code(), r.err());
        String line = r.out().trim();
        assertTrue(line.startsWith("{") && line.endsWith("}") && !line.contains("\n"), line);
        for (String key : new String[] {"\"workload\":\"chunked\"", "\"backend\":\"cpu\"", "\"threads\":2", "\"steps_per_s\":", "\"step_ms_median\":", "\"gflops\":"}) {
            assertTrue(line.contains(key), key + " missing in " + line);
        }
    }

    @Test
    void benchProfileListsEveryKernelAndTheOptimiser() {
        Run r = run("bench", "hmlp", "--profile", "--steps", "3", "--warmup", "1", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertTrue(lines[0].startsWith("hmlp on cpu, 1 thread(s): median time of each part over 3 profiled steps"), lines[0]);
        // The head's forward product: 2 * 32 * 26122 * 256 FLOPs, so its row carries a rate.
        String head = java.util.Arrays.stream(lines).filter(l -> l.endsWith("linear                    [32, 256], [26122, 256], [26122] -> [32, 26122]"))
                .findFirst().orElseThrow(() -> new AssertionError("no head row in\n" + r.out()));
        assertTrue(head.matches("\\s*\\d+\\s+\\d+\\.\\d{3}\\s+\\d+\\.\\d%\\s+\\d+\\.\\d\\s+linear.*"), head);
        assertTrue(lines[lines.length - 1].matches("\\s+\\d+\\.\\d{3}\\s+\\d+\\.\\d%\\s+adam\\s+flat buffer of \\d+ elements"), lines[lines.length - 1]);
        long kernelRows = java.util.Arrays.stream(lines).skip(2).filter(l -> l.matches("\\s*\\d+\\s+\\d.*")).count();
        assertTrue(kernelRows >= 20, "kernels listed: " + kernelRows + "\n" + r.out());

        Run j = run("bench", "chunked", "--profile", "--json", "--steps", "2", "--warmup", "0", "--threads", "2");
        assertEquals(0, j.code(), j.err());
        String line = j.out().trim();
        assertTrue(line.startsWith("{\"workload\":\"chunked\",\"backend\":\"cpu\",\"threads\":2,\"steps\":2,\"step_ms\":") && line.endsWith("}]}"), line);
        assertTrue(line.contains("{\"name\":\"linear\",\"shapes\":\"[224, 256], [4096, 256], [4096] -> [224, 4096]\",\"ms\":"), line);
        assertTrue(line.contains("\"flops\":" + 2L * 224 * 4096 * 256 + "}"), line);
        assertTrue(line.matches(".*\\{\"name\":\"adam\",\"shapes\":\"flat buffer of \\d+ elements\",\"ms\":[0-9.]+,\"flops\":0\\}\\]\\}"), line);
    }

    @Test
    void devicesListsTheCpuAndEachCudaDeviceOrWhyNone() {
        Run r = run("devices");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].matches("cpu: \\d+ cores, .*Vector API preferred species \\d+-bit.*"), lines[0]);
        dev.hyperweave.cuda.DriverProbe probe = dev.hyperweave.cuda.Cuda.probe();
        if (probe.available()) {
            assertTrue(lines[1].startsWith("cuda: driver API "), r.out());
            assertEquals(2 + probe.deviceCount(), lines.length, r.out());
            assertTrue(lines[2].startsWith("  cuda:0 "), r.out());
        } else {
            // This JVM never loads the stand-in: on a machine without a driver the reason is printed.
            assertEquals("cuda: none: " + probe.problem(), lines[1]);
            assertTrue(probe.problem().contains("libcuda.so.1"), probe.problem());
        }
    }

    @Test
    void cudaWithoutADriverSaysWhyAndComputesOnTheCpu() {
        Run r = run("demo", "--backend", "cuda", "--tasks", "2", "--steps", "3");
        if (dev.hyperweave.cuda.Cuda.probe().available()) {
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("backend cuda with"), r.out());
        } else {
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("hyperweave: no CUDA driver: libcuda.so.1 could not be loaded"), r.err());
            assertTrue(r.err().contains("computing on the cpu backend instead"), r.err());
            assertTrue(r.out().contains("backend cpu with"), r.out());
        }
    }

    @Test
    void kernelsOptionIsForCudaOnly() {
        Run r = run("demo", "--backend", "cpu", "--kernels", "/tmp", "--tasks", "2", "--steps", "3");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--kernels applies to --backend cuda only"), r.err());
    }
}
