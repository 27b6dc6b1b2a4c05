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
 * The cpu backend's matrix product, {@code c = a @ b}, in milliseconds per product
 * (GFLOP/s = 2*M*N*K / 1e6 / score). Shapes are {@code MxNxK}:
 * <ul>
 *   <li>W3: {@code 1024x1024x1024}, {@code 32x26122x256}, {@code 4096x128x128}, all operands contiguous;</li>
 *   <li>W1's forward through the hypernetwork's last layer: {@code 32x26122x256-tB} is x @ W^T, its B
 *       the weight [26122,256] seen transposed (strides 1, 256), computed as C^T = W x^T;</li>
 *   <li>W1's backward through the hypernetwork's last layer (weight [26122,256], output [32,26122]):
 *       {@code 32x256x26122} is dX = [32,26122] @ [26122,256], and {@code 26122x256x32-tA} is
 *       dW = [32,26122]^T @ [32,256], its A a transposed view (strides 1, 26122) as the autodiff passes it.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MatmulBench {
    @Param({"1024x1024x1024", "32x26122x256", "4096x128x128", "32x26122x256-tB", "32x256x26122", "26122x256x32-tA"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private TensorArena arena;
    private CpuBackend cpu;
    private Tensor a, b, c;

    @Setup(Level.Trial)
    public void setup() {
        arena = new TensorArena();
        cpu = new CpuBackend(threads);
        boolean transA = shape.endsWith("-tA"), transB = shape.endsWith("-tB");
        String[] d = shape.replace("-tA", "").replace("-tB", "").split("x");
        int m = Integer.parseInt(d[0]), n = Integer.parseInt(d[1]), k = Integer.parseInt(d[2]);
        a = transA ? BenchData.gaussian(arena.allocate(DType.F32, 1, k, m), 1).transpose(1, 2)
                : BenchData.gaussian(arena.allocate(DType.F32, 1, m, k), 1);
        b = transB ? BenchData.gaussian(arena.allocate(DType.F32, 1, n, k), 2).transpose(1, 2)
                : BenchData.gaussian(arena.allocate(DType.F32, 1, k, n), 2);
        c = arena.allocate(DType.F32, 1, m, n);
    }

    @Benchmark
    public void matmul() {
        cpu.matmul(a, b, c, null, Activation.NONE, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        cpu.close();
        arena.close();
    }
}
