package dev.hyperweave.train;

import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.tensor.TensorArena;
import dev.hyperweave.workload.HeapCounter;
import dev.hyperweave.workload.WorkloadSpec;
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
        assertTrue(((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean()).isThreadAllocatedMemorySupported());
        for (WorkloadSpec spec : new WorkloadSpec[] {SPEC, CHUNKED}) {
            try (CpuBackend cpu = new CpuBackend(2); Session s = spec.build().session(cpu, 1)) {
                // Until C2 has compiled the kernels, the Vector API allocates in interpreted code, so
                // warm up in rounds until a window of steps is clean; a real per-step allocation
                // never gets clean and fails after the last round.
                long heap = -1, nativeAllocs = -1;
                for (int round = 0; round < 40 && (heap != 0 || nativeAllocs != 0); round++) {
                    for (int i = 0; i < 200; i++) s.step();
                    HeapCounter counter = new HeapCounter();
                    assertTrue(counter.threads() >= 2, "pool workers not found");
                    long native0 = TensorArena.allocationCount();
                    for (int i = 0; i < 50; i++) s.step();
                    heap = counter.allocatedSinceStart();
                    nativeAllocs = TensorArena.allocationCount() - native0;
                }
                assertEquals(0, heap, spec.name() + ": heap bytes allocated in 50 warmed-up steps (stepping thread + workers)");
                assertEquals(0, nativeAllocs, spec.name() + ": native allocations during 50 steps");
            }
        }
    }
}
