/** Hyperweave's CUDA kernels as PTX resources, and the library that loads them (or a user's replacements). */
module dev.hyperweave.kernels {
    requires transitive dev.hyperweave.device;

    exports dev.hyperweave.kernels;
}
