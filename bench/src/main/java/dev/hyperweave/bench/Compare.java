package dev.hyperweave.bench;

import dev.hyperweave.workload.WorkloadSpec;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./hyperweave bench compare}: runs our workloads and the peers interleaved, each run in a
 * process of its own, and prints the ratios (median of the rounds, with the spread) against the
 * targets of the CPU speed issue. Peers: PyTorch (Debian's python3-torch) for W1, W2 and the batched
 * product; OpenBLAS sgemm through FFM for the W3 matrix products.
 */
@Command(name = "hyperweave bench compare", mixinStandardHelpOptions = true,
        description = {"Run ours and the peers interleaved, in separate processes, and print a table of ratios.",
                "Peers: PyTorch (apt-get install python3-torch) and OpenBLAS (apt-get install libopenblas0-pthread)."})
public final class Compare implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "3", description = "Interleaved rounds; the table shows medians (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--threads", defaultValue = "1,2", split = ",", description = "Thread counts (default: ${DEFAULT-VALUE}).")
    int[] threads;

    @Option(names = "--steps", defaultValue = "50", description = "Timed training steps per run (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "50", description = "Untimed steps per run, for the JIT to settle (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--only", split = ",", description = "Subset: hmlp, chunked, gemm, bmm (default: all).")
    List<String> only;

    @Option(names = "--json", description = "Print the results as one JSON document instead of the table.")
    boolean json;

    @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the table as Markdown (docs/BENCHMARKS.md).")
    Path markdown;

    @Option(names = "--chart", paramLabel = "PNG", description = "Also draw steps/s per workload and thread count (matplotlib).")
    Path chart;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with PyTorch (default: ${DEFAULT-VALUE}).")
    String python;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * One measured quantity (higher is better) of ours and of the peer over the rounds. atPeak: ours
     * if every FLOP ran at the machine's register FMA peak and nothing else took time; atBestGemm:
     * ours if every FLOP ran as fast as the fastest matrix product measured in the run (NaN: unknown).
     */
    record Row(String what, int threads, String unit, String peer, List<Double> ours, List<Double> peers, double target, double atPeak,
               double atBestGemm) {
        Row(String what, int threads, String unit, String peer, List<Double> ours, List<Double> peers, double target) {
            this(what, threads, unit, peer, ours, peers, target, Double.NaN, Double.NaN);
        }

        Row(String what, int threads, String unit, String peer, List<Double> ours, List<Double> peers, double target, double atPeak) {
            this(what, threads, unit, peer, ours, peers, target, atPeak, Double.NaN);
        }

        /** This row with its sgemm ceiling: bestGemm and peak in GFLOP/s at this row's thread count. */
        Row withBestGemm(double bestGemm, double peak) {
            return new Row(what, threads, unit, peer, ours, peers, target, atPeak, atPeak * bestGemm / peak);
        }

        double oursMedian() { return median(ours); }
        double peerMedian() { return peers.isEmpty() ? Double.NaN : median(peers); }
        double ratio() { return oursMedian() / peerMedian(); }
        boolean meets() { return !peers.isEmpty() && ratio() >= target; }
        /** The highest ratio this machine allows: ours at the FMA peak over the peer as measured. */
        double ceiling() { return atPeak / peerMedian(); }
        /** The highest ratio the fastest measured matrix product allows. */
        double gemmCeiling() { return atBestGemm / peerMedian(); }
        /** The target asks for more than the FMA peak allows: it cannot be met on this machine. */
        boolean outOfReach() { return !meets() && ceiling() < target; }
        /** The target asks for more than the fastest measured sgemm (ours or OpenBLAS) allows. */
        boolean beyondBestGemm() { return !meets() && gemmCeiling() < target; }

        String verdict(boolean markdown) {
            if (peers.isEmpty()) return "n/a";
            if (meets()) return "yes";
            String no = markdown ? "**no**" : "NO";
            if (outOfReach()) return no + " (above the FMA ceiling)";
            return beyondBestGemm() ? no + " (above the sgemm ceiling)" : no;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Compare()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        CommandLine cl = spec.commandLine();
        if (rounds < 1 || steps < 1 || warmup < 0) throw new CommandLine.ParameterException(cl, "--rounds and --steps must be positive, --warmup not negative");
        for (int t : threads) if (t < 1) throw new CommandLine.ParameterException(cl, "--threads must be positive, got " + t);
        List<String> parts = only == null ? List.of("hmlp", "chunked", "gemm", "bmm") : only;
        for (String p : parts) {
            if (!List.of("hmlp", "chunked", "gemm", "bmm").contains(p)) throw new CommandLine.ParameterException(cl, "unknown --only part '" + p + "'");
        }
        Peers peers = new Peers(python, root());
        String torchMissing = peers.torchMissing();
        if (torchMissing != null) System.err.println("compare: " + torchMissing + "; reporting our numbers only");

        Map<Integer, Double> peak = new LinkedHashMap<>();
        for (int t : threads) {
            peak.put(t, ((Number) Json.parse(runJava(t, "dev.hyperweave.bench.FmaPeak", "--threads", "" + t)).get("gflops")).doubleValue());
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        boolean multi = Arrays.stream(threads).anyMatch(t -> t > 1);
        List<Double> roundTrips = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            if (multi && Json.parse(runJava(1, "dev.hyperweave.bench.CoreLatency")).get("round_trip_ns") instanceof Number ns) {
                roundTrips.add(ns.doubleValue());
            }
            for (String w : List.of("hmlp", "chunked")) {
                if (!parts.contains(w)) continue;
                for (int t : threads) {
                    Map<String, Object> ours = Json.parse(runJava(t, "dev.hyperweave.cli.Main", "bench", w, "--threads", "" + t,
                            "--steps", "" + steps, "--warmup", "" + warmup, "--json"));
                    Row row = rows.computeIfAbsent(w + "/" + t, k -> new Row(label(w), t, "steps/s", "PyTorch", new ArrayList<>(), new ArrayList<>(), target(w, t),
                            peak.get(t) * 1e9 / WorkloadSpec.named(w).stepFlops()));
                    row.ours().add(((Number) ours.get("steps_per_s")).doubleValue());
                    if (torchMissing == null) {
                        Map<String, Object> p = Json.parse(peers.torch(t, w, "--threads", "" + t, "--steps", "" + steps, "--warmup", "" + warmup));
                        row.peers().add(((Number) p.get("steps_per_s")).doubleValue());
                    }
                }
            }
            for (int t : threads) {
                if (parts.contains("gemm")) {
                    String out = runJava(t, "dev.hyperweave.bench.GemmCompare", "--threads", "" + t, "--json");
                    for (String line : out.split("\n")) {
                        if (!line.startsWith("{")) continue;
                        Map<String, Object> g = Json.parse(line);
                        String shape = (String) g.get("shape");
                        Row row = rows.computeIfAbsent(shape + "/" + t, k -> new Row("sgemm " + shape, t, "GFLOP/s", "OpenBLAS",
                                new ArrayList<>(), new ArrayList<>(), gemmTarget(shape), peak.get(t)));
                        row.ours().add(((Number) g.get("ours_median")).doubleValue());
                        if (g.get("peer_median") instanceof Number pm) row.peers().add(pm.doubleValue());
                    }
                }
                if (parts.contains("bmm")) {
                    Map<String, Object> g = Json.parse(runJava(t, "dev.hyperweave.bench.BatchedCompare", "--threads", "" + t, "--json"));
                    Row row = rows.computeIfAbsent("bmm/" + t, k -> new Row("batched 32x[128x64]@[64x128]", t, "GFLOP/s", "PyTorch bmm",
                            new ArrayList<>(), new ArrayList<>(), 1.0, peak.get(t)));
                    row.ours().add(((Number) g.get("ours_median")).doubleValue());
                    if (torchMissing == null) row.peers().add(median(Json.numbers(Json.parse(peers.torch(t, "bmm", "--threads", "" + t)).get("gflops"))));
                }
            }
        }
        List<Row> table = new ArrayList<>();
        for (Row row : rows.values()) {
            Row cube = rows.get("1024x1024x1024/" + row.threads());
            double best = cube == null ? Double.NaN : bestOf(cube);
            table.add(row.withBestGemm(best, peak.get(row.threads())));
        }
        StringBuilder m = new StringBuilder(Machine.describe()).append("; register FMA peak");
        for (var e : peak.entrySet()) m.append(String.format(Locale.ROOT, " %.0f GFLOP/s at %d thread(s)", e.getValue(), e.getKey()));
        if (!roundTrips.isEmpty()) m.append("; ").append(roundTripNote(roundTrips));
        String machine = m.toString();
        if (json) System.out.println(toJson(table, machine));
        else System.out.print(toText(table, machine));
        if (markdown != null) {
            String how = String.format(Locale.ROOT, "--rounds %d --threads %s --steps %d --warmup %d", rounds,
                    Arrays.stream(threads).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(",")), steps, warmup);
            Files.writeString(markdown, toMarkdown(table, machine, how, chart), StandardCharsets.UTF_8);
        }
        if (chart != null) peers.chart(toJson(table, machine), chart);
        return 0;
    }

    /**
     * The core-to-core round trips measured at the start of each round ({@link CoreLatency}), with
     * what they mean for the 2-thread rows.
     */
    static String roundTripNote(List<Double> ns) {
        double lo = ns.stream().mapToDouble(Double::doubleValue).min().orElse(0), hi = ns.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        String range = lo == hi ? String.format(Locale.ROOT, "%.0f ns", lo) : String.format(Locale.ROOT, "%.0f-%.0f ns", lo, hi);
        return "core-to-core round trip " + range + " at the rounds' starts (CoreLatency: under ~150 ns the cores share an L3;"
                + " several hundred, they do not, and 2-thread results, ours and the peers', run slower)";
    }

    /** The fastest value of a row over all rounds, ours or the peer's. */
    static double bestOf(Row r) {
        double best = Double.NaN;
        for (double v : r.ours()) best = Double.isNaN(best) ? v : Math.max(best, v);
        for (double v : r.peers()) best = Double.isNaN(best) ? v : Math.max(best, v);
        return best;
    }

    static String label(String w) { return w.equals("hmlp") ? "W1 hmlp" : "W2 chunked"; }

    /** Targets of the CPU speed issue (ours / peer). */
    static double target(String w, int t) {
        if (w.equals("hmlp")) return 3.0;
        return t == 1 ? 2.0 : 2.5;
    }

    /** 0.9x OpenBLAS at 1024^3, 1.2x on the skinny shapes. */
    static double gemmTarget(String shape) {
        return shape.startsWith("1024x") ? 0.9 : 1.2;
    }

    private static Path root() {
        String r = System.getProperty("hyperweave.root");
        return r != null ? Path.of(r) : Path.of("").toAbsolutePath();
    }

    /** Runs a main of ours in a fresh JVM (same JDK and class path) and returns its standard output. */
    private static String runJava(int threads, String main, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(Arrays.asList(args));
        return Peers.run(cmd, Peers.peerEnvironment(threads), "our " + main + " " + String.join(" ", args));
    }

    static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (s.length == 0) return Double.NaN;
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String spread(List<Double> xs) {
        if (xs.isEmpty()) return "not run";
        double lo = xs.stream().mapToDouble(Double::doubleValue).min().orElse(0), hi = xs.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return String.format(Locale.ROOT, "%.1f (%.1f-%.1f)", median(xs), lo, hi);
    }

    private static String times(double x) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.2fx", x);
    }

    static String toText(List<Row> rows, String machine) {
        StringBuilder sb = new StringBuilder();
        sb.append("machine: ").append(machine).append('\n');
        sb.append(String.format(Locale.ROOT, "%-34s %3s  %-8s %-22s %-22s %-12s %6s %7s %8s %8s  %s%n", "what", "thr", "unit", "ours median (min-max)", "peer median (min-max)", "peer", "ratio", "target", "FMA ceil", "sgemm ceil", "met"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-34s %3d  %-8s %-22s %-22s %-12s %6s %7.1f %8s %8s  %s%n", r.what(), r.threads(), r.unit(), spread(r.ours()),
                    spread(r.peers()), r.peer(), times(r.ratio()), r.target(), times(r.ceiling()), times(r.gemmCeiling()), r.verdict(false)));
        }
        return sb.toString();
    }

    static String toMarkdown(List<Row> rows, String machine, String how, Path chart) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Benchmarks\n\nProduced by `./hyperweave bench compare ").append(how)
                .append(" --markdown docs/BENCHMARKS.md --chart docs/benchmarks.png`")
                .append(" (ours and the peers interleaved, each run in its own process; medians over the rounds, min-max in brackets).\n\n");
        sb.append("Machine: ").append(machine).append("\n\n");
        sb.append("Ceilings: the ratio ours would reach if every FLOP of ours ran at a given rate and nothing else\n")
                .append("(Adam, elementwise work, packing) took time, against the peer as measured.\n")
                .append("*FMA ceiling*: at the machine's register FMA peak, measured in the same run by `FmaPeak`; a target\n")
                .append("above it cannot be met on this machine by any code.\n")
                .append("*sgemm ceiling*: at the fastest matrix product measured in the run at that thread count (sgemm\n")
                .append("1024^3, ours or OpenBLAS, best round); no product of any other shape ran faster, so a target above\n")
                .append("it asks for matrix products faster than the best sgemm on this machine.\n\n");
        sb.append("| what | threads | unit | ours | peer value | peer | ratio | target | FMA ceiling | sgemm ceiling | met |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %.1fx | %s | %s | %s |%n", r.what(), r.threads(), r.unit(), spread(r.ours()),
                    spread(r.peers()), r.peer(), times(r.ratio()), r.target(), times(r.ceiling()), times(r.gemmCeiling()), r.verdict(true)));
        }
        if (chart != null) sb.append("\n![steps/s per workload and thread count](").append(chart.getFileName()).append(")\n");
        return sb.toString();
    }

    static String toJson(List<Row> rows, String machine) {
        StringBuilder sb = new StringBuilder("{\"machine\":").append(Json.quote(machine)).append(",\"rows\":[");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (i > 0) sb.append(',');
            sb.append(String.format(Locale.ROOT, "{\"what\":%s,\"threads\":%d,\"unit\":%s,\"peer\":%s,\"ours\":%s,\"peers\":%s,\"ours_median\":%s,\"peer_median\":%s,\"ratio\":%s,\"target\":%.2f,\"ceiling\":%s,\"sgemm_ceiling\":%s,\"met\":%s}",
                    Json.quote(r.what()), r.threads(), Json.quote(r.unit()), Json.quote(r.peer()), Json.list(r.ours()), Json.list(r.peers()),
                    Json.num(r.oursMedian()), Json.num(r.peerMedian()), Json.num(r.ratio()), r.target(), Json.num(r.ceiling()), Json.num(r.gemmCeiling()), r.peers().isEmpty() ? "null" : r.meets()));
        }
        return sb.append("]}").toString();
    }

}
