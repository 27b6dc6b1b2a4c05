package dev.hyperweave.ptxvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hand-written PTX per instruction family, one thread each, with expected values worked out from the
 * PTX ISA (not from running anything). Each kernel stores its results as 32-bit words to out[].
 */
class PtxSemanticsTest {
    private final PtxVm vm = new PtxVm();

    @AfterEach
    void close() {
        vm.close();
    }

    static String kernel(String body) {
        return """
                .version 9.0
                .target sm_80
                .address_size 64
                .visible .entry k(.param .u64 out)
                {
                    .reg .pred %p<16>;
                    .reg .b16 %h<16>;
                    .reg .b32 %r<64>;
                    .reg .b64 %rd<64>;
                    .reg .f32 %f<64>;
                    .reg .f64 %fd<32>;
                    ld.param.u64 %rd0, [out];
                    cvta.to.global.u64 %rd0, %rd0;
                """ + body + """
                    ret;
                }
                """;
    }

    /** Runs body on one thread; returns out[0..n) as unsigned 32-bit words. */
    long[] run(int n, String body) {
        Ptxas.assertValid(kernel(body));
        PtxVm.Buffer out = vm.allocate(4L * n);
        out.segment().fill((byte) 0xab); // poison: an unwritten word fails
        vm.run(kernel(body), "k", new int[] {1, 1, 1}, new int[] {1, 1, 1}, out);
        long[] r = new long[n];
        for (int i = 0; i < n; i++) r[i] = out.segment().getAtIndex(ValueLayout.JAVA_INT, i) & 0xffffffffL;
        return r;
    }

    /** "st.global.u32 [%rd0+4*i], REG;" for each register. */
    static String store(String... regs) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < regs.length; i++) b.append("st.global.b32 [%rd0+").append(4 * i).append("], ").append(regs[i]).append(";\n");
        return b.toString();
    }

    static long f(float v) {
        return Float.floatToRawIntBits(v) & 0xffffffffL;
    }

    @Test
    void integerArithmetic() {
        long[] r = run(16, """
                add.sat.s32 %r1, 2147483647, 1;          // saturates at INT_MAX
                sub.sat.s32 %r2, -2147483648, 1;         // and at INT_MIN
                mov.u32 %r20, 0xFFFFFFFF;
                mul.hi.u32 %r3, %r20, %r20;              // (2^32-1)^2 = 0xFFFFFFFE_00000001
                mul.lo.u32 %r4, %r20, %r20;
                mul.hi.s32 %r5, -3, 0x40000000;          // -3 * 2^30 = 0xFFFFFFFF_40000000
                mul.wide.s32 %rd1, -2, 3;
                cvt.u32.u64 %r6, %rd1;                   // low word of -6
                mul.wide.u32 %rd2, %r20, 2;              // 0x1_FFFFFFFE
                shr.u64 %rd3, %rd2, 32;
                cvt.u32.u64 %r7, %rd3;
                mad.lo.s32 %r8, 7, -3, 5;                // -16
                div.s32 %r9, -7, 2;                      // truncates toward zero: -3
                rem.s32 %r10, -7, 2;                     // sign of the dividend: -1
                div.u32 %r11, 0xFFFFFFF9, 2;
                min.s32 %r12, -1, 1;
                min.u32 %r13, 0xFFFFFFFF, 1;
                abs.s32 %r14, -5;
                neg.s32 %r15, 9;
                max.s32 %r16, -7, -9;
                """ + store("%r1", "%r2", "%r3", "%r4", "%r5", "%r6", "%r7", "%r8", "%r9", "%r10", "%r11", "%r12", "%r13", "%r14", "%r15", "%r16"));
        assertArrayEquals(new long[] {0x7fffffffL, 0x80000000L, 0xfffffffeL, 1, 0xffffffffL, 0xfffffffaL, 1, 0xfffffff0L, 0xfffffffdL,
            0xffffffffL, 0x7ffffffcL, 0xffffffffL, 1, 5, 0xfffffff7L, 0xfffffff9L}, r);
    }

    @Test
    void shiftsAndBitFields() {
        long[] r = run(16, """
                shl.b32 %r1, 1, 32;                      // shift amounts >= 32 clamp: 0
                shr.u32 %r2, 0x80000000, 40;             // 0
                shr.s32 %r3, 0x80000000, 40;             // sign fill
                shr.s32 %r4, -8, 1;                      // -4
                bfe.u32 %r5, 0xF0F0F0F0, 4, 8;           // bits 4..11: 0x0F
                bfe.s32 %r6, 0x00000F00, 8, 4;           // field 1111 sign-extended
                bfi.b32 %r7, 0xA, 0xFFFF0000, 4, 4;      // insert 0xA at bit 4
                popc.b32 %r8, 0xF0F0;
                clz.b32 %r9, 0x00010000;
                brev.b32 %r10, 1;
                bfind.u32 %r11, 0x00010000;
                bfind.u32 %r12, 0;                        // no bit set: 0xFFFFFFFF
                bfind.shiftamt.u32 %r13, 0x00010000;     // 31 - 16
                prmt.b32 %r14, 0x33221100, 0x77665544, 0x4567;
                prmt.b32 %r15, 0x00008001, 0, 0x0009;    // selector 9: byte 1 (0x80) replicated sign: 0xFF
                not.b32 %r16, 0x0F0F0F0F;
                """ + store("%r1", "%r2", "%r3", "%r4", "%r5", "%r6", "%r7", "%r8", "%r9", "%r10", "%r11", "%r12", "%r13", "%r14", "%r15", "%r16"));
        assertArrayEquals(new long[] {0, 0, 0xffffffffL, 0xfffffffcL, 0x0f, 0xffffffffL, 0xffff00a0L, 8, 15, 0x80000000L, 16, 0xffffffffL,
            15, 0x44556677L, 0x010101ffL, 0xf0f0f0f0L}, r);
    }

    @Test
    void floatRoundingModesFtzAndSat() {
        // 1 + b with b = 2^-24 * (1 + 2^-23): just above the midpoint between 1 and 1 + 2^-23.
        long[] r = run(16, """
                mov.f32 %f1, 0f3F800000;
                mov.f32 %f2, 0f33800001;
                add.rn.f32 %f3, %f1, %f2;
                add.rz.f32 %f4, %f1, %f2;
                add.rm.f32 %f5, %f1, %f2;
                add.rp.f32 %f6, %f1, %f2;
                mul.rn.f32 %f7, 0f40400000, 0f3EAAAAAB;  // 3 * (1/3 rounded up) = 1 + 2^-25 exactly
                mul.rp.f32 %f8, 0f40400000, 0f3EAAAAAB;
                div.rn.f32 %f9, 0f3F800000, 0f40400000;
                div.rz.f32 %f10, 0f3F800000, 0f40400000;
                add.f32 %f11, 0f00000001, 0f00000000;    // subnormal survives without .ftz
                add.ftz.f32 %f12, 0f00000001, 0f00000000;
                add.sat.f32 %f13, 0f3F400000, 0f3F000000; // 0.75 + 0.5 clamps to 1
                mul.sat.f32 %f14, 0fC0000000, 0f3F800000; // -2 clamps to 0
                add.sat.f32 %f15, 0f7FC00000, 0f3F800000; // NaN becomes 0
                fma.rn.f32 %f16, 0f3F800800, 0f3F7FF000, 0fBF800000; // (1+2^-12)(1-2^-12) - 1 = -2^-24
                """ + store("%f3", "%f4", "%f5", "%f6", "%f7", "%f8", "%f9", "%f10", "%f11", "%f12", "%f13", "%f14", "%f15", "%f16"));
        assertArrayEquals(new long[] {0x3f800001L, 0x3f800000L, 0x3f800000L, 0x3f800001L, 0x3f800000L, 0x3f800001L, 0x3eaaaaabL,
            0x3eaaaaaaL, 1, 0, f(1f), 0, 0, 0xb3800000L, 0xababababL, 0xababababL}, r);
    }

    @Test
    void floatMinMaxSignsTestpAndSpecialFunctions() {
        long[] r = run(16, """
                min.f32 %f1, 0f7FC00000, 0f40000000;     // one NaN: the other operand
                max.NaN.f32 %f2, 0f7FC00000, 0f40000000; // .NaN: canonical NaN
                min.f32 %f3, 0f80000000, 0f00000000;     // -0 < +0
                abs.f32 %f4, 0f80000000;
                neg.f32 %f5, 0f00000000;
                copysign.f32 %f6, 0fBF800000, 0f40000000; // sign of a, value of b: -2
                testp.subnormal.f32 %p1, 0f00000001;
                selp.u32 %r1, 1, 0, %p1;
                testp.normal.f32 %p2, 0f00000001;
                selp.u32 %r2, 1, 0, %p2;
                testp.finite.f32 %p3, 0f7F800000;
                selp.u32 %r3, 1, 0, %p3;
                sqrt.rn.f32 %f7, 0f40000000;
                rcp.rn.f32 %f8, 0f40400000;
                ex2.approx.f32 %f9, 0f40400000;          // 2^3
                lg2.approx.f32 %f10, 0f41000000;         // log2 8
                mov.f64 %fd1, 0d3FF0000000000000;
                add.f64 %fd2, %fd1, 0d3FF0000000000000;
                cvt.rn.f32.f64 %f11, %fd2;
                """ + store("%f1", "%f2", "%f3", "%f4", "%f5", "%f6", "%r1", "%r2", "%r3", "%f7", "%f8", "%f9", "%f10", "%f11"));
        assertArrayEquals(new long[] {f(2f), 0x7fffffffL, 0x80000000L, 0, 0x80000000L, f(-2f), 1, 0, 0, 0x3fb504f3L, 0x3eaaaaabL,
            f(8f), f(3f), f(2f), 0xababababL, 0xababababL}, r);
        long[] t = run(3, """
                sin.approx.f32 %f1, 0f3F000000;
                cos.approx.f32 %f2, 0f3F000000;
                tanh.approx.f32 %f3, 0f3F000000;
                """ + store("%f1", "%f2", "%f3"));
        assertEquals(Math.sin(0.5), Float.intBitsToFloat((int) t[0]), 1e-6);
        assertEquals(Math.cos(0.5), Float.intBitsToFloat((int) t[1]), 1e-6);
        assertEquals(Math.tanh(0.5), Float.intBitsToFloat((int) t[2]), 1e-6);
    }

    @Test
    void conversions() {
        long[] r = run(16, """
                cvt.rni.s32.f32 %r1, 0f40200000;         // 2.5 to nearest even: 2
                cvt.rni.s32.f32 %r2, 0fC0200000;         // -2.5: -2
                cvt.rzi.s32.f32 %r3, 0fC02CCCCD;         // -2.7 toward zero: -2
                cvt.rmi.s32.f32 %r4, 0fC00CCCCD;         // -2.2 down: -3
                cvt.rpi.s32.f32 %r5, 0f400CCCCD;         // 2.2 up: 3
                cvt.rzi.s32.f32 %r6, 0f7FC00000;         // NaN: 0
                cvt.rzi.s32.f32 %r7, 0f501502F9;         // 1e10 saturates
                cvt.rzi.u32.f32 %r8, 0fC0A00000;         // -5 saturates to 0
                cvt.sat.s8.s32 %r9, 300;                 // clamps to 127
                cvt.s8.s32 %r10, 300;                    // wraps: 300 mod 256 = 44
                mov.b32 %r11, 0x80;
                cvt.s32.s8 %r12, %r11;                   // sign-extends: -128
                cvt.rn.f16.f32 %h1, 0f3F800000;          // 1.0 in half: 0x3C00
                cvt.u32.u16 %r13, %h1;
                cvt.f32.f16 %f1, %h1;
                cvt.rn.f32.u32 %f2, 0xFFFFFFFF;          // rounds up to 2^32
                cvt.rz.f32.u32 %f3, 0xFFFFFFFF;          // toward zero: 0x4F7FFFFF
                """ + store("%r1", "%r2", "%r3", "%r4", "%r5", "%r6", "%r7", "%r8", "%r9", "%r10", "%r12", "%r13", "%f1", "%f2", "%f3"));
        assertArrayEquals(new long[] {2, 0xfffffffeL, 0xfffffffeL, 0xfffffffdL, 3, 0, 0x7fffffffL, 0, 127, 44, 0xffffff80L, 0x3c00,
            f(1f), 0x4f800000L, 0x4f7fffffL, 0xababababL}, r);
    }

    @Test
    void comparisonsPredicatesAndGuards() {
        long[] r = run(14, """
                setp.eq.f32 %p1, 0f7FC00000, 0f3F800000;   // ordered: false with NaN
                setp.equ.f32 %p2, 0f7FC00000, 0f3F800000;  // unordered: true with NaN
                setp.ne.f32 %p3, 0f7FC00000, 0f3F800000;
                setp.neu.f32 %p4, 0f7FC00000, 0f3F800000;
                setp.num.f32 %p5, 0f7FC00000, 0f3F800000;
                setp.nan.f32 %p6, 0f7FC00000, 0f3F800000;
                setp.lo.u32 %p7, 1, 0xFFFFFFFF;            // unsigned: 1 < 2^32-1
                setp.lt.s32 %p8, 1, -1;                    // signed: false
                setp.eq.s32 %p9, 1, 1;
                setp.lt.and.s32 %p10|%p11, 1, 2, %p9;      // p = (1<2) and p9, q = !(1<2) and p9
                setp.gt.or.s32 %p12, 1, 2, !%p9;           // false or !true
                selp.u32 %r1, 1, 0, %p1;
                selp.u32 %r2, 1, 0, %p2;
                selp.u32 %r3, 1, 0, %p3;
                selp.u32 %r4, 1, 0, %p4;
                selp.u32 %r5, 1, 0, %p5;
                selp.u32 %r6, 1, 0, %p6;
                selp.u32 %r7, 1, 0, %p7;
                selp.u32 %r8, 1, 0, %p8;
                selp.u32 %r9, 1, 0, %p10;
                selp.u32 %r10, 1, 0, %p11;
                selp.u32 %r11, 1, 0, %p12;
                mov.u32 %r12, 5;
                mov.u32 %r13, 5;
                @%p9 mov.u32 %r12, 6;                       // guard true: runs
                @!%p9 mov.u32 %r13, 6;                      // guard false: skipped
                """ + store("%r1", "%r2", "%r3", "%r4", "%r5", "%r6", "%r7", "%r8", "%r9", "%r10", "%r11", "%r12", "%r13"));
        assertArrayEquals(new long[] {0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 6, 5, 0xababababL}, r);
    }

    @Test
    void memorySpacesVectorsAndGenericAddresses() {
        long[] r = run(12, """
                .shared .align 16 .b8 sbuf[64];
                .local .align 8 .b8 lbuf[16];
                mov.u32 %r1, sbuf;
                mov.u32 %r2, 10;
                mov.u32 %r3, 11;
                mov.u32 %r4, 12;
                mov.u32 %r5, 13;
                st.shared.v4.u32 [%r1], {%r2, %r3, %r4, %r5};
                ld.shared.v2.u32 {%r6, %r7}, [%r1+8];        // 12, 13
                cvt.u64.u32 %rd1, %r1;
                cvta.shared.u64 %rd2, %rd1;                 // generic address of sbuf
                ld.u32 %r8, [%rd2+4];                       // generic load reaches shared: 11
                cvta.to.shared.u64 %rd3, %rd2;
                cvt.u32.u64 %r9, %rd3;
                sub.u32 %r9, %r9, %r1;                      // back to the same shared address: 0
                mov.u64 %rd4, lbuf;
                mov.u32 %r14, 77;
                st.local.u32 [%rd4+4], %r14;
                cvta.local.u64 %rd5, %rd4;
                ld.u32 %r10, [%rd5+4];                      // generic load reaches local: 77
                mov.b64 %rd6, 0x0000000500000007;
                mov.b64 {%r11, %r12}, %rd6;                 // unpack: low word first
                mov.b64 %rd7, {%r12, %r11};
                cvt.u32.u64 %r13, %rd7;                     // repacked swapped: low word 5
                """ + store("%r6", "%r7", "%r8", "%r9", "%r10", "%r11", "%r12", "%r13"));
        assertArrayEquals(new long[] {12, 13, 11, 0, 77, 7, 5, 5, 0xababababL, 0xababababL, 0xababababL, 0xababababL}, r);
    }
}
