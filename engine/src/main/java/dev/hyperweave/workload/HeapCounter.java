package dev.hyperweave.workload;

/**
 * Heap bytes allocated by this thread and the cpu backend's workers since construction (HotSpot's
 * per-thread counters, less their own cost); -1 where the JVM does not count.
 */
public final class HeapCounter {
    private final com.sun.management.ThreadMXBean mx;
    private final long[] ids;
    private final long overhead;
    private final long start;

    public HeapCounter() {
        var bean = java.lang.management.ManagementFactory.getThreadMXBean();
        mx = bean instanceof com.sun.management.ThreadMXBean m && m.isThreadAllocatedMemorySupported() ? m : null;
        java.util.List<Long> list = new java.util.ArrayList<>();
        list.add(Thread.currentThread().threadId());
        for (Thread t : Thread.getAllStackTraces().keySet()) if (t.getName().startsWith("hyperweave-cpu-")) list.add(t.threadId());
        ids = list.stream().mapToLong(Long::longValue).toArray();
        if (mx == null) {
            overhead = start = 0;
        } else {
            long a = sum(mx.getThreadAllocatedBytes(ids)), b = sum(mx.getThreadAllocatedBytes(ids));
            overhead = b - a; // reading the counters allocates their result array
            start = sum(mx.getThreadAllocatedBytes(ids));
        }
    }

    /** Threads counted: this one and the pool workers found at construction. */
    public int threads() { return ids.length; }

    /** Bytes allocated since construction, less the counters' own cost. */
    public long allocatedSinceStart() {
        return mx == null ? -1 : Math.max(0, sum(mx.getThreadAllocatedBytes(ids)) - start - overhead);
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) s += v;
        return s;
    }
}
