package dev.hyperweave.bench.jmh;

import dev.hyperweave.bench.OpenBlas;
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
 * The peer of {@link MatmulBench}: OpenBLAS {@code cblas_sgemm} (row-major, alpha 1, beta 0) on the
 * W3 shapes {@code MxNxK}, in milliseconds per product. Without OpenBLAS the trial fails in setup with
 * the install command (apt-get install libopenblas0-pthread) and JMH goes on with the other benchmarks.
 * Start JMH without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE in the environment (the fork inherits it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class OpenBlasSgemmBench {
    @Param({"1024x1024x1024", "32x26122x256", "4096x128x128"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private TensorArena arena;
    private OpenBlas blas;
    private int m, n, k;
    private Tensor a, b, c;

    @Setup(Level.Trial)
    public void setup() {
        blas = OpenBlas.load().orElseThrow(() -> new IllegalStateException("skipped: " + OpenBlas.unavailableReason()));
        blas.setThreads(threads);
        String[] d = shape.split("x");
        m = Integer.parseInt(d[0]);
        n = Integer.parseInt(d[1]);
        k = Integer.parseInt(d[2]);
        arena = new TensorArena();
        a = BenchData.gaussian(arena.allocate(DType.F32, m, k), 1);
        b = BenchData.gaussian(arena.allocate(DType.F32, k, n), 2);
        c = arena.allocate(DType.F32, m, n);
    }

    @Benchmark
    public void sgemm() {
        blas.sgemm(m, n, k, a.segment(), k, b.segment(), n, c.segment(), n, false, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (arena != null) arena.close();
    }
}
