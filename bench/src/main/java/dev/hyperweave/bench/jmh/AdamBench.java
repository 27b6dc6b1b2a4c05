package dev.hyperweave.bench.jmh;

import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorArena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One fused Adam step over W1's flat parameter buffer (6,788,624 floats: parameters, gradients and
 * both moments, ~109 MB touched, ~136 MB moved with the write-backs), in milliseconds per step.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AdamBench {
    /** W1's parameter count (hypernetwork + task embeddings). */
    static final int W1_PARAMS = 6_788_624;

    @Param({"1", "2"})
    public int threads;

    private TensorArena arena;
    private CpuBackend cpu;
    private Tensor param, grad, m, v;
    private long step;

    @Setup(Level.Trial)
    public void setup() {
        arena = new TensorArena();
        cpu = new CpuBackend(threads);
        param = BenchData.gaussian(arena.allocate(DType.F32, W1_PARAMS), 1);
        grad = BenchData.gaussian(arena.allocate(DType.F32, W1_PARAMS), 2);
        m = arena.allocate(DType.F32, W1_PARAMS);
        v = arena.allocate(DType.F32, W1_PARAMS);
        step = 0;
    }

    @Benchmark
    public void adam() {
        cpu.adam(param, grad, m, v, 1e-3, 0.9, 0.999, 1e-8, ++step);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
        arena.close();
    }
}
