package dev.hyperweave.backend;

/**
 * Times a backend's work: the wall clock on host backends, CUDA events on the GPU (so the time is the
 * device's, not the host's launch loop). Start, queue work, stop; close it to free what it holds.
 * Get one from {@link Backend#stopwatch()}; like its backend, it is driven by one thread at a time.
 */
public interface Stopwatch extends AutoCloseable {

    /** Marks the start, without waiting for queued work; calling it again restarts the measurement. */
    void start();

    /**
     * Milliseconds since {@link #start()}, once the work queued in between has finished.
     * Waits for that work. Each call measures from the last start, so repeated calls give growing
     * readings. Call {@link #start()} first: before it the reading is meaningless (or a CUDA error).
     *
     * @return the elapsed time in milliseconds
     */
    double stopMillis();

    /** Frees what the stopwatch holds (the GPU's events); the default does nothing. Idempotent. */
    @Override
    default void close() {}

    /**
     * The wall clock, for backends that compute synchronously.
     * On a backend that queues work it would time only the launches.
     *
     * @return a stopwatch on {@link System#nanoTime()}, holding nothing to free
     */
    static Stopwatch wallClock() {
        return new Stopwatch() {
            private long t0;

            @Override public void start() { t0 = System.nanoTime(); }
            @Override public double stopMillis() { return (System.nanoTime() - t0) / 1e6; }
        };
    }
}
