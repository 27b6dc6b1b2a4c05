/**
 * Backends: where and how the kernels run. {@link dev.hyperweave.backend.Backends#create} makes one by
 * name: {@code "cpu"} (Vector API, a fixed worker pool), {@code "reference"} (plain double-precision
 * loops, the oracle every other backend is tested against) or {@code "cuda"} (our PTX kernels on an
 * NVIDIA GPU through the driver API). {@link dev.hyperweave.backend.Backend} is the kernel interface
 * they share, with the host copies ({@code write}, {@code read}) that work on every backend. A
 * backend is driven by one thread at a time and owns threads or device state: close it.
 */
package dev.hyperweave.backend;
