package dev.hyperweave.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A one-line description of the machine a comparison ran on. */
final class Machine {
    private Machine() {}

    static String describe() {
        String model = "unknown CPU", flags = "";
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String l : lines) {
                if (l.startsWith("model name") && model.equals("unknown CPU")) model = l.substring(l.indexOf(':') + 1).trim();
                if (l.startsWith("flags") && flags.isEmpty()) flags = l;
            }
        } catch (IOException e) {
            // not Linux: leave the model unknown
        }
        String isa = flags.contains("avx512f") ? "AVX-512" : flags.contains("avx2") ? "AVX2" : "no AVX2";
        return String.format("%s, %d cores, %s, %s %s, Java %s", model, Runtime.getRuntime().availableProcessors(), isa,
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.runtime.version"));
    }
}
