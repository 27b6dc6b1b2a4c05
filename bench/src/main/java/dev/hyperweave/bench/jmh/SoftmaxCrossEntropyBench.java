package dev.hyperweave.bench.jmh;

import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.tensor.TensorArena;
import java.util.Random;
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

/** W1's loss: softmax cross-entropy over [4096,10] logits, forward and gradient, in microseconds. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SoftmaxCrossEntropyBench {
    private static final int ROWS = 4096, CLASSES = 10;

    @Param({"1", "2"})
    public int threads;

    private TensorArena arena;
    private CpuBackend cpu;
    private Tensor logits, labels, loss, dloss, dlogits;

    @Setup(Level.Trial)
    public void setup() {
        arena = new TensorArena();
        cpu = new CpuBackend(threads);
        logits = BenchData.gaussian(arena.allocate(DType.F32, ROWS, CLASSES), 1);
        int[] ys = new int[ROWS];
        Random r = new Random(2);
        for (int i = 0; i < ROWS; i++) ys[i] = r.nextInt(CLASSES);
        labels = arena.allocate(DType.I32, ROWS).copyFrom(ys);
        loss = arena.allocate(DType.F32, 1);
        dloss = arena.allocate(DType.F32, 1);
        dloss.fill(1.0);
        dlogits = arena.allocate(DType.F32, ROWS, CLASSES);
    }

    @Benchmark
    public void forwardAndGrad() {
        cpu.softmaxCrossEntropy(logits, labels, loss);
        cpu.softmaxCrossEntropyGrad(logits, labels, dloss, dlogits);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
        arena.close();
    }
}
