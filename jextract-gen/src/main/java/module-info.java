/** jextract's bindings of the CUDA driver API (libcuda.so.1). Generated; used by the device layer only. */
module dev.hyperweave.cuda.bindings {
    exports dev.hyperweave.cuda.bindings to dev.hyperweave.device;
}
