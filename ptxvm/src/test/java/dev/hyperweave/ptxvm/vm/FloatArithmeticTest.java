package dev.hyperweave.ptxvm.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hyperweave.ptxvm.PtxVm;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Floating-point instructions (PTX ISA 9.7.3): IEEE rounding modes computed exactly with BigDecimal,
 * .ftz and .sat, min/max NaN rules, sign operations, testp classes, approximate functions against the
 * ISA's stated error bounds, and the hex float immediates.
 */
class FloatArithmeticTest {
    private final Vm t = new Vm();

    @AfterEach
    void close() {
        t.close();
    }

    static final String[] MODES = {"rn", "rz", "rm", "rp"};
    static final String[] OPS = {"add", "sub", "mul", "fma", "div", "sqrt", "rcp"};

    /** For each op and each mode: "op.mode.type %dst, operands; st.global.bN [%rd8+k], %dst;". */
    static String roundingOps(String type) {
        boolean f32 = type.equals("f32");
        String a = f32 ? "%f1" : "%fd1", b = f32 ? "%f2" : "%fd2", c = f32 ? "%f3" : "%fd3", abs = f32 ? "%f4" : "%fd4";
        String d = f32 ? "%f10" : "%fd10";
        int size = f32 ? 4 : 8;
        StringBuilder s = new StringBuilder("abs." + type + " " + abs + ", " + a + ";\n");
        int k = 0;
        for (String op : OPS) {
            for (String m : MODES) {
                String operands = switch (op) {
                    case "fma" -> a + ", " + b + ", " + c;
                    case "sqrt" -> abs;
                    case "rcp" -> a;
                    default -> a + ", " + b;
                };
                s.append(op).append('.').append(m).append('.').append(type).append(' ').append(d).append(", ").append(operands).append(";\n");
                s.append("st.global.b").append(8 * size).append(" [%rd8+").append(size * k++).append("], ").append(d).append(";\n");
            }
        }
        return s.toString();
    }

    @Test
    void f32RoundingModesAreCorrectlyRounded() {
        int n = 150;
        Random r = new Random(4242);
        float[] in = new float[3 * n];
        for (int i = 0; i < in.length; i++) in[i] = randomFloat(r);
        int nops = OPS.length * MODES.length;
        String ptx = kernel3("f32", 4, roundingOps("f32"), 4 * nops);
        PtxVm.Buffer out = t.out(4L * n * nops);
        t.run(ptx, new int[] {3, 1, 1}, new int[] {64, 1, 1}, out, t.floats(in), n);
        int[] got = Vm.ints(out, n * nops);
        int differing = 0;
        Map<String, String> wrong = new TreeMap<>();
        Map<String, Integer> wrongCount = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            float a = in[3 * i], b = in[3 * i + 1], c = in[3 * i + 2];
            int k = 0;
            for (String op : OPS) {
                int[] perMode = new int[4];
                for (int mi = 0; mi < 4; mi++) {
                    Exact e = exact(op, a, b, c);
                    double approx = approx(op, a, b, c);
                    float want = Float.intBitsToFloat((int) round(e, approx, MODES[mi], true));
                    perMode[mi] = Float.floatToRawIntBits(want);
                    int g = got[i * nops + k++];
                    if (Float.floatToRawIntBits(want) != g) {
                        String name = op + "." + MODES[mi] + ".f32";
                        wrongCount.merge(name, 1, Integer::sum);
                        wrong.putIfAbsent(name, "a=" + a + " b=" + b + " c=" + c + ": expected " + want + " ("
                                + Vm.hex(Float.floatToRawIntBits(want)) + "), got " + Float.intBitsToFloat(g) + " (" + Vm.hex(g) + ")");
                    }
                }
                if (perMode[2] != perMode[3]) differing++;
            }
        }
        assertTrue(wrong.isEmpty(), "wrongly rounded results (count of " + n + " per op): " + summary(wrong, wrongCount));
        assertTrue(differing > n, "the inputs should make .rm and .rp differ often; they differed " + differing + " times");
    }

    static String summary(Map<String, String> wrong, Map<String, Integer> counts) {
        StringBuilder b = new StringBuilder();
        wrong.forEach((k, v) -> b.append("\n  ").append(k).append(" x").append(counts.get(k)).append(", e.g. ").append(v));
        return b.toString();
    }

    @Test
    void f64RoundingModesAreCorrectlyRounded() {
        int n = 100;
        Random r = new Random(99);
        double[] in = new double[3 * n];
        for (int i = 0; i < in.length; i++) in[i] = randomDouble(r);
        int nops = OPS.length * MODES.length;
        String ptx = kernel3("f64", 8, roundingOps("f64"), 8 * nops);
        PtxVm.Buffer out = t.out(8L * n * nops);
        t.run(ptx, new int[] {2, 1, 1}, new int[] {64, 1, 1}, out, t.doubles(in), n);
        long[] got = Vm.longs(out, n * nops);
        Map<String, String> wrong = new TreeMap<>();
        Map<String, Integer> wrongCount = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            double a = in[3 * i], b = in[3 * i + 1], c = in[3 * i + 2];
            int k = 0;
            for (String op : OPS) {
                for (String m : MODES) {
                    long want = round(exact(op, a, b, c), approx(op, a, b, c), m, false);
                    long g = got[i * nops + k++];
                    if (want != g) {
                        String name = op + "." + m + ".f64";
                        wrongCount.merge(name, 1, Integer::sum);
                        wrong.putIfAbsent(name, "a=" + a + " b=" + b + " c=" + c + ": expected " + Double.longBitsToDouble(want)
                                + " (" + Vm.hex(want) + "), got " + Double.longBitsToDouble(g) + " (" + Vm.hex(g) + ")");
                    }
                }
            }
        }
        assertTrue(wrong.isEmpty(), "wrongly rounded results (count of " + n + " per op): " + summary(wrong, wrongCount));
    }

    @Test
    void directedRoundingOnHandPickedValues() {
        // 1 + 2^-24*(1+2^-23) lies just above the midpoint of 1 and 1+2^-23; 1 + 2^-24 is exactly the midpoint (ties to even: 1).
        int[] r = t.run1(Vm.kernel("""
                    mov.b32 %f1, 0f3F800000;                 // 1.0
                    mov.b32 %f2, 0f33800001;                 // 2^-24 * (1 + 2^-23)
                    mov.b32 %f3, 0f33800000;                 // 2^-24
                    add.rn.f32 %f10, %f1, %f2;               // above the midpoint: rounds up to 1+2^-23
                    add.rz.f32 %f11, %f1, %f2;               // 1
                    add.rm.f32 %f12, %f1, %f2;               // 1
                    add.rp.f32 %f13, %f1, %f2;               // 1+2^-23
                    add.rn.f32 %f14, %f1, %f3;               // tie: to even, 1
                    sub.rn.f32 %f15, 0fBF800000, %f3;        // -1 - 2^-24: tie, to even: -1
                    sub.rm.f32 %f16, 0fBF800000, %f3;        // toward -inf: -(1+2^-23)
                    sub.rz.f32 %f17, 0fBF800000, %f3;        // toward zero: -1
                    div.rn.f32 %f18, 0f3F800000, 0f40400000; // 1/3 = 0x3EAAAAAB
                    div.rz.f32 %f19, 0f3F800000, 0f40400000; // 0x3EAAAAAA
                    div.rp.f32 %f20, 0f3F800000, 0f40400000; // 0x3EAAAAAB
                    div.rm.f32 %f21, 0fBF800000, 0f40400000; // -1/3 toward -inf: 0xBEAAAAAB
                    mul.rz.f32 %f22, 0f3FAAAAAB, 0f40400000; // 1.3333334 * 3 = 4.0000002: rz 4.0
                    fma.rn.f32 %f23, 0f3F800001, 0f3F800001, 0fBF800002; // (1+u)^2 - (1+2u) = u^2 = 2^-46: fused, no intermediate rounding
                    """ + Vm.store32("%f10", "%f11", "%f12", "%f13", "%f14", "%f15", "%f16", "%f17", "%f18", "%f19", "%f20", "%f21", "%f22",
                "%f23")), 14);
        assertArrayEquals(new int[] {0x3f800001, 0x3f800000, 0x3f800000, 0x3f800001, 0x3f800000, 0xbf800000, 0xbf800001, 0xbf800000,
            0x3eaaaaab, 0x3eaaaaaa, 0x3eaaaaab, 0xbeaaaaab, 0x40800000, 0x28800000}, r);
    }

    @Test
    void ftzFlushesSubnormalInputsAndResultsToSignPreservingZero() {
        int[] r = t.run1(Vm.kernel("""
                    mov.b32 %f1, 0f00000001;                 // smallest positive subnormal
                    add.ftz.f32 %f10, %f1, %f1;              // inputs flushed: +0
                    add.f32 %f11, %f1, %f1;                  // without .ftz: 2 * 2^-149
                    mul.ftz.f32 %f12, 0f00800000, 0f3F000000;   // FLT_MIN * 0.5 is subnormal: flushed to +0
                    mul.f32 %f13, 0f00800000, 0f3F000000;       // kept: 0x00400000
                    mul.ftz.f32 %f14, 0f80800000, 0f3F000000;   // negative: flushed to -0
                    fma.rn.ftz.f32 %f15, 0f00400000, 0f40000000, 0f00000000;  // subnormal input flushed: 0
                    fma.rn.f32 %f16, 0f00400000, 0f40000000, 0f00000000;      // 0x00800000
                    setp.eq.ftz.f32 %p1, %f1, 0f00000000;    // flushed input equals zero
                    selp.u32 %r1, 1, 0, %p1;
                    setp.eq.f32 %p2, %f1, 0f00000000;        // not flushed: differs
                    selp.u32 %r2, 1, 0, %p2;
                    min.ftz.f32 %f17, 0f80000001, 0f00000001;   // both flush to -0 and +0; min is -0
                    sqrt.rn.ftz.f32 %f18, 0f00000004;        // subnormal input: sqrt(+0) = +0
                    sqrt.rn.f32 %f19, 0f00000004;            // sqrt(2^-147) = 2^-73.5 ~ 0x1A3504F3
                    """ + Vm.store32("%f10", "%f11", "%f12", "%f13", "%f14", "%f15", "%f16", "%r1", "%r2", "%f17", "%f18", "%f19")), 12);
        assertArrayEquals(new int[] {0, 2, 0, 0x00400000, 0x80000000, 0, 0x00800000, 1, 0, 0x80000000, 0,
            Float.floatToRawIntBits((float) Math.sqrt(Float.intBitsToFloat(4)))}, r);
    }

    @Test
    void satClampsToTheUnitIntervalAndFlushesNaNToZero() {
        int[] r = t.run1(Vm.kernel("""
                    add.sat.f32 %f10, 0f3F400000, 0f3F000000;   // 0.75 + 0.5 = 1.25 -> 1.0
                    sub.sat.f32 %f11, 0f3E800000, 0f3F800000;   // 0.25 - 1 -> 0.0
                    mul.sat.f32 %f12, 0f3F000000, 0f3F000000;   // 0.25 stays
                    mov.b32 %f1, 0f7FC00000;                    // NaN
                    add.sat.f32 %f13, %f1, 0f3F800000;          // NaN result -> +0.0
                    fma.rn.sat.f32 %f14, 0f40000000, 0f40000000, 0f3F800000;  // 5 -> 1.0
                    mul.sat.f32 %f15, 0f7F800000, 0fBF800000;   // -inf -> 0.0
                    add.f32 %f16, 0f3F400000, 0f3F000000;       // no .sat: 1.25
                    """ + Vm.store32("%f10", "%f11", "%f12", "%f13", "%f14", "%f15", "%f16")), 7);
        assertArrayEquals(new int[] {0x3f800000, 0, 0x3e800000, 0, 0x3f800000, 0, 0x3fa00000}, r);
    }

    @Test
    void minMaxNaNRulesAndSignedZero() {
        int[] r = t.run1(Vm.kernel("""
                    mov.b32 %f1, 0f7FC00000;                 // NaN
                    min.f32 %f10, %f1, 0f3F800000;           // one NaN: the other operand, 1.0
                    min.f32 %f11, 0f3F800000, %f1;           // 1.0
                    max.f32 %f12, %f1, 0fC0400000;           // -3.0
                    min.f32 %f13, %f1, %f1;                  // both NaN: NaN
                    min.NaN.f32 %f14, %f1, 0f3F800000;       // .NaN: canonical NaN 0x7FFFFFFF
                    max.NaN.f32 %f15, 0f3F800000, %f1;       // canonical NaN
                    min.f32 %f16, 0f00000000, 0f80000000;    // -0.0 < +0.0 for min: -0
                    max.f32 %f17, 0f80000000, 0f00000000;    // +0
                    min.f32 %f18, 0fC0000000, 0f3F800000;    // ordinary: -2
                    max.f32 %f19, 0fC0000000, 0f3F800000;    // 1
                    """ + Vm.store32("%f10", "%f11", "%f12", "%f13", "%f14", "%f15", "%f16", "%f17", "%f18", "%f19")), 10);
        assertEquals(1.0f, Float.intBitsToFloat(r[0]));
        assertEquals(1.0f, Float.intBitsToFloat(r[1]));
        assertEquals(-3.0f, Float.intBitsToFloat(r[2]));
        assertTrue(Float.isNaN(Float.intBitsToFloat(r[3])), "min(NaN, NaN) is NaN: " + Vm.hex(r[3]));
        assertEquals(0x7fffffff, r[4], "min.NaN gives the canonical NaN");
        assertEquals(0x7fffffff, r[5], "max.NaN gives the canonical NaN");
        assertEquals(0x80000000, r[6], "min(+0, -0) = -0");
        assertEquals(0x00000000, r[7], "max(-0, +0) = +0");
        assertEquals(-2.0f, Float.intBitsToFloat(r[8]));
        assertEquals(1.0f, Float.intBitsToFloat(r[9]));

        long[] d = t.run1Long(Vm.kernel("""
                    mov.b64 %fd1, 0d7FF8000000000000;        // NaN
                    min.f64 %fd10, %fd1, 0d4000000000000000; // 2.0
                    max.f64 %fd11, 0dC000000000000000, %fd1; // -2.0
                    max.f64 %fd12, 0d3FF0000000000000, 0d4000000000000000;
                    """ + Vm.store64("%fd10", "%fd11", "%fd12")), 3);
        assertArrayEquals(new long[] {Double.doubleToRawLongBits(2.0), Double.doubleToRawLongBits(-2.0), Double.doubleToRawLongBits(2.0)}, d);
    }

    @Test
    void absNegAndCopysignWorkOnTheSignBit() {
        int[] r = t.run1(Vm.kernel("""
                    abs.f32 %f10, 0f80000000;                // |-0| = +0
                    abs.f32 %f11, 0fC0490FDB;                // |-pi|
                    neg.f32 %f12, 0f00000000;                // -(+0) = -0
                    neg.f32 %f13, 0f3F800000;
                    copysign.f32 %f14, 0fBF800000, 0f40200000;   // sign of a (-1), magnitude of b (2.5): -2.5
                    copysign.f32 %f15, 0f3F800000, 0fC0200000;   // +2.5
                    copysign.f32 %f16, 0f40400000, 0f80000000;   // +0
                    abs.f32 %f17, 0fFFC00000;                // NaN in: some NaN out
                    neg.f32 %f18, 0f00000001;                // subnormal keeps its magnitude without .ftz
                    """ + Vm.store32("%f10", "%f11", "%f12", "%f13", "%f14", "%f15", "%f16", "%f17", "%f18")), 9);
        assertEquals(0, r[0]);
        assertEquals(0x40490fdb, r[1]);
        assertEquals(0x80000000, r[2]);
        assertEquals(0xbf800000, r[3]);
        assertEquals(0xc0200000, r[4]);
        assertEquals(0x40200000, r[5]);
        assertEquals(0, r[6]);
        assertTrue(Float.isNaN(Float.intBitsToFloat(r[7])), Vm.hex(r[7]));
        assertEquals(0x80000001, r[8]);

        long[] d = t.run1Long(Vm.kernel("""
                    abs.f64 %fd10, 0dC008000000000000;       // 3.0
                    neg.f64 %fd11, 0d3FF0000000000000;       // -1.0
                    copysign.f64 %fd12, 0dBFF0000000000000, 0d4014000000000000;  // -5.0
                    """ + Vm.store64("%fd10", "%fd11", "%fd12")), 3);
        assertArrayEquals(new long[] {Double.doubleToRawLongBits(3.0), Double.doubleToRawLongBits(-1.0), Double.doubleToRawLongBits(-5.0)}, d);
    }

    @Test
    void testpClassifiesEveryKindOfValue() {
        // values: 1.0, +0, -0, smallest subnormal, +inf, -inf, NaN, -FLT_MAX
        String[] values = {"0f3F800000", "0f00000000", "0f80000000", "0f00000001", "0f7F800000", "0fFF800000", "0f7FC00000", "0fFF7FFFFF"};
        String[] ops = {"finite", "infinite", "number", "notanumber", "normal", "subnormal"};
        StringBuilder body = new StringBuilder();
        int k = 0;
        for (String v : values) {
            for (String op : ops) {
                body.append("    mov.b32 %f1, ").append(v).append(";\n    testp.").append(op).append(".f32 %p1, %f1;\n")
                        .append("    selp.u32 %r1, 1, 0, %p1;\n    st.global.b32 [%rd2+").append(4 * k++).append("], %r1;\n");
            }
        }
        body.append("""
                    testp.subnormal.f64 %p2, 0d0000000000000001;
                    selp.u32 %r2, 1, 0, %p2;
                    testp.normal.f64 %p3, 0d0000000000000001;
                    selp.u32 %r3, 1, 0, %p3;
                """).append("    st.global.b32 [%rd2+").append(4 * k++).append("], %r2;\n")
                .append("    st.global.b32 [%rd2+").append(4 * k++).append("], %r3;\n");
        int[] r = t.run1(Vm.kernel(body.toString()), k);
        //          finite inf number nan normal subnormal
        int[][] want = {
            {1, 0, 1, 0, 1, 0},   // 1.0
            {1, 0, 1, 0, 1, 0},   // +0: the ISA counts zeros as normal
            {1, 0, 1, 0, 1, 0},   // -0
            {1, 0, 1, 0, 0, 1},   // subnormal
            {0, 1, 1, 0, 0, 0},   // +inf
            {0, 1, 1, 0, 0, 0},   // -inf
            {0, 0, 0, 1, 0, 0},   // NaN
            {1, 0, 1, 0, 1, 0},   // -FLT_MAX
        };
        for (int v = 0; v < values.length; v++) {
            for (int o = 0; o < ops.length; o++) {
                assertEquals(want[v][o], r[v * ops.length + o], "testp." + ops[o] + ".f32 " + values[v]);
            }
        }
        assertEquals(1, r[k - 2], "testp.subnormal.f64 of the smallest double");
        assertEquals(0, r[k - 1], "testp.normal.f64 of a subnormal");
    }

    @Test
    void approximateFunctionsStayWithinTheIsaErrorBounds() {
        int n = 128;
        Random rnd = new Random(5);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) ((rnd.nextDouble() * 2 - 1) * (i % 2 == 0 ? 3 : 20));
        x[0] = 0.5f;
        x[1] = 1f;
        x[2] = -7.25f;
        String ops = """
                abs.f32 %f4, %f1;
                add.f32 %f4, %f4, 0f3C23D70A;            // |x| + 0.01 > 0
                rcp.approx.f32 %f10, %f1;
                st.global.f32 [%rd8+0], %f10;
                sqrt.approx.f32 %f10, %f4;
                st.global.f32 [%rd8+4], %f10;
                rsqrt.approx.f32 %f10, %f4;
                st.global.f32 [%rd8+8], %f10;
                ex2.approx.f32 %f10, %f1;
                st.global.f32 [%rd8+12], %f10;
                lg2.approx.f32 %f10, %f4;
                st.global.f32 [%rd8+16], %f10;
                sin.approx.f32 %f10, %f1;
                st.global.f32 [%rd8+20], %f10;
                cos.approx.f32 %f10, %f1;
                st.global.f32 [%rd8+24], %f10;
                tanh.approx.f32 %f10, %f1;
                st.global.f32 [%rd8+28], %f10;
                div.approx.f32 %f10, %f4, %f1;
                st.global.f32 [%rd8+32], %f10;
                div.full.f32 %f10, %f4, %f1;
                st.global.f32 [%rd8+36], %f10;
                """;
        String ptx = kernel3("f32", 4, 1, ops, 40);
        PtxVm.Buffer out = t.out(40L * n);
        t.run(ptx, new int[] {2, 1, 1}, new int[] {64, 1, 1}, out, t.floats(x), n);
        float[] g = Vm.floats(out, 10 * n);
        for (int i = 0; i < n; i++) {
            double v = x[i], p = Math.abs((double) x[i]) + (double) 0.01f;
            String at = " at x=" + v;
            relClose(1 / v, g[10 * i], 2 * ulpRel(1 / v), "rcp.approx (1 ulp)" + at);
            relClose(Math.sqrt(p), g[10 * i + 1], 0x1p-22, "sqrt.approx" + at);
            relClose(1 / Math.sqrt(p), g[10 * i + 2], 0x1p-21, "rsqrt.approx" + at);
            relClose(Math.pow(2, v), g[10 * i + 3], 3 * ulpRel(Math.pow(2, v)), "ex2.approx (2 ulp)" + at);
            absClose(Math.log(p) / Math.log(2), g[10 * i + 4], 0x1p-21 + 0x1p-21 * Math.abs(Math.log(p) / Math.log(2)), "lg2.approx" + at);
            absClose(Math.sin(v), g[10 * i + 5], 0x1p-19, "sin.approx" + at);
            absClose(Math.cos(v), g[10 * i + 6], 0x1p-19, "cos.approx" + at);
            relClose(Math.tanh(v), g[10 * i + 7], 0x1p-10, "tanh.approx" + at);
            relClose(p / v, g[10 * i + 8], 3 * ulpRel(p / v), "div.approx (2 ulp)" + at);
            relClose(p / v, g[10 * i + 9], 3 * ulpRel(p / v), "div.full (2 ulp)" + at);
        }
    }

    @Test
    void hexFloatImmediates() {
        int[] r = t.run1(Vm.kernel("""
                    add.f32 %f10, 0f3F800000, 0f40000000;    // 1 + 2 = 3
                    mul.f32 %f11, 0f40400000, 0fBF000000;    // 3 * -0.5 = -1.5
                    mov.f32 %f12, 0f7F800000;                // +inf
                    add.f64 %fd10, 0d3FF0000000000000, 0d4000000000000000;  // 1 + 2 = 3 in double
                    cvt.rn.f32.f64 %f13, %fd10;
                    mul.f64 %fd11, 0d3FF8000000000000, 0dC010000000000000;  // 1.5 * -4 = -6
                    cvt.rn.f32.f64 %f14, %fd11;
                    """ + Vm.store32("%f10", "%f11", "%f12", "%f13", "%f14")), 5);
        assertArrayEquals(new int[] {Float.floatToRawIntBits(3f), Float.floatToRawIntBits(-1.5f), 0x7f800000, Float.floatToRawIntBits(3f),
            Float.floatToRawIntBits(-6f)}, r);
    }

    // ---- kernels --------------------------------------------------------------------------------

    /** k(out, in, n): thread i < n loads a, b, c (%f1..%f3 or %fd1..%fd3) from in + i*3*size, stores at out + i*rowBytes (%rd8). */
    static String kernel3(String type, int size, String ops, int rowBytes) {
        return kernel3(type, size, 3, ops, rowBytes);
    }

    /** As above with {@code inputs} (1 to 3) values per thread. */
    static String kernel3(String type, int size, int inputs, String ops, int rowBytes) {
        String ld = "ld.global." + type + " ", r = type.equals("f32") ? "%f" : "%fd";
        return """
                .version 9.0
                .target sm_80
                .address_size 64

                .visible .entry k(.param .u64 out, .param .u64 in, .param .u32 n)
                {
                    .reg .pred %p<4>;
                    .reg .b32 %r<16>;
                    .reg .b64 %rd<16>;
                    .reg .f32 %f<16>;
                    .reg .f64 %fd<16>;
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
                """ + "    mul.wide.u32 %rd5, %r5, " + inputs * size + ";\n" + """
                    add.s64 %rd6, %rd4, %rd5;
                """ + "    mul.wide.u32 %rd7, %r5, " + rowBytes + ";\n" + """
                    add.s64 %rd8, %rd2, %rd7;
                """ + ld + r + "1, [%rd6];\n" + (inputs > 1 ? ld + r + "2, [%rd6+" + size + "];\n" : "")
                + (inputs > 2 ? ld + r + "3, [%rd6+" + 2 * size + "];\n" : "") + ops + """
                DONE:
                    ret;
                }
                """;
    }

    // ---- exact rounding model -------------------------------------------------------------------

    /** sign(v - trueResult), decided exactly. */
    interface Exact {
        int cmp(BigDecimal v);
    }

    static BigDecimal bd(double v) {
        return new BigDecimal(v);
    }

    static Exact exact(String op, double a, double b, double c) {
        BigDecimal A = bd(a), B = bd(b), C = bd(c);
        return switch (op) {
            case "add" -> v -> v.compareTo(A.add(B));
            case "sub" -> v -> v.compareTo(A.subtract(B));
            case "mul" -> v -> v.compareTo(A.multiply(B));
            case "fma" -> v -> v.compareTo(A.multiply(B).add(C));
            case "div" -> v -> v.multiply(B).compareTo(A) * B.signum();               // v - a/b  ~  (v*b - a) * sign(b)
            case "sqrt" -> v -> v.signum() < 0 ? -1 : v.multiply(v).compareTo(A.abs()); // v - sqrt(x) ~ v^2 - x for v >= 0
            case "rcp" -> v -> v.multiply(A).compareTo(BigDecimal.ONE) * A.signum();
            default -> throw new IllegalArgumentException(op);
        };
    }

    static double approx(String op, double a, double b, double c) {
        return switch (op) {
            case "add" -> a + b;
            case "sub" -> a - b;
            case "mul" -> a * b;
            case "fma" -> Math.fma(a, b, c);
            case "div" -> a / b;
            case "sqrt" -> Math.sqrt(Math.abs(a));
            case "rcp" -> 1 / a;
            default -> throw new IllegalArgumentException(op);
        };
    }

    /**
     * The raw bits of the f32 (or f64) the IEEE rounding mode gives for the exact result: finds the
     * neighbours lo <= exact < hi by exact comparison, then rn (ties to even), rz, rm or rp picks one.
     */
    static long round(Exact e, double approx, String mode, boolean f32) {
        if (f32) {
            float lo = (float) approx;
            if (Float.isInfinite(lo)) lo = Math.copySign(Float.MAX_VALUE, lo);
            while (lo > -Float.MAX_VALUE && e.cmp(bd(lo)) > 0) lo = Math.nextDown(lo);
            while (lo < Float.MAX_VALUE && e.cmp(bd(Math.nextUp(lo))) <= 0) lo = Math.nextUp(lo);
            int c = e.cmp(bd(lo));
            if (c == 0) return Float.floatToRawIntBits(lo);
            if (c > 0) return Float.floatToRawIntBits(overflow(e, -Float.MAX_VALUE, mode));   // below -MAX
            if (lo == Float.MAX_VALUE) return Float.floatToRawIntBits(overflow(e, Float.MAX_VALUE, mode));
            float hi = Math.nextUp(lo);
            return Float.floatToRawIntBits(pick(e, lo, hi, Float.floatToRawIntBits(lo) & 1, mode));
        }
        double lo = approx;
        while (e.cmp(bd(lo)) > 0) lo = Math.nextDown(lo);
        while (e.cmp(bd(Math.nextUp(lo))) <= 0) lo = Math.nextUp(lo);
        if (e.cmp(bd(lo)) == 0) return Double.doubleToRawLongBits(lo);
        double hi = Math.nextUp(lo);
        return Double.doubleToRawLongBits(pick(e, lo, hi, (int) (Double.doubleToRawLongBits(lo) & 1), mode));
    }

    /**
     * An f32 result beyond +-MAX: IEEE overflow. rn gives infinity from MAX + ulp/2 on (MAX's significand is
     * odd, so the tie goes to infinity too); rz gives MAX; rm/rp give MAX or infinity by direction.
     */
    private static float overflow(Exact e, float max, String mode) {
        float inf = Math.copySign(Float.POSITIVE_INFINITY, max);
        BigDecimal half = bd(Math.ulp(Float.MAX_VALUE)).divide(BigDecimal.TWO);
        BigDecimal threshold = max > 0 ? bd(max).add(half) : bd(max).subtract(half);
        return switch (mode) {
            case "rz" -> max;
            case "rm" -> max > 0 ? max : inf;
            case "rp" -> max > 0 ? inf : max;
            case "rn" -> (max > 0 ? e.cmp(threshold) <= 0 : e.cmp(threshold) >= 0) ? inf : max;
            default -> throw new IllegalArgumentException(mode);
        };
    }

    private static float pick(Exact e, float lo, float hi, int loOdd, String mode) {
        return (float) pick(e, (double) lo, (double) hi, loOdd, mode);
    }

    private static double pick(Exact e, double lo, double hi, int loOdd, String mode) {
        boolean positive = lo >= 0 && hi > 0;
        return switch (mode) {
            case "rz" -> positive ? lo : hi;
            case "rm" -> lo;
            case "rp" -> hi;
            case "rn" -> {
                BigDecimal mid = bd(lo).add(bd(hi)).divide(BigDecimal.TWO);
                int c = e.cmp(mid);              // mid - exact
                if (c > 0) yield lo;             // exact below the midpoint
                if (c < 0) yield hi;
                yield loOdd == 0 ? lo : hi;      // tie: even significand
            }
            default -> throw new IllegalArgumentException(mode);
        };
    }

    /** Random finite floats with varied exponents (2^-40..2^40) and signs, so products and quotients stay normal. */
    static float randomFloat(Random r) {
        float m = 1 + r.nextFloat();
        float v = (float) (m * Math.pow(2, r.nextInt(81) - 40));
        return r.nextBoolean() ? -v : v;
    }

    static double randomDouble(Random r) {
        double v = (1 + r.nextDouble()) * Math.pow(2, r.nextInt(201) - 100);
        return r.nextBoolean() ? -v : v;
    }

    static double ulpRel(double v) {
        return Math.ulp((float) v) / Math.abs(v);
    }

    static void relClose(double want, float got, double rel, String what) {
        assertTrue(Math.abs(got - want) <= rel * Math.abs(want), what + ": expected " + want + " (relative " + rel + "), got " + got);
    }

    static void absClose(double want, float got, double abs, String what) {
        assertTrue(Math.abs(got - want) <= abs, what + ": expected " + want + " (+-" + abs + "), got " + got);
    }

}
