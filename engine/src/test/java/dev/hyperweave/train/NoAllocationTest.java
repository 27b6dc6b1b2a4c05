package dev.hyperweave.train;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.graph.Graph;
import dev.hyperweave.graph.Init;
import dev.hyperweave.graph.Node;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.TensorArena;
import dev.hyperweave.workload.HeapCounter;
import dev.hyperweave.workload.WorkloadSpec;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A warmed-up training step allocates nothing: no Java heap bytes on the stepping thread or the
 * pool's workers (HotSpot's per-thread allocation counters), and no native memory (no arena
 * allocation anywhere in the process).
 */
class NoAllocationTest {

    /** W1's structure at a size that trains quickly; all kernels and the fused Adam take part. */
    static final WorkloadSpec SPEC = new WorkloadSpec("hmlp-mid", 8, 16, 32, new int[] {32, 48, 48, 10}, new int[] {64, 64}, 0, 0);
    static final WorkloadSpec CHUNKED = new WorkloadSpec("chunked-mid", 8, 16, 32, new int[] {32, 48, 48, 10}, new int[] {64, 64}, 512, 8);

    @Test
    void trainingStepsAllocateNothing() {
        for (WorkloadSpec spec : new WorkloadSpec[] {SPEC, CHUNKED}) {
            try (CpuBackend cpu = new CpuBackend(2); Session s = spec.build().session(cpu, 1)) {
                assertStepsAllocateNothing(spec.name(), s, s::step);
                long[] nanos = new long[s.compiled().kernelCount() + 1];
                assertStepsAllocateNothing(spec.name() + " profiled", s, () -> s.stepProfiled(nanos));
            }
        }
    }

    /**
     * The kernels the workloads do not use: tanh, sigmoid and elu nodes with their gradients, a
     * softmax over more classes than a vector has lanes (the vector path of its exp-sum), a mean
     * squared error and full and last-dim sums; widths with vector tails.
     */
    @Test
    void otherKernelsAllocateNothing() {
        int rows = 64, in = 40, hidden = 48, classes = 21;
        Graph g = new Graph();
        Node x = g.input("x", DType.F32, rows, in);
        Node labels = g.input("labels", DType.I32, rows);
        Node h1 = g.tanh(g.linear(x, g.parameter("w1", Init.fanIn(in), hidden, in), g.parameter("b1", Init.zeros(), hidden), Activation.NONE));
        Node h2 = g.sigmoid(g.linear(h1, g.parameter("w2", Init.fanIn(hidden), hidden, hidden), g.parameter("b2", Init.zeros(), hidden), Activation.NONE));
        Node h3 = g.elu(g.linear(h2, g.parameter("w3", Init.fanIn(hidden), hidden, hidden), g.parameter("b3", Init.zeros(), hidden), Activation.NONE));
        Node logits = g.linear(h3, g.parameter("w4", Init.fanIn(hidden), classes, hidden), g.parameter("b4", Init.zeros(), classes), Activation.NONE);
        Node loss = g.add(g.softmaxCrossEntropy(logits, labels), g.meanSquaredError(h2, g.scale(h1, 0.5)));
        loss = g.add(loss, g.scale(g.mean(g.sum(h3, 1, false)), 1e-3));
        try (CpuBackend cpu = new CpuBackend(2); Session s = Session.training(g, loss, Optimizer.adam(1e-3), cpu, 1)) {
            Random r = new Random(3);
            float[] xs = new float[rows * in];
            for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextGaussian();
            int[] ys = new int[rows];
            for (int i = 0; i < rows; i++) ys[i] = r.nextInt(classes);
            s.setInput("x", xs);
            s.setInput("labels", ys);
            assertStepsAllocateNothing("tanh/sigmoid/elu/softmax-21/mse/sum", s, s::step);
        }
    }

    private static void assertStepsAllocateNothing(String name, Session s, Runnable step) {
        assertTrue(((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean()).isThreadAllocatedMemorySupported());
        // Until C2 has compiled the kernels, the Vector API allocates in interpreted code, so warm
        // up in rounds until a window of steps is clean; a real per-step allocation never gets
        // clean and fails after the last round.
        long heap = -1, nativeAllocs = -1;
        for (int round = 0; round < 40 && (heap != 0 || nativeAllocs != 0); round++) {
            for (int i = 0; i < 200; i++) step.run();
            HeapCounter counter = new HeapCounter();
            assertTrue(counter.threads() >= 2, "pool workers not found");
            long native0 = TensorArena.allocationCount();
            for (int i = 0; i < 50; i++) step.run();
            heap = counter.allocatedSinceStart();
            nativeAllocs = TensorArena.allocationCount() - native0;
        }
        assertEquals(0, heap, name + ": heap bytes allocated in 50 warmed-up steps (stepping thread + workers)");
        assertEquals(0, nativeAllocs, name + ": native allocations during 50 steps");
    }
}
