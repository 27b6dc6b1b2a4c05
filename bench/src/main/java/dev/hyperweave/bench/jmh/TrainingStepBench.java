package dev.hyperweave.bench.jmh;

import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.train.Session;
import dev.hyperweave.workload.WorkloadSpec;
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
 * One whole training step of W1 ({@code hmlp}) or W2 ({@code chunked}) on the cpu backend: forward,
 * backward and the fused Adam, in milliseconds per step. Run with {@code -prof gc}: the
 * {@code gc.alloc.rate.norm} line is the heap allocation per step, which must be 0 B/op (it counts
 * the benchmark thread; the pool's workers are checked by the engine's NoAllocationTest).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TrainingStepBench {
    @Param({"hmlp", "chunked"})
    public String workload;

    @Param({"1", "2"})
    public int threads;

    private CpuBackend backend;
    private Session session;

    @Setup(Level.Trial)
    public void setup() {
        backend = new CpuBackend(threads);
        session = WorkloadSpec.named(workload).build().session(backend, 1);
    }

    @Benchmark
    public double step() {
        return session.step();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        session.close();
        backend.close();
    }
}
