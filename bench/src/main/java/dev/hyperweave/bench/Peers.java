package dev.hyperweave.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The peer processes: PyTorch scripts in bench/peers and the matplotlib chart. */
final class Peers {
    /** glibc malloc settings that keep PyTorch from returning and re-faulting memory every step (PERF-NOTES). */
    static final String GLIBC_TUNABLES = "glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296";

    private final String python;
    private final Path peers;

    Peers(String python, Path root) {
        this.python = python;
        this.peers = root.resolve("bench/peers");
    }

    /** Null when PyTorch can be imported, else what is missing and how to install it. */
    String torchMissing() {
        if (!Files.isRegularFile(peers.resolve("workloads.py"))) return "peer scripts not found in " + peers;
        try {
            run(List.of(python, "-c", "import torch"), peerEnvironment(1), "python check");
            return null;
        } catch (IOException | RuntimeException e) {
            return "PyTorch peer not available with " + python + " (install Debian's: apt-get install python3-torch)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    String torch(int threads, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python, peers.resolve("workloads.py").toString()));
        cmd.addAll(Arrays.asList(args));
        return run(cmd, peerEnvironment(threads), "PyTorch peer " + String.join(" ", args));
    }

    void chart(String json, Path png) throws IOException, InterruptedException {
        Path data = Files.createTempFile("hyperweave-compare", ".json");
        try {
            Files.writeString(data, json, StandardCharsets.UTF_8);
            run(List.of(python, peers.resolve("chart.py").toString(), data.toString(), png.toString()), peerEnvironment(1),
                    "chart (needs matplotlib: apt-get install python3-matplotlib)");
        } finally {
            Files.deleteIfExists(data);
        }
    }

    /**
     * Every process of a comparison, ours included, gets the same environment: thread counts for
     * OpenMP and OpenBLAS, PASSIVE waiting (PyTorch at 2 threads is slower than at 1 without it), tuned
     * malloc, and OpenBLAS's own kernel detection (OPENBLAS_CORETYPE pins an older, slower kernel).
     */
    static Map<String, String> peerEnvironment(int threads) {
        Map<String, String> env = new HashMap<>();
        env.put("OMP_NUM_THREADS", "" + threads);
        env.put("OPENBLAS_NUM_THREADS", "" + threads);
        env.put("MKL_NUM_THREADS", "" + threads);
        env.put("OMP_WAIT_POLICY", "PASSIVE");
        env.put("GLIBC_TUNABLES", GLIBC_TUNABLES);
        return env;
    }

    /** Runs a command to completion; returns stdout, throws with stderr's tail on failure. */
    static String run(List<String> cmd, Map<String, String> env, String what) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("OPENBLAS_CORETYPE");
        pb.environment().remove("OPENBLAS_L2_SIZE");
        pb.environment().putAll(env);
        Path err = Files.createTempFile("hyperweave-peer", ".err");
        try {
            pb.redirectError(err.toFile());
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException(what + ": timed out");
            }
            if (p.exitValue() != 0) {
                List<String> lines = Files.readAllLines(err);
                String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
                throw new IOException(what + " failed with status " + p.exitValue() + ":\n" + tail);
            }
            return new String(out, StandardCharsets.UTF_8).trim();
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
