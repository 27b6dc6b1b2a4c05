package dev.hyperweave.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that run one {@link Task} at a time, fork-join style: the calling thread
 * is worker 0 and the pool's threads are workers 1..n-1. Dispatch allocates nothing, so a training
 * step can run hundreds of kernels through it without garbage. Workers spin briefly before parking,
 * since kernels arrive back to back within a step.
 */
public final class WorkerPool implements AutoCloseable {

    /** A parallel body. Each worker gets its index; the task splits its own work statically (deterministic). */
    @FunctionalInterface
    public interface Task {
        void run(int worker, int workers);
    }

    /**
     * Spins (Thread.onSpinWait) before a worker parks, or the caller waits in 50 us naps: about 5 ms
     * on the 2-core EPYC of docs/BENCHMARKS.md. With 20,000 (0.5 ms) the slowest tenth of W2's steps
     * at 2 threads took 15.9-17.4 ms against 14.6-15.5 now (median ~13.7 either way), and W1 ran at
     * 51.4-52.1 against 52.2-53.7 steps/s: waking a parked thread costs more than it saves here.
     */
    private static final int SPIN_ITERATIONS = 200_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Task current;
    private volatile long generation;
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile Thread caller;
    private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean();

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be at least 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 1; i < threads; i++) {
            int index = i;
            Thread t = new Thread(() -> workerLoop(index), "hyperweave-cpu-" + i);
            t.setDaemon(true);
            workers[i - 1] = t;
            t.start();
        }
    }

    public int threads() { return threads; }

    /** Runs {@code task} on every worker and returns when all are done; rethrows a worker's failure. */
    public void run(Task task) {
        if (closed) throw new IllegalStateException("WorkerPool is closed");
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("the cpu backend was called while a kernel of it was running: from a second thread "
                    + "(a backend is driven by one thread at a time) or from inside a task");
        }
        try {
            if (threads == 1) {
                task.run(0, 1);
                return;
            }
            failure = null;
            caller = Thread.currentThread();
            current = task;
            pending.set(threads - 1);
            generation = generation + 1;
            for (Thread w : workers) LockSupport.unpark(w);
            try {
                task.run(0, threads);
            } catch (Throwable t) {
                failure = t;
            }
            awaitWorkers();
            current = null;
            Throwable f = failure;
            if (f != null) {
                failure = null;
                if (f instanceof RuntimeException re) throw re;
                if (f instanceof Error err) throw err;
                throw new IllegalStateException(f);
            }
        } finally {
            running.set(false);
        }
    }

    private void awaitWorkers() {
        for (int spin = 0; pending.get() != 0; spin++) {
            if (spin < SPIN_ITERATIONS) Thread.onSpinWait();
            else LockSupport.parkNanos(this, 50_000);
        }
    }

    private void workerLoop(int index) {
        long seen = 0;
        while (true) {
            int spin = 0;
            while (generation == seen && !closed) {
                if (spin++ < SPIN_ITERATIONS) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = generation;
            try {
                current.run(index, threads);
            } catch (Throwable t) {
                failure = t;
            }
            if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
        }
    }

    /** Splits [0, n) into {@code workers} contiguous ranges; returns the start of range {@code worker}. */
    public static int rangeStart(int n, int worker, int workers) {
        return (int) ((long) n * worker / workers);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
        for (Thread w : workers) {
            try {
                w.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
