package dev.hyperweave.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.backend.Activation;
import dev.hyperweave.backend.Backend;
import dev.hyperweave.backend.cpu.CpuBackend;
import dev.hyperweave.graph.Graph;
import dev.hyperweave.graph.Init;
import dev.hyperweave.graph.Kernel;
import dev.hyperweave.graph.Node;
import dev.hyperweave.graph.Op;
import dev.hyperweave.tensor.DType;
import dev.hyperweave.tensor.Tensor;
import dev.hyperweave.workload.WorkloadSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints, the one-thread-at-a-time contract, and use after close. */
class SessionContractTest {
    static final WorkloadSpec SMALL = new WorkloadSpec("small", 3, 8, 16, new int[] {12, 16, 10}, new int[] {24}, 0, 0);
    static final WorkloadSpec OTHER = new WorkloadSpec("other", 3, 8, 16, new int[] {12, 20, 10}, new int[] {24}, 0, 0);

    @TempDir
    Path dir;

    @Test
    void aCheckpointResumesTrainingExactly() {
        WorkloadSpec.Built built = SMALL.build();
        Path file = dir.resolve("run.ckpt");
        try (Backend cpu = new CpuBackend(1); Session a = built.session(cpu, 1); Session b = built.session(cpu, 2)) {
            for (int i = 0; i < 3; i++) a.step();
            a.save(file);
            assertNotEquals(a.step(), b.step(), "different seeds differ before loading");
            b.load(file);
            built.feed(b, 1); // the inputs are the caller's, not the checkpoint's
            assertEquals(3, b.steps());
            a.load(file); // both back at step 3
            for (int i = 0; i < 3; i++) assertEquals(Double.doubleToRawLongBits(a.step()), Double.doubleToRawLongBits(b.step()), "step " + (4 + i));
        }
    }

    @Test
    void aProfiledStepIsAStep() {
        WorkloadSpec.Built built = SMALL.build();
        try (Backend cpu = new CpuBackend(1); Session a = built.session(cpu, 1); Session b = built.session(cpu, 1)) {
            int slots = b.compiled().kernelCount() + 1;
            long[] nanos = new long[slots];
            for (int i = 0; i < 3; i++) {
                assertEquals(Double.doubleToRawLongBits(a.step()), Double.doubleToRawLongBits(b.stepProfiled(nanos)), "step " + (i + 1));
            }
            assertEquals(3, b.steps());
            assertArrayEquals(a.read(a.flatParameters()), b.read(b.flatParameters()));
            assertTrue(nanos[slots - 1] > 0, "the optimiser's slot");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.stepProfiled(new long[slots - 1]));
            assertTrue(e.getMessage().contains(slots + ", got " + (slots - 1)), e.getMessage());
            assertEquals(3, b.steps(), "a refused call takes no step");
        }
    }

    @Test
    void profilesCountTheMatrixProductsFlops() {
        Graph g = new Graph();
        Node x = g.input("x", DType.F32, 5, 7);
        Node h = g.linear(x, g.parameter("w", Init.normal(1), 3, 7), g.parameter("b", Init.normal(1), 3), Activation.NONE); // [5,3], K 7
        Node y = g.matmul(h, g.parameter("m", Init.normal(1), 5, 4), true, false); // h^T m: [3,4], K 5
        try (Backend cpu = new CpuBackend(1); Session s = Session.training(g, g.sum(y), dev.hyperweave.train.Optimizer.sgd(0.1), cpu, 1)) {
            var names = s.compiled().kernelNames();
            var flops = s.compiled().kernelFlops();
            assertEquals(2L * 5 * 3 * 7, flops.get(names.indexOf("linear")));
            assertEquals(2L * 3 * 4 * 5, flops.get(names.indexOf("matmul")));
            // Backward: dh = m dY^T (K 4), dm = h dY (K 3), dw = dh^T x (K 5); sums count nothing.
            assertEquals(2L * 5 * 3 * 7 + 2L * 3 * 4 * 5 + 2L * 5 * 3 * 4 + 2L * 5 * 4 * 3 + 2L * 3 * 7 * 5,
                    flops.stream().mapToLong(Long::longValue).sum(), names + " " + flops);
            for (int i = 0; i < names.size(); i++) {
                if (!names.get(i).equals("linear") && !names.get(i).equals("matmul")) assertEquals(0L, flops.get(i), names.get(i));
            }
        }
    }

    @Test
    void badCheckpointsNameTheFileAndOffset() throws IOException {
        Path file = dir.resolve("good.ckpt");
        WorkloadSpec.Built built = SMALL.build();
        try (Backend cpu = new CpuBackend(1); Session s = built.session(cpu, 1); Session other = OTHER.build().session(cpu, 1)) {
            s.save(file);
            byte[] good = Files.readAllBytes(file);

            InputException e = assertThrows(InputException.class, () -> other.load(file));
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("has shape"), e.getMessage());

            Path cut = dir.resolve("cut.ckpt");
            Files.write(cut, java.util.Arrays.copyOf(good, good.length - 7));
            e = assertThrows(InputException.class, () -> s.load(cut));
            assertTrue(e.getMessage().contains("ends at byte " + (good.length - 7)), e.getMessage());

            Path junk = dir.resolve("junk.ckpt");
            Files.writeString(junk, "certainly not a checkpoint, but long enough to have a header");
            e = assertThrows(InputException.class, () -> s.load(junk));
            assertEquals(0, e.offset());
            assertTrue(e.getMessage().contains("not a Hyperweave checkpoint"), e.getMessage());

            e = assertThrows(InputException.class, () -> s.load(dir.resolve("absent.ckpt")));
            assertTrue(e.getMessage().contains("no such file"), e.getMessage());

            float[] before = s.read(s.flatParameters());
            assertThrows(InputException.class, () -> s.load(cut));
            assertTrue(java.util.Arrays.equals(before, s.read(s.flatParameters())), "a failed load changes nothing");
        }
    }

    /** An op whose kernel waits for a latch: it holds a step open so a second thread can collide with it. */
    static final class Gate extends Op {
        final CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);

        @Override public String name() { return "gate"; }

        @Override
        public Kernel bind(Backend backend, Tensor out, Tensor[] in) {
            return () -> {
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                backend.copy(in[0], out);
            };
        }

        @Override
        public void backward(dev.hyperweave.graph.Gradients.Context ctx, Node node, Node grad) {
            if (ctx.needs(0)) ctx.add(0, grad);
        }
    }

    @Test
    void aSecondThreadInsideAStepIsRefused() throws Exception {
        Graph g = new Graph();
        Node w = g.parameter("w", dev.hyperweave.graph.Init.normal(1), 4);
        Gate gate = new Gate();
        Node gated = g.add(gate, new int[] {4}, dev.hyperweave.tensor.DType.F32, w);
        Node loss = g.mean(g.mul(gated, gated));
        try (Backend cpu = new CpuBackend(1); Session s = Session.training(g, loss, Optimizer.adam(1e-2), cpu, 1)) {
            Thread first = new Thread(s::step, "first-driver");
            first.start();
            assertTrue(gate.entered.await(10, TimeUnit.SECONDS));
            IllegalStateException e = assertThrows(IllegalStateException.class, s::step);
            assertTrue(e.getMessage().contains("two threads") && e.getMessage().contains("first-driver"), e.getMessage());
            gate.release.countDown();
            first.join(10_000);
            s.step(); // free again once the first thread is out
            assertEquals(2, s.steps());
        }
    }

    @Test
    void useAfterCloseIsAClearErrorAndClosingTwiceIsHarmless() {
        WorkloadSpec.Built built = SMALL.build();
        Session s;
        try (Backend cpu = new CpuBackend(1)) {
            s = built.session(cpu, 1);
            s.step();
            s.close();
            s.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, s::step);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> s.setInput("labels", new int[48]));
            assertThrows(IllegalStateException.class, () -> s.save(dir.resolve("x.ckpt")));
            assertThrows(IllegalStateException.class, s::flatParameters);
            e = assertThrows(IllegalStateException.class, () -> s.compiled().run());
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            try (dev.hyperweave.tensor.TensorArena arena = new dev.hyperweave.tensor.TensorArena()) {
                Tensor t = arena.allocate(dev.hyperweave.tensor.DType.F32, 3);
                arena.close();
                assertThrows(IllegalStateException.class, t::toFloatArray, "a tensor of a closed arena");
            }
        }
    }
}
