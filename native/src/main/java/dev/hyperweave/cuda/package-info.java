/**
 * The device layer: the CUDA driver API through FFM. {@link dev.hyperweave.cuda.Cuda#probe()} says
 * whether a usable driver is there, and why not; a {@link dev.hyperweave.cuda.CudaContext} owns device
 * memory, modules, streams and events and releases them on close; kernels launch with reusable
 * {@link dev.hyperweave.cuda.KernelArgs}. Driver errors are {@link dev.hyperweave.cuda.CudaException}s
 * naming the call and the driver's error.
 */
package dev.hyperweave.cuda;
