package dev.hyperweave.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.cuda.bindings.cuda_h;
import dev.hyperweave.ptxvm.KernelRunner;
import dev.hyperweave.ptxvm.KernelRunnerException;
import dev.hyperweave.ptxvm.StandinDriver;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole device layer, run against the stand-in libcuda.so.1 that ptxvm builds: the same host
 * code that drives a real GPU, over host memory.
 */
class StandinDriverLayerTest {
    /** A module the fake runner below understands: scale(out, n, alpha) and boom(). */
    static final String PTX = """
            .version 9.0
            .target sm_80
            .address_size 64
            .visible .entry scale(.param .u64 out, .param .u32 n, .param .f32 alpha)
            { ret; }
            .visible .entry boom()
            { ret; }
            """;

    private CudaContext ctx;

    @BeforeAll
    static void installStandin() {
        StandinDriver.install();
    }

    @BeforeEach
    void open() {
        ctx = Cuda.device(0).primaryContext();
    }

    @AfterEach
    void close() {
        StandinDriver.resetFaults();
        StandinDriver.clearRunner();
        ctx.close();
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void probeFindsTheStandinAndListsItsDevice() {
        DriverProbe p = Cuda.probe();
        assertTrue(p.available(), p.toString());
        assertEquals(13000, p.driverVersion());
        assertEquals(1, p.deviceCount());
        CudaDevice d = Cuda.devices().get(0);
        assertEquals("Hyperweave PTX VM (stand-in)", d.name());
        assertEquals(80, d.computeCapability());
        assertEquals(108, d.multiprocessors());
        assertEquals(32, d.attribute(cuda_h.CU_DEVICE_ATTRIBUTE_WARP_SIZE()));
        assertEquals(40L << 30, d.totalMemory());
        assertTrue(d.describe().startsWith("cuda:0 Hyperweave PTX VM (stand-in), compute 8.0, 108 multiprocessors"), d.describe());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cuda.device(3));
        assertTrue(e.getMessage().contains("no CUDA device 3"), e.getMessage());
    }

    @Test
    void copiesRoundTripWithOffsetsAndDeviceToDevice() {
        float[] data = random(1000, 1);
        try (DeviceBuffer a = ctx.allocate(4000); DeviceBuffer b = ctx.allocate(4000)) {
            a.copyFrom(data);
            assertArrayEquals(data, a.toFloatArray());
            b.fill(Float.NaN); // poison
            b.copyFrom(a, 400, 800, 2000); // floats 100..599 of a to 200..699 of b
            float[] got = b.toFloatArray();
            for (int i = 0; i < 1000; i++) {
                if (i >= 200 && i < 700) assertEquals(data[i - 100], got[i], "element " + i);
                else assertTrue(Float.isNaN(got[i]), "element " + i + " outside the copy must keep its poison");
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment host = arena.allocate(12);
                a.copyToHost(40, host); // native host segment, offset into the buffer
                for (int i = 0; i < 3; i++) assertEquals(data[10 + i], host.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            }
        }
    }

    @Test
    void memsetsFillExactlyTheirRange() {
        try (DeviceBuffer a = ctx.allocate(64)) {
            a.fill(2.5f);
            a.fillBytes(3, 5, (byte) 0x7f);
            a.fillInts(32, 4, 0x12345678);
            byte[] host = new byte[64];
            a.copyToHost(MemorySegment.ofArray(host));
            MemorySegment h = MemorySegment.ofArray(host);
            assertEquals(2.5f, h.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 28));
            for (int i = 3; i < 8; i++) assertEquals(0x7f, host[i]);
            for (int i = 0; i < 4; i++) assertEquals(0x12345678, h.get(ValueLayout.JAVA_INT_UNALIGNED, 32 + 4 * i));
            assertEquals(2.5f, h.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 48));
            assertThrows(IllegalArgumentException.class, () -> a.fillInts(2, 1, 0));
        }
    }

    @Test
    void outOfRangeAccessIsRejectedBeforeTheDriver() {
        try (DeviceBuffer a = ctx.allocate(16)) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> a.copyFrom(new float[5]));
            assertTrue(e.getMessage().contains("bytes [0, 20) are outside the device buffer of 16 bytes"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> a.copyToHost(12, MemorySegment.ofArray(new byte[8])));
            assertThrows(IndexOutOfBoundsException.class, () -> a.fillBytes(-1, 2, (byte) 1));
            assertThrows(IllegalArgumentException.class, () -> ctx.allocate(0));
        }
    }

    @Test
    void releaseIsDeterministicAndUseAfterReleaseIsAnError() {
        long before = StandinDriver.liveAllocations(), beforeBytes = StandinDriver.liveBytes();
        DeviceBuffer a = ctx.allocate(1 << 20);
        DeviceBuffer b = ctx.allocate(100);
        assertEquals(before + 2, StandinDriver.liveAllocations());
        assertEquals(beforeBytes + (1 << 20) + 100, StandinDriver.liveBytes());
        a.close();
        a.close(); // idempotent
        assertEquals(before + 1, StandinDriver.liveAllocations());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.copyFrom(new float[1]));
        assertTrue(e.getMessage().contains("device buffer of 1048576 bytes was already released"), e.getMessage());
        // Closing the context frees what is still live.
        CudaContext second = Cuda.device(0).primaryContext();
        DeviceBuffer c = second.allocate(64);
        CudaStream s = second.createStream();
        CudaEvent ev = second.createEvent();
        assertEquals(3, second.liveResources());
        second.close();
        assertTrue(c.isReleased() && s.isReleased() && ev.isReleased());
        assertThrows(IllegalStateException.class, () -> c.fill(1f));
        assertThrows(IllegalStateException.class, second::synchronize);
        assertEquals(before + 1, StandinDriver.liveAllocations());
        b.close();
        assertEquals(before, StandinDriver.liveAllocations());
        assertEquals(beforeBytes, StandinDriver.liveBytes());
    }

    @Test
    void anyThreadMayUseTheContext() throws Exception {
        float[] data = random(33, 2);
        try (DeviceBuffer a = ctx.allocate(4 * 33)) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicReference<float[]> seen = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    a.copyFrom(data); // a fresh thread: the layer must make the context current here
                    seen.set(a.toFloatArray());
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            t.start();
            t.join();
            if (failure.get() != null) throw new AssertionError(failure.get());
            assertArrayEquals(data, seen.get());
        }
    }

    @Test
    void outOfMemoryIsInjectedForTheNextAllocationOnly() {
        StandinDriver.failNextAllocation();
        CudaOutOfMemoryException e = assertThrows(CudaOutOfMemoryException.class, () -> ctx.allocate(4096));
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY", e.errorName());
        assertEquals(2, e.result());
        assertTrue(e.getMessage().startsWith("cuMemAlloc_v2 (4096 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (2): out of memory"),
                e.getMessage());
        try (DeviceBuffer ok = ctx.allocate(4096)) {
            assertEquals(4096, ok.byteSize());
        }
        assertThrows(CudaOutOfMemoryException.class, () -> ctx.allocate(41L << 30)); // beyond the device's memory
    }

    @Test
    void eventsTimeAndStreamsSynchronize() {
        try (CudaStream s = ctx.createStream(); CudaEvent start = ctx.createEvent(); CudaEvent end = ctx.createEvent()) {
            start.record(s);
            end.record(s);
            s.synchronize();
            end.synchronize();
            assertTrue(end.millisSince(start) >= 0f);
            CudaEvent never = ctx.createEvent();
            CudaException e = assertThrows(CudaException.class, () -> never.millisSince(start));
            assertEquals("CUDA_ERROR_NOT_READY", e.errorName());
            assertTrue(e.getMessage().startsWith("cuEventElapsedTime_v2 failed"), e.getMessage());
        }
    }

    @Test
    void launchWithoutARunnerSaysSo() {
        try (CudaModule m = ctx.loadModule(PTX); KernelArgs args = new KernelArgs()) {
            CudaFunction boom = m.function("boom");
            CudaException e = assertThrows(CudaException.class, () -> boom.launch(Dim3.of(1), Dim3.of(32), 0, null, args));
            assertEquals("CUDA_ERROR_NOT_SUPPORTED", e.errorName());
            assertTrue(e.getMessage().contains("no kernel runner is registered"), e.getMessage());
            CudaException missing = assertThrows(CudaException.class, () -> m.function("absent"));
            assertEquals("CUDA_ERROR_NOT_FOUND", missing.errorName());
        }
    }

    /** Implements scale(out, n, alpha): out[i] = alpha * i + gridX * blockX, on host memory. */
    static final class FakeRunner implements KernelRunner {
        String lastPtx;
        int[] lastDims;

        @Override
        public long loadModule(String ptx) {
            if (ptx.contains("bad.instruction")) {
                throw new KernelRunnerException(KernelRunnerException.CUDA_ERROR_INVALID_PTX,
                        "ptxvm: line 5: unknown instruction 'bad.instruction'");
            }
            lastPtx = ptx;
            return 7;
        }

        @Override
        public void unloadModule(long module) {}

        @Override
        public long function(long module, String name) {
            return switch (name) {
                case "scale" -> 1;
                case "boom" -> 2;
                default -> throw new KernelRunnerException(KernelRunnerException.CUDA_ERROR_NOT_FOUND, "no kernel " + name);
            };
        }

        @Override
        public int functionAttribute(long function, int attribute) {
            return 17;
        }

        @Override
        public void launch(long function, int gx, int gy, int gz, int bx, int by, int bz, int shared, MemorySegment params) {
            lastDims = new int[] {gx, gy, gz, bx, by, bz, shared};
            if (function == 2) throw new IllegalStateException("the runner itself broke");
            MemorySegment p = params.reinterpret(3 * 8);
            long out = p.getAtIndex(ValueLayout.ADDRESS, 0).reinterpret(8).get(ValueLayout.JAVA_LONG, 0);
            int n = p.getAtIndex(ValueLayout.ADDRESS, 1).reinterpret(4).get(ValueLayout.JAVA_INT, 0);
            float alpha = p.getAtIndex(ValueLayout.ADDRESS, 2).reinterpret(4).get(ValueLayout.JAVA_FLOAT, 0);
            MemorySegment dst = MemorySegment.ofAddress(out).reinterpret(4L * n);
            for (int i = 0; i < n; i++) dst.setAtIndex(ValueLayout.JAVA_FLOAT, i, alpha * i + gx * bx);
        }
    }

    @Test
    void aRegisteredRunnerGetsModulesLaunchesAndTypedArguments() {
        FakeRunner runner = new FakeRunner();
        StandinDriver.registerRunner(runner);
        try (CudaModule m = ctx.loadModule(PTX); DeviceBuffer out = ctx.allocate(4 * 10); KernelArgs args = new KernelArgs()) {
            assertEquals(PTX, runner.lastPtx);
            CudaFunction scale = m.function("scale");
            assertEquals(17, scale.attribute(cuda_h.CU_FUNC_ATTRIBUTE_NUM_REGS()));
            out.fill(Float.NaN);
            args.pointer(out).i32(10).f32(0.75f);
            scale.launch(new Dim3(3, 2, 1), new Dim3(64, 1, 2), 1024, null, args);
            assertArrayEquals(new int[] {3, 2, 1, 64, 1, 2, 1024}, runner.lastDims);
            float[] got = out.toFloatArray();
            for (int i = 0; i < 10; i++) assertEquals(0.75f * i + 192, got[i]);

            StandinDriver.failNextLaunch(719);
            CudaException failed = assertThrows(CudaException.class, () -> scale.launch(Dim3.of(1), Dim3.of(1), 0, null, args));
            assertEquals("CUDA_ERROR_LAUNCH_FAILED", failed.errorName());
            assertTrue(failed.getMessage().contains("injected fault"), failed.getMessage());
            args.clear().pointer(out).i32(10).f32(-2f);
            scale.launch(Dim3.of(1), Dim3.of(1), 0, null, args); // the fault was for one launch only
            assertEquals(-2f * 9 + 1, out.toFloatArray()[9]);

            CudaException broke = assertThrows(CudaException.class, () -> m.function("boom").launch(Dim3.of(1), Dim3.of(1), 0, null, args));
            assertEquals("CUDA_ERROR_UNKNOWN", broke.errorName());
            assertTrue(broke.getMessage().contains("the runner itself broke"), broke.getMessage());
            CudaException limits = assertThrows(CudaException.class, () -> scale.launch(Dim3.of(1), Dim3.of(2048), 0, null, args));
            assertEquals("CUDA_ERROR_INVALID_VALUE", limits.errorName());
            assertThrows(IllegalArgumentException.class, () -> Dim3.of(0));
        }
    }

    @Test
    void aJitFailureCarriesTheLog() {
        StandinDriver.registerRunner(new FakeRunner());
        CudaException e = assertThrows(CudaException.class, () -> ctx.loadModule(PTX + "bad.instruction;\n"));
        assertEquals("CUDA_ERROR_INVALID_PTX", e.errorName());
        assertTrue(e.getMessage().contains("JIT log: ptxvm: line 5: unknown instruction 'bad.instruction'"), e.getMessage());
        assertEquals(0, ctx.liveResources());
    }

    @Test
    void probingAnOldDriverSaysItIsTooOld() {
        StandinDriver.setDriverVersion(12040);
        DriverProbe p = Cuda.probe(StandinDriver.library().toString());
        assertFalse(p.available());
        assertEquals(12040, p.driverVersion());
        assertTrue(p.problem().startsWith("CUDA driver too old:") && p.problem().contains("reports driver API 12.4")
                && p.problem().contains("needs 13.0 or newer"), p.problem());
    }

    @Test
    void probingADriverThatLacksASymbolNamesIt() {
        DriverProbe p = Cuda.probe(StandinDriver.oldDriverLibrary().toString());
        assertFalse(p.available());
        assertTrue(p.problem().contains("lacks cuEventElapsedTime_v2") && p.problem().contains("driver API 12.4"), p.problem());
    }

    @Test
    void probingWithoutADriverSaysWhatToDo() {
        DriverProbe p = Cuda.probe("libcuda-hyperweave-absent.so.1");
        assertFalse(p.available());
        assertEquals(0, p.deviceCount());
        assertTrue(p.problem().startsWith("no CUDA driver: libcuda-hyperweave-absent.so.1 could not be loaded"), p.problem());
        assertTrue(p.problem().contains("R580"), p.problem());
    }

    @Test
    void everyFunctionOfTheIncludeListIsProbed() {
        assertTrue(DriverProber.requiredFunctions().containsAll(java.util.List.of("cuInit", "cuLaunchKernel", "cuMemAlloc_v2",
                "cuEventElapsedTime_v2", "cuModuleLoadDataEx")));
    }
}
