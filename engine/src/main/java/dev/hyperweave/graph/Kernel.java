package dev.hyperweave.graph;

/** A kernel call with its tensors bound at compile time; running it must not allocate. */
@FunctionalInterface
public interface Kernel {

    /**
     * Runs the call once on the tensors bound by {@link Op#bind}. On a device backend it may only
     * queue the work and return before it finishes; a later read waits for it. Called by the thread
     * driving the {@link CompiledGraph}.
     */
    void run();
}
