package dev.hyperweave.ptxvm.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.ptxvm.LaunchStats;
import dev.hyperweave.ptxvm.PtxVm;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Branches and loops (PTX ISA 9.7.12), bar.sync (9.7.13.1) and the special registers (10): %tid, %ntid,
 * %ctaid, %nctaid in three dimensions, %laneid, %warpid.
 */
class ControlAndSyncTest {
    private final Vm t = new Vm();

    @AfterEach
    void close() {
        t.close();
    }

    @Test
    void loopsWithBranchesAndLabels() {
        // sum 1..100 with a counted loop; a nested loop sum_{i<10} sum_{j<=i} j; a while loop that never runs
        int[] r = t.run1(Vm.kernel("""
                    mov.u32 %r1, 0;                          // sum
                    mov.u32 %r2, 1;                          // i
                LOOP:
                    add.u32 %r1, %r1, %r2;
                    add.u32 %r2, %r2, 1;
                    setp.le.u32 %p1, %r2, 100;
                    @%p1 bra LOOP;
                    mov.u32 %r3, 0;                          // nested total
                    mov.u32 %r4, 0;                          // i
                OUTER:
                    mov.u32 %r5, 0;                          // j
                INNER:
                    add.u32 %r3, %r3, %r5;
                    add.u32 %r5, %r5, 1;
                    setp.le.u32 %p2, %r5, %r4;
                    @%p2 bra.uni INNER;
                    add.u32 %r4, %r4, 1;
                    setp.lt.u32 %p3, %r4, 10;
                    @%p3 bra OUTER;
                    mov.u32 %r6, 7;
                WHILE:
                    setp.gt.u32 %p4, %r6, 100;               // false at once: body skipped
                    @!%p4 bra ENDWHILE;
                    mov.u32 %r6, 0;
                    bra WHILE;
                ENDWHILE:
                    """ + Vm.store32("%r1", "%r3", "%r6")), 3);
        int nested = 0;
        for (int i = 0; i < 10; i++) for (int j = 0; j <= i; j++) nested += j;
        assertArrayEquals(new int[] {5050, nested, 7}, r);
    }

    @Test
    void divergentDataDependentLoopsPerThread() {
        // Collatz step count of (global index + 1): every thread loops a different number of times
        String ptx = Vm.kernel("""
                    mov.u32 %r1, %tid.x;
                    mov.u32 %r2, %ctaid.x;
                    mov.u32 %r3, %ntid.x;
                    mad.lo.s32 %r4, %r2, %r3, %r1;           // global index
                    add.u32 %r5, %r4, 1;                     // n
                    mov.u32 %r6, 0;                          // steps
                STEP:
                    setp.eq.u32 %p1, %r5, 1;
                    @%p1 bra DONE_STEPS;
                    and.b32 %r7, %r5, 1;
                    setp.eq.u32 %p2, %r7, 0;
                    @%p2 bra EVEN;
                    mad.lo.u32 %r5, %r5, 3, 1;
                    bra NEXT;
                EVEN:
                    shr.u32 %r5, %r5, 1;
                NEXT:
                    add.u32 %r6, %r6, 1;
                    bra STEP;
                DONE_STEPS:
                    mul.wide.u32 %rd3, %r4, 4;
                    add.s64 %rd4, %rd2, %rd3;
                    st.global.u32 [%rd4], %r6;
                """);
        PtxVm.Buffer out = t.out(4 * 200);
        LaunchStats s = t.run(ptx, new int[] {4, 1, 1}, new int[] {50, 1, 1}, out);
        int[] r = Vm.ints(out, 200);
        int maxSteps = 0;
        for (int i = 0; i < 200; i++) {
            long n = i + 1;
            int steps = 0;
            while (n != 1) {
                n = (n % 2 == 0) ? n / 2 : 3 * n + 1;
                steps++;
            }
            assertEquals(steps, r[i], "collatz(" + (i + 1) + ")");
            maxSteps = Math.max(maxSteps, steps);
        }
        assertTrue(s.controlInsns() >= maxSteps, "loop branches are control instructions: " + s);
    }

    @Test
    void barrierOrdersSharedMemoryExchangeBetweenWarps() {
        // 2 blocks of 128 threads (4 warps): write sh[tid], barrier, read neighbours; then a second round with
        // another barrier id, and a shared-memory tree reduction with a barrier per level
        String ptx = Vm.kernel("""
                    .shared .align 4 .b32 sh[128];
                    mov.u32 %r1, %tid.x;
                    mov.u32 %r2, %ctaid.x;
                    mul.lo.u32 %r3, %r1, 3;
                    mad.lo.u32 %r3, %r2, 1000, %r3;          // v = 1000*ctaid + 3*tid
                    mul.wide.u32 %rd3, %r1, 4;
                    mov.u64 %rd4, sh;
                    add.s64 %rd5, %rd4, %rd3;                // &sh[tid]
                    st.shared.u32 [%rd5], %r3;
                    bar.sync 0;
                    add.u32 %r4, %r1, 1;
                    and.b32 %r4, %r4, 127;                   // (tid + 1) mod 128: another warp for tid = 31, 63, 95, 127
                    mul.wide.u32 %rd6, %r4, 4;
                    add.s64 %rd7, %rd4, %rd6;
                    ld.shared.u32 %r5, [%rd7];
                    sub.u32 %r6, 127, %r1;                   // mirror: always another warp
                    mul.wide.u32 %rd8, %r6, 4;
                    add.s64 %rd9, %rd4, %rd8;
                    ld.shared.u32 %r7, [%rd9];
                    bar.sync 1;                              // everyone has read before anyone overwrites
                    st.shared.u32 [%rd5], %r1;               // round 2: sh[tid] = tid
                    barrier.sync 0;
                    ld.shared.u32 %r8, [%rd9];               // 127 - tid
                    bar.sync 0;
                    mov.u32 %r10, 64;                        // tree sum of sh[] = 0 + 1 + ... + 127
                RED:
                    setp.ge.u32 %p1, %r1, %r10;
                    @%p1 bra SKIP;
                    mul.wide.u32 %rd10, %r10, 4;
                    add.s64 %rd11, %rd5, %rd10;
                    ld.shared.u32 %r11, [%rd11];
                    ld.shared.u32 %r12, [%rd5];
                    add.u32 %r12, %r12, %r11;
                    st.shared.u32 [%rd5], %r12;
                SKIP:
                    bar.sync 0;
                    shr.u32 %r10, %r10, 1;
                    setp.ne.u32 %p2, %r10, 0;
                    @%p2 bra RED;
                    ld.shared.u32 %r9, [sh];
                    mov.u32 %r13, %ntid.x;
                    mad.lo.u32 %r14, %r2, %r13, %r1;
                    mul.wide.u32 %rd12, %r14, 16;
                    add.s64 %rd13, %rd2, %rd12;
                    st.global.v4.u32 [%rd13], {%r5, %r7, %r8, %r9};
                """);
        PtxVm.Buffer out = t.out(16 * 256);
        LaunchStats s = t.run(ptx, new int[] {2, 1, 1}, new int[] {128, 1, 1}, out);
        int[] r = Vm.ints(out, 4 * 256);
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < 128; i++) {
                int g = 4 * (b * 128 + i);
                assertEquals(1000 * b + 3 * ((i + 1) & 127), r[g], "neighbour of " + i + " in block " + b);
                assertEquals(1000 * b + 3 * (127 - i), r[g + 1], "mirror of " + i);
                assertEquals(127 - i, r[g + 2], "round 2 mirror of " + i);
                assertEquals(127 * 128 / 2, r[g + 3], "tree sum seen by " + i);
            }
        }
        // 11 barriers each: at least 8 warps x 11 whether the VM counts per thread or per warp
        assertTrue(s.syncInsns() >= 8L * 11, "barriers are counted: " + s);
        assertTrue(s.sharedBytes() >= 256L * 4 * 5, "shared traffic is counted: " + s);
    }

    @Test
    void barrierCompletesWhenTheOtherThreadsHaveExited() {
        // PTX ISA, bar{.cta}: the barrier waits for the *non-exited* threads of the CTA. Threads 40..95 exit
        // first; threads 0..39 (all of warp 0, part of warp 1) meet at the barrier and exchange data.
        String ptx = Vm.kernel("""
                    .shared .align 4 .b32 sh[40];
                    mov.u32 %r1, %tid.x;
                    setp.ge.u32 %p1, %r1, 40;
                    @%p1 exit;
                    mul.wide.u32 %rd3, %r1, 4;
                    mov.u64 %rd4, sh;
                    add.s64 %rd5, %rd4, %rd3;
                    mul.lo.u32 %r2, %r1, %r1;
                    st.shared.u32 [%rd5], %r2;
                    bar.sync 0;
                    sub.u32 %r3, 39, %r1;
                    mul.wide.u32 %rd6, %r3, 4;
                    add.s64 %rd7, %rd4, %rd6;
                    ld.shared.u32 %r4, [%rd7];
                    add.s64 %rd8, %rd2, %rd3;
                    st.global.u32 [%rd8], %r4;
                """);
        PtxVm.Buffer out = t.out(4 * 96);
        t.run(ptx, Vm.ONE, new int[] {96, 1, 1}, out);
        int[] r = Vm.ints(out, 96);
        for (int i = 0; i < 40; i++) assertEquals((39 - i) * (39 - i), r[i], "thread " + i);
        for (int i = 40; i < 96; i++) assertEquals(0xabababab, r[i], "exited thread " + i + " wrote nothing");
    }

    @Test
    void barrierThatCanNeverCompleteIsReported() {
        // warp 0 waits at barrier 0 and warp 1 at barrier 1: each barrier waits for all 64 threads, so neither completes
        String ptx = Vm.kernel("""
                    mov.u32 %r1, %tid.x;
                    setp.lt.u32 %p1, %r1, 32;
                    @%p1 bra WARP0;
                    bar.sync 1;
                    bra END;
                WARP0:
                    bar.sync 0;
                END:
                    st.global.u32 [%rd2], %r1;
                """);
        Vm.assertPtxasAccepts(ptx);
        t.assertFails(ptx, Vm.ONE, new int[] {64, 1, 1}, new Object[] {t.out(4)}, "barrier");
    }

    @Test
    void specialRegistersInThreeDimensions() {
        int[] grid = {2, 3, 2}, block = {8, 4, 2};
        String ptx = Vm.kernel("""
                    mov.u32 %r1, %tid.x;
                    mov.u32 %r2, %tid.y;
                    mov.u32 %r3, %tid.z;
                    mov.u32 %r4, %ntid.x;
                    mov.u32 %r5, %ntid.y;
                    mov.u32 %r6, %ntid.z;
                    mov.u32 %r7, %ctaid.x;
                    mov.u32 %r8, %ctaid.y;
                    mov.u32 %r9, %ctaid.z;
                    mov.u32 %r10, %nctaid.x;
                    mov.u32 %r11, %nctaid.y;
                    mov.u32 %r12, %nctaid.z;
                    mov.u32 %r13, %laneid;
                    mov.u32 %r14, %warpid;
                    mad.lo.u32 %r20, %r3, %r5, %r2;
                    mad.lo.u32 %r20, %r20, %r4, %r1;         // linear thread index in the block
                    mad.lo.u32 %r21, %r9, %r11, %r8;
                    mad.lo.u32 %r21, %r21, %r10, %r7;        // linear block index
                    mul.lo.u32 %r22, %r4, %r5;
                    mul.lo.u32 %r22, %r22, %r6;              // threads per block
                    mad.lo.u32 %r23, %r21, %r22, %r20;       // record index
                    mul.wide.u32 %rd3, %r23, 64;
                    add.s64 %rd4, %rd2, %rd3;
                    st.global.v4.u32 [%rd4], {%r1, %r2, %r3, %r4};
                    st.global.v4.u32 [%rd4+16], {%r5, %r6, %r7, %r8};
                    st.global.v4.u32 [%rd4+32], {%r9, %r10, %r11, %r12};
                    st.global.v4.u32 [%rd4+48], {%r13, %r14, %r20, %r21};
                """);
        int nthreads = 2 * 3 * 2 * 8 * 4 * 2;
        PtxVm.Buffer out = t.out(64L * nthreads);
        t.run(ptx, grid, block, out);
        int[] r = Vm.ints(out, 16 * nthreads);
        for (int bz = 0; bz < 2; bz++) for (int by = 0; by < 3; by++) for (int bx = 0; bx < 2; bx++) {
            int blockLinear = (bz * 3 + by) * 2 + bx;
            Map<Integer, Integer> warpIdByWarp = new HashMap<>();
            for (int tz = 0; tz < 2; tz++) for (int ty = 0; ty < 4; ty++) for (int tx = 0; tx < 8; tx++) {
                int linear = (tz * 4 + ty) * 8 + tx;
                int o = 16 * (blockLinear * 64 + linear);
                String at = "thread (" + tx + "," + ty + "," + tz + ") of block (" + bx + "," + by + "," + bz + ")";
                int[] want = {tx, ty, tz, 8, 4, 2, bx, by, bz, 2, 3, 2, linear % 32};
                for (int k = 0; k < want.length; k++) assertEquals(want[k], r[o + k], "special register " + k + " of " + at);
                assertEquals(linear, r[o + 14], at);
                assertEquals(blockLinear, r[o + 15], at);
                // %warpid: one value per warp (threads 32w..32w+31 of the block), different for different warps
                Integer prev = warpIdByWarp.putIfAbsent(linear / 32, r[o + 13]);
                if (prev != null) assertEquals(prev, r[o + 13], "%warpid is the same across warp " + linear / 32 + ", " + at);
            }
            assertNotEquals(warpIdByWarp.get(0), warpIdByWarp.get(1), "the two warps of block " + blockLinear + " have different %warpid");
        }
    }

    @Test
    void laneMasks() {
        // %lanemask_eq/lt/le/gt/ge relative to %laneid
        String ptx = Vm.kernel("""
                    mov.u32 %r1, %tid.x;
                    mov.u32 %r2, %lanemask_eq;
                    mov.u32 %r3, %lanemask_lt;
                    mov.u32 %r4, %lanemask_le;
                    mov.u32 %r5, %lanemask_gt;
                    mov.u32 %r6, %lanemask_ge;
                    mul.wide.u32 %rd3, %r1, 32;
                    add.s64 %rd4, %rd2, %rd3;
                    st.global.v4.u32 [%rd4], {%r2, %r3, %r4, %r5};
                    st.global.v4.u32 [%rd4+16], {%r6, %r1, %r1, %r1};
                """);
        PtxVm.Buffer out = t.out(32 * 64);
        t.run(ptx, Vm.ONE, new int[] {64, 1, 1}, out);
        int[] r = Vm.ints(out, 8 * 64);
        for (int i = 0; i < 64; i++) {
            int lane = i % 32;
            int eq = 1 << lane, lt = eq - 1;
            assertArrayEquals(new int[] {eq, lt, lt | eq, ~(lt | eq), ~lt}, java.util.Arrays.copyOfRange(r, 8 * i, 8 * i + 5), "lane " + lane);
        }
    }

    @Test
    void earlyExitAndRetFromTheKernel() {
        // exit ends the thread; threads that exit write nothing after the exit
        String ptx = Vm.kernel("""
                    mov.u32 %r1, %tid.x;
                    mul.wide.u32 %rd3, %r1, 4;
                    add.s64 %rd4, %rd2, %rd3;
                    and.b32 %r2, %r1, 3;
                    setp.eq.u32 %p1, %r2, 1;
                    @%p1 exit;
                    setp.eq.u32 %p2, %r2, 2;
                    @%p2 ret;
                    st.global.u32 [%rd4], %r1;
                """);
        PtxVm.Buffer out = t.out(4 * 32);
        t.run(ptx, Vm.ONE, new int[] {32, 1, 1}, out);
        int[] r = Vm.ints(out, 32);
        for (int i = 0; i < 32; i++) assertEquals((i & 3) == 1 || (i & 3) == 2 ? 0xabababab : i, r[i], "thread " + i);
    }
}
