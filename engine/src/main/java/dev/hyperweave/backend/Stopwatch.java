package dev.hyperweave.backend;

/**
 * Times a backend's work: the wall clock on host backends, CUDA events on the GPU (so the time is the
 * device's, not the host's launch loop). Start, queue work, stop; close it to free what it holds.
 */
public interface Stopwatch extends AutoCloseable {

    void start();

    /** Milliseconds since {@link #start()}, once the work queued in between has finished. */
    double stopMillis();

    @Override
    default void close() {}

    /** The wall clock, for backends that compute synchronously. */
    static Stopwatch wallClock() {
        return new Stopwatch() {
            private long t0;

            @Override public void start() { t0 = System.nanoTime(); }
            @Override public double stopMillis() { return (System.nanoTime() - t0) / 1e6; }
        };
    }
}
