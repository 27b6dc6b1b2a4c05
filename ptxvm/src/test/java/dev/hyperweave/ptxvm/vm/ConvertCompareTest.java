package dev.hyperweave.ptxvm.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.ptxvm.PtxVm;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * cvt (PTX ISA 9.7.9.21 and 9.4.1), setp (9.7.6.2), selp and predicated execution. Each converted value is
 * stored as a 64-bit word (32-bit results zero-extended by cvt.u64.u32), so one expected-value function per
 * case covers every width.
 */
class ConvertCompareTest {
    private final Vm t = new Vm();

    @AfterEach
    void close() {
        t.close();
    }

    static final String[] IRND = {"rni", "rzi", "rmi", "rpi"};
    static final String[] FRND = {"rn", "rz", "rm", "rp"};

    /**
     * One conversion: PTX computing a 64-bit %rd20 from the thread's inputs, and its ISA-defined value as a
     * function of the thread's two raw 64-bit input patterns a and b. nanWidth (16, 32, 64; 0 for none): the
     * result is a float of that width where any NaN matches an expected NaN.
     */
    record Case(String name, String ptx, Expect expected, int nanWidth) {
        Case(String name, String ptx, Expect expected) {
            this(name, ptx, expected, 0);
        }
    }

    interface Expect {
        long at(long a, long b);
    }

    static float f(long a) {
        return Float.intBitsToFloat((int) a);
    }

    static double d(long b) {
        return Double.longBitsToDouble(b);
    }

    // ---- float -> int --------------------------------------------------------------------------------

    static List<Case> floatToIntCases() {
        List<Case> c = new ArrayList<>();
        for (String m : IRND) {
            c.add(new Case("cvt." + m + ".s32.f32", "cvt." + m + ".s32.f32 %r20, %f1;\ncvt.u64.u32 %rd20, %r20;",
                    (a, b) -> u32(toSigned(f(a), m, 32, true))));
            c.add(new Case("cvt." + m + ".u32.f32", "cvt." + m + ".u32.f32 %r20, %f1;\ncvt.u64.u32 %rd20, %r20;",
                    (a, b) -> u32(toUnsigned(f(a), m, 32, true))));
            c.add(new Case("cvt." + m + ".s64.f32", "cvt." + m + ".s64.f32 %rd20, %f1;", (a, b) -> toSigned(f(a), m, 64, false)));
            c.add(new Case("cvt." + m + ".u64.f32", "cvt." + m + ".u64.f32 %rd20, %f1;", (a, b) -> toUnsigned(f(a), m, 64, false)));
            c.add(new Case("cvt." + m + ".s32.f64", "cvt." + m + ".s32.f64 %r20, %fd1;\ncvt.u64.u32 %rd20, %r20;",
                    (a, b) -> u32(toSigned(d(b), m, 32, false))));
            c.add(new Case("cvt." + m + ".u32.f64", "cvt." + m + ".u32.f64 %r20, %fd1;\ncvt.u64.u32 %rd20, %r20;",
                    (a, b) -> u32(toUnsigned(d(b), m, 32, false))));
            c.add(new Case("cvt." + m + ".s64.f64", "cvt." + m + ".s64.f64 %rd20, %fd1;", (a, b) -> toSigned(d(b), m, 64, false)));
            // same-size float -> float with integer rounding: an integral value in float format
            c.add(new Case("cvt." + m + ".f32.f32", "cvt." + m + ".f32.f32 %f20, %f1;\nmov.b32 %r20, %f20;\ncvt.u64.u32 %rd20, %r20;",
                    (a, b) -> u32(Float.floatToRawIntBits((float) integral(f(a), m))), 32));
            c.add(new Case("cvt." + m + ".f64.f64", "cvt." + m + ".f64.f64 %fd20, %fd1;\nmov.b64 %rd20, %fd20;",
                    (a, b) -> Double.doubleToRawLongBits(integral(d(b), m)), 64));
        }
        // narrow destinations in 32-bit registers: clamped to the narrow range, then sign- or zero-extended
        c.add(new Case("cvt.rzi.s16.f32", "cvt.rzi.s16.f32 %r20, %f1;\ncvt.u64.u32 %rd20, %r20;", (a, b) -> u32(toSigned(f(a), "rzi", 16, true))));
        c.add(new Case("cvt.rni.u8.f32", "cvt.rni.u8.f32 %r20, %f1;\ncvt.u64.u32 %rd20, %r20;", (a, b) -> u32(toUnsigned(f(a), "rni", 8, true))));
        c.add(new Case("cvt.rmi.s8.f64", "cvt.rmi.s8.f64 %r20, %fd1;\ncvt.u64.u32 %rd20, %r20;", (a, b) -> u32(toSigned(d(b), "rmi", 8, false))));
        // float <-> double
        c.add(new Case("cvt.f64.f32", "cvt.f64.f32 %fd20, %f1;\nmov.b64 %rd20, %fd20;", (a, b) -> Double.doubleToRawLongBits((double) f(a)), 64));
        for (String m : FRND) {
            c.add(new Case("cvt." + m + ".f32.f64", "cvt." + m + ".f32.f64 %f20, %fd1;\nmov.b32 %r20, %f20;\ncvt.u64.u32 %rd20, %r20;",
                    (a, b) -> u32(doubleToFloatBits(d(b), m)), 32));
        }
        return c;
    }

    static final float[] SPECIAL_F = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 0.5f, -0.5f, 1.5f, 2.5f, -2.5f,
        -1.5f, 0.49999997f, 2147483520f, 2147483648f, -2147483648f, -2147483904f, 4294967040f, 4294967296f, 1e20f, -1e20f,
        9223371487098961920f, 9223372036854775808f, 18446744073709551616f, 255.5f, 256f, -0.9f, 65535.5f, 32767.6f, -32768.6f, 127.5f,
        -128.5f, 3.4028235e38f, 1.4e-45f, -1.4e-45f};
    static final double[] SPECIAL_D = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 0.5, -0.5, 2.5, -3.5,
        2147483647.5, 2147483647.4, -2147483648.5, -2147483648.4, 4294967295.5, 4294967294.5, -0.7, 9.2233720368547758E18, -9.2233720368547758E18,
        1e19, 127.3, -128.7, 1e30, -1e30, 3.4028234663852886E38, 3.4028235677973366E38, 3.402823669209385E38, -1e39, 1.0000000596046448, 1.0000000596046449, 4.9e-324, -1.5e-45};

    @Test
    void floatToIntegerRoundingSaturationAndNaN() {
        List<Case> cases = floatToIntCases();
        int n = 192;
        Random r = new Random(31337);
        float[] xs = new float[n];
        double[] ys = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = i < SPECIAL_F.length ? SPECIAL_F[i] : (float) (r.nextGaussian() * Math.pow(10, r.nextInt(12)));
            ys[i] = i < SPECIAL_D.length ? SPECIAL_D[i] : (i % 3 == 0 ? Math.round(r.nextGaussian() * 1000) + 0.5 * (r.nextInt(3) - 1)
                    : r.nextGaussian() * Math.pow(10, r.nextInt(22)));
        }
        // in: 16 bytes per thread: f32 x at +0, f64 y at +8
        PtxVm.Buffer in = t.vm.allocate(16L * n);
        for (int i = 0; i < n; i++) {
            in.segment().set(java.lang.foreign.ValueLayout.JAVA_FLOAT, 16L * i, xs[i]);
            in.segment().set(java.lang.foreign.ValueLayout.JAVA_DOUBLE, 16L * i + 8, ys[i]);
        }
        String load = "ld.global.f32 %f1, [%rd6];\nld.global.f64 %fd1, [%rd6+8];\n";
        long[] as = new long[n], bs = new long[n];
        for (int i = 0; i < n; i++) {
            as[i] = Float.floatToRawIntBits(xs[i]) & 0xffffffffL;
            bs[i] = Double.doubleToRawLongBits(ys[i]);
        }
        check(cases, load, 16, in, n, as, bs);
    }

    // ---- int -> float --------------------------------------------------------------------------------

    static List<Case> intToFloatCases() {
        List<Case> c = new ArrayList<>();
        record Src(String type, String reg, LongUnaryOperator value, boolean unsigned) {}
        Src[] srcs = {
            new Src("s32", "%r1", v -> (int) v, false), new Src("u32", "%r1", v -> v & 0xffffffffL, false),
            new Src("s64", "%rd10", v -> v, false), new Src("u64", "%rd10", v -> v, true)};
        for (Src s : srcs) {
            for (String m : FRND) {
                c.add(new Case("cvt." + m + ".f32." + s.type, "cvt." + m + ".f32." + s.type + " %f20, " + s.reg
                        + ";\nmov.b32 %r20, %f20;\ncvt.u64.u32 %rd20, %r20;", (a, b) -> {
                            long v = s.value.applyAsLong(b);
                            BigDecimal e = s.unsigned ? new BigDecimal(Long.toUnsignedString(v)) : BigDecimal.valueOf(v);
                            return u32((int) FloatArithmeticTest.round(w -> w.compareTo(e), e.doubleValue(), m, true));
                        }));
                c.add(new Case("cvt." + m + ".f64." + s.type, "cvt." + m + ".f64." + s.type + " %fd20, " + s.reg + ";\nmov.b64 %rd20, %fd20;",
                        (a, b) -> {
                            long v = s.value.applyAsLong(b);
                            BigDecimal e = s.unsigned ? new BigDecimal(Long.toUnsignedString(v)) : BigDecimal.valueOf(v);
                            return FloatArithmeticTest.round(w -> w.compareTo(e), e.doubleValue(), m, false);
                        }));
            }
        }
        return c;
    }

    @Test
    void integerToFloatInEveryRoundingMode() {
        int n = 128;
        Random r = new Random(8);
        long[] vs = new long[n];
        long[] edges = {0, 1, -1, 16777217, -16777217, 0x7fffffffL, 0x80000000L, 0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, -1L >>> 1,
            (1L << 53) + 1, -(1L << 53) - 1, 0xfffffffffffff801L, 0x8000000000000400L};
        for (int i = 0; i < n; i++) vs[i] = i < edges.length ? edges[i] : r.nextLong() >> r.nextInt(63);
        PtxVm.Buffer in = t.longs(vs);
        String load = "ld.global.u64 %rd10, [%rd6];\ncvt.u32.u64 %r1, %rd10;\n";
        check(intToFloatCases(), load, 8, in, n, new long[n], vs);
    }

    // ---- int -> int ----------------------------------------------------------------------------------

    static List<Case> intToIntCases() {
        List<Case> c = new ArrayList<>();
        record I(String ptx, LongUnaryOperator f) {}
        // v is the thread's 64-bit value (%rd10); %r1 holds its low 32 bits
        I[] ops = {
            new I("cvt.s8.s32 %r20, %r1;", v -> u32((byte) v)),                 // chop to 8 bits, sign-extend into the register
            new I("cvt.u8.s32 %r20, %r1;", v -> v & 0xff),                      // chop, zero-extend
            new I("cvt.s16.u32 %r20, %r1;", v -> u32((short) v)),
            new I("cvt.u16.s64 %r20, %rd10;", v -> v & 0xffff),
            new I("cvt.s32.s8 %r20, %r1;", v -> u32((byte) v)),                 // source chopped to s8, then widened
            new I("cvt.u32.u8 %r20, %r1;", v -> v & 0xff),
            new I("cvt.s32.s16 %r20, %r1;", v -> u32((short) v)),
            new I("cvt.sat.s8.s32 %r20, %r1;", v -> u32(clamp((int) v, -128, 127))),
            new I("cvt.sat.u8.s32 %r20, %r1;", v -> clamp((int) v, 0, 255)),
            new I("cvt.sat.s16.s32 %r20, %r1;", v -> u32(clamp((int) v, -32768, 32767))),
            new I("cvt.sat.u16.s32 %r20, %r1;", v -> clamp((int) v, 0, 65535)),
            new I("cvt.sat.u16.u32 %r20, %r1;", v -> Math.min(v & 0xffffffffL, 65535)),
            new I("cvt.sat.s32.u32 %r20, %r1;", v -> Math.min(v & 0xffffffffL, Integer.MAX_VALUE)),
            new I("cvt.sat.u32.s32 %r20, %r1;", v -> Math.max((int) v, 0)),
            new I("cvt.sat.s32.s64 %r20, %rd10;", v -> u32(clamp(v, Integer.MIN_VALUE, Integer.MAX_VALUE))),
            new I("cvt.sat.u32.s64 %r20, %rd10;", v -> clamp(v, 0, 0xffffffffL)),
            new I("cvt.u32.u64 %r20, %rd10;", v -> v & 0xffffffffL),
            new I("cvt.s32.s64 %r20, %rd10;", v -> v & 0xffffffffL),
        };
        I[] wide = {
            new I("cvt.sat.s64.u64 %rd20, %rd10;", v -> v < 0 ? Long.MAX_VALUE : v),
            new I("cvt.sat.u64.s64 %rd20, %rd10;", v -> Math.max(v, 0)),
            new I("cvt.s64.s32 %rd20, %r1;", v -> (int) v),                      // sign-extend
            new I("cvt.u64.u32 %rd20, %r1;", v -> v & 0xffffffffL),             // zero-extend
            new I("cvt.u64.s32 %rd20, %r1;", v -> (int) v),                      // signed source: sign-extend
            new I("cvt.s64.u32 %rd20, %r1;", v -> v & 0xffffffffL),             // unsigned source: zero-extend
            new I("cvt.s64.s16 %rd20, %rd10;", v -> (short) v),
        };
        for (I o : ops) c.add(new Case(o.ptx, o.ptx + "\ncvt.u64.u32 %rd20, %r20;", (a, b) -> o.f.applyAsLong(b)));
        for (I o : wide) c.add(new Case(o.ptx, o.ptx, (a, b) -> o.f.applyAsLong(b)));
        return c;
    }

    @Test
    void integerToIntegerChopExtendAndSaturate() {
        int n = 128;
        Random r = new Random(12);
        long[] edges = {0, 1, -1, 127, 128, -128, -129, 255, 256, 0x7fff, 0x8000, -32769, 0xffff, 0x10000, 0x7fffffffL, 0x80000000L,
            0xffffffffL, 0x100000000L, -0x80000001L, Long.MAX_VALUE, Long.MIN_VALUE, 0x12345678_9abcdef0L};
        long[] vs = new long[n];
        for (int i = 0; i < n; i++) vs[i] = i < edges.length ? edges[i] : r.nextLong() >> r.nextInt(64);
        String load = "ld.global.u64 %rd10, [%rd6];\ncvt.u32.u64 %r1, %rd10;\n";
        check(intToIntCases(), load, 8, t.longs(vs), n, new long[n], vs);
    }

    // ---- f16 --------------------------------------------------------------------------------------

    static List<Case> halfCases() {
        List<Case> c = new ArrayList<>();
        for (String m : FRND) {
            c.add(new Case("cvt." + m + ".f16.f32", "cvt." + m + ".f16.f32 %h1, %f1;\ncvt.u32.u16 %r20, %h1;\ncvt.u64.u32 %rd20, %r20;",
                    (a, b) -> halfBits(f(a), m), 16));
        }
        c.add(new Case("cvt.f32.f16 (round trip)", "cvt.rn.f16.f32 %h1, %f1;\ncvt.f32.f16 %f20, %h1;\nmov.b32 %r20, %f20;\ncvt.u64.u32 %rd20, %r20;",
                (a, b) -> u32(Float.floatToRawIntBits(Float.float16ToFloat(Float.floatToFloat16(f(a))))), 32));
        c.add(new Case("cvt.f64.f16", "cvt.rn.f16.f32 %h1, %f1;\ncvt.f64.f16 %fd20, %h1;\nmov.b64 %rd20, %fd20;",
                (a, b) -> Double.doubleToRawLongBits(Float.float16ToFloat(Float.floatToFloat16(f(a)))), 64));
        return c;
    }

    @Test
    void halfPrecisionConversions() {
        float[] special = {1f / 3, -1f / 3, 65504f, 65520f, 70000f, -70000f, 1e-5f, -1e-5f, 5.96e-8f, 2.9e-8f, 3e-8f, 1e-9f, -1e-9f, 0f, -0f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1.0009766f, 2049f, 2051f, 6.1035156e-5f};
        int n = 96;
        Random r = new Random(3);
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) xs[i] = i < special.length ? special[i] : (float) (r.nextGaussian() * Math.pow(2, r.nextInt(40) - 24));
        String load = "ld.global.f32 %f1, [%rd6];\n";
        long[] as = new long[n];
        for (int i = 0; i < n; i++) as[i] = Float.floatToRawIntBits(xs[i]) & 0xffffffffL;
        check(halfCases(), load, 4, t.floats(xs), n, as, new long[n]);
        // hand-checked anchors: 1/3 -> 0x3555 (rn, rz, rm) / 0x3556 (rp); 70000 -> inf (rn, rp) / 0x7BFF (rz, rm)
        assertTrue(halfBits(1f / 3, "rn") == 0x3555 && halfBits(1f / 3, "rp") == 0x3556 && halfBits(-1f / 3, "rm") == 0xb556);
        assertTrue(halfBits(70000f, "rn") == 0x7c00 && halfBits(70000f, "rz") == 0x7bff && halfBits(-70000f, "rm") == 0xfc00);
    }

    @Test
    void halfNaNConvertsToNaN() {
        int[] r = t.run1(Vm.kernel("""
                    mov.b32 %f1, 0f7FC00000;
                    cvt.rn.f16.f32 %h1, %f1;                 // NaN stays NaN in half precision
                    cvt.u32.u16 %r1, %h1;
                    cvt.f32.f16 %f2, %h1;
                    mov.b32 %r2, %f2;
                    mov.b16 %h2, 0x3C00;                     // 1.0 in half
                    cvt.f32.f16 %f3, %h2;
                    mov.b32 %r3, %f3;
                    """ + Vm.store32("%r1", "%r2", "%r3")), 3);
        assertTrue((r[0] & 0x7c00) == 0x7c00 && (r[0] & 0x3ff) != 0, "f16 NaN: " + Vm.hex(r[0]));
        assertTrue(Float.isNaN(Float.intBitsToFloat(r[1])), "back to f32 NaN: " + Vm.hex(r[1]));
        assertTrue(r[2] == 0x3f800000, Vm.hex(r[2]));
    }

    // ---- setp --------------------------------------------------------------------------------------

    static final String[] FCMP = {"eq", "ne", "lt", "le", "gt", "ge", "equ", "neu", "ltu", "leu", "gtu", "geu", "num", "nan"};
    static final String[] SCMP = {"eq", "ne", "lt", "le", "gt", "ge"};
    static final String[] UCMP = {"eq", "ne", "lt", "le", "gt", "ge", "lo", "ls", "hi", "hs"};

    static boolean fcmp(String op, double a, double b) {
        boolean u = Double.isNaN(a) || Double.isNaN(b);
        return switch (op) {
            case "eq" -> a == b;
            case "ne" -> !u && a != b;               // ordered: false on NaN
            case "lt" -> a < b;
            case "le" -> a <= b;
            case "gt" -> a > b;
            case "ge" -> a >= b;
            case "equ" -> u || a == b;               // unordered: true on NaN
            case "neu" -> u || a != b;
            case "ltu" -> u || a < b;
            case "leu" -> u || a <= b;
            case "gtu" -> u || a > b;
            case "geu" -> u || a >= b;
            case "num" -> !u;
            case "nan" -> u;
            default -> throw new IllegalArgumentException(op);
        };
    }

    static boolean icmp(String op, int c) {
        return switch (op) {
            case "eq" -> c == 0;
            case "ne" -> c != 0;
            case "lt", "lo" -> c < 0;
            case "le", "ls" -> c <= 0;
            case "gt", "hi" -> c > 0;
            case "ge", "hs" -> c >= 0;
            default -> throw new IllegalArgumentException(op);
        };
    }

    static List<Case> setpCases() {
        List<Case> c = new ArrayList<>();
        // x carries a's bits, y carries b's bits (as f32 in the low word and as f64 in the whole)
        String[] types = {"f32", "f64", "s32", "u32", "s64", "u64", "b32"};
        for (String ty : types) {
            String[] ops = switch (ty) {
                case "f32", "f64" -> FCMP;
                case "s32", "s64" -> SCMP;
                case "b32" -> new String[] {"eq", "ne"};
                default -> UCMP;
            };
            StringBuilder p = new StringBuilder("mov.u32 %r20, 0;\n");
            String a = switch (ty) { case "f32" -> "%f1"; case "f64" -> "%fd1"; case "s64", "u64" -> "%rd11"; default -> "%r11"; };
            String b = switch (ty) { case "f32" -> "%f2"; case "f64" -> "%fd2"; case "s64", "u64" -> "%rd12"; default -> "%r12"; };
            for (int k = 0; k < ops.length; k++) {
                p.append("setp.").append(ops[k]).append('.').append(ty).append(" %p1, ").append(a).append(", ").append(b).append(";\n")
                        .append("selp.b32 %r21, ").append(1 << k).append(", 0, %p1;\n").append("or.b32 %r20, %r20, %r21;\n");
            }
            p.append("cvt.u64.u32 %rd20, %r20;");
            String[] fops = ops;
            c.add(new Case("setp.*." + ty, p.toString(), (bitsA, bitsB) -> {
                long mask = 0;
                for (int k = 0; k < fops.length; k++) {
                    boolean res = switch (ty) {
                        case "f32" -> fcmp(fops[k], Float.intBitsToFloat((int) bitsA), Float.intBitsToFloat((int) bitsB));
                        case "f64" -> fcmp(fops[k], Double.longBitsToDouble(bitsA), Double.longBitsToDouble(bitsB));
                        case "s32", "b32" -> icmp(fops[k], Integer.compare((int) bitsA, (int) bitsB));
                        case "u32" -> icmp(fops[k], Integer.compareUnsigned((int) bitsA, (int) bitsB));
                        case "s64" -> icmp(fops[k], Long.compare(bitsA, bitsB));
                        default -> icmp(fops[k], Long.compareUnsigned(bitsA, bitsB));
                    };
                    if (res) mask |= 1L << k;
                }
                return mask;
            }));
        }
        return c;
    }

    @Test
    void setpEveryComparisonOnEveryTypeIncludingNaN() {
        // pairs of 64-bit patterns; the low 32 bits are the f32/s32/u32 operands, the whole the f64/s64/u64 ones
        long[] fe = {fb(Float.NaN), fb(1f), fb(-1f), fb(0f), fb(-0f), fb(Float.POSITIVE_INFINITY), fb(Float.NEGATIVE_INFINITY), fb(2.5f)};
        long[] de = {db(Double.NaN), db(1), db(-1), db(0.0), db(-0.0), db(Double.POSITIVE_INFINITY), db(2.5), 0x7ff0000000000001L};
        long[] ie = {0, 1, -1, 0x7fffffffL, 0x80000000L, 0xffffffffL, Long.MIN_VALUE, Long.MAX_VALUE};
        List<long[]> pairs = new ArrayList<>();
        for (long[] set : new long[][] {fe, de, ie}) for (long a : set) for (long b : set) pairs.add(new long[] {a, b});
        Random r = new Random(17);
        for (int i = 0; i < 64; i++) {
            long a = r.nextLong();
            pairs.add(new long[] {a, i % 4 == 0 ? a : r.nextLong()});
        }
        int n = pairs.size();
        long[] in = new long[2 * n];
        for (int i = 0; i < n; i++) {
            in[2 * i] = pairs.get(i)[0];
            in[2 * i + 1] = pairs.get(i)[1];
        }
        String load = """
                ld.global.u64 %rd11, [%rd6];
                ld.global.u64 %rd12, [%rd6+8];
                cvt.u32.u64 %r11, %rd11;
                cvt.u32.u64 %r12, %rd12;
                mov.b32 %f1, %r11;
                mov.b32 %f2, %r12;
                mov.b64 %fd1, %rd11;
                mov.b64 %fd2, %rd12;
                """;
        long[] as = new long[n], bs = new long[n];
        for (int i = 0; i < n; i++) {
            as[i] = in[2 * i];
            bs[i] = in[2 * i + 1];
        }
        check(setpCases(), load, 16, t.longs(in), n, as, bs);
    }

    @Test
    void setpBooleanCombinationTwoDestinationsSelpAndGuards() {
        // c = (a & 1) != 0; t = a < b (signed); tf = fa >= fb (ordered)
        String ops = """
                and.b32 %r30, %r11, 1;
                setp.ne.u32 %p3, %r30, 0;                        // c
                setp.lt.and.s32 %p4|%p5, %r11, %r12, %p3;        // p = t & c, q = !t & c
                setp.lt.or.s32 %p6|%p7, %r11, %r12, !%p3;        // p = t | !c, q = !t | !c
                setp.ge.xor.f32 %p8|%p9, %f1, %f2, %p3;          // p = tf ^ c, q = !tf ^ c
                setp.hi.and.u32 %p11|%p10, %r11, %r12, %p3;      // q = !(a >u b) & c
                mov.u32 %r20, 0;
                selp.b32 %r21, 1, 0, %p4;
                or.b32 %r20, %r20, %r21;
                selp.b32 %r21, 2, 0, %p5;
                or.b32 %r20, %r20, %r21;
                selp.b32 %r21, 4, 0, %p6;
                or.b32 %r20, %r20, %r21;
                selp.b32 %r21, 8, 0, %p7;
                or.b32 %r20, %r20, %r21;
                selp.b32 %r21, 16, 0, %p8;
                or.b32 %r20, %r20, %r21;
                selp.b32 %r21, 32, 0, %p9;
                or.b32 %r20, %r20, %r21;
                selp.b32 %r21, 64, 0, %p10;
                or.b32 %r20, %r20, %r21;
                @%p4 or.b32 %r20, %r20, 0x100;                   // guard: only where p4
                @!%p4 or.b32 %r20, %r20, 0x200;                  // negated guard: only where !p4
                selp.s32 %r22, %r11, %r12, %p6;                  // selp picks a when true
                selp.f32 %f22, %f1, %f2, %p8;
                mov.b32 %r23, %f22;
                xor.b32 %r22, %r22, %r23;
                shl.b32 %r22, %r22, 12;
                or.b32 %r20, %r20, %r22;
                cvt.u64.u32 %rd20, %r20;
                """;
        int n = 100;
        Random r = new Random(23);
        long[] in = new long[2 * n];
        for (int i = 0; i < n; i++) {
            int a = i < 8 ? new int[] {0, 1, -1, 5, fbi(Float.NaN), fbi(1f), fbi(-2f), 7}[i] : r.nextInt();
            int b = i < 8 ? new int[] {0, 2, -1, 5, fbi(1f), fbi(Float.NaN), fbi(-2f), -7}[i] : (i % 5 == 0 ? a : r.nextInt());
            in[2 * i] = a & 0xffffffffL;
            in[2 * i + 1] = b & 0xffffffffL;
        }
        String load = """
                ld.global.u32 %r11, [%rd6];
                ld.global.u32 %r12, [%rd6+8];
                mov.b32 %f1, %r11;
                mov.b32 %f2, %r12;
                """;
        Case real = new Case("setp combinations", ops, (la, lb) -> {
            int a = (int) la, b = (int) lb;
            boolean cc = (a & 1) != 0, lt = a < b, ge = f(la) >= f(lb), hi = Integer.compareUnsigned(a, b) > 0;
            boolean p4 = lt & cc, p5 = !lt & cc, p6 = lt | !cc, p7 = !lt | !cc, p8 = ge ^ cc, p9 = !ge ^ cc, p10 = !hi & cc;
            int m = (p4 ? 1 : 0) | (p5 ? 2 : 0) | (p6 ? 4 : 0) | (p7 ? 8 : 0) | (p8 ? 16 : 0) | (p9 ? 32 : 0) | (p10 ? 64 : 0);
            m |= p4 ? 0x100 : 0x200;
            int sel = (p6 ? a : b) ^ (p8 ? a : b);
            m |= sel << 12;
            return u32(m);
        });
        long[] as = new long[n], bs = new long[n];
        for (int i = 0; i < n; i++) {
            as[i] = in[2 * i];
            bs[i] = in[2 * i + 1];
        }
        check(List.of(real), load, 16, t.longs(in), n, as, bs);
    }

    @Test
    void setpSinkDestination() {
        int[] r = t.run1(Vm.kernel("""
                    setp.eq.u32 %p1, 1, 1;
                    setp.lt.and.s32 _|%p2, 5, 3, %p1;        // '_' discards p; q = !(5 < 3) & c = true
                    selp.u32 %r1, 1, 0, %p2;
                    setp.gt.s32 %p3|_, 5, 3;                 // sink for q
                    selp.u32 %r2, 1, 0, %p3;
                    """ + Vm.store32("%r1", "%r2")), 2);
        assertArrayEquals(new int[] {1, 1}, r);
    }

    @Test
    void setpOnExactValuesWrittenOut() {
        // a compact, fully hand-checked table on NaN: ordered comparisons false, unordered ones true
        StringBuilder body = new StringBuilder("    mov.b32 %f1, 0f7FC00000;\n    mov.b32 %f2, 0f3F800000;\n    mov.u32 %r20, 0;\n");
        for (int k = 0; k < FCMP.length; k++) {
            body.append("    setp.").append(FCMP[k]).append(".f32 %p1, %f1, %f2;\n    selp.b32 %r21, ").append(1 << k)
                    .append(", 0, %p1;\n    or.b32 %r20, %r20, %r21;\n");
        }
        body.append("    setp.lo.u32 %p2, 1, 0xFFFFFFFF;\n    selp.b32 %r22, 1, 0, %p2;\n");       // 1 <u 2^32-1
        body.append("    setp.lt.s32 %p3, 1, 0xFFFFFFFF;\n    selp.b32 %r23, 1, 0, %p3;\n");       // 1 <s -1: false
        body.append("    setp.hs.u64 %p4, 0x8000000000000000, 1;\n    selp.b32 %r24, 1, 0, %p4;\n");
        body.append("    setp.ls.u32 %p5, 7, 7;\n    selp.b32 %r25, 1, 0, %p5;\n");
        body.append(Vm.store32("%r20", "%r22", "%r23", "%r24", "%r25"));
        int[] r = t.run1(Vm.kernel(body.toString()), 5);
        // eq ne lt le gt ge: 0; equ neu ltu leu gtu geu: 1; num: 0; nan: 1  ->  bits 6..11 and 13
        assertArrayEquals(new int[] {0b10_1111_1100_0000, 1, 0, 1, 1}, r);
    }

    // ---- running a case list -------------------------------------------------------------------------

    /**
     * Runs every case on n threads (thread i reads its inputs at in + i*inStride) and compares each 64-bit
     * result with the case's expected value for the thread's raw input patterns as[i], bs[i].
     */
    void check(List<Case> cases, String load, int inStride, PtxVm.Buffer in, int n, long[] as, long[] bs) {
        StringBuilder ops = new StringBuilder();
        for (int k = 0; k < cases.size(); k++) ops.append(cases.get(k).ptx).append("\nst.global.b64 [%rd8+").append(8 * k).append("], %rd20;\n");
        String ptx = kernel(load, ops.toString(), inStride, 8 * cases.size());
        PtxVm.Buffer out = t.out(8L * n * cases.size());
        t.run(ptx, new int[] {(n + 63) / 64, 1, 1}, new int[] {64, 1, 1}, out, in, n);
        long[] got = Vm.longs(out, n * cases.size());
        Map<String, String> wrong = new TreeMap<>();
        Map<String, Integer> count = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < cases.size(); k++) {
                Case c = cases.get(k);
                long want = c.expected.at(as[i], bs[i]);
                long g = got[i * cases.size() + k];
                if (g != want && !bothNaN(c.nanWidth, want, g)) {
                    count.merge(c.name, 1, Integer::sum);
                    wrong.putIfAbsent(c.name, "a=" + Vm.hex(as[i]) + " (f32 " + f(as[i]) + ") b=" + Vm.hex(bs[i]) + " (f64 " + d(bs[i])
                            + "): expected " + Vm.hex(want) + ", got " + Vm.hex(g));
                }
            }
        }
        assertTrue(wrong.isEmpty(), "wrong results (of " + n + " each): " + FloatArithmeticTest.summary(wrong, count));
    }

    static boolean bothNaN(int width, long want, long got) {
        return switch (width) {
            case 16 -> isHalfNaN(want) && isHalfNaN(got);
            case 32 -> (got >>> 32) == 0 && Float.isNaN(f(want)) && Float.isNaN(f(got));
            case 64 -> Double.isNaN(d(want)) && Double.isNaN(d(got));
            default -> false;
        };
    }

    static boolean isHalfNaN(long h) {
        return h >= 0 && h <= 0xffff && (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
    }

    static String kernel(String load, String ops, int inStride, int rowBytes) {
        return """
                .version 9.0
                .target sm_80
                .address_size 64

                .visible .entry k(.param .u64 out, .param .u64 in, .param .u32 n)
                {
                    .reg .pred %p<16>;
                    .reg .b16 %h<8>;
                    .reg .b32 %r<40>;
                    .reg .b64 %rd<40>;
                    .reg .f32 %f<40>;
                    .reg .f64 %fd<40>;
                    ld.param.u64 %rd1, [out];
                    ld.param.u64 %rd3, [in];
                    ld.param.u32 %r2, [n];
                    cvta.to.global.u64 %rd2, %rd1;
                    cvta.to.global.u64 %rd4, %rd3;
                    mov.u32 %r3, %ctaid.x;
                    mov.u32 %r4, %ntid.x;
                    mov.u32 %r5, %tid.x;
                    mad.lo.s32 %r6, %r3, %r4, %r5;
                    setp.ge.u32 %p15, %r6, %r2;
                    @%p15 bra DONE;
                """ + "    mul.wide.u32 %rd5, %r6, " + inStride + ";\n" + """
                    add.s64 %rd6, %rd4, %rd5;
                """ + "    mul.wide.u32 %rd7, %r6, " + rowBytes + ";\n" + """
                    add.s64 %rd8, %rd2, %rd7;
                """ + load.indent(4) + ops.indent(4) + """
                DONE:
                    ret;
                }
                """;
    }

    // ---- the ISA's conversion rules ------------------------------------------------------------------

    static long u32(long v) {
        return v & 0xffffffffL;
    }

    static long fb(float f) {
        return Float.floatToRawIntBits(f) & 0xffffffffL;
    }

    static int fbi(float f) {
        return Float.floatToRawIntBits(f);
    }

    static long db(double d) {
        return Double.doubleToRawLongBits(d);
    }

    static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** Integer rounding: rni to nearest even, rzi toward zero, rmi down, rpi up. */
    static double integral(double v, String m) {
        return switch (m) {
            case "rni" -> Math.rint(v);
            case "rzi" -> v < 0 ? Math.ceil(v) : Math.floor(v);
            case "rmi" -> Math.floor(v);
            case "rpi" -> Math.ceil(v);
            default -> throw new IllegalArgumentException(m);
        };
    }

    /**
     * Float to signed integer of {@code bits}: rounded, then clamped to the destination range (cvt always
     * saturates float-to-int). NaN gives 0, except from an f64 source or to a 64-bit destination, where it
     * gives 1 << (bits-1), i.e. MININT.
     */
    static long toSigned(double v, String m, int bits, boolean f32Source) {
        if (Double.isNaN(v)) return (f32Source && bits < 64) ? 0 : signExtend(1L << (bits - 1), bits);
        double r = integral(v, m);
        double max = Math.pow(2, bits - 1);
        if (r >= max) return bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1;
        if (r < -max) return bits == 64 ? Long.MIN_VALUE : -(1L << (bits - 1));
        return (long) r;
    }

    /** Float to unsigned integer of {@code bits}: negative values clamp to 0, large ones to the maximum; NaN as in toSigned. */
    static long toUnsigned(double v, String m, int bits, boolean f32Source) {
        if (Double.isNaN(v)) return (f32Source && bits < 64) ? 0 : 1L << (bits - 1);
        double r = integral(v, m);
        if (r <= 0) return 0;
        if (r >= Math.pow(2, bits)) return mask(bits);
        if (bits == 64 && r >= 0x1p63) return (long) (r - 0x1p63) | Long.MIN_VALUE;
        return (long) r;
    }

    static long mask(int bits) {
        return bits == 64 ? -1L : (1L << bits) - 1;
    }

    static long signExtend(long v, int bits) {
        return bits == 64 ? v : (v << (64 - bits)) >> (64 - bits);
    }

    static int doubleToFloatBits(double y, String m) {
        if (Double.isNaN(y)) return 0x7fffffff;
        if (Double.isInfinite(y)) return Float.floatToRawIntBits((float) y);
        BigDecimal e = new BigDecimal(y);
        if (y == 0) return Float.floatToRawIntBits((float) y);
        return (int) FloatArithmeticTest.round(w -> w.compareTo(e), y, m, true);
    }

    /** f32 -> f16 in a rounding mode: the two halves around x by exact comparison, then the mode picks one. */
    static long halfBits(float x, String m) {
        if (Float.isNaN(x)) return 0x7fff;
        short rn = Float.floatToFloat16(x);
        if (m.equals("rn")) return rn & 0xffff;
        int h = rn & 0xffff;
        float v = Float.float16ToFloat((short) h);
        if (v == x) return h;
        int lo, hi;
        if (v < x) {
            lo = h;
            hi = nextHalfUp(h);
        } else {
            hi = h;
            lo = nextHalfDown(h);
        }
        boolean positive = x > 0;
        return switch (m) {
            case "rz" -> positive ? lo : hi;
            case "rm" -> lo;
            case "rp" -> hi;
            default -> throw new IllegalArgumentException(m);
        };
    }

    static int nextHalfUp(int h) {
        if ((h & 0x8000) == 0) return h + 1;
        return h == 0x8000 ? 0x0001 : h - 1;
    }

    static int nextHalfDown(int h) {
        if ((h & 0x8000) != 0) return h + 1;
        return h == 0 ? 0x8001 : h - 1;
    }
}
