package dev.hyperweave.bench.jmh;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.BinaryOp;
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
 * A linear layer, act(x @ W^T + bias) with x [4096,128] and W [128,128] (passed as a transposed
 * view, as the graph does), in microseconds: {@code fused} runs bias + activation in the matrix
 * product's call (ReLU in the epilogue; tanh as a vector pass over C's rows after it); {@code unfused}
 * runs the product, then a broadcast bias add, then an activation kernel, each into its own buffer
 * (what an engine without epilogue fusion does).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EpilogueBench {
    private static final int ROWS = 4096, IN = 128, OUT = 128;

    @Param({"1", "2"})
    public int threads;

    @Param({"RELU", "TANH"})
    public Activation act;

    private TensorArena arena;
    private CpuBackend cpu;
    private Tensor x, wT, bias, biasRows, y, product, biased;

    @Setup(Level.Trial)
    public void setup() {
        arena = new TensorArena();
        cpu = new CpuBackend(threads);
        x = BenchData.gaussian(arena.allocate(DType.F32, 1, ROWS, IN), 1);
        wT = BenchData.gaussian(arena.allocate(DType.F32, 1, OUT, IN), 2).transpose(1, 2);
        bias = BenchData.gaussian(arena.allocate(DType.F32, 1, OUT), 3);
        biasRows = bias.unsqueeze(1).expand(1, ROWS, OUT);
        y = arena.allocate(DType.F32, 1, ROWS, OUT);
        product = arena.allocate(DType.F32, 1, ROWS, OUT);
        biased = arena.allocate(DType.F32, 1, ROWS, OUT);
    }

    @Benchmark
    public void fused() {
        cpu.matmul(x, wT, y, bias, act, false);
    }

    @Benchmark
    public void unfused() {
        cpu.matmul(x, wT, product, null, Activation.NONE, false);
        cpu.binary(BinaryOp.ADD, product, biasRows, biased);
        cpu.activation(act, biased, y);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
        arena.close();
    }
}
