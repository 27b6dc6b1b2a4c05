/**
 * The device layer: the CUDA driver probe, devices, contexts, device memory, modules and launches
 * ({@code dev.hyperweave.cuda}), and the root of Hyperweave's exceptions ({@code dev.hyperweave}).
 * Calls native code through the FFM API: run with {@code --enable-native-access=dev.hyperweave.device}
 * (or ALL-UNNAMED on the class path), or the JVM warns on the first call.
 */
module dev.hyperweave.device {
    requires dev.hyperweave.cuda.bindings;

    exports dev.hyperweave;
    exports dev.hyperweave.cuda;

    uses dev.hyperweave.cuda.DriverSetup;
}
