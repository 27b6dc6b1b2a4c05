/**
 * The Hyperweave engine. Its API is the exported packages:
 * <ul>
 *   <li>{@code dev.hyperweave.graph}: build a graph of ops (and your own, forward and backward);
 *   <li>{@code dev.hyperweave.hyper}: hypernetworks and the target networks they generate weights for;
 *   <li>{@code dev.hyperweave.backend}: backends (cpu, reference, cuda) by name, and their kernel interface;
 *   <li>{@code dev.hyperweave.train}: compile a graph for training, run steps, checkpoints, gradient checks;
 *   <li>{@code dev.hyperweave.tensor}: tensors, their memory, shapes.
 * </ul>
 * The data flow, from task ids to a trained hypernetwork:
 * <pre>{@code
 * Graph g = new Graph();
 * Node ids = g.input("task_ids", DType.I32, 32);                    // T tasks
 * Node x = g.input("x", DType.F32, 32, 128, 64);                    // N samples each
 * Node labels = g.input("labels", DType.I32, 32 * 128);
 * TargetMlp target = TargetMlp.of(Activation.RELU, 64, 128, 10);   // the network to generate
 * Node weights = new FullHypernet(32, 32, new int[] {256}, Activation.RELU)
 *         .generate(g, ids, target.paramCount());                    // [T, P]
 * Node logits = target.forward(g, weights, x);                      // T networks, batched
 * Node loss = g.softmaxCrossEntropy(g.reshape(logits, 32 * 128, 10), labels);
 * try (Backend backend = Backends.create("cpu", 2);
 *      Session s = Session.training(g, loss, Optimizer.adam(1e-3), backend, 1)) {
 *     s.setInput("task_ids", taskIds); s.setInput("x", xs); s.setInput("labels", ys);
 *     for (int i = 0; i < 100; i++) s.step();
 * }
 * }</pre>
 * Everything else (the backends' implementations, the command line, the demo, the workload harness)
 * is internal. The cpu backend uses the incubating Vector API ({@code jdk.incubator.vector}, which
 * this module requires; the JVM then needs {@code --add-modules jdk.incubator.vector} when the engine
 * is on the class path) and the cuda backend calls native code: run with
 * {@code --enable-native-access=dev.hyperweave.device,dev.hyperweave.engine}.
 */
module dev.hyperweave.engine {
    requires transitive dev.hyperweave.device;
    requires dev.hyperweave.kernels;
    requires jdk.incubator.vector;
    requires info.picocli;
    requires jdk.management; // the heap counter of the bench harness

    exports dev.hyperweave.backend;
    exports dev.hyperweave.graph;
    exports dev.hyperweave.hyper;
    exports dev.hyperweave.tensor;
    exports dev.hyperweave.train;

    opens dev.hyperweave.cli to info.picocli;
}
