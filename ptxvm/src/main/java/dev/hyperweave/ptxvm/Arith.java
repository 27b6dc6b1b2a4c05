package dev.hyperweave.ptxvm;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * The value semantics of PTX's arithmetic, comparison and conversion instructions, on raw register
 * bits, following the PTX ISA: integer results wrap (or saturate with .sat), floats round to nearest
 * even unless a directed rounding (.rz, .rm, .rp) is given, .ftz flushes f32 subnormal inputs and
 * results to a signed zero, .sat clamps float results to [0, 1] with NaN becoming 0.
 */
final class Arith {
    private Arith() {}

    /** PTX's canonical NaNs, which min and max return. */
    private static final float CANONICAL_NAN32 = Float.intBitsToFloat(0x7fffffff);
    private static final long CANONICAL_NAN64 = 0x7fffffffffffffffL;

    private static float f32(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    private static long bits(float f) {
        return Float.floatToRawIntBits(f) & 0xffffffffL;
    }

    private static double f64(long bits) {
        return Double.longBitsToDouble(bits);
    }

    private static long bits(double d) {
        return Double.doubleToRawLongBits(d);
    }

    private static float ftz(float f) {
        return Math.abs(f) < Float.MIN_NORMAL && f != 0 ? Math.copySign(0f, f) : f;
    }

    private static float in32(Insn in, long bits) {
        float f = f32(bits);
        return in.ftz ? ftz(f) : f;
    }

    private static long out32(Insn in, float f) {
        if (in.ftz) f = ftz(f);
        if (in.sat) f = Float.isNaN(f) ? 0f : Math.min(1f, Math.max(0f, f));
        return bits(f);
    }

    private static long out64(Insn in, double d) {
        if (in.sat) d = Double.isNaN(d) ? 0d : Math.min(1d, Math.max(0d, d));
        return bits(d);
    }

    private static boolean directed(Insn in) {
        return in.rounding == Insn.RZ || in.rounding == Insn.RM || in.rounding == Insn.RP;
    }

    // ---- directed rounding of exact results ------------------------------------------------------

    /** x rounded to float in the given mode (RZ, RM, RP), x exact. */
    static float round32(BigDecimal x, int mode) {
        float rn = x.floatValue();
        if (Float.isInfinite(rn)) {
            boolean pos = rn > 0;
            return switch (mode) {
                case Insn.RZ -> pos ? Float.MAX_VALUE : -Float.MAX_VALUE;
                case Insn.RM -> pos ? Float.MAX_VALUE : Float.NEGATIVE_INFINITY;
                case Insn.RP -> pos ? Float.POSITIVE_INFINITY : -Float.MAX_VALUE;
                default -> rn;
            };
        }
        int c = new BigDecimal(rn).compareTo(x); // sign of (rn - x)
        if (c == 0) return rn;
        return switch (mode) {
            case Insn.RZ -> (x.signum() > 0) == (c > 0) ? Math.nextAfter(rn, 0.0) : rn;
            case Insn.RM -> c > 0 ? Math.nextDown(rn) : rn;
            case Insn.RP -> c < 0 ? Math.nextUp(rn) : rn;
            default -> rn;
        };
    }

    static double round64(BigDecimal x, int mode) {
        double rn = x.doubleValue();
        if (Double.isInfinite(rn)) {
            boolean pos = rn > 0;
            return switch (mode) {
                case Insn.RZ -> pos ? Double.MAX_VALUE : -Double.MAX_VALUE;
                case Insn.RM -> pos ? Double.MAX_VALUE : Double.NEGATIVE_INFINITY;
                case Insn.RP -> pos ? Double.POSITIVE_INFINITY : -Double.MAX_VALUE;
                default -> rn;
            };
        }
        int c = new BigDecimal(rn).compareTo(x);
        if (c == 0) return rn;
        return switch (mode) {
            case Insn.RZ -> (x.signum() > 0) == (c > 0) ? Math.nextAfter(rn, 0.0) : rn;
            case Insn.RM -> c > 0 ? Math.nextDown(rn) : rn;
            case Insn.RP -> c < 0 ? Math.nextUp(rn) : rn;
            default -> rn;
        };
    }

    private static final MathContext DIV = new MathContext(80);

    private static boolean finite(double... xs) {
        for (double x : xs) if (!Double.isFinite(x)) return false;
        return true;
    }

    /** op(a, b) (and c for fma) on exact decimals, rounded in the instruction's directed mode. */
    private static long directedFloat(Insn in, char op, double a, double b, double c, boolean f64) {
        BigDecimal x = new BigDecimal(a), y = new BigDecimal(b);
        BigDecimal r = switch (op) {
            case '+' -> x.add(y);
            case '-' -> x.subtract(y);
            case '*' -> x.multiply(y);
            case '/' -> x.divide(y, DIV);
            default -> x.multiply(y).add(new BigDecimal(c));
        };
        if (r.signum() == 0) { // an exact zero: its sign as IEEE 754 gives it in this rounding mode
            double z = switch (op) {
                case '+' -> zeroSum(a, b, in.rounding);
                case '-' -> zeroSum(a, -b, in.rounding);
                case 'f' -> zeroSum(a * b, c, in.rounding);
                default -> op == '*' ? a * b : a / b; // sign is the xor of the operands' signs
            };
            return f64 ? out64(in, z) : out32(in, (float) z);
        }
        return f64 ? out64(in, round64(r, in.rounding)) : out32(in, round32(r, in.rounding));
    }

    /** The signed zero that p + q gives when its exact value is zero. */
    private static double zeroSum(double p, double q, int mode) {
        boolean negative = p == 0 && q == 0
                ? (mode == Insn.RM ? (1 / p < 0 || 1 / q < 0) : (1 / p < 0 && 1 / q < 0))
                : mode == Insn.RM;
        return negative ? -0.0 : 0.0;
    }

    /**
     * sqrt(x) rounded toward zero (= toward -inf: the root is positive) or toward +inf. The directed
     * result is the root rounded to nearest, r, or r's neighbour on the other side of the exact root;
     * the sign of r*r - x, computed exactly, is the sign of r - sqrt(x) and says which.
     */
    private static double sqrt64(double x, int mode) {
        double r = Math.sqrt(x);
        if (!(x > 0) || Double.isInfinite(x)) return r; // NaN, negative (NaN), +-0, +inf: exact
        int c = new BigDecimal(r).pow(2).compareTo(new BigDecimal(x));
        if (mode == Insn.RP) return c < 0 ? Math.nextUp(r) : r;
        return c > 0 ? Math.nextDown(r) : r;
    }

    private static float sqrt32(float x, int mode) {
        float r = (float) Math.sqrt(x); // correctly rounded to nearest
        if (!(x > 0) || Float.isInfinite(x)) return r;
        int c = Double.compare((double) r * r, x); // r*r has at most 48 significant bits: exact in a double
        if (mode == Insn.RP) return c < 0 ? Math.nextUp(r) : r;
        return c > 0 ? Math.nextDown(r) : r;
    }

    // ---- instruction families --------------------------------------------------------------------

    static long binary(Insn in, long a, long b) {
        PtxType t = in.type;
        if (t.isFloat()) return t == PtxType.F64 ? binary64(in, f64(a), f64(b)) : binary32(in, in32(in, a), in32(in, b));
        long x = t.norm(a), y = t.norm(b);
        boolean signed = t.isSigned();
        return switch (in.op) {
            case ADD -> in.sat && t == PtxType.S32 ? clamp32(x + y) : x + y;
            case SUB -> in.sat && t == PtxType.S32 ? clamp32(x - y) : x - y;
            case MUL -> multiply(in, t, x, y);
            case DIV -> y == 0 ? -1L : signed ? (x == Long.MIN_VALUE && y == -1 ? x : x / y) : Long.divideUnsigned(x, y);
            case REM -> y == 0 ? x : signed ? (y == -1 ? 0 : x % y) : Long.remainderUnsigned(x, y);
            case MIN -> (signed ? Long.compare(x, y) : Long.compareUnsigned(x, y)) <= 0 ? x : y;
            case MAX -> (signed ? Long.compare(x, y) : Long.compareUnsigned(x, y)) >= 0 ? x : y;
            case AND -> a & b;
            case OR -> a | b;
            case XOR -> a ^ b;
            case SHL -> (b & 0xffffffffL) >= t.bits ? 0 : a << b;
            case SHR -> {
                long n = Math.min(b & 0xffffffffL, t.bits);
                if (signed) yield n >= t.bits ? x >> 63 : x >> n;
                yield n >= t.bits ? 0 : (a & mask(t.bits)) >>> n;
            }
            case COPYSIGN -> throw new IllegalStateException("copysign needs a float type");
            default -> throw new IllegalStateException("not a binary instruction: " + in.text);
        };
    }

    private static long mask(int bits) {
        return bits >= 64 ? -1L : (1L << bits) - 1;
    }

    private static long clamp32(long v) {
        return Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }

    static long multiply(Insn in, PtxType t, long x, long y) {
        if (in.wide) return x * y; // operands extended by type: the full 2n-bit product
        if (!in.hi) return x * y;
        if (t.bits == 64) return t.isSigned() ? Math.multiplyHigh(x, y) : Math.unsignedMultiplyHigh(x, y);
        return (x * y) >> t.bits; // the product of two n-bit values fits in 64 bits
    }

    private static long binary32(Insn in, float a, float b) {
        if (in.op == Insn.Op.COPYSIGN) return bits(Math.copySign(b, a));
        if (in.op == Insn.Op.MIN || in.op == Insn.Op.MAX) return bits(minMax(in, a, b));
        if (directed(in) && finite(a, b) && (in.op != Insn.Op.DIV || b != 0)) return directedFloat(in, opChar(in), a, b, 0, false);
        float r = switch (in.op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            default -> throw new IllegalStateException("not a float binary instruction: " + in.text);
        };
        return out32(in, r);
    }

    private static char opChar(Insn in) {
        return switch (in.op) {
            case ADD -> '+';
            case SUB -> '-';
            case MUL -> '*';
            default -> '/';
        };
    }

    private static float minMax(Insn in, float a, float b) {
        boolean min = in.op == Insn.Op.MIN;
        if (Float.isNaN(a) || Float.isNaN(b)) {
            if ("nan".equals(in.mode) || (Float.isNaN(a) && Float.isNaN(b))) return CANONICAL_NAN32;
            return Float.isNaN(a) ? b : a;
        }
        float r = min ? Math.min(a, b) : Math.max(a, b); // -0 < +0, as PTX orders them
        return in.ftz ? ftz(r) : r;
    }

    private static long binary64(Insn in, double a, double b) {
        if (in.op == Insn.Op.COPYSIGN) return bits(Math.copySign(b, a));
        if (in.op == Insn.Op.MIN || in.op == Insn.Op.MAX) {
            boolean min = in.op == Insn.Op.MIN;
            if (Double.isNaN(a) || Double.isNaN(b)) {
                if ("nan".equals(in.mode) || (Double.isNaN(a) && Double.isNaN(b))) return CANONICAL_NAN64;
                return bits(Double.isNaN(a) ? b : a);
            }
            return bits(min ? Math.min(a, b) : Math.max(a, b));
        }
        if (directed(in) && finite(a, b) && (in.op != Insn.Op.DIV || b != 0)) return directedFloat(in, opChar(in), a, b, 0, true);
        double r = switch (in.op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            default -> throw new IllegalStateException("not a float binary instruction: " + in.text);
        };
        return out64(in, r);
    }

    /** mad and fma. */
    static long ternary(Insn in, long a, long b, long c) {
        PtxType t = in.type;
        if (t == PtxType.F32) {
            float x = in32(in, a), y = in32(in, b), z = in32(in, c);
            if (directed(in) && finite(x, y, z)) return directedFloat(in, 'f', x, y, z, false);
            return out32(in, Math.fma(x, y, z));
        }
        if (t == PtxType.F64) {
            double x = f64(a), y = f64(b), z = f64(c);
            if (directed(in) && finite(x, y, z)) return directedFloat(in, 'f', x, y, z, true);
            return out64(in, Math.fma(x, y, z));
        }
        long x = t.norm(a), y = t.norm(b);
        long prod = multiply(in, t, x, y);
        long z = in.wide ? c : t.norm(c);
        long r = prod + z;
        if (in.sat && t == PtxType.S32 && in.hi) r = clamp32(r);
        return r;
    }

    static long unary(Insn in, long a) {
        PtxType t = in.type;
        switch (in.op) {
            case NOT -> {
                return t == PtxType.PRED ? (a & 1) ^ 1 : ~a;
            }
            case CNOT -> {
                return (a & mask(t.bits)) == 0 ? 1 : 0;
            }
            case POPC -> {
                return Long.bitCount(a & mask(t.bits));
            }
            case CLZ -> {
                return t.bits == 64 ? Long.numberOfLeadingZeros(a) : Integer.numberOfLeadingZeros((int) a);
            }
            case BREV -> {
                return t.bits == 64 ? Long.reverse(a) : Integer.reverse((int) a) & 0xffffffffL;
            }
            case BFIND -> {
                long v = t.norm(a);
                if (t.isSigned() && v < 0) v = ~v;
                v &= mask(t.bits);
                if (v == 0) return 0xffffffffL;
                int msb = 63 - Long.numberOfLeadingZeros(v);
                return "shiftamt".equals(in.mode) ? t.bits - 1 - msb : msb;
            }
            default -> { }
        }
        if (t == PtxType.F64) {
            double x = f64(a);
            double r = switch (in.op) {
                case ABS -> Math.abs(x);
                case NEG -> -x;
                case RCP -> directed(in) && finite(x) && x != 0
                        ? round64(BigDecimal.ONE.divide(new BigDecimal(x), DIV), in.rounding) : 1.0 / x;
                case SQRT -> directed(in) ? sqrt64(x, in.rounding) : Math.sqrt(x);
                case RSQRT -> 1.0 / Math.sqrt(x);
                case EX2 -> Math.pow(2, x);
                case LG2 -> Math.log(x) / Math.log(2);
                case SIN -> Math.sin(x);
                case COS -> Math.cos(x);
                case TANH -> Math.tanh(x);
                default -> throw new IllegalStateException("not a unary f64 instruction: " + in.text);
            };
            return out64(in, r);
        }
        if (t == PtxType.F32) {
            float x = in32(in, a);
            float r = switch (in.op) {
                case ABS -> Math.abs(x);
                case NEG -> -x;
                case RCP -> directed(in) && finite(x) && x != 0
                        ? round32(BigDecimal.ONE.divide(new BigDecimal(x), DIV), in.rounding) : 1f / x;
                case SQRT -> directed(in) ? sqrt32(x, in.rounding) : (float) Math.sqrt(x); // double's sqrt has bits to spare
                case RSQRT -> (float) (1.0 / Math.sqrt(x));
                case EX2 -> (float) Math.pow(2, x);
                case LG2 -> (float) (Math.log(x) / Math.log(2));
                case SIN -> (float) Math.sin(x);
                case COS -> (float) Math.cos(x);
                case TANH -> (float) Math.tanh(x);
                default -> throw new IllegalStateException("not a unary f32 instruction: " + in.text);
            };
            return out32(in, r);
        }
        long x = t.norm(a);
        return switch (in.op) {
            case ABS -> Math.abs(x);
            case NEG -> -x;
            default -> throw new IllegalStateException("not a unary integer instruction: " + in.text);
        };
    }

    static long bfe(PtxType t, long a, long b, long c) {
        int msb = t.bits - 1;
        int pos = (int) (b & 0xff), len = (int) (c & 0xff);
        long sbit = !t.isSigned() || len == 0 ? 0 : (a >>> Math.min(pos + len - 1, msb)) & 1;
        long d = 0;
        for (int i = 0; i <= msb; i++) {
            long bit = i < len && pos + i <= msb ? (a >>> (pos + i)) & 1 : sbit;
            d |= bit << i;
        }
        return d;
    }

    static long bfi(PtxType t, long a, long b, long c, long d) {
        int msb = t.bits - 1;
        int pos = (int) (c & 0xff), len = (int) (d & 0xff);
        long f = b;
        for (int i = 0; i < len && pos + i <= msb; i++) {
            long bit = (a >>> i) & 1;
            f = (f & ~(1L << (pos + i))) | (bit << (pos + i));
        }
        return f;
    }

    /** prmt.b32 in its default mode: each result byte picks one of the 8 bytes of {b, a}, or its sign. */
    static long prmt(long a, long b, long c) {
        long bytes = (a & 0xffffffffL) | (b & 0xffffffffL) << 32;
        long r = 0;
        for (int i = 0; i < 4; i++) {
            int sel = (int) (c >>> (4 * i)) & 0xf;
            long v = (bytes >>> (8 * (sel & 7))) & 0xff;
            if ((sel & 8) != 0) v = (v & 0x80) != 0 ? 0xff : 0;
            r |= v << (8 * i);
        }
        return r;
    }

    static boolean testp(Insn in, long a) {
        double x = in.type == PtxType.F64 ? f64(a) : f32(a);
        double minNormal = in.type == PtxType.F64 ? Double.MIN_NORMAL : Float.MIN_NORMAL;
        return switch (in.mode) {
            case "finite" -> Double.isFinite(x);
            case "infinite" -> Double.isInfinite(x);
            case "number" -> !Double.isNaN(x);
            case "notanumber" -> Double.isNaN(x);
            case "normal" -> Double.isFinite(x) && (Math.abs(x) >= minNormal || x == 0); // PTX ISA, testp: zeros count as normal
            default -> x != 0 && Math.abs(x) < minNormal; // subnormal
        };
    }

    static boolean compare(String op, PtxType t, long a, long b, boolean ftz) {
        if (t.isFloat()) {
            double x = t == PtxType.F64 ? f64(a) : ftz ? ftz(f32(a)) : f32(a);
            double y = t == PtxType.F64 ? f64(b) : ftz ? ftz(f32(b)) : f32(b);
            boolean nan = Double.isNaN(x) || Double.isNaN(y);
            return switch (op) {
                case "eq" -> !nan && x == y;
                case "ne" -> !nan && x != y;
                case "lt" -> !nan && x < y;
                case "le" -> !nan && x <= y;
                case "gt" -> !nan && x > y;
                case "ge" -> !nan && x >= y;
                case "equ" -> nan || x == y;
                case "neu" -> nan || x != y;
                case "ltu" -> nan || x < y;
                case "leu" -> nan || x <= y;
                case "gtu" -> nan || x > y;
                case "geu" -> nan || x >= y;
                case "num" -> !nan;
                case "nan" -> nan;
                default -> throw new IllegalStateException("setp." + op + " is not a float comparison");
            };
        }
        long x = t.norm(a), y = t.norm(b);
        int s = t.isSigned() ? Long.compare(x, y) : Long.compareUnsigned(x, y);
        int u = Long.compareUnsigned(x & mask(t.bits), y & mask(t.bits));
        return switch (op) {
            case "eq" -> x == y;
            case "ne" -> x != y;
            case "lt" -> s < 0;
            case "le" -> s <= 0;
            case "gt" -> s > 0;
            case "ge" -> s >= 0;
            case "lo" -> u < 0;
            case "ls" -> u <= 0;
            case "hi" -> u > 0;
            case "hs" -> u >= 0;
            default -> throw new IllegalStateException("setp." + op + " is not an integer comparison");
        };
    }

    // ---- cvt ---------------------------------------------------------------------------------------

    static long cvt(Insn in, long a) {
        PtxType d = in.type, s = in.type2;
        if (!d.isFloat() && !s.isFloat()) {
            long v = s.norm(a);
            if (in.sat) v = clampTo(d, v, s.isSigned());
            return v & mask(d.bits);
        }
        if (!d.isFloat()) { // float to integer: round to an integer, then clamp to the range
            double x = s == PtxType.F64 ? f64(a) : s == PtxType.F16 ? Float.float16ToFloat((short) a) : f32(a);
            if (in.ftz && s == PtxType.F32) x = ftz((float) x);
            // PTX ISA, cvt: NaN gives 0, except from .f64 or into a 64-bit type: 1 << (width - 1)
            if (Double.isNaN(x)) return s == PtxType.F64 || d.bits == 64 ? 1L << (d.bits - 1) : 0;
            double r = roundInt(x, in.rounding < 0 ? Insn.RZI : in.rounding);
            return clampDouble(d, r) & mask(d.bits);
        }
        if (!s.isFloat()) { // integer to float
            long v = s.norm(a);
            BigDecimal exact = s.isSigned() || v >= 0 ? BigDecimal.valueOf(v) : new BigDecimal(Long.toUnsignedString(v));
            int mode = in.rounding < 0 ? Insn.RN : in.rounding;
            return switch (d) {
                case F64 -> out64(in, mode == Insn.RN ? exact.doubleValue() : round64(exact, mode));
                case F32 -> out32(in, mode == Insn.RN ? exact.floatValue() : round32(exact, mode));
                // doubleValue() is exact below 2^53; anything larger overflows f16 the same way in every mode
                default -> half(exact.doubleValue(), mode) & 0xffffL;
            };
        }
        // float to float
        double x = s == PtxType.F64 ? f64(a) : s == PtxType.F16 ? Float.float16ToFloat((short) a) : f32(a);
        if (in.ftz && s == PtxType.F32) x = ftz((float) x);
        int mode = in.rounding < 0 ? Insn.RN : in.rounding;
        if (mode >= Insn.RNI) x = Double.isFinite(x) ? roundInt(x, mode) : x;
        switch (d) {
            case F64 -> {
                return out64(in, x);
            }
            case F32 -> {
                // (float) x is exact for values a float holds, and keeps the sign of -0.0
                if (mode >= Insn.RNI || mode == Insn.RN || !Double.isFinite(x) || (float) x == x) return out32(in, (float) x);
                return out32(in, round32(new BigDecimal(x), mode));
            }
            default -> {
                if (in.sat) x = Double.isNaN(x) ? 0 : Math.min(1, Math.max(0, x));
                return half(x, mode) & 0xffffL;
            }
        }
    }

    /**
     * x rounded to f16 in the given mode (RN, RZ, RM, RP). Rounding x to float toward zero with the
     * last bit set when inexact ("round to odd") keeps enough information for the one correct
     * round-to-nearest step to f16 (a float has 13 more significant bits); a directed mode then steps
     * from that nearest neighbour to the other one when it lies on the wrong side of x.
     */
    static short half(double x, int mode) {
        float f = (float) x;
        if (Double.isFinite(x) && f != x) {
            if (Math.abs(f) > Math.abs(x)) f = Math.nextAfter(f, 0.0);
            f = Float.intBitsToFloat(Float.floatToRawIntBits(f) | 1);
        }
        short h = Float.floatToFloat16(f);
        double hv = Float.float16ToFloat(h);
        if (Double.isNaN(x) || hv == x) return h;
        boolean above = hv > x; // then the next f16 toward -inf is the other neighbour, else the next toward +inf
        boolean step = switch (mode) {
            case Insn.RZ -> above == (x > 0);
            case Insn.RM -> above;
            case Insn.RP -> !above;
            default -> false; // to nearest
        };
        if (!step) return h;
        // f16 bits are ordered like sign-magnitude integers: one step in magnitude is +-1 on the bits
        boolean up = !above;
        if ((h & 0x7fff) == 0) return (short) (up ? 0x0001 : 0x8001); // from a zero: the smallest subnormal
        boolean negative = h < 0;
        return (short) (up != negative ? h + 1 : h - 1);
    }

    private static double roundInt(double x, int mode) {
        return switch (mode) {
            case Insn.RNI -> Math.rint(x);
            case Insn.RMI -> Math.floor(x);
            case Insn.RPI -> Math.ceil(x);
            default -> x < 0 ? Math.ceil(x) : Math.floor(x);
        };
    }

    private static long clampTo(PtxType d, long v, boolean srcSigned) {
        if (d.bits == 64) {
            if (d.isSigned()) return srcSigned ? v : (v < 0 ? Long.MAX_VALUE : v);
            return srcSigned && v < 0 ? 0 : v;
        }
        long lo = d.isSigned() ? -(1L << (d.bits - 1)) : 0, hi = d.isSigned() ? (1L << (d.bits - 1)) - 1 : (1L << d.bits) - 1;
        if (!srcSigned && v < 0) return hi; // a u64 above 2^63
        return Math.max(lo, Math.min(hi, v));
    }

    private static long clampDouble(PtxType d, double r) {
        if (d.bits == 64) {
            if (d.isSigned()) return (long) r; // Java's conversion saturates
            if (r <= 0) return 0;
            if (r >= 18446744073709551615.0) return -1L;
            return new BigDecimal(r).longValue();
        }
        long lo = d.isSigned() ? -(1L << (d.bits - 1)) : 0, hi = d.isSigned() ? (1L << (d.bits - 1)) - 1 : (1L << d.bits) - 1;
        if (r <= lo) return lo;
        if (r >= hi) return hi;
        return (long) r;
    }
}
