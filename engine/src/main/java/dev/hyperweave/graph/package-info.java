/**
 * Graphs of tensor ops with symbolic reverse-mode autodiff. A {@link dev.hyperweave.graph.Graph}
 * records inputs, parameters and ops as {@link dev.hyperweave.graph.Node}s, checking shapes as each
 * is added; each {@link dev.hyperweave.graph.Op} binds its forward kernel and, beside it, adds its
 * backward as more nodes of the same graph. {@link dev.hyperweave.graph.CompiledGraph} plans every
 * buffer once (views where strides allow, gradients of disjoint regions written in place) and binds
 * every kernel, so running it allocates nothing.
 *
 * <p>Your own op: extend {@link dev.hyperweave.graph.Op} (forward in {@code bind}, backward in
 * {@code backward}), add it with {@link dev.hyperweave.graph.Graph#add}, and check its gradient with
 * {@link dev.hyperweave.train.GradCheck}.
 */
package dev.hyperweave.graph;
