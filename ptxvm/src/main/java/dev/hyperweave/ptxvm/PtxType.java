package dev.hyperweave.ptxvm;

/** The PTX fundamental types the VM knows; f16 only as storage (ld, st, cvt, mov). */
enum PtxType {
    PRED(1, Kind.PRED), B8(8, Kind.BITS), B16(16, Kind.BITS), B32(32, Kind.BITS), B64(64, Kind.BITS),
    U8(8, Kind.UNSIGNED), U16(16, Kind.UNSIGNED), U32(32, Kind.UNSIGNED), U64(64, Kind.UNSIGNED),
    S8(8, Kind.SIGNED), S16(16, Kind.SIGNED), S32(32, Kind.SIGNED), S64(64, Kind.SIGNED),
    F16(16, Kind.FLOAT), F32(32, Kind.FLOAT), F64(64, Kind.FLOAT);

    enum Kind { PRED, BITS, UNSIGNED, SIGNED, FLOAT }

    final int bits;
    final Kind kind;

    PtxType(int bits, Kind kind) {
        this.bits = bits;
        this.kind = kind;
    }

    int bytes() {
        return Math.max(1, bits / 8);
    }

    boolean isFloat() {
        return kind == Kind.FLOAT;
    }

    boolean isSigned() {
        return kind == Kind.SIGNED;
    }

    /** The type a modifier token names, or null. */
    static PtxType of(String token) {
        return switch (token) {
            case "pred" -> PRED;
            case "b8" -> B8;
            case "b16" -> B16;
            case "b32" -> B32;
            case "b64" -> B64;
            case "u8" -> U8;
            case "u16" -> U16;
            case "u32" -> U32;
            case "u64" -> U64;
            case "s8" -> S8;
            case "s16" -> S16;
            case "s32" -> S32;
            case "s64" -> S64;
            case "f16" -> F16;
            case "f32" -> F32;
            case "f64" -> F64;
            default -> null;
        };
    }

    /** The value's bits as this type reads them: sign- or zero-extended to 64 bits. */
    long norm(long v) {
        if (bits == 64) return v;
        if (kind == Kind.SIGNED) return (v << (64 - bits)) >> (64 - bits);
        if (bits == 1) return v & 1;
        return v & ((1L << bits) - 1);
    }
}
