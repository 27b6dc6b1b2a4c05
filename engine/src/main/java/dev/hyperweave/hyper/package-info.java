/**
 * Hypernetworks and their target networks. A hypernetwork ({@link dev.hyperweave.hyper.FullHypernet},
 * {@link dev.hyperweave.hyper.ChunkedHypernet}) maps task ids to the weights of T target networks at
 * once, one tensor [T, P]; a {@link dev.hyperweave.hyper.TargetMlp} takes its layers' weights as views
 * into that tensor and runs the T networks as batched matrix products, so the weight gradients land
 * in slices of dL/d[T, P] without copies.
 */
package dev.hyperweave.hyper;
