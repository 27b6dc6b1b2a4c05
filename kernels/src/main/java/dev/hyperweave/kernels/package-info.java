/**
 * Hyperweave's CUDA kernels as PTX, and {@link dev.hyperweave.kernels.KernelLibrary}, which loads them
 * into a context or replaces them, by name, with a user's PTX of the same parameter list.
 */
package dev.hyperweave.kernels;
