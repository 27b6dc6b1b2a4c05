package dev.hyperweave.ptxvm.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.ptxvm.PtxVm;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Warp-level instructions: shfl.sync (PTX ISA 9.7.9.6, whose pseudo-code the expected values follow),
 * vote.sync (9.7.13.9) and activemask (9.7.13.11), and the VM's check that a warp collective's member
 * threads meet at the same instruction.
 */
class WarpTest {
    private final Vm t = new Vm();

    @AfterEach
    void close() {
        t.close();
    }

    /** One shfl configuration: mode, b and c as PTX operands (immediates or a register), and their values for a lane. */
    record Shfl(String mode, String b, String c, java.util.function.IntUnaryOperator bOf, int cVal) {
        Shfl(String mode, int b, int c) {
            this(mode, Integer.toString(b), "0x" + Integer.toHexString(c), lane -> b, c);
        }
    }

    /** The ISA's shfl.sync semantics: {source lane j, pval}. */
    static int[] shfl(String mode, int lane, int b, int c) {
        int bval = b & 0x1f, cval = c & 0x1f, segmask = (c >>> 8) & 0x1f;
        int maxLane = (lane & segmask) | (cval & ~segmask);
        int minLane = lane & segmask;
        int j;
        boolean p;
        switch (mode) {
            case "up" -> { j = lane - bval; p = j >= maxLane; }
            case "down" -> { j = lane + bval; p = j <= maxLane; }
            case "bfly" -> { j = lane ^ bval; p = j <= maxLane; }
            case "idx" -> { j = minLane | (bval & ~segmask); p = j <= maxLane; }
            default -> throw new IllegalArgumentException(mode);
        }
        if (!p) j = lane;
        return new int[] {j, p ? 1 : 0};
    }

    static List<Shfl> configurations() {
        List<Shfl> l = new ArrayList<>();
        l.add(new Shfl("up", 1, 0));            // full warp: lane 0 keeps its own value, p false
        l.add(new Shfl("up", 5, 0));
        l.add(new Shfl("up", 3, 0x1800));       // segments of 8 lanes (c[12:8] = 32 - 8)
        l.add(new Shfl("up", 0, 0));
        l.add(new Shfl("down", 1, 0x1f));       // clamp 31: lane 31 keeps its own
        l.add(new Shfl("down", 7, 0x1f));
        l.add(new Shfl("down", 2, 0x1c1f));     // segments of 4 lanes
        l.add(new Shfl("down", 16, 0x101f));    // segments of 16: every source out of range
        l.add(new Shfl("down", 3, 0x0f));       // clamp at lane 15, no segments
        l.add(new Shfl("bfly", 1, 0x1f));
        l.add(new Shfl("bfly", 16, 0x1f));
        l.add(new Shfl("bfly", 33, 0x1f));      // only b[4:0] counts: xor 1
        l.add(new Shfl("bfly", 4, 0x181f));     // segments of 8
        l.add(new Shfl("bfly", 8, 0x1f07));     // segmask 31: maxLane = lane, so only lanes with bit 3 set receive
        l.add(new Shfl("idx", 0, 0x1f));        // broadcast lane 0
        l.add(new Shfl("idx", 31, 0x1f));
        l.add(new Shfl("idx", 5, 0x181f));      // lane 5 of each 8-lane segment
        l.add(new Shfl("idx", 40, 0x1f));       // b[4:0] = 8
        l.add(new Shfl("idx", 20, 0x0f));       // source 20 beyond clamp 15: own value, p false
        l.add(new Shfl("idx", "%r30", "0x1f", lane -> (lane * 3) % 32, 0x1f));       // per-lane source
        l.add(new Shfl("down", "%r31", "0x1f", lane -> lane % 5, 0x1f));             // per-lane offset
        l.add(new Shfl("up", "%r31", "0x1000", lane -> lane % 5, 0x1000));           // per-lane offset, 16-lane segments
        return l;
    }

    @Test
    void shflSyncEveryModeOffsetAndClampAgainstTheIsaPseudoCode() {
        List<Shfl> cfg = configurations();
        StringBuilder body = new StringBuilder("""
                    mov.u32 %r1, %tid.x;
                    mov.u32 %r2, %ctaid.x;
                    mov.u32 %r3, %ntid.x;
                    mad.lo.u32 %r4, %r2, %r3, %r1;           // global thread index
                    mad.lo.u32 %r10, %r4, 7, 100;            // the value each lane offers
                    mov.u32 %r5, %laneid;
                    mul.lo.u32 %r30, %r5, 3;
                    rem.u32 %r30, %r30, 32;                  // (lane*3) % 32
                    rem.u32 %r31, %r5, 5;                    // lane % 5
                """);
        body.append("    mul.wide.u32 %rd3, %r4, ").append(8 * cfg.size()).append(";\n    add.s64 %rd4, %rd2, %rd3;\n");
        for (int k = 0; k < cfg.size(); k++) {
            Shfl s = cfg.get(k);
            body.append("    shfl.sync.").append(s.mode).append(".b32 %r20|%p1, %r10, ").append(s.b).append(", ").append(s.c)
                    .append(", 0xffffffff;\n    selp.u32 %r21, 1, 0, %p1;\n    st.global.v2.u32 [%rd4+").append(8 * k)
                    .append("], {%r20, %r21};\n");
        }
        int blocks = 2, threads = 64;
        PtxVm.Buffer out = t.out(8L * cfg.size() * blocks * threads);
        t.run(Vm.kernel(body.toString()), new int[] {blocks, 1, 1}, new int[] {threads, 1, 1}, out);
        int[] r = Vm.ints(out, 2 * cfg.size() * blocks * threads);
        for (int g = 0; g < blocks * threads; g++) {
            int lane = g % 32, warpBase = g - lane;
            for (int k = 0; k < cfg.size(); k++) {
                Shfl s = cfg.get(k);
                int[] jp = shfl(s.mode, lane, s.bOf.applyAsInt(lane), s.cVal);
                int o = 2 * (g * cfg.size() + k);
                String what = "shfl.sync." + s.mode + " b=" + s.bOf.applyAsInt(lane) + " c=0x" + Integer.toHexString(s.cVal) + " in lane " + lane
                        + " of thread " + g;
                assertEquals((warpBase + jp[0]) * 7 + 100, r[o], what + ": value from lane " + jp[0]);
                assertEquals(jp[1], r[o + 1], what + ": predicate");
            }
        }
    }

    @Test
    void shflWithAPartialMemberMaskInsideDivergentCode() {
        // lanes 0..15 take a branch and exchange among themselves (membermask 0x0000FFFF); lanes 16..31 do
        // their own exchange with membermask 0xFFFF0000 on the other path
        String ptx = Vm.kernel("""
                    mov.u32 %r1, %tid.x;
                    mul.lo.u32 %r10, %r1, 11;
                    setp.lt.u32 %p1, %r1, 16;
                    @!%p1 bra HIGH;
                    shfl.sync.bfly.b32 %r20, %r10, 1, 0x1f, 0x0000ffff;
                    bra DONE_SHFL;
                HIGH:
                    shfl.sync.idx.b32 %r20, %r10, 16, 0x1f, 0xffff0000;   // lane 16's value
                DONE_SHFL:
                    mul.wide.u32 %rd3, %r1, 4;
                    add.s64 %rd4, %rd2, %rd3;
                    st.global.u32 [%rd4], %r20;
                """);
        PtxVm.Buffer out = t.out(4 * 32);
        t.run(ptx, Vm.ONE, new int[] {32, 1, 1}, out);
        int[] r = Vm.ints(out, 32);
        for (int lane = 0; lane < 32; lane++) assertEquals(lane < 16 ? (lane ^ 1) * 11 : 16 * 11, r[lane], "lane " + lane);
    }

    @Test
    void voteSyncAllAnyUniBallotAndActivemask() {
        // four warps: all predicates true, all false, random, only lane 17 true
        int warps = 4, n = 32 * warps;
        int[] in = new int[n];
        Random rnd = new Random(55);
        for (int i = 0; i < n; i++) {
            in[i] = switch (i / 32) {
                case 0 -> 1 + rnd.nextInt(1000);
                case 1 -> 0;
                case 2 -> rnd.nextBoolean() ? rnd.nextInt(1000) + 1 : 0;
                default -> i % 32 == 17 ? 5 : 0;
            };
        }
        String ptx = Vm.kernel("", ", .param .u64 in", """
                    ld.param.u64 %rd3, [in];
                    cvta.to.global.u64 %rd4, %rd3;
                    mov.u32 %r1, %tid.x;
                    mul.wide.u32 %rd5, %r1, 4;
                    add.s64 %rd6, %rd4, %rd5;
                    ld.global.u32 %r2, [%rd6];
                    setp.ne.u32 %p1, %r2, 0;
                    vote.sync.all.pred %p2, %p1, 0xffffffff;
                    vote.sync.any.pred %p3, %p1, 0xffffffff;
                    vote.sync.uni.pred %p4, %p1, 0xffffffff;
                    vote.sync.ballot.b32 %r10, %p1, 0xffffffff;
                    vote.sync.all.pred %p5, !%p1, 0xffffffff;      // negated source: "none"
                    vote.sync.ballot.b32 %r11, !%p1, 0xffffffff;
                    activemask.b32 %r12;
                    selp.u32 %r13, 1, 0, %p2;
                    selp.u32 %r14, 1, 0, %p3;
                    selp.u32 %r15, 1, 0, %p4;
                    selp.u32 %r16, 1, 0, %p5;
                    mul.wide.u32 %rd7, %r1, 32;
                    add.s64 %rd8, %rd2, %rd7;
                    st.global.v4.u32 [%rd8], {%r13, %r14, %r15, %r16};
                    st.global.v4.u32 [%rd8+16], {%r10, %r11, %r12, %r1};
                """);
        PtxVm.Buffer out = t.out(32L * n);
        t.run(ptx, Vm.ONE, new int[] {n, 1, 1}, out, t.ints(in));
        int[] r = Vm.ints(out, 8 * n);
        for (int w = 0; w < warps; w++) {
            int ballot = 0;
            for (int l = 0; l < 32; l++) if (in[32 * w + l] != 0) ballot |= 1 << l;
            for (int l = 0; l < 32; l++) {
                int o = 8 * (32 * w + l);
                String at = "warp " + w + " lane " + l;
                assertEquals(ballot == -1 ? 1 : 0, r[o], "vote.all " + at);
                assertEquals(ballot != 0 ? 1 : 0, r[o + 1], "vote.any " + at);
                assertEquals(ballot == -1 || ballot == 0 ? 1 : 0, r[o + 2], "vote.uni " + at);
                assertEquals(ballot == 0 ? 1 : 0, r[o + 3], "vote.all of !p " + at);
                assertEquals(ballot, r[o + 4], "vote.ballot " + at);
                assertEquals(~ballot, r[o + 5], "vote.ballot of !p " + at);
                assertEquals(-1, r[o + 6], "activemask with the whole warp converged " + at);
            }
        }
    }

    @Test
    void activemaskInDivergentCodeAndPartialWarps() {
        // 40 threads: warp 1 has only lanes 0..7. Lanes with (lane % 3 == 0) take a branch and ask activemask there.
        String ptx = Vm.kernel("""
                    mov.u32 %r1, %tid.x;
                    mov.u32 %r2, %laneid;
                    activemask.b32 %r10;                     // converged
                    mov.u32 %r11, 0;
                    rem.u32 %r3, %r2, 3;
                    setp.ne.u32 %p1, %r3, 0;
                    @%p1 bra JOIN;
                    activemask.b32 %r11;                     // only branch-taking lanes can be active here
                JOIN:
                    mul.wide.u32 %rd3, %r1, 8;
                    add.s64 %rd4, %rd2, %rd3;
                    st.global.v2.u32 [%rd4], {%r10, %r11};
                """);
        PtxVm.Buffer out = t.out(8 * 40);
        t.run(ptx, Vm.ONE, new int[] {40, 1, 1}, out);
        int[] r = Vm.ints(out, 80);
        int branchLanes = 0;
        for (int l = 0; l < 32; l += 3) branchLanes |= 1 << l;
        for (int i = 0; i < 40; i++) {
            int lane = i % 32;
            int existing = i < 32 ? -1 : 0xff;
            assertEquals(existing, r[2 * i], "converged activemask of thread " + i + " (exited/absent lanes contribute 0)");
            if (lane % 3 == 0) {
                int m = r[2 * i + 1];
                assertTrue((m & (1 << lane)) != 0, "own bit set in the branch, thread " + i + ": " + Vm.hex(m));
                assertEquals(0, m & ~(branchLanes & existing), "only branch-taking lanes in the mask, thread " + i + ": " + Vm.hex(m));
            } else {
                assertEquals(0, r[2 * i + 1]);
            }
        }
    }

    @Test
    void shflWhoseMembersReachDifferentInstructionsIsReported() {
        // lanes 0..15 execute shfl.sync.up and lanes 16..31 shfl.sync.down, all with membermask 0xFFFFFFFF:
        // shfl.sync waits for every member to execute shfl.sync with the same qualifiers, which never happens
        String ptx = Vm.kernel("""
                    mov.u32 %r1, %tid.x;
                    setp.lt.u32 %p1, %r1, 16;
                    @%p1 bra LOW;
                    shfl.sync.down.b32 %r2, %r1, 1, 0x1f, 0xffffffff;
                    bra END;
                LOW:
                    shfl.sync.up.b32 %r2, %r1, 1, 0, 0xffffffff;
                END:
                    st.global.u32 [%rd2], %r2;
                """);
        Vm.assertPtxasAccepts(ptx);
        t.assertFails(ptx, Vm.ONE, new int[] {32, 1, 1}, new Object[] {t.out(4)}, "different instructions");
    }

    @Test
    void voteWhoseMembersReachDifferentInstructionsIsReported() {
        String ptx = Vm.kernel("""
                    mov.u32 %r1, %laneid;
                    setp.lt.u32 %p1, %r1, 8;
                    @%p1 bra LOW;
                    vote.sync.any.pred %p2, %p1, 0xffffffff;
                    bra END;
                LOW:
                    vote.sync.all.pred %p2, %p1, 0xffffffff;
                END:
                    selp.u32 %r2, 1, 0, %p2;
                    st.global.u32 [%rd2], %r2;
                """);
        Vm.assertPtxasAccepts(ptx);
        t.assertFails(ptx, Vm.ONE, new int[] {32, 1, 1}, new Object[] {t.out(4)}, "different instructions");
    }
}
