package dev.hyperweave.graph;

/** A kernel call with its tensors bound at compile time; running it must not allocate. */
@FunctionalInterface
public interface Kernel {
    void run();
}
