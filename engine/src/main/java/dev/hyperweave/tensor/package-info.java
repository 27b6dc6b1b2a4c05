/**
 * Tensors: strided views (shape, strides, offset, dtype) over memory that a
 * {@link dev.hyperweave.tensor.TensorMemory} owns: host memory ({@link dev.hyperweave.tensor.TensorArena})
 * or a device's. Views (slice, transpose, reshape, expand) share memory and never copy. The host's
 * element accessors work on host tensors only; a backend's {@code read} and {@code write} work on both.
 */
package dev.hyperweave.tensor;
