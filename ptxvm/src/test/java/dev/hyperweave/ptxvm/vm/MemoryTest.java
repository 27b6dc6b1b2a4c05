package dev.hyperweave.ptxvm.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.ptxvm.PtxVm;
import dev.hyperweave.ptxvm.PtxVmException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ld/st in every state space (PTX ISA 9.7.9.8, 9.7.9.11, 5.1): widths and the sign/zero extension of narrow
 * loads, vector forms, [reg+offset] and [var+offset] addresses, generic addressing through cvta, module
 * variables, and the VM's memory checks (bounds and alignment).
 */
class MemoryTest {
    private final Vm t = new Vm();

    @AfterEach
    void close() {
        t.close();
    }

    /** 128 random bytes (fixed seed) with byte 5 >= 0x80 and bytes 10..11 a negative 16-bit value. */
    static byte[] inputBytes() {
        byte[] b = new byte[128];
        new Random(2024).nextBytes(b);
        b[3] = 0x7f;
        b[5] = (byte) 0x9c;
        b[10] = 0x34;
        b[11] = (byte) 0xf2;
        return b;
    }

    @Test
    void globalLoadsOfEveryWidthAndVectorStoresTouchExactlyTheirBytes() {
        byte[] in = inputBytes();
        ByteBuffer bb = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN);
        String ptx = Vm.kernel("", ", .param .u64 in", """
                    ld.param.u64 %rd3, [in];
                    cvta.to.global.u64 %rd4, %rd3;
                    ld.global.u8 %r1, [%rd4+3];              // zero-extended into 32 bits
                    ld.global.s8 %r2, [%rd4+5];              // sign-extended: byte 0x9c -> 0xFFFFFF9C
                    ld.global.u8 %r3, [%rd4+5];              // zero-extended: 0x9C
                    ld.global.u16 %r4, [%rd4+10];
                    ld.global.s16 %r5, [%rd4+10];            // 0xF234 sign-extended
                    ld.global.u32 %r6, [%rd4+12];
                    ld.global.u64 %rd10, [%rd4+16];
                    ld.global.v2.u32 {%r7, %r8}, [%rd4+24];
                    ld.global.v4.u32 {%r9, %r10, %r11, %r12}, [%rd4+32];
                    ld.global.v2.f64 {%fd1, %fd2}, [%rd4+48];
                    ld.global.v4.u16 {%h1, %h2, %h3, %h4}, [%rd4+64];
                    ld.global.nc.u32 %r13, [%rd4+72];        // non-coherent read-only path: same value
                    ld.volatile.global.u32 %r14, [%rd4+76];
                    ld.global.s8 %rd11, [%rd4+5];            // sign-extended into 64 bits
                    add.s64 %rd5, %rd4, 96;
                    ld.global.u32 %r15, [%rd5+-16];          // negative offset: in[80..84)
                    // stores: every value to its own place in out; narrow stores write only their bytes
                    st.global.u8 [%rd2+0], %r1;
                    st.global.b32 [%rd2+4], %r2;
                    st.global.u8 [%rd2+9], %r3;
                    st.global.u16 [%rd2+10], %r4;
                    st.global.b32 [%rd2+12], %r5;
                    st.global.u32 [%rd2+16], %r6;
                    st.global.u64 [%rd2+24], %rd10;
                    st.global.v2.u32 [%rd2+32], {%r8, %r7};  // swapped
                    st.global.v4.u32 [%rd2+48], {%r12, %r11, %r10, %r9};
                    st.global.v2.f64 [%rd2+64], {%fd2, %fd1};
                    st.global.v4.u16 [%rd2+80], {%h4, %h3, %h2, %h1};
                    st.global.u32 [%rd2+88], %r13;
                    st.global.u32 [%rd2+92], %r14;
                    st.global.u64 [%rd2+96], %rd11;
                    st.global.u32 [%rd2+104], %r15;
                """);
        PtxVm.Buffer inBuf = t.vm.allocate(128);
        inBuf.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(in));
        PtxVm.Buffer out = t.out(112);
        t.run(ptx, Vm.ONE, Vm.ONE, out, inBuf);

        ByteBuffer want = ByteBuffer.allocate(112).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 112; i++) want.put(i, Vm.POISON);
        want.put(0, in[3]);
        want.putInt(4, in[5]);                              // sign-extended
        want.put(9, in[5]);
        want.putShort(10, bb.getShort(10));
        want.putInt(12, bb.getShort(10));                   // s16 sign-extended to 32
        want.putInt(16, bb.getInt(12));
        want.putLong(24, bb.getLong(16));
        want.putInt(32, bb.getInt(28)).putInt(36, bb.getInt(24));
        for (int k = 0; k < 4; k++) want.putInt(48 + 4 * k, bb.getInt(32 + 4 * (3 - k)));
        want.putLong(64, bb.getLong(56)).putLong(72, bb.getLong(48));
        for (int k = 0; k < 4; k++) want.putShort(80 + 2 * k, bb.getShort(64 + 2 * (3 - k)));
        want.putInt(88, bb.getInt(72)).putInt(92, bb.getInt(76));
        want.putLong(96, in[5]);
        want.putInt(104, bb.getInt(80));
        byte[] got = out.segment().toArray(ValueLayout.JAVA_BYTE);
        StringBuilder diff = new StringBuilder();
        for (int i = 0; i < got.length; i++) {
            if (got[i] != want.get(i)) diff.append(String.format(" [%d] want %02x got %02x;", i, want.get(i), got[i]));
        }
        assertArrayEquals(want.array(), got, "byte-exact output (0xAB = untouched), differences:" + diff);
    }

    @Test
    void sharedArraysWithAlignmentAreDistinctAndAddressable() {
        // module-scope and kernel-scope .shared variables; direct [var+off], register addresses and 32-bit shared addresses
        String ptx = Vm.kernel("""
                .shared .align 16 .b8 sbytes[64];
                .shared .align 8 .b64 swide[4];
                """, "", """
                    .shared .align 4 .b32 swords[8];
                    mov.u32 %r40, 0x03020100;
                    mov.u32 %r41, 0x07060504;
                    mov.u32 %r42, 0x0B0A0908;
                    mov.u32 %r43, 0x0F0E0D0C;
                    st.shared.v4.u32 [sbytes], {%r40, %r41, %r42, %r43};
                    st.shared.u64 [swide+8], 0x1122334455667788;
                    mov.u64 %rd3, swords;                    // the variable's address in the shared window
                    st.shared.u32 [%rd3+28], 777;            // last element
                    st.shared.u32 [swords], -5;
                    mov.u32 %r30, sbytes;                    // shared addresses fit 32-bit registers
                    ld.shared.u8 %r1, [%r30+5];
                    ld.shared.u16 %r2, [sbytes+6];
                    ld.shared.v2.u32 {%r3, %r4}, [sbytes+8];
                    ld.shared.u64 %rd10, [swide+8];
                    cvt.u32.u64 %r5, %rd10;
                    ld.shared.s32 %r6, [swords];
                    ld.shared.u32 %r7, [swords+28];
                    st.shared.u8 [sbytes+1], 0xEE;           // one byte only
                    ld.shared.u32 %r8, [sbytes];
                    """ + Vm.store32("%r1", "%r2", "%r3", "%r4", "%r5", "%r6", "%r7", "%r8"));
        int[] r = t.run1(ptx, 8);
        assertArrayEquals(new int[] {5, 0x0706, 0x0b0a0908, 0x0f0e0d0c, 0x55667788, -5, 777, 0x0302ee00}, r);
    }

    @Test
    void vectorStoreOfImmediates() {
        // vector operands may be immediates: {0x..., ...}
        int[] r = t.run1(Vm.kernel("""
                    st.global.v4.u32 [%rd2], {0x03020100, 7, -1, 0xFFFF};
                    st.global.v2.f32 [%rd2+16], {0f3F800000, 0fC0000000};
                """), 6);
        assertArrayEquals(new int[] {0x03020100, 7, -1, 0xffff, 0x3f800000, 0xc0000000}, r);
    }

    @Test
    void localMemoryIsPrivateToEachThread() {
        // 96 threads each fill their own .local array, then read it back after everyone wrote
        String ptx = Vm.kernel("", "", """
                    .local .align 8 .b8 lbuf[32];
                    mov.u32 %r1, %tid.x;
                    mul.lo.u32 %r2, %r1, 1000;
                    st.local.u32 [lbuf], %r2;
                    add.u32 %r3, %r2, 1;
                    mov.u64 %rd3, lbuf;                      // address of the local array
                    st.local.u32 [%rd3+4], %r3;
                    cvt.u64.u32 %rd10, %r1;
                    st.local.u64 [lbuf+8], %rd10;
                    st.local.v2.u32 [lbuf+16], {%r1, %r2};
                    bar.sync 0;
                    cvta.local.u64 %rd4, %rd3;               // generic address of the local array
                    ld.u32 %r4, [%rd4+4];                    // generic load from local
                    ld.local.u32 %r5, [lbuf];
                    ld.local.u64 %rd11, [%rd3+8];
                    cvt.u32.u64 %r6, %rd11;
                    ld.local.v2.u32 {%r7, %r8}, [lbuf+16];
                    add.u32 %r9, %r4, %r5;
                    add.u32 %r9, %r9, %r6;
                    add.u32 %r9, %r9, %r7;
                    add.u32 %r9, %r9, %r8;                   // (1000t+1) + 1000t + t + t + 1000t = 3002t + 1
                    mul.wide.u32 %rd5, %r1, 4;
                    add.s64 %rd6, %rd2, %rd5;
                    st.global.u32 [%rd6], %r9;
                """);
        PtxVm.Buffer out = t.out(4 * 96);
        var stats = t.run(ptx, Vm.ONE, new int[] {96, 1, 1}, out);
        int[] r = Vm.ints(out, 96);
        for (int i = 0; i < 96; i++) assertEquals(3002 * i + 1, r[i], "thread " + i);
        assertTrue(stats.localBytes() >= 96L * (4 + 4 + 8 + 8 + 8 + 8), "local traffic is counted: " + stats);
    }

    @Test
    void kernelParametersOfEveryArgumentKind() {
        String ptx = Vm.kernel("", ", .param .u32 a, .param .s32 b, .param .f32 c, .param .f64 d, .param .u64 e, .param .align 8 .b8 f[8]", """
                    ld.param.u32 %r1, [a];
                    ld.param.s32 %r2, [b];
                    ld.param.f32 %f1, [c];
                    ld.param.f64 %fd1, [d];
                    ld.param.u64 %rd3, [e];
                    ld.param.u32 %r3, [f+4];                 // byte-array param: the Long's high word
                    st.global.u32 [%rd2], %r1;
                    st.global.u32 [%rd2+4], %r2;
                    st.global.f32 [%rd2+8], %f1;
                    st.global.f64 [%rd2+16], %fd1;
                    st.global.u64 [%rd2+24], %rd3;
                    st.global.u32 [%rd2+32], %r3;
                """);
        PtxVm.Buffer out = t.out(40);
        var stats = t.run(ptx, Vm.ONE, Vm.ONE, out, 0xdeadbeef, -123456, 1.25f, -2.5e-300, 0x0123456789abcdefL, 0x7766554433221100L);
        var s = out.segment();
        assertEquals(0xdeadbeef, s.get(ValueLayout.JAVA_INT, 0));
        assertEquals(-123456, s.get(ValueLayout.JAVA_INT, 4));
        assertEquals(1.25f, s.get(ValueLayout.JAVA_FLOAT, 8));
        assertEquals(-2.5e-300, s.get(ValueLayout.JAVA_DOUBLE, 16));
        assertEquals(0x0123456789abcdefL, s.get(ValueLayout.JAVA_LONG, 24));
        assertEquals(0x77665544, s.get(ValueLayout.JAVA_INT, 32));
        assertTrue(stats.paramBytes() >= 8 + 4 + 4 + 4 + 8 + 8 + 4, "param traffic is counted: " + stats);
    }

    @Test
    void genericAddressingThroughCvtaReachesGlobalAndShared() {
        String ptx = Vm.kernel("", ", .param .u64 in", """
                    .shared .align 8 .b32 sh[4];
                    ld.param.u64 %rd3, [in];                 // a host pointer is a generic address
                    ld.u32 %r1, [%rd3+4];                    // generic load of global memory
                    cvta.to.global.u64 %rd4, %rd3;
                    cvta.global.u64 %rd5, %rd4;              // global -> generic again
                    ld.u32 %r2, [%rd5+8];
                    mov.u64 %rd6, sh;
                    cvta.shared.u64 %rd7, %rd6;              // shared -> generic
                    st.u32 [%rd7+4], 4242;                   // generic store lands in shared
                    ld.shared.u32 %r3, [sh+4];
                    st.shared.u32 [sh+8], 99;
                    ld.u32 %r4, [%rd7+8];                    // generic load reads shared
                    cvta.to.shared.u64 %rd8, %rd7;           // generic -> shared window
                    ld.shared.u32 %r5, [%rd8+4];
                    st.u32 [%rd1+20], 55;                    // generic store to global through the param pointer
                    """ + Vm.store32("%r1", "%r2", "%r3", "%r4", "%r5"));
        PtxVm.Buffer out = t.out(24);
        t.run(ptx, Vm.ONE, Vm.ONE, out, t.ints(10, 11, 12, 13));
        assertArrayEquals(new int[] {11, 12, 4242, 99, 4242, 55}, Vm.ints(out, 6));
    }

    @Test
    void moduleScopeGlobalVariables() {
        // a zero-initialised .global array every thread increments; a fresh launch reloads the module
        String ptx = Vm.kernel("""
                .global .align 4 .b32 counter[4];
                """, "", """
                    mov.u32 %r1, %tid.x;
                    and.b32 %r2, %r1, 3;
                    mul.wide.u32 %rd3, %r2, 4;
                    mov.u64 %rd4, counter;
                    add.s64 %rd5, %rd4, %rd3;
                    atom.global.add.u32 %r3, [%rd5], 1;
                    bar.sync 0;
                    setp.ne.u32 %p1, %r1, 0;
                    @%p1 bra DONE;
                    ld.global.u32 %r10, [counter];
                    ld.global.u32 %r11, [counter+4];
                    ld.global.u32 %r12, [counter+8];
                    ld.global.u32 %r13, [counter+12];
                    st.global.u32 [counter+4], 1000;         // module globals are writable
                    ld.global.u32 %r14, [%rd4+4];
                    """ + Vm.store32("%r10", "%r11", "%r12", "%r13", "%r14") + """
                DONE:
                """);
        int[] r = Vm.ints(runOut(ptx, new int[] {128, 1, 1}, 5), 5);
        assertArrayEquals(new int[] {32, 32, 32, 32, 1000}, r);
        r = Vm.ints(runOut(ptx, new int[] {128, 1, 1}, 5), 5);
        assertArrayEquals(new int[] {32, 32, 32, 32, 1000}, r, "second launch: counters start at zero again");
    }

    @Test
    void initialisedGlobalAndConstVariables() {
        String ptx = Vm.kernel("""
                .global .align 4 .b32 table[4] = {10, 20, 30, 40};
                .global .align 8 .f64 dtab[2] = {0d3FF8000000000000, 0dC000000000000000};
                .const .align 4 .b32 ctab[3] = {7, 8, 9};
                """, "", """
                    ld.global.u32 %r10, [table+8];
                    mov.u64 %rd6, table;
                    ld.global.u32 %r11, [%rd6+12];
                    ld.const.u32 %r12, [ctab+4];
                    ld.global.f64 %fd1, [dtab+8];
                    cvt.rzi.s32.f64 %r13, %fd1;
                    """ + Vm.store32("%r10", "%r11", "%r12", "%r13"));
        assertArrayEquals(new int[] {30, 40, 8, -2}, t.run1(ptx, 4));
    }

    private PtxVm.Buffer runOut(String ptx, int[] block, int words) {
        PtxVm.Buffer out = t.out(4L * words);
        t.run(ptx, Vm.ONE, block, out);
        return out;
    }

    // ---- memory checks ----------------------------------------------------------------------------

    /** Thread (5,0,0) of block (1,0,0) does {@code access} on %rd2 (the out buffer), everyone else nothing. */
    static String oneThreadAccess(String access) {
        return Vm.kernel("", ", .param .u64 in", """
                    ld.param.u64 %rd3, [in];
                    cvta.to.global.u64 %rd4, %rd3;
                    mov.u32 %r1, %tid.x;
                    mov.u32 %r2, %ctaid.x;
                    setp.ne.u32 %p1, %r1, 5;
                    setp.ne.or.u32 %p1, %r2, 1, %p1;
                    @%p1 bra DONE;
                """ + access + "\nDONE:\n");
    }

    static final Pattern TID = Pattern.compile("tid \\(\\s*5\\s*,\\s*0\\s*,\\s*0\\s*\\)");
    static final Pattern CTAID = Pattern.compile("ctaid \\(\\s*1\\s*,\\s*0\\s*,\\s*0\\s*\\)");

    void assertFault(String ptx, PtxVm.Buffer in, String what, long address, String faultingText) {
        Vm.assertPtxasAccepts(ptx);
        PtxVm.Buffer out = t.out(64);
        PtxVmException e = t.assertFails(ptx, new int[] {2, 1, 1}, new int[] {8, 1, 1}, new Object[] {out, in}, what, "line " + Vm.lineOf(ptx,
                faultingText));
        String m = e.getMessage();
        Vm.assertNamesAddress(m, address);
        assertTrue(TID.matcher(m).find(), "names the thread tid (5,0,0): " + m);
        assertTrue(CTAID.matcher(m).find(), "names the block ctaid (1,0,0): " + m);
    }

    @Test
    void loadOnePastTheEndOfABufferIsOutOfBounds() {
        PtxVm.Buffer in = t.ints(1, 2, 3, 4);          // 16 bytes
        assertFault(oneThreadAccess("    ld.global.u32 %r5, [%rd4+16];\n    st.global.u32 [%rd2], %r5;"), in, "out of bounds",
                in.address() + 16, "ld.global.u32 %r5, [%rd4+16]");
    }

    @Test
    void storeOnePastTheEndIsOutOfBoundsAndTheLastElementIsFine() {
        PtxVm.Buffer in = t.ints(1, 2, 3, 4);
        assertFault(oneThreadAccess("    st.global.u32 [%rd4+12], 7;\n    st.global.u8 [%rd4+16], 7;"), in, "out of bounds",
                in.address() + 16, "st.global.u8 [%rd4+16], 7");
        assertEquals(7, in.segment().getAtIndex(ValueLayout.JAVA_INT, 3), "the in-bounds store before the fault happened");
    }

    @Test
    void accessStraddlingTheEndIsOutOfBounds() {
        PtxVm.Buffer in = t.vm.allocate(10);           // ld.u32 at offset 8 is aligned but covers bytes 8..11
        assertFault(oneThreadAccess("    ld.global.u32 %r5, [%rd4+8];\n    st.global.u32 [%rd2], %r5;"), in, "out of bounds", in.address() + 8,
                "ld.global.u32 %r5, [%rd4+8]");
    }

    @Test
    void accessToUnallocatedMemoryIsOutOfBounds() {
        PtxVm.Buffer in = t.ints(1);
        assertFault(oneThreadAccess("    mov.u64 %rd5, 0x1000;\n    ld.global.u32 %r5, [%rd5];\n    st.global.u32 [%rd2], %r5;"), in,
                "out of bounds", 0x1000, "ld.global.u32 %r5, [%rd5]");
    }

    @Test
    void misalignedGlobalAccessesFault() {
        PtxVm.Buffer in = t.ints(1, 2, 3, 4, 5, 6, 7, 8);
        assertFault(oneThreadAccess("    ld.global.u32 %r5, [%rd4+2];\n    st.global.u32 [%rd2], %r5;"), in, "misaligned", in.address() + 2,
                "ld.global.u32 %r5, [%rd4+2]");
        assertFault(oneThreadAccess("    st.global.u64 [%rd4+4], 1;"), in, "misaligned", in.address() + 4, "st.global.u64 [%rd4+4], 1");
        assertFault(oneThreadAccess("    ld.global.v4.u32 {%r5, %r6, %r7, %r8}, [%rd4+8];\n    st.global.u32 [%rd2], %r5;"), in, "misaligned",
                in.address() + 8, "ld.global.v4.u32");       // a 16-byte vector needs 16-byte alignment
    }

    @Test
    void sharedAccessBeyondTheDeclaredSizeIsOutOfBounds() {
        String ptx = Vm.kernel("", "", """
                    .shared .align 4 .b32 sh[8];
                    mov.u32 %r1, %tid.x;
                    setp.ne.u32 %p1, %r1, 3;
                    @%p1 bra DONE;
                    st.shared.u32 [sh+28], 1;                // last element: fine
                    ld.shared.u32 %r2, [sh+32];              // one past the end
                    st.global.u32 [%rd2], %r2;
                DONE:
                """);
        Vm.assertPtxasAccepts(ptx);
        PtxVmException e = t.assertFails(ptx, Vm.ONE, new int[] {4, 1, 1}, new Object[] {t.out(4)}, "out of bounds",
                "line " + Vm.lineOf(ptx, "ld.shared.u32 %r2, [sh+32]"));
        assertTrue(Pattern.compile("tid \\(\\s*3\\s*,\\s*0\\s*,\\s*0\\s*\\)").matcher(e.getMessage()).find(), e.getMessage());
    }
}
