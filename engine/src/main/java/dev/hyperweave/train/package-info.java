/**
 * Training: {@link dev.hyperweave.train.Session} compiles a graph's loss with its gradients and an
 * {@link dev.hyperweave.train.Optimizer} for one backend, and runs steps that allocate nothing;
 * checkpoints save and restore a session's parameters and optimiser state;
 * {@link dev.hyperweave.train.GradCheck} checks gradients against finite differences in double
 * precision.
 *
 * <pre>{@code
 * try (Backend backend = Backends.create("cpu", 2);
 *      Session s = Session.training(graph, loss, Optimizer.adam(1e-3), backend, 1)) {
 *     s.setInput("x", xs);                  // host arrays in, row-major
 *     double l = s.step();                  // forward, backward, one Adam update
 *     float[] w = s.read(s.parameter("w")); // host copies out, on any backend
 *     s.save(Path.of("run.ckpt"));
 * }
 * }</pre>
 */
package dev.hyperweave.train;
