package dev.hyperweave.ptxvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Many threads: special registers, warp collectives, atomics under contention, barriers, module
 * variables, and every error the VM must report instead of crashing or hanging.
 */
class PtxThreadsTest {
    private final PtxVm vm = new PtxVm();

    @AfterEach
    void close() {
        vm.close();
    }

    /** A kernel k(out) where %r1 = the thread's linear index in the grid and %rd1 = &out[%r1] (u32 words). */
    static String kernel(String body) {
        return """
                .version 9.0
                .target sm_80
                .address_size 64
                .global .align 4 .u32 counter[2];
                .visible .entry k(.param .u64 out)
                {
                    .reg .pred %p<16>;
                    .reg .b32 %r<64>;
                    .reg .b64 %rd<16>;
                    .reg .f32 %f<16>;
                    .shared .align 4 .b8 sbuf[1024];
                    ld.param.u64 %rd0, [out];
                    cvta.to.global.u64 %rd0, %rd0;
                    mov.u32 %r20, %tid.x;
                    mov.u32 %r21, %tid.y;
                    mov.u32 %r22, %tid.z;
                    mov.u32 %r23, %ntid.x;
                    mov.u32 %r24, %ntid.y;
                    mad.lo.u32 %r25, %r22, %r24, %r21;
                    mad.lo.u32 %r26, %r25, %r23, %r20;        // linear thread id in the block
                    mov.u32 %r27, %ctaid.x;
                    mov.u32 %r28, %ntid.z;
                    mul.lo.u32 %r29, %r23, %r24;
                    mul.lo.u32 %r29, %r29, %r28;              // threads per block
                    mad.lo.u32 %r1, %r27, %r29, %r26;         // linear id in a 1-D grid
                    mul.wide.u32 %rd2, %r1, 4;
                    add.s64 %rd1, %rd0, %rd2;
                """ + body + """
                    ret;
                }
                """;
    }

    int[] run(int words, int[] grid, int[] block, String body) {
        String ptx = kernel(body);
        Ptxas.assertValid(ptx);
        PtxVm.Buffer out = vm.allocate(4L * words);
        out.segment().fill((byte) 0xab);
        vm.run(ptx, "k", grid, block, out);
        return out.segment().toArray(ValueLayout.JAVA_INT);
    }

    @Test
    void specialRegistersInThreeDimensions() {
        int[] r = run(2 * 24 * 4, new int[] {2, 1, 1}, new int[] {4, 3, 2}, """
                mov.u32 %r2, %laneid;
                mov.u32 %r3, %nctaid.x;
                mad.lo.u32 %r4, %r20, 1000, %r21;
                mad.lo.u32 %r4, %r4, 10, %r22;            // tid as x*10000 + y*10 + z
                shl.b32 %r5, %r1, 2;
                mul.wide.u32 %rd3, %r5, 4;
                add.s64 %rd3, %rd0, %rd3;
                st.global.u32 [%rd3], %r4;
                st.global.u32 [%rd3+4], %r2;
                st.global.u32 [%rd3+8], %r27;
                st.global.u32 [%rd3+12], %r3;
                """);
        for (int cta = 0; cta < 2; cta++) {
            for (int z = 0; z < 2; z++) for (int y = 0; y < 3; y++) for (int x = 0; x < 4; x++) {
                int lin = x + 4 * (y + 3 * z), g = cta * 24 + lin;
                assertEquals(x * 10000 + y * 10 + z, r[4 * g], "tid of thread " + g);
                assertEquals(lin % 32, r[4 * g + 1], "laneid");
                assertEquals(cta, r[4 * g + 2], "ctaid.x");
                assertEquals(2, r[4 * g + 3], "nctaid.x");
            }
        }
    }

    @Test
    void shuffleModesWithOutOfRangeLanesAndSegments() {
        // value = lane * 10; each mode stores the value it read and its in-range predicate.
        int[] r = run(32 * 8, new int[] {1, 1, 1}, new int[] {32, 1, 1}, """
                mul.lo.u32 %r2, %r26, 10;
                shfl.sync.down.b32 %r3|%p1, %r2, 1, 0x1f, 0xffffffff;
                shfl.sync.up.b32 %r4|%p2, %r2, 3, 0, 0xffffffff;
                shfl.sync.bfly.b32 %r5|%p3, %r2, 5, 0x1f, 0xffffffff;
                shfl.sync.idx.b32 %r6|%p4, %r2, 2, 0x181f, 0xffffffff;   // width 8: lane 2 of each group of 8
                selp.u32 %r7, 1, 0, %p1;
                selp.u32 %r8, 1, 0, %p2;
                shl.b32 %r9, %r26, 5;
                mul.wide.u32 %rd3, %r9, 1;
                add.s64 %rd3, %rd0, %rd3;
                st.global.u32 [%rd3], %r3;
                st.global.u32 [%rd3+4], %r4;
                st.global.u32 [%rd3+8], %r5;
                st.global.u32 [%rd3+12], %r6;
                st.global.u32 [%rd3+16], %r7;
                st.global.u32 [%rd3+20], %r8;
                """);
        for (int lane = 0; lane < 32; lane++) {
            int o = 8 * lane;
            assertEquals(lane < 31 ? (lane + 1) * 10 : lane * 10, r[o], "down by 1, lane " + lane + " (31 keeps its own)");
            assertEquals(lane >= 3 ? (lane - 3) * 10 : lane * 10, r[o + 1], "up by 3, lane " + lane);
            assertEquals((lane ^ 5) * 10, r[o + 2], "bfly 5, lane " + lane);
            assertEquals(((lane & ~7) + 2) * 10, r[o + 3], "idx 2 in groups of 8, lane " + lane);
            assertEquals(lane < 31 ? 1 : 0, r[o + 4], "down predicate, lane " + lane);
            assertEquals(lane >= 3 ? 1 : 0, r[o + 5], "up predicate, lane " + lane);
        }
    }

    @Test
    void votesAndActivemask() {
        int[] r = run(64 * 4, new int[] {1, 1, 1}, new int[] {64, 1, 1}, """
                and.b32 %r2, %r26, 1;
                setp.eq.u32 %p1, %r2, 1;                         // odd lanes
                vote.sync.ballot.b32 %r3, %p1, 0xffffffff;
                vote.sync.any.pred %p2, %p1, 0xffffffff;
                vote.sync.all.pred %p3, %p1, 0xffffffff;
                setp.lt.u32 %p4, %r26, 1000;
                vote.sync.uni.pred %p5, %p4, 0xffffffff;
                activemask.b32 %r4;
                selp.u32 %r5, 1, 0, %p2;
                selp.u32 %r6, 1, 0, %p3;
                selp.u32 %r7, 1, 0, %p5;
                shl.b32 %r9, %r26, 4;
                mul.wide.u32 %rd3, %r9, 1;
                add.s64 %rd3, %rd0, %rd3;
                st.global.u32 [%rd3], %r3;
                st.global.u32 [%rd3+4], %r4;
                add.u32 %r8, %r5, %r6;
                mad.lo.u32 %r8, %r7, 10, %r8;
                st.global.u32 [%rd3+8], %r8;
                """);
        for (int t = 0; t < 64; t++) {
            assertEquals(0xaaaaaaaa, r[4 * t], "ballot of odd lanes");
            assertEquals(0xffffffff, r[4 * t + 1], "activemask with the whole warp converged");
            assertEquals(10 + 1 + 0, r[4 * t + 2], "uni true, any true, all false");
        }
    }

    @Test
    void collectivesAtDifferentInstructionsAreAnError() {
        String ptx = kernel("""
                setp.lt.u32 %p1, %r26, 16;
                @%p1 bra LOW;
                shfl.sync.down.b32 %r2, %r26, 1, 0x1f, 0xffffffff;
                bra DONE;
                LOW:
                shfl.sync.down.b32 %r2, %r26, 2, 0x1f, 0xffffffff;
                DONE:
                st.global.u32 [%rd1], %r2;
                """);
        PtxVm.Buffer out = vm.allocate(4 * 32);
        PtxVmException e = assertThrows(PtxVmException.class, () -> vm.run(ptx, "k", new int[] {1, 1, 1}, new int[] {32, 1, 1}, out));
        assertTrue(e.getMessage().contains("different instructions") && e.getMessage().contains("kernel k, line "), e.getMessage());
    }

    @Test
    void atomicsUnderContention() {
        String ptx = kernel("""
                mov.u32 %r2, sbuf;
                setp.ne.u32 %p1, %r26, 0;
                @%p1 bra READY;
                mov.f32 %f1, 0f00000000;
                st.shared.f32 [%r2], %f1;                    // shared memory starts as garbage: thread 0 clears it
                READY:
                bar.sync 0;
                atom.global.add.u32 %r3, [%rd0], 1;          // 256 threads: 256
                atom.global.inc.u32 %r4, [%rd0+4], 99;       // 0, 1, ..., 99, 0, ...: 256 mod 100
                atom.global.max.s32 %r5, [%rd0+8], %r1;
                atom.global.min.u32 %r6, [%rd0+12], %r1;
                atom.global.exch.b32 %r7, [%rd0+16], %r1;
                atom.global.or.b32 %r8, [%rd0+20], %r1;
                red.global.add.u32 [%rd0+24], 2;
                atom.global.dec.u32 %r9, [%rd0+28], 9;       // 0 -> 9 -> 8 ... -> 0 -> 9: period 10
                atom.global.cas.b32 %r10, [%rd0+32], 1000, %r1; // only the first to arrive finds 1000
                atom.shared.add.f32 %f2, [%r2], 0f3F000000;  // 128 threads * 0.5 per block
                st.global.u32 [%rd1+64], %r3;                // old values of add: out[16 + id]
                st.global.u32 [%rd1+1088], %r10;             // old values of cas: out[272 + id]
                bar.sync 0;
                @%p1 bra END;
                ld.shared.f32 %f3, [%r2];
                cvt.rzi.u32.f32 %r11, %f3;
                red.global.add.u32 [%rd0+36], %r11;
                END:
                """);
        Ptxas.assertValid(ptx);
        PtxVm.Buffer out = vm.allocate(4 * 528);
        out.segment().fill((byte) 0);
        out.segment().setAtIndex(ValueLayout.JAVA_INT, 2, Integer.MIN_VALUE);
        out.segment().setAtIndex(ValueLayout.JAVA_INT, 3, -1);
        out.segment().setAtIndex(ValueLayout.JAVA_INT, 8, 1000);
        vm.run(ptx, "k", new int[] {2, 1, 1}, new int[] {128, 1, 1}, out);
        int[] r = out.segment().toArray(ValueLayout.JAVA_INT);
        assertEquals(256, r[0], "add");
        assertEquals(56, r[1], "inc wraps at 99");
        assertEquals(255, r[2], "max.s32");
        assertEquals(0, r[3], "min.u32");
        assertTrue(r[4] >= 0 && r[4] < 256, "exch leaves some thread's id: " + r[4]);
        assertEquals(255, r[5], "or of 0..255");
        assertEquals(512, r[6], "red.add");
        assertEquals(Math.floorMod(10 - 256, 10), r[7], "dec");
        assertTrue(r[8] >= 0 && r[8] < 256, "cas stored the winner's id: " + r[8]);
        assertEquals(128, r[9], "two blocks' shared float sums of 64");
        int[] olds = Arrays.copyOfRange(r, 16, 272);
        Arrays.sort(olds);
        for (int i = 0; i < 256; i++) assertEquals(i, olds[i], "add's old values are a permutation of 0..255");
        assertEquals(1, Arrays.stream(r, 272, 528).filter(v -> v == 1000).count(), "exactly one cas saw the expected value");
    }

    @Test
    void moduleGlobalsAndBarrierExchange() {
        int[] r = run(64, new int[] {1, 1, 1}, new int[] {64, 1, 1}, """
                mov.u64 %rd3, counter;
                atom.global.add.u32 %r2, [%rd3+4], 1;
                mov.u32 %r3, sbuf;
                shl.b32 %r4, %r26, 2;
                add.u32 %r5, %r3, %r4;
                mul.lo.u32 %r6, %r26, 3;
                st.shared.u32 [%r5], %r6;
                bar.sync 0;
                add.u32 %r7, %r26, 1;
                and.b32 %r7, %r7, 63;
                shl.b32 %r7, %r7, 2;
                add.u32 %r7, %r3, %r7;
                ld.shared.u32 %r8, [%r7];                  // the neighbour's value, written before the barrier
                bar.sync 0;
                ld.global.u32 %r9, [%rd3+4];               // every thread has added by now
                mad.lo.u32 %r10, %r9, 1000, %r8;
                st.global.u32 [%rd1], %r10;
                """);
        for (int t = 0; t < 64; t++) assertEquals(64 * 1000 + 3 * ((t + 1) % 64), r[t], "thread " + t);
    }

    @Test
    void aBarrierSomeThreadsNeverReachIsAnError() {
        // A barrier waits for every thread that has not exited (PTX ISA 9.7.13.1): threads that exit are not
        // waited for, but threads 8..31 stay alive waiting at barrier 1, so neither barrier can complete.
        String ptx = kernel("""
                setp.ge.u32 %p1, %r26, 8;
                @%p1 bra OTHER;
                barrier.sync 0;
                bra OUT;
                OTHER:
                barrier.sync 1;
                OUT:
                st.global.u32 [%rd1], %r26;
                """);
        PtxVm.Buffer out = vm.allocate(4 * 32);
        PtxVmException e = assertThrows(PtxVmException.class, () -> vm.run(ptx, "k", new int[] {1, 1, 1}, new int[] {32, 1, 1}, out));
        assertTrue(e.getMessage().contains("barrier that not all threads reach") && e.getMessage().contains("8 of 32"), e.getMessage());
    }

    @Test
    void memoryFaultsNameTheAddress() {
        PtxVm.Buffer out = vm.allocate(4 * 4);
        PtxVmException oob = assertThrows(PtxVmException.class, () -> vm.run(kernel("st.global.u32 [%rd1+16], %r1;\n"), "k",
                new int[] {1, 1, 1}, new int[] {1, 1, 1}, out));
        assertTrue(oob.getMessage().contains("out of bounds 4-byte store at 0x" + Long.toHexString(out.address() + 16)), oob.getMessage());
        PtxVmException mis = assertThrows(PtxVmException.class, () -> vm.run(kernel("ld.global.u32 %r2, [%rd1+2];\n"), "k",
                new int[] {1, 1, 1}, new int[] {1, 1, 1}, out));
        assertTrue(mis.getMessage().contains("misaligned 4-byte load at 0x" + Long.toHexString(out.address() + 2)), mis.getMessage());
        assertEquals(KernelRunnerException.CUDA_ERROR_MISALIGNED_ADDRESS, mis.cuResult());
        PtxVmException shared = assertThrows(PtxVmException.class, () -> vm.run(kernel("mov.u32 %r2, sbuf;\nld.shared.u32 %r3, [%r2+1024];\n"),
                "k", new int[] {1, 1, 1}, new int[] {1, 1, 1}, out));
        assertTrue(shared.getMessage().contains("out of bounds") && shared.getMessage().contains("shared memory"), shared.getMessage());
    }

    @Test
    void loadTimeRefusalsNameTheLine() {
        PtxVmException unknown = assertThrows(PtxVmException.class, () -> vm.loadModule(kernel("frob.u32 %r2, %r1;\n")));
        assertTrue(unknown.getMessage().matches("(?s)line \\d+: unknown instruction 'frob.u32' in: frob.u32 %r2, %r1")
                && unknown.getMessage().startsWith("line 28:"), unknown.getMessage());
        PtxVmException reg = assertThrows(PtxVmException.class, () -> vm.loadModule(kernel("mov.u32 %r99, 1;\n")));
        assertTrue(reg.getMessage().contains("undefined register %r99"), reg.getMessage());
        PtxVmException label = assertThrows(PtxVmException.class, () -> vm.loadModule(kernel("bra NOWHERE;\n")));
        assertTrue(label.getMessage().contains("undefined label NOWHERE"), label.getMessage());
        PtxVmException mod = assertThrows(PtxVmException.class, () -> vm.loadModule(kernel("add.frob.u32 %r2, %r1, 1;\n")));
        assertTrue(mod.getMessage().contains("unknown modifier .frob"), mod.getMessage());
        assertEquals(KernelRunnerException.CUDA_ERROR_INVALID_PTX, mod.cuResult());
        PtxVmException noAddress = assertThrows(PtxVmException.class, () -> vm.loadModule(kernel("ld.global.u32 %r2, %r1;\n")));
        assertTrue(noAddress.getMessage().contains("operand 2 must be an address"), noAddress.getMessage());
        PtxVmException operands = assertThrows(PtxVmException.class, () -> vm.loadModule(kernel("add.u32 %r2, %r1;\n")));
        assertTrue(operands.getMessage().contains("wrong number of operands (2) for add"), operands.getMessage());
        PtxVmException vector = assertThrows(PtxVmException.class, () -> vm.loadModule(kernel("ld.global.v4.u32 {%r2, %r3}, [%rd1];\n")));
        assertTrue(vector.getMessage().contains("a .v4 access needs a vector of 4 registers"), vector.getMessage());
    }

    @Test
    void anEndlessLoopIsStoppedNotHung() {
        try (PtxVm small = new PtxVm(100_000)) {
            PtxVm.Buffer out = small.allocate(4);
            PtxVmException e = assertThrows(PtxVmException.class, () -> small.run(kernel("SPIN:\nbra SPIN;\n"), "k",
                    new int[] {1, 1, 1}, new int[] {1, 1, 1}, out));
            assertTrue(e.getMessage().contains("more than 100000 instructions"), e.getMessage());
        }
    }
}
