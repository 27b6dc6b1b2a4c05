package dev.hyperweave.cli;

import dev.hyperweave.backend.cpu.CpuMatmul;
import dev.hyperweave.cuda.Cuda;
import dev.hyperweave.cuda.CudaDevice;
import dev.hyperweave.cuda.DriverProbe;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import jdk.incubator.vector.FloatVector;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "devices", mixinStandardHelpOptions = true,
        description = {"List what Hyperweave can compute on: the CPU (cores, vector widths) and each CUDA device,",
                "or exactly why there is none (no libcuda.so.1, a driver older than CUDA 13.0, no device)."})
final class DevicesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("cpu: %d cores, %s %s, Vector API preferred species %d-bit (%d floats), matmul species %d-bit%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.arch"),
                FloatVector.SPECIES_PREFERRED.vectorBitSize(), FloatVector.SPECIES_PREFERRED.length(),
                CpuMatmul.SPECIES.vectorBitSize());
        DriverProbe probe = Cuda.probe();
        if (!probe.available()) {
            out.println("cuda: none: " + probe.problem());
            return 0;
        }
        out.printf("cuda: driver API %s via %s, %d device(s)%n", DriverProbe.versionString(probe.driverVersion()),
                probe.library(), probe.deviceCount());
        for (CudaDevice d : Cuda.devices()) out.println("  " + d.describe());
        return 0;
    }
}
