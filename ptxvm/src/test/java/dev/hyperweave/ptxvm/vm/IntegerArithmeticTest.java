package dev.hyperweave.ptxvm.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hyperweave.ptxvm.PtxVm;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Integer arithmetic, logic, shift and bit-manipulation instructions. Each case states the PTX ISA rule it
 * checks; expected values are computed here from the ISA's definitions (section 9.7.1, 9.7.8, prmt 9.7.9).
 */
class IntegerArithmeticTest {
    private final Vm t = new Vm();

    @AfterEach
    void close() {
        t.close();
    }

    // ---- randomized 32-bit: 200 threads, each applies every operation to its own (a, b) pair --------------

    /** Pairs: edge values against each other, then random ones (fixed seed). */
    static int[][] pairs32(int n, long seed) {
        int[] edges = {0, 1, -1, 2, -2, 31, 32, 33, 63, 64, 0x7fffffff, 0x80000000, 0x80000001, 0x7ffffffe, 0xffff, 0x10000,
            0x55555555, 0xaaaaaaaa};
        Random r = new Random(seed);
        int[][] p = new int[n][];
        for (int i = 0; i < n; i++) {
            int a, b;
            if (i < edges.length * 4) {
                a = edges[i % edges.length];
                b = edges[(i / edges.length + i) % edges.length];
            } else {
                a = r.nextInt();
                b = switch (i % 4) {
                    case 0 -> r.nextInt(64);           // small: shift amounts and field positions in range
                    case 1 -> r.nextInt(1 << 16) - (1 << 15);
                    default -> r.nextInt();
                };
            }
            if (a == Integer.MIN_VALUE && (b | 1) == -1) b = 7; // INT_MIN / -1 overflows: not specified by the ISA
            p[i] = new int[] {a, b};
        }
        return p;
    }

    static final String OPS32 = """
            and.b32 %r12, %r11, 63;              // sh: 0..63
            xor.b32 %r13, %r10, %r11;            // c = a ^ b
            and.b32 %r14, %r11, 0x3f;            // pos 0..63
            shr.u32 %r15, %r11, 8;
            and.b32 %r15, %r15, 0x3f;            // len 0..63
            shr.u32 %r16, %r11, 16;              // prmt selector (low 16 bits used)
            or.b32 %r17, %r11, 1;                // nonzero divisor
            or.b32 %r18, %r10, 1;                // never INT_MIN
            add.s32 %r20, %r10, %r11;
            st.global.b32 [%rd8+0], %r20;
            sub.s32 %r20, %r10, %r11;
            st.global.b32 [%rd8+4], %r20;
            add.sat.s32 %r20, %r10, %r11;
            st.global.b32 [%rd8+8], %r20;
            sub.sat.s32 %r20, %r10, %r11;
            st.global.b32 [%rd8+12], %r20;
            mul.lo.s32 %r20, %r10, %r11;
            st.global.b32 [%rd8+16], %r20;
            mul.hi.s32 %r20, %r10, %r11;
            st.global.b32 [%rd8+20], %r20;
            mul.hi.u32 %r20, %r10, %r11;
            st.global.b32 [%rd8+24], %r20;
            mul.wide.s32 %rd10, %r10, %r11;
            mov.b64 {%r21, %r22}, %rd10;
            st.global.b32 [%rd8+28], %r21;
            st.global.b32 [%rd8+32], %r22;
            mul.wide.u32 %rd10, %r10, %r11;
            mov.b64 {%r21, %r22}, %rd10;
            st.global.b32 [%rd8+36], %r21;
            st.global.b32 [%rd8+40], %r22;
            mad.lo.s32 %r20, %r10, %r11, %r13;
            st.global.b32 [%rd8+44], %r20;
            mad.hi.s32 %r20, %r10, %r11, %r13;
            st.global.b32 [%rd8+48], %r20;
            mad.hi.u32 %r20, %r10, %r11, %r13;
            st.global.b32 [%rd8+52], %r20;
            min.s32 %r20, %r10, %r11;
            st.global.b32 [%rd8+56], %r20;
            max.s32 %r20, %r10, %r11;
            st.global.b32 [%rd8+60], %r20;
            min.u32 %r20, %r10, %r11;
            st.global.b32 [%rd8+64], %r20;
            max.u32 %r20, %r10, %r11;
            st.global.b32 [%rd8+68], %r20;
            and.b32 %r20, %r10, %r11;
            st.global.b32 [%rd8+72], %r20;
            or.b32 %r20, %r10, %r11;
            st.global.b32 [%rd8+76], %r20;
            xor.b32 %r20, %r10, %r11;
            st.global.b32 [%rd8+80], %r20;
            not.b32 %r20, %r10;
            st.global.b32 [%rd8+84], %r20;
            shl.b32 %r20, %r10, %r12;
            st.global.b32 [%rd8+88], %r20;
            shr.u32 %r20, %r10, %r12;
            st.global.b32 [%rd8+92], %r20;
            shr.s32 %r20, %r10, %r12;
            st.global.b32 [%rd8+96], %r20;
            shl.b32 %r20, %r10, %r11;
            st.global.b32 [%rd8+100], %r20;
            shr.s32 %r20, %r10, %r11;
            st.global.b32 [%rd8+104], %r20;
            popc.b32 %r20, %r10;
            st.global.b32 [%rd8+108], %r20;
            clz.b32 %r20, %r10;
            st.global.b32 [%rd8+112], %r20;
            brev.b32 %r20, %r10;
            st.global.b32 [%rd8+116], %r20;
            bfind.u32 %r20, %r10;
            st.global.b32 [%rd8+120], %r20;
            bfind.s32 %r20, %r10;
            st.global.b32 [%rd8+124], %r20;
            bfind.shiftamt.u32 %r20, %r10;
            st.global.b32 [%rd8+128], %r20;
            bfe.u32 %r20, %r10, %r14, %r15;
            st.global.b32 [%rd8+132], %r20;
            bfe.s32 %r20, %r10, %r14, %r15;
            st.global.b32 [%rd8+136], %r20;
            bfi.b32 %r20, %r10, %r11, %r14, %r15;
            st.global.b32 [%rd8+140], %r20;
            prmt.b32 %r20, %r10, %r11, %r16;
            st.global.b32 [%rd8+144], %r20;
            div.s32 %r20, %r10, %r17;
            st.global.b32 [%rd8+148], %r20;
            rem.s32 %r20, %r10, %r17;
            st.global.b32 [%rd8+152], %r20;
            div.u32 %r20, %r10, %r17;
            st.global.b32 [%rd8+156], %r20;
            rem.u32 %r20, %r10, %r17;
            st.global.b32 [%rd8+160], %r20;
            abs.s32 %r20, %r18;
            st.global.b32 [%rd8+164], %r20;
            neg.s32 %r20, %r10;
            st.global.b32 [%rd8+168], %r20;
            """;
    static final int NOPS32 = 43;

    /** What the ISA defines for OPS32 on (a, b). */
    static int[] expected32(int a, int b) {
        int sh = b & 63, c = a ^ b, pos = b & 0x3f, len = (b >>> 8) & 0x3f, sel = b >>> 16, bd = b | 1;
        long wideS = (long) a * b, wideU = Integer.toUnsignedLong(a) * Integer.toUnsignedLong(b);
        return new int[] {
            a + b, a - b, sat32((long) a + b), sat32((long) a - b),
            a * b, (int) (wideS >> 32), (int) (wideU >>> 32),
            (int) wideS, (int) (wideS >>> 32),                   // mul.wide.s32: the full 64-bit product
            (int) wideU, (int) (wideU >>> 32),                   // mul.wide.u32
            a * b + c, (int) (wideS >> 32) + c, (int) (wideU >>> 32) + c,
            Math.min(a, b), Math.max(a, b), Integer.compareUnsigned(a, b) <= 0 ? a : b, Integer.compareUnsigned(a, b) >= 0 ? a : b,
            a & b, a | b, a ^ b, ~a,
            sh >= 32 ? 0 : a << sh,                              // shift amounts > 32 clamp to 32: all bits out
            sh >= 32 ? 0 : a >>> sh,
            a >> Math.min(sh, 31),                               // signed: clamped shift fills with the sign
            Integer.compareUnsigned(b, 32) >= 0 ? 0 : a << b,    // amount is an unsigned 32-bit value
            a >> (Integer.compareUnsigned(b, 31) > 0 ? 31 : b),
            Integer.bitCount(a), Integer.numberOfLeadingZeros(a), Integer.reverse(a),
            bfind(a, false, false), bfind(a, true, false), bfind(a, false, true),
            (int) bfe(a, 32, pos, len, false), (int) bfe(a, 32, pos, len, true), (int) bfi(b, a, 32, pos, len),
            prmt(a, b, sel),
            a / bd, a % bd,                                      // truncating division; remainder has the dividend's sign
            Integer.divideUnsigned(a, bd), Integer.remainderUnsigned(a, bd),
            Math.abs(a | 1), -a,
        };
    }

    @Test
    void randomized32BitOperationsMatchTheIsaDefinitions() {
        int n = 200;
        int[][] p = pairs32(n, 20261124L);
        int[] in = new int[2 * n];
        for (int i = 0; i < n; i++) {
            in[2 * i] = p[i][0];
            in[2 * i + 1] = p[i][1];
        }
        String ptx = perThread(LOAD32, OPS32, 8, 4 * NOPS32);
        PtxVm.Buffer out = t.out(4L * n * NOPS32);
        t.run(ptx, new int[] {4, 1, 1}, new int[] {64, 1, 1}, out, t.ints(in), n);
        int[] got = Vm.ints(out, n * NOPS32);
        for (int i = 0; i < n; i++) {
            int[] e = expected32(p[i][0], p[i][1]);
            assertEquals(NOPS32, e.length);
            for (int j = 0; j < NOPS32; j++) {
                assertEquals(e[j], got[i * NOPS32 + j], "operation " + j + " (" + opName(OPS32, j) + ") on a=" + Vm.hex(p[i][0])
                        + " b=" + Vm.hex(p[i][1]) + ": expected " + Vm.hex(e[j]) + ", got " + Vm.hex(got[i * NOPS32 + j]));
            }
        }
    }

    // ---- randomized 64-bit ---------------------------------------------------------------------------

    static final String OPS64 = """
            cvt.u32.u64 %r12, %rd11;
            and.b32 %r12, %r12, 127;             // sh: 0..127
            xor.b64 %rd13, %rd10, %rd11;         // c = a ^ b
            and.b32 %r14, %r12, 0x7f;            // pos 0..127
            cvt.u32.u64 %r15, %rd11;
            shr.u32 %r15, %r15, 8;
            and.b32 %r15, %r15, 0x7f;            // len 0..127
            or.b64 %rd17, %rd11, 1;              // nonzero divisor
            or.b64 %rd18, %rd10, 1;              // never INT64_MIN
            add.s64 %rd20, %rd10, %rd11;
            st.global.b64 [%rd8+0], %rd20;
            sub.s64 %rd20, %rd10, %rd11;
            st.global.b64 [%rd8+8], %rd20;
            mul.lo.s64 %rd20, %rd10, %rd11;
            st.global.b64 [%rd8+16], %rd20;
            mul.hi.s64 %rd20, %rd10, %rd11;
            st.global.b64 [%rd8+24], %rd20;
            mul.hi.u64 %rd20, %rd10, %rd11;
            st.global.b64 [%rd8+32], %rd20;
            mad.lo.s64 %rd20, %rd10, %rd11, %rd13;
            st.global.b64 [%rd8+40], %rd20;
            min.s64 %rd20, %rd10, %rd11;
            st.global.b64 [%rd8+48], %rd20;
            max.s64 %rd20, %rd10, %rd11;
            st.global.b64 [%rd8+56], %rd20;
            min.u64 %rd20, %rd10, %rd11;
            st.global.b64 [%rd8+64], %rd20;
            max.u64 %rd20, %rd10, %rd11;
            st.global.b64 [%rd8+72], %rd20;
            and.b64 %rd20, %rd10, %rd11;
            st.global.b64 [%rd8+80], %rd20;
            or.b64 %rd20, %rd10, %rd11;
            st.global.b64 [%rd8+88], %rd20;
            xor.b64 %rd20, %rd10, %rd11;
            st.global.b64 [%rd8+96], %rd20;
            not.b64 %rd20, %rd10;
            st.global.b64 [%rd8+104], %rd20;
            shl.b64 %rd20, %rd10, %r12;
            st.global.b64 [%rd8+112], %rd20;
            shr.u64 %rd20, %rd10, %r12;
            st.global.b64 [%rd8+120], %rd20;
            shr.s64 %rd20, %rd10, %r12;
            st.global.b64 [%rd8+128], %rd20;
            popc.b64 %r20, %rd10;
            cvt.u64.u32 %rd20, %r20;
            st.global.b64 [%rd8+136], %rd20;
            clz.b64 %r20, %rd10;
            cvt.u64.u32 %rd20, %r20;
            st.global.b64 [%rd8+144], %rd20;
            brev.b64 %rd20, %rd10;
            st.global.b64 [%rd8+152], %rd20;
            bfind.u64 %r20, %rd10;
            cvt.u64.u32 %rd20, %r20;
            st.global.b64 [%rd8+160], %rd20;
            bfind.s64 %r20, %rd10;
            cvt.u64.u32 %rd20, %r20;
            st.global.b64 [%rd8+168], %rd20;
            div.s64 %rd20, %rd10, %rd17;
            st.global.b64 [%rd8+176], %rd20;
            rem.s64 %rd20, %rd10, %rd17;
            st.global.b64 [%rd8+184], %rd20;
            div.u64 %rd20, %rd10, %rd17;
            st.global.b64 [%rd8+192], %rd20;
            rem.u64 %rd20, %rd10, %rd17;
            st.global.b64 [%rd8+200], %rd20;
            bfe.u64 %rd20, %rd10, %r14, %r15;
            st.global.b64 [%rd8+208], %rd20;
            bfe.s64 %rd20, %rd10, %r14, %r15;
            st.global.b64 [%rd8+216], %rd20;
            neg.s64 %rd20, %rd10;
            st.global.b64 [%rd8+224], %rd20;
            abs.s64 %rd20, %rd18;
            st.global.b64 [%rd8+232], %rd20;
            """;
    static final int NOPS64 = 30;

    static long[] expected64(long a, long b) {
        int sh = (int) b & 127, pos = (int) b & 0x7f, len = (int) (b >>> 8) & 0x7f;
        long c = a ^ b, bd = b | 1;
        return new long[] {
            a + b, a - b, a * b, Math.multiplyHigh(a, b), Math.unsignedMultiplyHigh(a, b), a * b + c,
            Math.min(a, b), Math.max(a, b), Long.compareUnsigned(a, b) <= 0 ? a : b, Long.compareUnsigned(a, b) >= 0 ? a : b,
            a & b, a | b, a ^ b, ~a,
            sh >= 64 ? 0 : a << sh, sh >= 64 ? 0 : a >>> sh, a >> Math.min(sh, 63),   // clamped at the register width
            Long.bitCount(a), Long.numberOfLeadingZeros(a), Long.reverse(a),
            bfind64(a, false) & 0xffffffffL, bfind64(a, true) & 0xffffffffL,
            a / bd, a % bd, Long.divideUnsigned(a, bd), Long.remainderUnsigned(a, bd),
            bfe(a, 64, pos, len, false), bfe(a, 64, pos, len, true),
            -a, Math.abs(a | 1),
        };
    }

    @Test
    void randomized64BitOperationsMatchTheIsaDefinitions() {
        int n = 160;
        long[] edges = {0, 1, -1, 63, 64, 65, Long.MAX_VALUE, Long.MIN_VALUE, 0xffffffffL, 0x100000000L, 0x5555555555555555L};
        Random r = new Random(77);
        long[] in = new long[2 * n];
        for (int i = 0; i < n; i++) {
            long a = i < 33 ? edges[i % edges.length] : r.nextLong();
            long b = i < 33 ? edges[(i / edges.length + 3 * i) % edges.length] : (i % 3 == 0 ? r.nextInt(128) : r.nextLong());
            if (a == Long.MIN_VALUE && (b | 1) == -1) b = 5;
            in[2 * i] = a;
            in[2 * i + 1] = b;
        }
        String ptx = perThread(LOAD64, OPS64, 16, 8 * NOPS64);
        PtxVm.Buffer out = t.out(8L * n * NOPS64);
        t.run(ptx, new int[] {3, 1, 1}, new int[] {64, 1, 1}, out, t.longs(in), n);
        long[] got = Vm.longs(out, n * NOPS64);
        for (int i = 0; i < n; i++) {
            long[] e = expected64(in[2 * i], in[2 * i + 1]);
            assertEquals(NOPS64, e.length);
            for (int j = 0; j < NOPS64; j++) {
                assertEquals(e[j], got[i * NOPS64 + j], "operation " + j + " (" + opName(OPS64, j) + ") on a=" + Vm.hex(in[2 * i])
                        + " b=" + Vm.hex(in[2 * i + 1]) + ": expected " + Vm.hex(e[j]) + ", got " + Vm.hex(got[i * NOPS64 + j]));
            }
        }
    }

    // ---- fixed cases -----------------------------------------------------------------------------------

    @Test
    void saturationWideningAndImmediateForms() {
        int[] r = t.run1(Vm.kernel("""
                    add.sat.s32 %r1, 2147483647, 1;          // .sat clamps at MAXINT instead of wrapping
                    add.sat.s32 %r2, -2147483648, -1;        // and at MININT
                    sub.sat.s32 %r3, -2147483647, 10;        // MININT
                    sub.sat.s32 %r4, 2147483600, -100;       // MAXINT
                    add.s32 %r5, 2147483647, 1;              // without .sat: wraps
                    mov.u32 %r20, 0xFFFFFFFF;                 // hex immediate
                    mul.wide.u32 %rd3, %r20, %r20;           // (2^32-1)^2 = 0xFFFFFFFE00000001
                    mov.b64 {%r6, %r7}, %rd3;                // lo, hi
                    mul.wide.s32 %rd4, -3, 0x40000000;       // -3 * 2^30 = 0xFFFFFFFF40000000
                    mov.b64 {%r8, %r9}, %rd4;
                    mad.wide.s32 %rd5, -7, 100000, 0x100000000;  // 2^32 - 700000 as 64 bits
                    mov.b64 {%r10, %r11}, %rd5;
                    mad.wide.u32 %rd6, 0x80000000, 4, 5;     // 2^33 + 5
                    mov.b64 {%r12, %r13}, %rd6;
                    mul.lo.u32 %r14, 0xFF, -1;               // negative immediate on an unsigned op: two's complement
                    add.u32 %r15, 0xff, 0XF0;                // lower- and upper-case hex
                    sub.s32 %r16, -17, -20;
                    mul.hi.s32 %r17, -1, -1;                 // (-1)*(-1) = 1: high word 0
                    mul.hi.u32 %r18, -1, -1;                 // (2^32-1)^2: high word 0xFFFFFFFE
                    """ + Vm.store32("%r1", "%r2", "%r3", "%r4", "%r5", "%r6", "%r7", "%r8", "%r9", "%r10", "%r11", "%r12", "%r13", "%r14",
                "%r15", "%r16", "%r17", "%r18")), 18);
        long m = 0x100000000L - 700000;
        assertArrayEquals(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE,
            1, 0xfffffffe, 0x40000000, 0xffffffff, (int) m, (int) (m >>> 32), 5, 2, -255, 0x1ef, 3, 0, 0xfffffffe}, r);
    }

    @Test
    void divisionRemainderAbsNegMinMax() {
        int[] r = t.run1(Vm.kernel("""
                    div.s32 %r1, -7, 2;                      // truncates toward zero: -3
                    rem.s32 %r2, -7, 2;                      // remainder takes the dividend's sign: -1
                    div.s32 %r3, 7, -2;                      // -3
                    rem.s32 %r4, 7, -2;                      // 1
                    div.s32 %r5, -7, -2;                     // 3
                    rem.s32 %r6, -7, -2;                     // -1
                    div.u32 %r7, 0xFFFFFFF9, 2;              // unsigned: 0x7FFFFFFC
                    rem.u32 %r8, 0xFFFFFFF9, 10;             // 4294967289 mod 10 = 9
                    abs.s32 %r9, -123456;
                    neg.s32 %r10, 9;
                    min.s32 %r11, -1, 1;                     // signed: -1
                    min.u32 %r12, -1, 1;                     // unsigned: 0xFFFFFFFF is the largest: 1
                    max.s32 %r13, -7, -9;
                    max.u32 %r14, 0x80000000, 0x7FFFFFFF;
                    div.s64 %rd3, -9000000000, 7;            // 64-bit signed
                    cvt.u32.u64 %r15, %rd3;
                    rem.s64 %rd4, -9000000000, 7;
                    cvt.u32.u64 %r16, %rd4;
                    """ + Vm.store32("%r1", "%r2", "%r3", "%r4", "%r5", "%r6", "%r7", "%r8", "%r9", "%r10", "%r11", "%r12", "%r13", "%r14",
                "%r15", "%r16")), 16);
        assertArrayEquals(new int[] {-3, -1, -3, 1, 3, -1, 0x7ffffffc, 9, 123456, -9, -1, 1, -7, 0x80000000,
            (int) (-9000000000L / 7), (int) (-9000000000L % 7)}, r);
    }

    @Test
    void shiftAmountsClampAtTheRegisterWidth() {
        int[] r = t.run1(Vm.kernel("""
                    shl.b32 %r1, 1, 32;                      // amount == width: 0
                    shl.b32 %r2, 0xFFFFFFFF, 31;             // 0x80000000
                    shr.u32 %r3, 0x80000000, 32;             // 0
                    shr.u32 %r4, 0x80000000, 40;             // clamped to 32: 0
                    shr.s32 %r5, 0x80000000, 32;             // signed: sign fill
                    shr.s32 %r6, 0x80000000, 1000;           // large amounts also clamp: sign fill
                    shr.s32 %r7, 0x40000000, 33;             // positive: 0
                    shr.b32 %r8, 0x80000000, 4;              // .b shifts fill with 0
                    mov.u32 %r30, 0xFFFFFFFF;
                    shl.b32 %r9, 5, %r30;                    // register amount 2^32-1 is unsigned: clamps, 0
                    shl.b64 %rd3, 1, 64;                     // 64-bit: amount 64 -> 0
                    cvt.u32.u64 %r10, %rd3;
                    shr.s64 %rd4, -2, 64;                    // -1
                    cvt.u32.u64 %r11, %rd4;
                    shl.b64 %rd5, 1, 40;
                    shr.u64 %rd5, %rd5, 20;                  // 2^20
                    cvt.u32.u64 %r12, %rd5;
                    shr.s32 %r13, -8, 1;                     // arithmetic: -4
                    """ + Vm.store32("%r1", "%r2", "%r3", "%r4", "%r5", "%r6", "%r7", "%r8", "%r9", "%r10", "%r11", "%r12", "%r13")), 13);
        assertArrayEquals(new int[] {0, 0x80000000, 0, 0, -1, -1, 0, 0x08000000, 0, 0, -1, 1 << 20, -4}, r);
    }

    @Test
    void bitFieldAndBitCountInstructions() {
        int[] r = t.run1(Vm.kernel("""
                    bfe.u32 %r1, 0xF0F0F0F0, 4, 8;           // bits 4..11: 0x0F
                    bfe.s32 %r2, 0x00000F00, 8, 4;           // field 1111, sign bit 1: -1
                    bfe.s32 %r3, 0x00000700, 8, 4;           // field 0111: 7
                    bfe.u32 %r4, 0x12345678, 0, 0;           // len 0: 0
                    bfe.s32 %r5, 0x80000000, 28, 8;          // field runs past msb: sign is a[31]: 0xFFFFFFF8
                    bfe.u32 %r6, 0xFFFFFFFF, 40, 4;          // start beyond msb, unsigned: 0
                    bfi.b32 %r7, 0xA, 0xFFFF0000, 4, 4;      // insert 0xA at bits 4..7
                    bfi.b32 %r8, 0xFF, 0x11111111, 28, 8;    // only bits 28..31 fit: 0xF1111111
                    bfi.b32 %r9, 0xFF, 0x12345678, 0, 0;     // len 0: b
                    popc.b32 %r10, 0xF0F0;
                    clz.b32 %r11, 0x00010000;                // 15
                    clz.b32 %r12, 0;                         // 32
                    brev.b32 %r13, 1;                        // 0x80000000
                    bfind.u32 %r14, 0x00010000;              // 16
                    bfind.u32 %r15, 0;                       // no bit set: 0xFFFFFFFF
                    bfind.s32 %r16, -1;                      // negative: most significant 0 bit; none: 0xFFFFFFFF
                    bfind.s32 %r17, 0x80000000;              // most significant 0: bit 30
                    bfind.shiftamt.u32 %r18, 0x00010000;     // 31 - 16 = 15
                    bfind.shiftamt.u32 %r19, 0;              // still 0xFFFFFFFF
                    popc.b64 %r20, 0xFFFFFFFFFFFFFFFF;       // 64
                    clz.b64 %r21, 1;                         // 63
                    """ + Vm.store32("%r1", "%r2", "%r3", "%r4", "%r5", "%r6", "%r7", "%r8", "%r9", "%r10", "%r11", "%r12", "%r13", "%r14",
                "%r15", "%r16", "%r17", "%r18", "%r19", "%r20", "%r21")), 21);
        assertArrayEquals(new int[] {0x0f, -1, 7, 0, 0xfffffff8, 0, 0xffff00a0, 0xf1111111, 0x12345678, 8, 15, 32, 0x80000000, 16, -1, -1,
            30, 15, -1, 64, 63}, r);
    }

    @Test
    void prmtDefaultModeSelectsAndSignReplicatesBytes() {
        int[] r = t.run1(Vm.kernel("""
                    prmt.b32 %r1, 0x33221100, 0x77665544, 0x3210;   // identity: a
                    prmt.b32 %r2, 0x33221100, 0x77665544, 0x7654;   // b
                    prmt.b32 %r3, 0x33221100, 0x77665544, 0x4567;   // bytes 7,6,5,4 into d.b0..b3: 0x44556677
                    prmt.b32 %r4, 0x00008001, 0, 0x0009;            // d.b0: selector 9 = a.b1 (0x80) sign-replicated = 0xFF; others a.b0
                    prmt.b32 %r5, 0x7F80FF01, 0x12345678, 0xBA98;   // sign-replicate a.b0..b3 (0x01,0xFF,0x80,0x7F): 0x00FFFF00
                    prmt.b32 %r6, 0x33221100, 0x77665544, 0xFFFF1040;   // only c[15:0] is used
                    """ + Vm.store32("%r1", "%r2", "%r3", "%r4", "%r5", "%r6")), 6);
        assertArrayEquals(new int[] {0x33221100, 0x77665544, 0x44556677, prmt(0x00008001, 0, 0x0009), prmt(0x7F80FF01, 0x12345678, 0xBA98),
            prmt(0x33221100, 0x77665544, 0x1040)}, r);
        assertEquals(0x010101ff, r[3]);
        assertEquals(0x00ffff00, r[4]);
        assertEquals(0x11004400, r[5]);
    }

    @Test
    void logicOnB32AndB64WithAllImmediateForms() {
        long[] r = t.run1Long(Vm.kernel("""
                    and.b32 %r1, 0x0F0F0F0F, 255;            // decimal immediate
                    or.b32 %r2, 0xF0000000, -16;             // negative immediate: 0xFFFFFFF0
                    xor.b32 %r3, 0xAAAAAAAA, 0xFFFFFFFF;
                    not.b32 %r4, 0;
                    cvt.u64.u32 %rd10, %r1;
                    cvt.u64.u32 %rd11, %r2;
                    cvt.u64.u32 %rd12, %r3;
                    cvt.u64.u32 %rd13, %r4;
                    and.b64 %rd14, 0xFFFF0000FFFF0000, 0x0F0F0F0F0F0F0F0F;
                    or.b64 %rd15, 0x8000000000000000, 1;
                    xor.b64 %rd16, -1, 0x00000000FFFFFFFF;   // -1 as a 64-bit immediate is all ones
                    not.b64 %rd17, 0x123456789ABCDEF0;
                    setp.eq.u32 %p1, 1, 1;                   // predicate logic: true
                    setp.eq.u32 %p5, 1, 2;                   // false
                    xor.pred %p2, %p1, %p1;                  // false
                    or.pred %p3, %p2, %p5;                   // false
                    not.pred %p4, %p3;                       // true
                    and.pred %p6, %p4, %p1;                  // true
                    selp.u64 %rd18, 1, 0, %p6;
                    """ + Vm.store64("%rd10", "%rd11", "%rd12", "%rd13", "%rd14", "%rd15", "%rd16", "%rd17", "%rd18")), 9);
        assertArrayEquals(new long[] {0x0f, 0xfffffff0L, 0x55555555L, 0xffffffffL, 0x0f0f00000f0f0000L, 0x8000000000000001L,
            0xffffffff00000000L, ~0x123456789ABCDEF0L, 1}, r);
    }

    @Test
    void sixteenBitArithmetic() {
        int[] r = t.run1(Vm.kernel("""
                    mov.u16 %h1, 0xFFFF;
                    add.u16 %h2, %h1, 3;                     // 16-bit wrap: 2
                    cvt.u32.u16 %r1, %h2;
                    mul.wide.s16 %r2, -300, 200;             // 16x16 -> 32 signed: -60000
                    mul.wide.u16 %r3, 0xFFFF, 0xFFFF;        // 0xFFFE0001
                    mul.lo.s16 %h3, 300, 300;                // 90000 mod 2^16 = 24464
                    cvt.s32.s16 %r4, %h3;
                    """ + Vm.store32("%r1", "%r2", "%r3", "%r4")), 4);
        assertArrayEquals(new int[] {2, -60000, 0xfffe0001, 24464}, r);
    }

    @Test
    void extendedPrecisionCarryChain() {
        int[] r = t.run1(Vm.kernel("""
                    // 64-bit add from 32-bit halves: 0x00000001_FFFFFFFF + 0x00000002_00000001 = 0x00000004_00000000
                    add.cc.u32 %r5, 0xFFFFFFFF, 0x00000001;  // low word 0, carry out 1
                    addc.u32 %r6, 1, 2;                      // high word 1 + 2 + carry = 4
                    sub.cc.u32 %r7, 0, 1;                    // borrow out
                    subc.u32 %r8, 5, 1;                      // 5 - 1 - borrow = 3
                    """ + Vm.store32("%r5", "%r6", "%r7", "%r8")), 4);
        assertArrayEquals(new int[] {0, 4, -1, 3}, r);
    }

    // ---- helpers: the ISA's definitions ------------------------------------------------------------------

    static final String LOAD32 = "ld.global.u32 %r10, [%rd6];\nld.global.u32 %r11, [%rd6+4];\n";
    static final String LOAD64 = "ld.global.u64 %rd10, [%rd6];\nld.global.u64 %rd11, [%rd6+8];\n";

    /** k(out, in, n): thread i < n loads its operands from in + i*inStride (%rd6) and stores rowBytes at out + i*rowBytes (%rd8). */
    static String perThread(String loads, String ops, int inStride, int rowBytes) {
        return """
                .version 9.0
                .target sm_80
                .address_size 64

                .visible .entry k(.param .u64 out, .param .u64 in, .param .u32 n)
                {
                    .reg .pred %p<8>;
                    .reg .b32 %r<40>;
                    .reg .b64 %rd<40>;
                    ld.param.u64 %rd1, [out];
                    ld.param.u64 %rd3, [in];
                    ld.param.u32 %r1, [n];
                    cvta.to.global.u64 %rd2, %rd1;
                    cvta.to.global.u64 %rd4, %rd3;
                    mov.u32 %r2, %ctaid.x;
                    mov.u32 %r3, %ntid.x;
                    mov.u32 %r4, %tid.x;
                    mad.lo.s32 %r5, %r2, %r3, %r4;
                    setp.ge.u32 %p1, %r5, %r1;
                    @%p1 bra DONE;
                    mul.wide.u32 %rd5, %r5, STRIDE;
                    add.s64 %rd6, %rd4, %rd5;
                    mul.wide.u32 %rd7, %r5, ROW;
                    add.s64 %rd8, %rd2, %rd7;
                """.replace("STRIDE", Integer.toString(inStride)).replace("ROW", Integer.toString(rowBytes))
                + loads.indent(4) + ops.indent(4) + """
                DONE:
                    ret;
                }
                """;
    }

    /** The mnemonic of the j-th store's operation in an ops listing, for messages. */
    static String opName(String ops, int j) {
        String[] lines = ops.split("\n");
        int seen = -1;
        String last = "?";
        for (String l : lines) {
            String s = l.strip();
            if (s.startsWith("st.global")) {
                seen++;
                if (seen == j) return last;
            } else if (!s.isEmpty() && !s.startsWith("cvt.u64.u32") && !s.startsWith("mov.b64")) {
                last = s.split("\\s+")[0];
            }
        }
        return last;
    }

    static int sat32(long v) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }

    /** bfind: position of the most significant non-sign bit, 0xFFFFFFFF if none; .shiftamt gives 31 - position. */
    static int bfind(int a, boolean signed, boolean shiftamt) {
        if (signed && a < 0) a = ~a;
        if (a == 0) return -1;
        int d = 31 - Integer.numberOfLeadingZeros(a);
        return shiftamt ? 31 - d : d;
    }

    static int bfind64(long a, boolean signed) {
        if (signed && a < 0) a = ~a;
        return a == 0 ? -1 : 63 - Long.numberOfLeadingZeros(a);
    }

    /** bfe per the ISA's pseudo-code: d[i] = (i < len && pos+i <= msb) ? a[pos+i] : sbit. */
    static long bfe(long a, int width, int pos, int len, boolean signed) {
        int msb = width - 1;
        long sbit = (!signed || len == 0) ? 0 : (a >>> Math.min(pos + len - 1, msb)) & 1;
        long d = 0;
        for (int i = 0; i <= msb; i++) {
            long bit = (i < len && pos + i <= msb) ? (a >>> (pos + i)) & 1 : sbit;
            d |= bit << i;
        }
        if (width == 32) d = (int) d;
        return d;
    }

    /** bfi per the ISA: f = b; f[pos+i] = a[i] for i < len while pos+i <= msb. */
    static long bfi(long b, long a, int width, int pos, int len) {
        long f = b;
        for (int i = 0; i < len && pos + i <= width - 1; i++) f = (f & ~(1L << (pos + i))) | (((a >>> i) & 1) << (pos + i));
        return width == 32 ? (int) f : f;
    }

    /** prmt default mode: each selector nibble picks a byte of {b, a}; nibble bit 3 replicates that byte's sign. */
    static int prmt(int a, int b, int c) {
        long tmp = ((long) b << 32) | Integer.toUnsignedLong(a);
        int d = 0;
        for (int k = 0; k < 4; k++) {
            int sel = (c >>> (4 * k)) & 0xf;
            int by = (int) (tmp >>> (8 * (sel & 7))) & 0xff;
            if ((sel & 8) != 0) by = (by & 0x80) != 0 ? 0xff : 0;
            d |= by << (8 * k);
        }
        return d;
    }
}
