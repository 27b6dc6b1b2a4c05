package dev.hyperweave.bench.jmh;

import dev.hyperweave.backend.Activation;
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
 * W3's batched product, W1's first target layer: 32 x [128x64] @ [64x128], in microseconds per
 * batched product (GFLOP/s = 2*32*128*128*64 / 1e3 / score = 67.1 / score).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BatchedMatmulBench {
    @Param({"1", "2"})
    public int threads;

    private TensorArena arena;
    private CpuBackend cpu;
    private Tensor a, b, c;

    @Setup(Level.Trial)
    public void setup() {
        arena = new TensorArena();
        cpu = new CpuBackend(threads);
        a = BenchData.gaussian(arena.allocate(DType.F32, 32, 128, 64), 1);
        b = BenchData.gaussian(arena.allocate(DType.F32, 32, 64, 128), 2);
        c = arena.allocate(DType.F32, 32, 128, 128);
    }

    @Benchmark
    public void bmm() {
        cpu.matmul(a, b, c, null, Activation.NONE, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
        arena.close();
    }
}
