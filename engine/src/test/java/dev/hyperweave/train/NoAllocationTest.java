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
                // Until C2 has compiled the kernels, the Vector API allocates in interpreted code, so
                // warm up in rounds until a window of steps is clean; a real per-step allocation
                // never gets clean and fails after the last round.
                long heap = -1, nativeAllocs = -1;
                for (int round = 0; round < 40 && (heap != 0 || nativeAllocs != 0); round++) {
                    for (int i = 0; i < 200; i++) s.step();
                    long[] ids = threadIds();
                    long overhead = measurementOverhead(mx, ids);
                    long native0 = TensorArena.allocationCount();
                    long[] before = mx.getThreadAllocatedBytes(ids);
                    for (int i = 0; i < 50; i++) s.step();
                    long[] after = mx.getThreadAllocatedBytes(ids);
                    heap = -overhead;
                    for (int i = 0; i < ids.length; i++) heap += after[i] - before[i];
                    nativeAllocs = TensorArena.allocationCount() - native0;
                }
                assertEquals(0, heap, spec.name() + ": heap bytes allocated in 50 warmed-up steps (stepping thread + workers)");
                assertEquals(0, nativeAllocs, spec.name() + ": native allocations during 50 steps");
            }
        }
    }

    /** The counters' own cost: reading them allocates the result array on this thread. */
    private static long measurementOverhead(com.sun.management.ThreadMXBean mx, long[] ids) {
        long[] a = mx.getThreadAllocatedBytes(ids);
        long[] b = mx.getThreadAllocatedBytes(ids);
        long d = 0;
        for (int i = 0; i < ids.length; i++) d += b[i] - a[i];
        return d;
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
