package dev.hyperweave.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Core-to-core round trip: two threads hand a counter back and forth through one cache line. Where
 * the two cores share an L3 it takes tens of nanoseconds; across L3 slices (two AMD CCDs, or a VM
 * whose virtual CPUs the host has placed apart, which can change from minute to minute) several
 * times that, and 2-thread results, ours and the peers', run slower: on the 2-core EPYC of
 * docs/BENCHMARKS.md the round trip switched between ~70 and ~330 ns within minutes, and W2 at
 * 2 threads with it between ~13.7 and ~16 ms per step. Prints {"round_trip_ns":X}, the median of 5
 * runs, or {"round_trip_ns":null} on a single-core machine, where the hand-off would wait for the
 * scheduler.
 */
public final class CoreLatency {
    private static final int TRIPS = 100_000;

    private CoreLatency() {}

    public static void main(String[] args) throws InterruptedException {
        if (Runtime.getRuntime().availableProcessors() < 2) {
            System.out.println("{\"round_trip_ns\":null}");
            return;
        }
        double[] runs = new double[5];
        for (int i = 0; i < runs.length; i++) runs[i] = roundTripNanos(TRIPS);
        Arrays.sort(runs);
        System.out.println(String.format(Locale.ROOT, "{\"round_trip_ns\":%.0f}", runs[runs.length / 2]));
    }

    /** Mean nanoseconds for the counter to go to the other thread and back. */
    static double roundTripNanos(int trips) throws InterruptedException {
        AtomicLong ball = new AtomicLong();
        Thread other = new Thread(() -> {
            for (long i = 1; i < 2L * trips; i += 2) {
                while (ball.get() != i) Thread.onSpinWait();
                ball.set(i + 1);
            }
        }, "core-latency");
        other.setDaemon(true);
        other.start();
        long t0 = System.nanoTime();
        for (long i = 0; i < 2L * trips; i += 2) {
            ball.set(i + 1);
            while (ball.get() != i + 2) Thread.onSpinWait();
        }
        long dt = System.nanoTime() - t0;
        other.join();
        return dt / (double) trips;
    }
}
