package dev.hyperweave.train;

import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.tensor.TensorArena;
import dev.hyperweave.workload.WorkloadSpec;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

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
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported());
        for (WorkloadSpec spec : new WorkloadSpec[] {SPEC, CHUNKED}) {
            try (CpuBackend cpu = new CpuBackend(2); Session s = spec.build().session(cpu, 1)) {
                for (int i = 0; i < 300; i++) s.step(); // let the JIT settle
                long[] ids = threadIds();
                long native0 = TensorArena.allocationCount();
                long[] before = mx.getThreadAllocatedBytes(ids);
                for (int i = 0; i < 50; i++) s.step();
                long[] after = mx.getThreadAllocatedBytes(ids);
                long heap = 0;
                for (int i = 0; i < ids.length; i++) heap += after[i] - before[i];
                assertEquals(0, heap, spec.name() + ": heap bytes allocated in 50 steps on " + ids.length + " threads");
                assertEquals(native0, TensorArena.allocationCount(), spec.name() + ": native allocations during steps");
            }
        }
    }

    private static long[] threadIds() {
        List<Long> ids = new ArrayList<>();
        ids.add(Thread.currentThread().threadId());
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("hyperweave-cpu-")) ids.add(t.threadId());
        }
        assertTrue(ids.size() >= 2, "pool workers not found");
        return ids.stream().mapToLong(Long::longValue).toArray();
    }
}
